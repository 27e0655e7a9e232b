/**
 * DescribeTopicPartitions (API key 75), version 0.
 *
 * Follows Kafka's DescribeTopicPartitionsRequestHandler: topics are answered
 * in name order, from the cursor's topic and partition on; an empty topic
 * list means every topic (then missing ones are not reported), otherwise a
 * missing name is UNKNOWN_TOPIC_OR_PARTITION (INVALID_TOPIC_EXCEPTION if it
 * is not a legal name). At most max(1, min(2000, response_partition_limit))
 * partitions are returned; when more remain, `nextCursor` names where to go
 * on. A cursor naming a topic the list lacks, or a negative partition, is
 * INVALID_REQUEST for every requested topic. Partitions: this node leads
 * each at epoch 0, alone in replicas and ISR, with empty ELR lists. Topic
 * authorized operations are those the authorizer grants (all without one).
 * Topics without DESCRIBE are left out of an all-topics answer and
 * TOPIC_AUTHORIZATION_FAILED when named.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type {
  DescribeTopicPartitionsResponse,
  DescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition,
  DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic,
} from '../../shared/protocol/generated/describe-topic-partitions.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../shared/protocol/primitives.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { TopicRecord } from '../../shared/storage/types.js';
import { isInternalTopic, isValidTopicName } from '../../shared/topic-names.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { brokerNodes, LEADER_EPOCH, partitionLeader, TOPIC_AUTHORIZED_OPERATIONS } from '../cluster.js';
import { defineFunction } from '../define.js';
import { storageFailure } from '../storage-failure.js';

/** Kafka's `max.request.partition.size.limit` default. */
const MAX_REQUEST_PARTITION_SIZE_LIMIT = 2000;

type TopicResult = Init<DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic>;
type PartitionResult = Init<DescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition>;

export default defineFunction({
  apiKey: ApiKey.DescribeTopicPartitions,
  versions: [0, 0],
  async handle({ body, env, ctx }) {
    const nodes = brokerNodes(env, ctx);
    const checks = await access(env, ctx);
    const fetchAll = body.topics.length === 0;
    const cursor = body.cursor;
    const cursorName = cursor?.topicName ?? '';
    const refuse = (): Init<DescribeTopicPartitionsResponse> => ({
      throttleTimeMs: 0,
      topics: body.topics.map((t) => ({
        errorCode: ErrorCode.INVALID_REQUEST,
        name: t.name,
        isInternal: false,
        partitions: [],
      })),
      nextCursor: null,
    });

    let known: Map<string, TopicRecord | null>;
    if (fetchAll) {
      const all = await env.meta.topics.listTopics();
      known = new Map(all.filter((t) => t.name >= cursorName).map((t) => [t.name, t]));
    } else {
      const names = [...new Set(body.topics.map((t) => t.name))].filter((n) => n >= cursorName);
      if (cursor !== null && !names.includes(cursor.topicName)) return refuse();
      try {
        known = await env.meta.topics.getTopics(names);
      } catch (e) {
        storageFailure(env, e, 'describe-topic-partitions lookup');
        return {
          throttleTimeMs: 0,
          topics: names.map((name) => ({
            errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
            name,
            isInternal: isInternalTopic(name),
            partitions: [],
            topicAuthorizedOperations: TOPIC_AUTHORIZED_OPERATIONS,
          })),
          nextCursor: null,
        };
      }
    }
    if (cursor !== null && cursor.partitionIndex < 0) return refuse();

    const names = [...known.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let remaining = Math.max(Math.min(MAX_REQUEST_PARTITION_SIZE_LIMIT, body.responsePartitionLimit), 1);
    const topics: TopicResult[] = [];
    let nextCursor: { topicName: string; partitionIndex: number } | null = null;
    for (const name of names) {
      if (remaining === 0) {
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const topic = known.get(name) ?? null;
      if (!checks.allows(AclOperation.DESCRIBE, ResourceType.TOPIC, name)) {
        if (!fetchAll) {
          topics.push({
            errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
            name,
            topicId: ZERO_UUID,
            isInternal: false,
            partitions: [],
          });
        }
        continue;
      }
      if (topic === null) {
        if (!fetchAll) {
          topics.push({
            errorCode: isValidTopicName(name)
              ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
              : ErrorCode.INVALID_TOPIC_EXCEPTION,
            name,
            topicId: ZERO_UUID,
            isInternal: isInternalTopic(name),
            partitions: [],
          });
        }
        continue;
      }
      const start = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0;
      const upper = Math.min(topic.partitions, start + remaining);
      const partitions: PartitionResult[] = [];
      for (let i = start; i < upper; i++) {
        const node = partitionLeader(nodes, topic.id, i);
        partitions.push({
          errorCode: ErrorCode.NONE,
          partitionIndex: i,
          leaderId: node.nodeId,
          leaderEpoch: LEADER_EPOCH,
          replicaNodes: [node.nodeId],
          isrNodes: [node.nodeId],
          eligibleLeaderReplicas: [],
          lastKnownElr: [],
          offlineReplicas: [],
        });
      }
      topics.push({
        errorCode: ErrorCode.NONE,
        name,
        topicId: topic.id,
        isInternal: isInternalTopic(name),
        partitions,
      });
      if (upper < topic.partitions) {
        nextCursor = { topicName: name, partitionIndex: upper };
        break;
      }
      remaining -= partitions.length;
    }
    for (const t of topics) {
      if (t.errorCode !== ErrorCode.TOPIC_AUTHORIZATION_FAILED) {
        t.topicAuthorizedOperations = checks.operations(ResourceType.TOPIC, t.name ?? '');
      }
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
});
