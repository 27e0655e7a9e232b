/**
 * OffsetForLeaderEpoch (API key 23), versions 0-4.
 *
 * Version notes: v1+ answer the leader epoch, v2+ carry the current leader
 * epoch (checked as Partition.checkCurrentLeaderEpoch does: -1 means absent,
 * older is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH), v3+ carry the
 * replica id (ignored, as Kafka's ReplicaManager ignores it), v4 is flexible.
 *
 * Every partition has had one leader epoch, 0, since its creation, so the
 * epoch cache Kafka consults (LeaderEpochFileCache.endOffsetFor) holds one
 * entry, epoch 0 starting at the log start offset. Hence:
 * - requested 0 (the current epoch): epoch 0, end offset = the log end
 *   offset, which is the high watermark here;
 * - requested -1 (undefined) or above 0 (unknown): epoch -1, offset -1;
 * - requested below -1 (older than any known epoch): the requested epoch and
 *   the start offset of epoch 0, the log start offset.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type {
  OffsetForLeaderEpochRequestOffsetForLeaderPartition,
  OffsetForLeaderEpochResponseEpochEndOffset,
} from '../../shared/protocol/generated/offset-for-leader-epoch.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { PartitionOffsets, PartitionRef, TopicRecord } from '../../shared/storage/types.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { currentLeaderEpochError, LEADER_EPOCH } from '../cluster.js';
import { defineFunction } from '../define.js';
import { storageFailure } from '../storage-failure.js';
import { hasPartition, loadTopics } from '../topics.js';

const UNDEFINED_EPOCH = -1;
const UNDEFINED_EPOCH_OFFSET = -1n;

type EpochEndOffset = Init<OffsetForLeaderEpochResponseEpochEndOffset>;

/** LeaderEpochFileCache.endOffsetFor over the single entry (epoch 0 from the log start). */
export function endOffsetForEpoch(requested: number, at: PartitionOffsets): { epoch: number; endOffset: bigint } {
  if (requested === UNDEFINED_EPOCH || requested > LEADER_EPOCH) {
    return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
  }
  if (requested === LEADER_EPOCH) return { epoch: LEADER_EPOCH, endOffset: at.highWatermark };
  return { epoch: requested, endOffset: at.logStartOffset };
}

export default defineFunction({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  versions: [0, 4],
  async handle({ apiVersion, body, env, ctx }) {
    const slots: {
      topic: string;
      request: OffsetForLeaderEpochRequestOffsetForLeaderPartition;
      result: EpochEndOffset;
    }[] = [];
    const topics = body.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const result: EpochEndOffset = { errorCode: ErrorCode.NONE, partition: p.partition, endOffset: -1n };
        if (apiVersion >= 1) result.leaderEpoch = UNDEFINED_EPOCH;
        slots.push({ topic: t.topic, request: p, result });
        return result;
      }),
    }));
    const fail = (result: EpochEndOffset, code: number): void => {
      result.errorCode = code;
    };

    let records: Map<string, TopicRecord | null>;
    try {
      records = await loadTopics(
        env,
        slots.map((s) => s.topic),
      );
    } catch (e) {
      storageFailure(env, e, 'offset-for-leader-epoch topic lookup');
      for (const s of slots) fail(s.result, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      return { throttleTimeMs: 0, topics };
    }

    // KafkaApis.handleOffsetForLeaderEpochRequest: CLUSTER_ACTION (replicas) covers all, else DESCRIBE per topic.
    const checks = await access(env, ctx);
    const clusterAction = checks.allowsCluster(AclOperation.CLUSTER_ACTION);
    const live: { result: EpochEndOffset; requested: number; ref: PartitionRef }[] = [];
    for (const { topic: name, request, result } of slots) {
      const topic = records.get(name) ?? null;
      if (!clusterAction && !checks.allows(AclOperation.DESCRIBE, ResourceType.TOPIC, name)) {
        fail(result, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        continue;
      }
      if (topic === null || !hasPartition(topic, request.partition)) {
        fail(result, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const current = apiVersion >= 2 && request.currentLeaderEpoch !== -1 ? request.currentLeaderEpoch : null;
      const epochError = currentLeaderEpochError(current);
      if (epochError !== ErrorCode.NONE) {
        fail(result, epochError);
        continue;
      }
      live.push({ result, requested: request.leaderEpoch, ref: { topicId: topic.id, partition: request.partition } });
    }
    if (live.length === 0) return { throttleTimeMs: 0, topics };

    let offsets: PartitionOffsets[];
    try {
      offsets = await env.meta.log.offsets(live.map((l) => l.ref));
    } catch (e) {
      storageFailure(env, e, 'offset-for-leader-epoch offsets');
      for (const l of live) fail(l.result, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      return { throttleTimeMs: 0, topics };
    }
    live.forEach(({ result, requested }, i) => {
      const { epoch, endOffset } = endOffsetForEpoch(requested, offsets[i]!);
      result.endOffset = endOffset;
      if (apiVersion >= 1) result.leaderEpoch = epoch;
    });
    return { throttleTimeMs: 0, topics };
  },
});
