/**
 * AlterConfigs (API key 33), versions 0–2 — the legacy, non-incremental form.
 *
 * Version notes: v1 same as v0 (throttling behaviour); v2+ flexible.
 *
 * A TOPIC resource's configs replace the topic's whole explicit config set:
 * names left out fall back to the broker-level value or Kafka's default.
 * Rules, in Kafka's order (ConfigAdminManager.preprocess, then the controller):
 * - a resource named twice: INVALID_REQUEST for every copy;
 * - a config named twice: INVALID_REQUEST "Error due to duplicate config keys";
 * - a null value: INVALID_REQUEST "Null value not supported for : ...";
 * - empty topic name: INVALID_REQUEST; illegal name: INVALID_TOPIC_EXCEPTION;
 * - unknown config name or bad value (checked over the whole resulting set):
 *   INVALID_CONFIG with Kafka's message;
 * - unknown topic: UNKNOWN_TOPIC_OR_PARTITION.
 * BROKER resources (empty name, or the node id): broker configs are static
 * here, so setting any is INVALID_REQUEST "Cannot update these configs
 * dynamically: Set(...)", Kafka's answer for a static broker config; an empty
 * change succeeds. BROKER_LOGGER and other types: INVALID_REQUEST "Unknown
 * resource type N", as Kafka (legacy AlterConfigs never served loggers);
 * CLIENT_METRICS: INVALID_REQUEST (no subscriptions are kept).
 * validateOnly checks everything and changes nothing.
 * Storage failures: REQUEST_TIMED_OUT for the resources concerned (see admin-errors).
 */

import { ConfigResourceType } from '../../shared/config/config-resources.js';
import type { AlterConfigsRequestAlterConfigsResource } from '../../shared/protocol/generated/alter-configs.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
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
  nullValues,
} from '../config-changes.js';
import { defineFunction } from '../define.js';

export default defineFunction({
  apiKey: 33,
  versions: [0, 2],
  async handle({ body, env, ctx }) {
    const duplicates = duplicateResources(body.resources);
    const checks = await access(env, ctx);
    // A broker resource names the node the request was sent to: the proxy the client is connected to.
    const nodeId = brokerNode(env, ctx).nodeId;

    const alter = async (r: AlterConfigsRequestAlterConfigsResource, i: number): Promise<KafkaError> => {
      if (duplicates.has(i)) return DUPLICATE_RESOURCE;
      const refused = configResourceError(checks, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
      if (refused !== ErrorCode.NONE) return kafkaError(refused, null);
      const names = r.configs.map((c) => c.name);
      if (hasDuplicates(names)) return DUPLICATE_KEYS;
      const nulls = nullValues(r.configs.filter((c) => c.value === null).map((c) => c.name));
      if (nulls !== undefined) return nulls;
      switch (r.resourceType) {
        case ConfigResourceType.TOPIC:
          return alterTopicConfigs(
            env,
            r.resourceName,
            () => ({ changes: Object.fromEntries(r.configs.map((c) => [c.name, c.value!])), mode: 'replace' }),
            body.validateOnly,
          );
        case ConfigResourceType.BROKER:
          return brokerChangeProblem(r.resourceName, nodeId, names) ?? kafkaError(ErrorCode.NONE, null);
        case ConfigResourceType.CLIENT_METRICS:
          return kafkaError(ErrorCode.INVALID_REQUEST, 'Client metrics subscriptions are not supported.');
        default:
          return kafkaError(ErrorCode.INVALID_REQUEST, `Unknown resource type ${r.resourceType}`);
      }
    };

    return { throttleTimeMs: 0, responses: await alterResponses(body.resources, alter) };
  },
});
