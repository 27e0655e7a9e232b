/**
 * Metadata (API key 3), versions 0-12.
 *
 * Version notes:
 * - Brokers: every proxy of the fleet (`--advertised-proxies`), partition
 *   leaders spread over them by topic id (functions/cluster.ts); without a
 *   fleet, one node, the configured node id at the address of the proxy
 *   listener the client connected to (never a function's address), rack null.
 *   v1+ controller id: that node; v2+ cluster id.
 * - Topics: v0 an empty list means all topics; v1+ null means all topics and
 *   an empty list none. Duplicates are answered once.
 * - v4+ allow_auto_topic_creation; v0-3 always allow it. A missing topic is
 *   created when the request allows it and `autoCreateTopics` is on, with
 *   `defaultPartitions` partitions, and answered at once with NONE and its
 *   partitions. Kafka 3.9 (KRaft) answers UNKNOWN_TOPIC_OR_PARTITION while its
 *   controller creates the topic asynchronously and the client asks again; our
 *   creation is one atomic MetaStore step that is done when it returns, so the
 *   answer Kafka would give on the retry is already true. A name that is
 *   invalid, or collides with an existing topic ('.' versus '_'), is
 *   INVALID_TOPIC_EXCEPTION, which clients do not retry.
 * - v7+ leader epoch 0 for every partition; v5+ offline replicas, always empty.
 * - v8+ authorized operations: when asked for, the operations the authorizer
 *   grants on a topic (v8+) or the cluster (v8-10; 0 without DESCRIBE on it),
 *   every supported one without an authorizer; otherwise Int.MinValue.
 * - Authorization (KafkaApis.handleTopicMetadataRequest): DESCRIBE per topic;
 *   an all-topics listing omits the others, named ones are
 *   TOPIC_AUTHORIZATION_FAILED (by id: null name, the id kept); auto-creation
 *   needs CREATE on the cluster or on the topic, else
 *   TOPIC_AUTHORIZATION_FAILED.
 * - v10+ topic ids. v10-11 must name topics (Kafka refuses null names and
 *   non-zero ids there with INVALID_REQUEST for every topic); v12 may ask by
 *   id alone, and an unknown id is UNKNOWN_TOPIC_ID with a null name. As in
 *   Kafka, a request naming any id is answered by id.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type {
  MetadataResponse,
  MetadataResponseMetadataResponsePartition,
  MetadataResponseMetadataResponseTopic,
} from '../../shared/protocol/generated/metadata.js';
import { ZERO_UUID } from '../../shared/protocol/primitives.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { TopicRecord } from '../../shared/storage/types.js';
import { newTopicId } from '../../shared/topic-ids.js';
import { isInternalTopic, isValidTopicName, topicNamesCollide } from '../../shared/topic-names.js';
import { AclOperation, access, CLUSTER_NAME, ResourceType } from '../authorize.js';
import {
  AUTHORIZED_OPERATIONS_OMITTED,
  type BrokerNode,
  brokerNode,
  brokerNodes,
  LEADER_EPOCH,
  partitionLeader,
} from '../cluster.js';
import { defineFunction, type FunctionEnv } from '../define.js';
import { storageFailure } from '../storage-failure.js';

type TopicMetadata = Init<MetadataResponseMetadataResponseTopic>;

/** A topic's partitions as Metadata reports them: each led by one node of the fleet, alone in its ISR. */
export function partitionMetadata(
  topic: TopicRecord,
  nodes: readonly BrokerNode[],
): Init<MetadataResponseMetadataResponsePartition>[] {
  const partitions: Init<MetadataResponseMetadataResponsePartition>[] = [];
  for (let i = 0; i < topic.partitions; i++) {
    const node = partitionLeader(nodes, topic.id, i);
    partitions.push({
      errorCode: ErrorCode.NONE,
      partitionIndex: i,
      leaderId: node.nodeId,
      leaderEpoch: LEADER_EPOCH,
      replicaNodes: [node.nodeId],
      isrNodes: [node.nodeId],
      offlineReplicas: [],
    });
  }
  return partitions;
}

function topicMetadata(topic: TopicRecord, nodes: readonly BrokerNode[]): TopicMetadata {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: isInternalTopic(topic.name),
    partitions: partitionMetadata(topic, nodes),
  };
}

function topicError(name: string | null, code: number, topicId = ZERO_UUID): TopicMetadata {
  return { errorCode: code, name, topicId, isInternal: name !== null && isInternalTopic(name), partitions: [] };
}

/**
 * Creates `name` with the cluster's default partition count; the existing
 * topic if it raced another creator. `existing` lists the topics, loaded once
 * per request and only when something is to be created.
 */
async function autoCreate(
  env: FunctionEnv,
  name: string,
  existing: () => Promise<readonly TopicRecord[]>,
): Promise<TopicRecord | 'collides'> {
  if ((await existing()).some((t) => t.name !== name && topicNamesCollide(t.name, name))) return 'collides';
  const result = await env.meta.topics.createTopic({
    name,
    id: newTopicId(),
    partitions: env.config.defaultPartitions,
    configs: {},
    createdAt: env.now(),
  });
  if (result.created) env.log.info('auto-created topic', { topic: name, partitions: result.topic.partitions });
  return result.created ? result.topic : result.existing;
}

export default defineFunction({
  apiKey: ApiKey.Metadata,
  versions: [0, 12],
  async handle({ apiVersion, body, env, ctx }) {
    const node = brokerNode(env, ctx);
    const nodes = brokerNodes(env, ctx);
    const checks = await access(env, ctx);
    const describable = (name: string): boolean => checks.allows(AclOperation.DESCRIBE, ResourceType.TOPIC, name);
    const response: Init<MetadataResponse> = {
      throttleTimeMs: 0,
      brokers: nodes,
      clusterId: env.config.clusterId,
      controllerId: node.nodeId,
      topics: [],
      clusterAuthorizedOperations:
        apiVersion >= 8 && apiVersion <= 10 && body.includeClusterAuthorizedOperations
          ? checks.allowsCluster(AclOperation.DESCRIBE)
            ? checks.operations(ResourceType.CLUSTER, CLUSTER_NAME)
            : 0
          : AUTHORIZED_OPERATIONS_OMITTED,
    };
    const requested = body.topics;
    const allTopics = requested === null || (apiVersion === 0 && requested.length === 0);

    if (!allTopics && apiVersion < 12) {
      const invalid = requested.some((t) => t.name === null || (apiVersion >= 10 && t.topicId !== ZERO_UUID));
      if (invalid) {
        response.topics = requested.map((t) => ({
          ...topicError(t.name ?? '', ErrorCode.INVALID_REQUEST, t.topicId),
          isInternal: false,
        }));
        return response;
      }
    }

    const topics: TopicMetadata[] = [];
    if (allTopics) {
      // Without names there is no per-topic error to answer with: a storage failure fails the invocation.
      for (const topic of await env.meta.topics.listTopics()) {
        if (describable(topic.name)) topics.push(topicMetadata(topic, nodes));
      }
    } else {
      const ids =
        apiVersion >= 10 ? [...new Set(requested.map((t) => t.topicId).filter((id) => id !== ZERO_UUID))] : [];
      if (ids.length > 0) {
        try {
          const found = await Promise.all(ids.map((id) => env.meta.topics.getTopicById(id)));
          ids.forEach((id, i) => {
            const topic = found[i] ?? null;
            if (topic === null) topics.push(topicError(null, ErrorCode.UNKNOWN_TOPIC_ID, id));
            else if (!describable(topic.name)) topics.push(topicError(null, ErrorCode.TOPIC_AUTHORIZATION_FAILED, id));
            else topics.push(topicMetadata(topic, nodes));
          });
        } catch (e) {
          storageFailure(env, e, 'metadata topic lookup');
          for (const id of ids) topics.push(topicError(null, ErrorCode.LEADER_NOT_AVAILABLE, id));
        }
      } else {
        const names = [...new Set(requested.map((t) => t.name ?? ''))];
        const autoCreateAllowed = (apiVersion < 4 || body.allowAutoTopicCreation) && env.config.autoCreateTopics;
        let listed: Promise<TopicRecord[]> | undefined;
        const existing = (): Promise<TopicRecord[]> => {
          listed ??= env.meta.topics.listTopics();
          return listed;
        };
        let found: Map<string, TopicRecord | null> | null = null;
        try {
          found = await env.meta.topics.getTopics(names);
        } catch (e) {
          storageFailure(env, e, 'metadata topic lookup');
        }
        for (const name of names) {
          if (found === null) {
            topics.push(topicError(name, ErrorCode.LEADER_NOT_AVAILABLE));
            continue;
          }
          const topic = found.get(name) ?? null;
          if (!describable(name)) {
            topics.push(topicError(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          } else if (topic !== null) {
            topics.push(topicMetadata(topic, nodes));
          } else if (!isValidTopicName(name)) {
            topics.push(topicError(name, ErrorCode.INVALID_TOPIC_EXCEPTION));
          } else if (!autoCreateAllowed) {
            topics.push(topicError(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
          } else if (
            !checks.allowsCluster(AclOperation.CREATE) &&
            !checks.allows(AclOperation.CREATE, ResourceType.TOPIC, name)
          ) {
            topics.push(topicError(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          } else {
            try {
              const created = await autoCreate(env, name, existing);
              topics.push(
                created === 'collides'
                  ? topicError(name, ErrorCode.INVALID_TOPIC_EXCEPTION)
                  : topicMetadata(created, nodes),
              );
            } catch (e) {
              storageFailure(env, e, 'metadata auto-create');
              topics.push(topicError(name, ErrorCode.LEADER_NOT_AVAILABLE));
            }
          }
        }
      }
    }

    if (apiVersion >= 8 && body.includeTopicAuthorizedOperations) {
      for (const t of topics) {
        if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_ID || t.errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED)
          continue;
        t.topicAuthorizedOperations = checks.operations(ResourceType.TOPIC, t.name ?? '');
      }
    }
    response.topics = topics;
    return response;
  },
});
