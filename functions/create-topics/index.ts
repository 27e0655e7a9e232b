/**
 * CreateTopics (API key 19), versions 0–7.
 *
 * Version notes:
 * - v0: no validateOnly, no error messages. v1+: validateOnly, errorMessage.
 * - v2+: throttleTimeMs. v3: same as v2.
 * - v4+: clients may send numPartitions / replicationFactor -1 for the broker
 *   defaults (we, as Kafka's controller, accept -1 at any version).
 * - v5+ (flexible): a successful result carries numPartitions,
 *   replicationFactor and the topic's resolved configs.
 * - v6: same as v5 (quota errors). v7+: the new topic's id.
 *
 * Rules, in Kafka's order (ReplicationControlManager.createTopics):
 * - a name given twice in one request: INVALID_REQUEST "Duplicate topic name."
 *   once per such name, after the other results; `__cluster_metadata` is refused;
 * - illegal name: INVALID_TOPIC_EXCEPTION; a name that collides ('.' vs '_')
 *   with an existing topic, or with one created earlier in the same request:
 *   INVALID_TOPIC_EXCEPTION;
 * - existing: TOPIC_ALREADY_EXISTS;
 * - configs: null values, unknown names and bad values are INVALID_CONFIG;
 * - manual assignments need numPartitions and replicationFactor -1
 *   (INVALID_REQUEST), each partition once, 0-based and consecutive, each with
 *   the same number of distinct, non-negative broker ids
 *   (INVALID_REPLICA_ASSIGNMENT); the partition count is the assignment's;
 * - otherwise replicationFactor 0 or < -1: INVALID_REPLICATION_FACTOR;
 *   numPartitions 0 or < -1: INVALID_PARTITIONS; -1 takes the default.
 *
 * Replication: partitions live in object storage, not on brokers, so any
 * replication factor >= 1 is accepted (Kafka would refuse more replicas than
 * brokers). Each partition has one replica — the one node the proxies
 * advertise, as Metadata reports it — so results report replicationFactor 1,
 * as Kafka reports the replicas it actually placed. Broker ids in manual
 * assignments only shape the request; placement is not meaningful here.
 *
 * A request that would write more than 10,000 metadata records (a topic,
 * its configs and its partitions each count one) fails whole with
 * POLICY_VIOLATION, as Kafka's controller refuses such batches.
 *
 * validateOnly answers as a real creation would (a fresh topic id, the
 * resolved configs) and stores nothing. Config values are stored in Kafka's
 * canonical form (trimmed, lists joined with ',', booleans lower-case).
 * Creation of one name is atomic in the store; the collision check reads the
 * topic list first, so two concurrent requests for colliding names could both
 * succeed.
 *
 * Storage failures: REQUEST_TIMED_OUT for the topics concerned (see admin-errors).
 */

import { topicConfigEntries } from '../../shared/config/config-entries.js';
import {
  canonicalConfigValue,
  topicConfigDefinitions,
  validateTopicConfigs,
} from '../../shared/config/topic-configs.js';
import type {
  CreateTopicsRequestCreatableTopic,
  CreateTopicsResponseCreatableTopicResult,
} from '../../shared/protocol/generated/create-topics.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { TopicRecord } from '../../shared/storage/types.js';
import { newTopicId } from '../../shared/topic-ids.js';
import { hasCollisionChars, isValidTopicName, topicNameProblem, topicNamesCollide } from '../../shared/topic-names.js';
import { type KafkaError, kafkaError, storageError } from '../admin-errors.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction, type FunctionEnv } from '../define.js';
import { replicaListProblem } from '../replica-assignments.js';

const CLUSTER_METADATA_TOPIC = '__cluster_metadata';
/** Kafka's controller writes at most this many records for one request. */
export const MAX_RECORDS_PER_REQUEST = 10_000;

type Result = Init<CreateTopicsResponseCreatableTopicResult>;

interface Plan {
  readonly partitions: number;
  readonly configs: Record<string, string>;
}

function failed(name: string, error: KafkaError): Result {
  return { name, errorCode: error.errorCode, errorMessage: error.errorMessage };
}

/** Partition count from the request, or the error Kafka gives. */
function partitionCount(topic: CreateTopicsRequestCreatableTopic, env: FunctionEnv): number | KafkaError {
  if (topic.assignments.length > 0) {
    if (topic.replicationFactor !== -1) {
      return kafkaError(
        ErrorCode.INVALID_REQUEST,
        'A manual partition assignment was specified, but replication factor was not set to -1.',
      );
    }
    if (topic.numPartitions !== -1) {
      return kafkaError(
        ErrorCode.INVALID_REQUEST,
        'A manual partition assignment was specified, but numPartitions was not set to -1.',
      );
    }
    const seen = new Set<number>();
    let replicas: number | undefined;
    for (const a of topic.assignments) {
      if (seen.has(a.partitionIndex)) {
        return kafkaError(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Found multiple manual partition assignments for partition ${a.partitionIndex}`,
        );
      }
      seen.add(a.partitionIndex);
      const problem = replicaListProblem(a.brokerIds, replicas);
      if (problem !== undefined) return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
      replicas = a.brokerIds.length;
    }
    for (let i = 0; i < seen.size; i++) {
      if (!seen.has(i)) {
        return kafkaError(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          'partitions should be a consecutive 0-based integer sequence',
        );
      }
    }
    return seen.size;
  }
  if (topic.replicationFactor < -1 || topic.replicationFactor === 0) {
    return kafkaError(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      'Replication factor must be larger than 0, or -1 to use the default value.',
    );
  }
  if (topic.numPartitions < -1 || topic.numPartitions === 0) {
    return kafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
  }
  return topic.numPartitions === -1 ? env.config.defaultPartitions : topic.numPartitions;
}

/** The explicit configs to store (in Kafka's canonical form), or the error. */
function topicConfigs(topic: CreateTopicsRequestCreatableTopic, env: FunctionEnv): Record<string, string> | KafkaError {
  const nulls = topic.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) {
    return kafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nulls.join(',')}`);
  }
  const configs: Record<string, string> = {};
  for (const c of topic.configs) configs[c.name] = c.value!;
  const problem = validateTopicConfigs(configs, env.config.topicDefaults);
  if (problem !== undefined) return kafkaError(ErrorCode.INVALID_CONFIG, problem);
  for (const [name, value] of Object.entries(configs)) {
    configs[name] = canonicalConfigValue(topicConfigDefinitions.get(name)!, value);
  }
  return configs;
}

function isError<T extends object>(v: T | KafkaError): v is KafkaError {
  return 'errorCode' in v;
}

/** What to create for one topic, or why not, with Kafka's checks in Kafka's order. */
function planTopic(
  topic: CreateTopicsRequestCreatableTopic,
  existing: TopicRecord | null,
  collisionNames: readonly string[],
  env: FunctionEnv,
): Plan | KafkaError {
  // Existence is checked after the name but reported over it, as Kafka overwrites the error.
  if (existing !== null) return kafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${topic.name}' already exists.`);
  const nameProblem = topicNameProblem(topic.name);
  if (nameProblem !== undefined) {
    return kafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name is invalid: ${nameProblem}`);
  }
  if (hasCollisionChars(topic.name)) {
    const other = collisionNames.find((n) => n !== topic.name && topicNamesCollide(n, topic.name));
    if (other !== undefined) {
      return kafkaError(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic '${topic.name}' collides with existing topic: ${other}`,
      );
    }
  }
  const configs = topicConfigs(topic, env);
  if (isError(configs)) return configs;
  const partitions = partitionCount(topic, env);
  if (typeof partitions !== 'number') return partitions;
  return { partitions, configs };
}

function success(topic: TopicRecord, env: FunctionEnv): Result {
  return {
    name: topic.name,
    topicId: topic.id,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: topic.partitions,
    replicationFactor: 1,
    configs: topicConfigEntries(topic.configs, env.config).map((e) => ({
      name: e.name,
      value: e.isSensitive ? null : e.value,
      readOnly: e.readOnly,
      configSource: e.source,
      isSensitive: e.isSensitive,
    })),
  };
}

export default defineFunction({
  apiKey: 19,
  versions: [0, 7],
  async handle({ apiVersion, body, env, ctx }) {
    const log = env.log.child('create-topics');
    // KafkaApis.handleCreateTopicsRequest: CREATE on the cluster or on each topic; DESCRIBE_CONFIGS to see its configs.
    const checks = await access(env, ctx);
    const clusterCreate = checks.allowsCluster(AclOperation.CREATE);
    const creatable = (name: string): boolean =>
      clusterCreate || checks.allows(AclOperation.CREATE, ResourceType.TOPIC, name);
    const created = (topic: TopicRecord): Result => {
      const r = success(topic, env);
      if (checks.allows(AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, topic.name)) return r;
      return { ...r, topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, configs: [] };
    };
    const validateOnly = apiVersion >= 1 && body.validateOnly;

    const counts = new Map<string, number>();
    for (const t of body.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const duplicates = [...counts].filter(([, n]) => n > 1).map(([name]) => name);
    const candidates = body.topics.filter((t) => counts.get(t.name) === 1 && t.name !== CLUSTER_METADATA_TOPIC);
    const trailing: Result[] = [
      ...duplicates.map((name) => failed(name, kafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'))),
      ...(counts.get(CLUSTER_METADATA_TOPIC) === 1
        ? [
            failed(
              CLUSTER_METADATA_TOPIC,
              kafkaError(
                ErrorCode.INVALID_REQUEST,
                `Creation of internal topic ${CLUSTER_METADATA_TOPIC} is prohibited.`,
              ),
            ),
          ]
        : []),
    ];

    let existing: Map<string, TopicRecord | null>;
    let collisionNames: string[] = [];
    try {
      existing = await env.meta.topics.getTopics(candidates.map((t) => t.name).filter(isValidTopicName));
      if (candidates.some((t) => hasCollisionChars(t.name))) {
        collisionNames = (await env.meta.topics.listTopics()).map((t) => t.name).filter(hasCollisionChars);
      }
    } catch (e) {
      const error = storageError(env, e, 'read topics');
      return { throttleTimeMs: 0, topics: [...candidates.map((t) => failed(t.name, error)), ...trailing] };
    }

    // Validate every topic first: Kafka refuses an oversized request whole.
    const plans = new Map<string, Plan>();
    const errors = new Map<string, KafkaError>();
    let records = 0;
    for (const topic of candidates) {
      if (!creatable(topic.name)) {
        errors.set(topic.name, kafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
        continue;
      }
      const plan = planTopic(topic, existing.get(topic.name) ?? null, collisionNames, env);
      if (isError(plan)) {
        errors.set(topic.name, plan);
        continue;
      }
      plans.set(topic.name, plan);
      records += 1 + Object.keys(plan.configs).length + plan.partitions;
      if (hasCollisionChars(topic.name)) collisionNames.push(topic.name);
    }
    if (records > MAX_RECORDS_PER_REQUEST) {
      const error = kafkaError(ErrorCode.POLICY_VIOLATION, 'Unable to perform excessively large batch operation.');
      return { throttleTimeMs: 0, topics: body.topics.map((t) => failed(t.name, error)) };
    }

    const results: Result[] = [];
    for (const topic of candidates) {
      const plan = plans.get(topic.name);
      if (plan === undefined) {
        results.push(failed(topic.name, errors.get(topic.name) ?? kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR)));
        continue;
      }
      const record: TopicRecord = {
        name: topic.name,
        id: newTopicId(),
        partitions: plan.partitions,
        configs: plan.configs,
        createdAt: env.now(),
      };
      if (validateOnly) {
        results.push(created(record));
        continue;
      }
      try {
        const outcome = await env.meta.topics.createTopic(record);
        if (outcome.created) {
          log.info('created topic', { topic: record.name, id: record.id, partitions: record.partitions });
          results.push(created(outcome.topic));
        } else {
          results.push(
            failed(topic.name, kafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${topic.name}' already exists.`)),
          );
        }
      } catch (e) {
        results.push(failed(topic.name, storageError(env, e, 'create topic')));
      }
    }
    return { throttleTimeMs: 0, topics: [...results, ...trailing] };
  },
});
