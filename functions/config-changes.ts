/**
 * What AlterConfigs and IncrementalAlterConfigs share: Kafka's checks on the
 * request's shape (ConfigAdminManager.preprocess), the refusal of broker
 * config changes, and applying a change to a topic's explicit configs
 * (ConfigurationControlManager: validate the whole resulting set, then check
 * the topic exists, then store).
 *
 * Broker configs are static in Kafkaless: they come from the deployment's
 * configuration, which no function can rewrite. Kafka answers a change to a
 * static broker config with INVALID_REQUEST "Cannot update these configs
 * dynamically: Set(...)"; so do we, for every broker config.
 */

import { nodeIdOf } from '../shared/config/config-resources.js';
import { canonicalConfigValue, topicConfigDefinitions, validateTopicConfigs } from '../shared/config/topic-configs.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import { topicNameProblem } from '../shared/topic-names.js';
import { type KafkaError, kafkaError, storageError } from './admin-errors.js';
import type { FunctionEnv } from './define.js';

export const OK: KafkaError = { errorCode: ErrorCode.NONE, errorMessage: null };

/** Indexes of resources named more than once (type and name); Kafka refuses every copy. */
export function duplicateResources(resources: readonly { resourceType: number; resourceName: string }[]): Set<number> {
  const seen = new Map<string, number>();
  const duplicates = new Set<number>();
  resources.forEach((r, i) => {
    const key = `${r.resourceType}\u0000${r.resourceName}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
    } else {
      duplicates.add(first);
      duplicates.add(i);
    }
  });
  return duplicates;
}

export const DUPLICATE_RESOURCE = kafkaError(ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.');
export const DUPLICATE_KEYS = kafkaError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');

export function hasDuplicates(names: readonly string[]): boolean {
  return new Set(names).size !== names.length;
}

export function nullValues(names: readonly string[]): KafkaError | undefined {
  return names.length === 0
    ? undefined
    : kafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${names.join(', ')}`);
}

/** A BROKER or BROKER_LOGGER resource must name this node (ConfigAdminManager.validateResourceNameIsCurrentNodeId). */
export function nodeNameProblem(name: string, nodeId: number): KafkaError | undefined {
  const id = nodeIdOf(name);
  if (id === undefined) {
    return kafkaError(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${name}`);
  }
  if (id !== nodeId) {
    return kafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${nodeId}, but received ${name}`);
  }
  return undefined;
}

/** Refuses setting broker configs, as Kafka refuses static ones; the cluster-wide resource (empty name) included. */
export function brokerChangeProblem(name: string, nodeId: number, setting: readonly string[]): KafkaError | undefined {
  if (name !== '') {
    const problem = nodeNameProblem(name, nodeId);
    if (problem !== undefined) return problem;
  }
  if (setting.length === 0) return undefined;
  return kafkaError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: Set(${setting.join(', ')})`);
}

/** How a request changes a topic's explicit configs, given the current ones; or why it cannot. */
export type TopicChange = (
  current: Readonly<Record<string, string>>,
) => { changes: Record<string, string | null>; mode: 'replace' | 'patch' } | KafkaError;

/**
 * Validates and applies a change to a topic's explicit configs, in Kafka's
 * order: the name, then the resulting set of configs, then that the topic
 * exists. Values are stored in Kafka's canonical form.
 */
export async function alterTopicConfigs(
  env: FunctionEnv,
  topic: string,
  change: TopicChange,
  validateOnly: boolean,
): Promise<KafkaError> {
  const log = env.log.child('alter-configs');
  if (topic === '') return kafkaError(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
  const problem = topicNameProblem(topic);
  if (problem !== undefined) return kafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name is invalid: ${problem}`);
  try {
    const current = await env.meta.topics.getTopic(topic);
    const explicit = current?.configs ?? {};
    const planned = change(explicit);
    if ('errorCode' in planned) return planned;
    const next: Record<string, string> = planned.mode === 'patch' ? { ...explicit } : {};
    for (const [name, value] of Object.entries(planned.changes)) {
      if (value === null) delete next[name];
      else next[name] = value;
    }
    const invalid = validateTopicConfigs(next, env.config.topicDefaults);
    if (invalid !== undefined) return kafkaError(ErrorCode.INVALID_CONFIG, invalid);
    if (current === null) {
      return kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${topic}' does not exist.`);
    }
    if (validateOnly) return OK;
    const stored: Record<string, string | null> = {};
    for (const [name, value] of Object.entries(planned.changes)) {
      const def = topicConfigDefinitions.get(name);
      stored[name] = value === null || def === undefined ? value : canonicalConfigValue(def, value);
    }
    const updated = await env.meta.topics.updateConfigs(topic, stored, planned.mode);
    if (updated === null) {
      return kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${topic}' does not exist.`);
    }
    log.info('altered topic configs', { topic, mode: planned.mode, changes: stored });
    return OK;
  } catch (e) {
    return storageError(env, e, 'alter topic configs');
  }
}

/** Answers each resource of an alter request in order, one at a time (later ones see earlier changes). */
export async function alterResponses<R extends { resourceType: number; resourceName: string }>(
  resources: readonly R[],
  alter: (resource: R, index: number) => Promise<KafkaError>,
): Promise<{ errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }[]> {
  const responses = [];
  for (const [i, r] of resources.entries()) {
    const error = await alter(r, i);
    responses.push({
      errorCode: error.errorCode,
      errorMessage: error.errorMessage,
      resourceType: r.resourceType,
      resourceName: r.resourceName,
    });
  }
  return responses;
}
