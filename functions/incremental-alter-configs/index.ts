/**
 * IncrementalAlterConfigs (API key 44), versions 0–1.
 *
 * Version notes: v1+ flexible; otherwise the same.
 *
 * Each resource lists operations on single configs: SET (0), DELETE (1),
 * APPEND (2) and SUBTRACT (3); only the named configs change. Rules, in
 * Kafka's order (ConfigAdminManager.preprocess, then ConfigurationControlManager):
 * - a resource named twice: INVALID_REQUEST for every copy;
 * - a config named twice in one resource: INVALID_REQUEST "Error due to duplicate config keys";
 * - a null value for anything but DELETE: INVALID_REQUEST;
 * - an operation id not in 0–3: INVALID_REQUEST;
 * TOPIC:
 * - empty name: INVALID_REQUEST; illegal name: INVALID_TOPIC_EXCEPTION;
 * - APPEND / SUBTRACT on a config that is not a list (or not known):
 *   INVALID_CONFIG "Can't APPEND to key K because its type is not LIST.";
 *   they work on the explicit value or, when unset, Kafka's default
 *   (ConfigDef's, not the broker-level one), split on ',': APPEND adds the
 *   items not present, SUBTRACT removes the first occurrence of each;
 * - the resulting set is validated whole: unknown name or bad value INVALID_CONFIG;
 *   DELETE of a name that is not set is a no-op;
 * - unknown topic: UNKNOWN_TOPIC_OR_PARTITION.
 * BROKER (empty name, or the node id): broker configs are static here, so
 * SET / APPEND / SUBTRACT are INVALID_REQUEST "Cannot update these configs
 * dynamically: Set(...)", Kafka's answer for static configs; DELETE has no
 * dynamic value to remove and succeeds.
 * BROKER_LOGGER (node id): functions have no log4j loggers, so SET and DELETE
 * are INVALID_CONFIG "Logger L does not exist!"; APPEND / SUBTRACT INVALID_REQUEST.
 * CLIENT_METRICS: INVALID_REQUEST (no subscriptions are kept). Other types:
 * INVALID_REQUEST "Unknown resource type N".
 * validateOnly checks everything and changes nothing.
 * Storage failures: REQUEST_TIMED_OUT for the resources concerned (see admin-errors).
 */

import { ALTER_CONFIG_OP_NAMES, AlterConfigOp, ConfigResourceType } from '../../shared/config/config-resources.js';
import { topicConfigDefinitions } from '../../shared/config/topic-configs.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type {
  IncrementalAlterConfigsRequestAlterableConfig,
  IncrementalAlterConfigsRequestAlterConfigsResource,
} from '../../shared/protocol/generated/incremental-alter-configs.js';
import { type KafkaError, kafkaError } from '../admin-errors.js';
import { AclOperation, access, configResourceError } from '../authorize.js';
import { brokerNode } from '../cluster.js';
import {
  alterResponses,
  alterTopicConfigs,
  brokerChangeProblem,
  DUPLICATE_KEYS,
  DUPLICATE_RESOURCE,
  duplicateResources,
  hasDuplicates,
  nodeNameProblem,
  nullValues,
  OK,
} from '../config-changes.js';
import { defineFunction } from '../define.js';

type Op = IncrementalAlterConfigsRequestAlterableConfig;

/** A list config's items as Kafka's controller splits them: on ',', empty items dropped. */
function listItems(value: string | null): string[] {
  return value === null ? [] : value.split(',').filter((s) => s !== '');
}

/** The new explicit value of a topic config under one operation (null removes it), or the error. */
function applyOp(op: Op, current: string | undefined): string | null | KafkaError {
  switch (op.configOperation) {
    case AlterConfigOp.SET:
      return op.value!;
    case AlterConfigOp.DELETE:
      return null;
    default: {
      const def = topicConfigDefinitions.get(op.name);
      if (def?.type !== 'list') {
        return kafkaError(
          ErrorCode.INVALID_CONFIG,
          `Can't ${ALTER_CONFIG_OP_NAMES[op.configOperation]} to key ${op.name} because its type is not LIST.`,
        );
      }
      const items = listItems(current ?? def.default);
      for (const item of op.value!.split(',')) {
        if (op.configOperation === AlterConfigOp.APPEND) {
          if (!items.includes(item)) items.push(item);
        } else {
          const at = items.indexOf(item);
          if (at >= 0) items.splice(at, 1);
        }
      }
      return items.join(',');
    }
  }
}

function loggerProblem(op: Op): KafkaError {
  switch (op.configOperation) {
    case AlterConfigOp.SET:
    case AlterConfigOp.DELETE:
      return kafkaError(ErrorCode.INVALID_CONFIG, `Logger ${op.name} does not exist!`);
    default:
      return kafkaError(
        ErrorCode.INVALID_REQUEST,
        `${ALTER_CONFIG_OP_NAMES[op.configOperation]} operation is not allowed for the BROKER_LOGGER resource`,
      );
  }
}

export default defineFunction({
  apiKey: 44,
  versions: [0, 1],
  async handle({ body, env, ctx }) {
    const duplicates = duplicateResources(body.resources);
    const checks = await access(env, ctx);
    // A broker resource names the node the request was sent to: the proxy the client is connected to.
    const nodeId = brokerNode(env, ctx).nodeId;

    const alter = async (r: IncrementalAlterConfigsRequestAlterConfigsResource, i: number): Promise<KafkaError> => {
      if (duplicates.has(i)) return DUPLICATE_RESOURCE;
      const refused = configResourceError(checks, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
      if (refused !== ErrorCode.NONE) return kafkaError(refused, null);
      if (hasDuplicates(r.configs.map((c) => c.name))) return DUPLICATE_KEYS;
      const nulls = nullValues(
        r.configs.filter((c) => c.configOperation !== AlterConfigOp.DELETE && c.value === null).map((c) => c.name),
      );
      if (nulls !== undefined) return nulls;
      const unknownOp = r.configs.find((c) => ALTER_CONFIG_OP_NAMES[c.configOperation] === undefined);
      if (unknownOp !== undefined) {
        return kafkaError(ErrorCode.INVALID_REQUEST, `Unknown operations type ${unknownOp.configOperation}`);
      }
      switch (r.resourceType) {
        case ConfigResourceType.TOPIC:
          return alterTopicConfigs(
            env,
            r.resourceName,
            (current) => {
              const changes: Record<string, string | null> = {};
              for (const op of r.configs) {
                const next = applyOp(op, current[op.name]);
                if (next !== null && typeof next === 'object') return next;
                changes[op.name] = next;
              }
              return { changes, mode: 'patch' };
            },
            body.validateOnly,
          );
        case ConfigResourceType.BROKER: {
          const setting = r.configs.filter((c) => c.configOperation !== AlterConfigOp.DELETE).map((c) => c.name);
          return brokerChangeProblem(r.resourceName, nodeId, setting) ?? OK;
        }
        case ConfigResourceType.BROKER_LOGGER: {
          const problem = nodeNameProblem(r.resourceName, nodeId);
          if (problem !== undefined) return problem;
          const first = r.configs[0];
          return first === undefined ? OK : loggerProblem(first);
        }
        case ConfigResourceType.CLIENT_METRICS:
          return kafkaError(ErrorCode.INVALID_REQUEST, 'Client metrics subscriptions are not supported.');
        default:
          return kafkaError(ErrorCode.INVALID_REQUEST, `Unknown resource type ${r.resourceType}`);
      }
    };

    return { throttleTimeMs: 0, responses: await alterResponses(body.resources, alter) };
  },
});
