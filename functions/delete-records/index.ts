/**
 * DeleteRecords (API key 21), versions 0-2. v2 is flexible; the versions do
 * not otherwise differ.
 *
 * Raises each partition's log start offset (Partition.deleteRecordsOnLeader):
 * offset -1 means the high watermark; any other negative offset, or one past
 * the high watermark, is OFFSET_OUT_OF_RANGE; an offset below the current
 * log start changes nothing. The answer carries the resulting low watermark
 * (the log start offset). Internal topic names are INVALID_TOPIC_EXCEPTION;
 * a topic whose `cleanup.policy` lacks `delete` is POLICY_VIOLATION. Index
 * entries wholly below the new start are dropped; their objects become
 * garbage for the sweeper. There are no replicas to wait for, so timeout_ms
 * is not used.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type {
  DeleteRecordsRequestDeleteRecordsPartition,
  DeleteRecordsResponseDeleteRecordsPartitionResult,
} from '../../shared/protocol/generated/delete-records.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { PartitionRef, TopicRecord } from '../../shared/storage/types.js';
import { isInternalTopic } from '../../shared/topic-names.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { storageFailure } from '../storage-failure.js';
import { hasCleanupPolicy, hasPartition, loadTopics } from '../topics.js';

/** DeleteRecordsRequest.HIGH_WATERMARK. */
const HIGH_WATERMARK = -1n;

type PartitionResult = Init<DeleteRecordsResponseDeleteRecordsPartitionResult>;

export default defineFunction({
  apiKey: ApiKey.DeleteRecords,
  versions: [0, 2],
  async handle({ body, env, ctx }) {
    const slots: { topic: string; request: DeleteRecordsRequestDeleteRecordsPartition; result: PartitionResult }[] = [];
    const topics = body.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const result: PartitionResult = { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: 0 };
        slots.push({ topic: t.name, request: p, result });
        return result;
      }),
    }));
    const fail = (result: PartitionResult, code: number): void => {
      result.errorCode = code;
      result.lowWatermark = -1n;
    };

    let records: Map<string, TopicRecord | null>;
    try {
      records = await loadTopics(
        env,
        slots.map((s) => s.topic),
      );
    } catch (e) {
      storageFailure(env, e, 'delete-records topic lookup');
      for (const s of slots) fail(s.result, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      return { throttleTimeMs: 0, topics };
    }

    // KafkaApis.handleDeleteRecordsRequest: DELETE per topic, before existence.
    const deletable = (await access(env, ctx)).allowed(
      AclOperation.DELETE,
      ResourceType.TOPIC,
      new Set(slots.map((s) => s.topic)),
    );
    await Promise.all(
      slots.map(async ({ topic: name, request, result }) => {
        const topic = records.get(name) ?? null;
        if (!deletable.has(name)) return fail(result, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        if (topic === null || !hasPartition(topic, request.partitionIndex)) {
          return fail(result, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        }
        if (isInternalTopic(name)) return fail(result, ErrorCode.INVALID_TOPIC_EXCEPTION);
        if (!hasCleanupPolicy(env, topic, 'delete')) return fail(result, ErrorCode.POLICY_VIOLATION);
        const ref: PartitionRef = { topicId: topic.id, partition: request.partitionIndex };
        try {
          let offset = request.offset;
          if (offset === HIGH_WATERMARK) {
            const [at] = await env.meta.log.offsets([ref]);
            offset = at!.highWatermark;
          }
          if (offset < 0n) return fail(result, ErrorCode.OFFSET_OUT_OF_RANGE);
          const after = await env.meta.log.advanceLogStart(ref, offset);
          if (after === 'offset-out-of-range') return fail(result, ErrorCode.OFFSET_OUT_OF_RANGE);
          result.lowWatermark = after.logStartOffset;
        } catch (e) {
          storageFailure(env, e, 'delete-records');
          fail(result, ErrorCode.NOT_LEADER_OR_FOLLOWER);
        }
      }),
    );
    return { throttleTimeMs: 0, topics };
  },
});
