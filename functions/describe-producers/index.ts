/**
 * DescribeProducers (API key 61), version 0 (flexible).
 *
 * The producers each partition holds state for (UnifiedLog.activeProducers):
 * id, epoch, last sequence (-1 when only a marker was seen), the timestamp
 * of its last batch or marker, the coordinator epoch of its last marker (-1
 * before any), and the first offset of its open transaction (-1 when none).
 *
 * Errors, as KafkaApis.handleDescribeProducersRequest answers them: an
 * illegal topic name is INVALID_TOPIC_EXCEPTION and an unknown topic
 * UNKNOWN_TOPIC_OR_PARTITION, both with a message, for each partition asked;
 * a partition the topic does not have is UNKNOWN_TOPIC_OR_PARTITION without
 * one (ReplicaManager.getPartitionOrError). When storage cannot answer,
 * NOT_LEADER_OR_FOLLOWER, which clients retry.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type {
  DescribeProducersResponsePartitionResponse,
  DescribeProducersResponseTopicResponse,
} from '../../shared/protocol/generated/describe-producers.js';
import { ErrorCode, errorInfo } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { PartitionRef, TopicRecord } from '../../shared/storage/types.js';
import { topicNameProblem } from '../../shared/topic-names.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { storageFailure } from '../storage-failure.js';
import { hasPartition, loadTopics } from '../topics.js';

type PartitionResponse = Init<DescribeProducersResponsePartitionResponse>;

export default defineFunction({
  apiKey: ApiKey.DescribeProducers,
  versions: [0, 0],
  async handle({ body, env, ctx }) {
    const topics: Init<DescribeProducersResponseTopicResponse>[] = [];
    const slots: { topic: string; partition: number; response: PartitionResponse }[] = [];
    for (const t of body.topics) {
      const partitions = t.partitionIndexes.map((partitionIndex): PartitionResponse => {
        const response = { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: [] };
        slots.push({ topic: t.name, partition: partitionIndex, response });
        return response;
      });
      topics.push({ name: t.name, partitions });
    }
    const fail = (response: PartitionResponse, code: number, message: string | null = null): void => {
      response.errorCode = code;
      response.errorMessage = message;
      response.activeProducers = [];
    };

    const valid = slots.filter((s) => {
      const problem = topicNameProblem(s.topic);
      if (problem !== undefined)
        fail(s.response, ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name is invalid: ${problem}`);
      return problem === undefined;
    });
    let records: Map<string, TopicRecord | null>;
    try {
      records = await loadTopics(
        env,
        valid.map((s) => s.topic),
      );
    } catch (e) {
      storageFailure(env, e, 'describe-producers topic lookup');
      for (const s of valid) fail(s.response, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      return { throttleTimeMs: 0, topics };
    }

    // KafkaApis.handleDescribeProducersRequest: READ per topic, after the name check, before existence.
    const readable = (await access(env, ctx)).allowed(
      AclOperation.READ,
      ResourceType.TOPIC,
      new Set(valid.map((s) => s.topic)),
    );
    const live: { response: PartitionResponse; ref: PartitionRef }[] = [];
    for (const s of valid) {
      const topic = records.get(s.topic) ?? null;
      if (!readable.has(s.topic)) {
        fail(
          s.response,
          ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          errorInfo.get(ErrorCode.TOPIC_AUTHORIZATION_FAILED)!.message,
        );
      } else if (topic === null) {
        fail(
          s.response,
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorInfo.get(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)!.message,
        );
      } else if (!hasPartition(topic, s.partition)) {
        fail(s.response, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      } else {
        live.push({ response: s.response, ref: { topicId: topic.id, partition: s.partition } });
      }
    }
    await Promise.all(
      live.map(async ({ response, ref }) => {
        try {
          response.activeProducers = (await env.meta.log.producerStates(ref)).map((p) => ({ ...p }));
        } catch (e) {
          storageFailure(env, e, 'describe-producers read');
          fail(response, ErrorCode.NOT_LEADER_OR_FOLLOWER);
        }
      }),
    );
    return { throttleTimeMs: 0, topics };
  },
});
