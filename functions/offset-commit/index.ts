/**
 * OffsetCommit (API key 8), versions 0-9.
 *
 * Version notes (Kafka 4.0's group coordinator, OffsetMetadataManager.commitOffset):
 * - v0 carries no generation or member: it commits as a simple consumer
 *   (generation -1, no member id).
 * - A partition of a topic that does not exist, or beyond its partition
 *   count, is UNKNOWN_TOPIC_OR_PARTITION and is not checked further; when no
 *   partition is left the group is not consulted.
 * - The group check, for every remaining partition: classic groups through
 *   the classic state machine's offsetCommitCheck (after its timers fire).
 *   Without group state, generation -1 is a simple consumer: the offsets are
 *   stored and no group state is created (ListGroups and DescribeGroups show
 *   such a group as an Empty classic group, as Kafka does with the simple
 *   group it creates); generation >= 0 is GROUP_ID_NOT_FOUND from v9,
 *   ILLEGAL_GENERATION before. KIP-848 groups: epoch < 0 with no members is
 *   accepted; otherwise an unknown member is UNKNOWN_MEMBER_ID, v0-8 from a
 *   consumer-protocol member is UNSUPPORTED_VERSION, and an epoch other than
 *   the member's is STALE_MEMBER_EPOCH.
 * - The offsets are stored only if the group state is still the version
 *   checked; otherwise the check runs again on the fresher state.
 * - The empty group id is a group like any other (Kafka keeps it for compatibility).
 * - Metadata longer than `offset.metadata.max.bytes` (4096) is
 *   OFFSET_METADATA_TOO_LARGE for that partition alone; null metadata is
 *   stored as the empty string, as Kafka does.
 * - v1 commit timestamp: used when not -1, else the time of the request.
 *   v2-4 retention time: when not -1, the offset expires that long after the
 *   request; otherwise group retention applies (expireGroupOffsets).
 * - v6+ leader epoch, -1 before.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE for the checked partitions.
 */

import { offsetCommitCheck } from '../../shared/groups/classic/index.js';
import type { ConsumerGroupState } from '../../shared/groups/consumer/index.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type {
  OffsetCommitRequestOffsetCommitRequestPartition,
  OffsetCommitResponse,
  OffsetCommitResponseOffsetCommitResponseTopic,
} from '../../shared/protocol/generated/offset-commit.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { CommittedOffset } from '../../shared/storage/groups.js';
import type { TopicRecord } from '../../shared/storage/types.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { currentGroup, OFFSET_METADATA_MAX_LENGTH } from '../group-offsets.js';
import type { StoredGroup } from '../group-state.js';
import { storageFailure } from '../storage-failure.js';

/** The first version KIP-848 members may commit with. */
const CONSUMER_PROTOCOL_MIN_VERSION = 9;

const MAX_ATTEMPTS = 20;

/** Kafka's ConsumerGroup.validateOffsetCommit (non-transactional). */
export function consumerOffsetCommitCheck(
  group: ConsumerGroupState,
  memberId: string,
  memberEpoch: number,
  requestVersion: number,
): number {
  if (memberEpoch < 0 && group.members.length === 0) return ErrorCode.NONE;
  const member = group.members.find((m) => m.memberId === memberId);
  if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (requestVersion < CONSUMER_PROTOCOL_MIN_VERSION) return ErrorCode.UNSUPPORTED_VERSION;
  if (memberEpoch !== member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
  return ErrorCode.NONE;
}

function groupCheck(
  group: StoredGroup | null,
  memberId: string,
  generation: number,
  instanceId: string | null,
  apiVersion: number,
): number {
  if (group === null || group.kind === 'classic') {
    return offsetCommitCheck(group?.group ?? null, memberId, generation, instanceId, apiVersion);
  }
  return consumerOffsetCommitCheck(group.group, memberId, generation, apiVersion);
}

/** A client's int64 time as stored milliseconds, clamped to what storage holds exactly. */
function toMillis(value: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(value > max ? max : value < -max ? -max : value);
}

type ResponseTopic = Init<OffsetCommitResponseOffsetCommitResponseTopic>;

export default defineFunction({
  apiKey: ApiKey.OffsetCommit,
  versions: [0, 9],
  async handle({ apiVersion, body, env, ctx }) {
    const response: Init<OffsetCommitResponse> = { throttleTimeMs: 0, topics: [] };
    const topics: ResponseTopic[] = body.topics.map((t) => ({ name: t.name, partitions: [] }));
    response.topics = topics;
    const answerAll = (code: number): Init<OffsetCommitResponse> => {
      body.topics.forEach((t, i) => {
        topics[i]!.partitions = t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code }));
      });
      return response;
    };
    // KafkaApis.handleOffsetCommitRequest: READ on the group, else every partition; READ per topic.
    const checks = await access(env, ctx);
    if (!checks.allows(AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return answerAll(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    }
    const readable = checks.allowed(AclOperation.READ, ResourceType.TOPIC, new Set(body.topics.map((t) => t.name)));

    let known: Map<string, TopicRecord | null>;
    try {
      known = await env.meta.topics.getTopics([...new Set(body.topics.map((t) => t.name))]);
    } catch (e) {
      storageFailure(env, e, 'offset-commit topic lookup');
      return answerAll(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }

    // Per partition: its answer, or the request partition to commit.
    const pending: {
      topic: number;
      slot: number;
      name: string;
      partition: OffsetCommitRequestOffsetCommitRequestPartition;
    }[] = [];
    body.topics.forEach((t, ti) => {
      const record = known.get(t.name) ?? null;
      for (const p of t.partitions) {
        const slot = topics[ti]!.partitions!.length;
        const exists = record !== null && p.partitionIndex >= 0 && p.partitionIndex < record.partitions;
        const allowed = readable.has(t.name);
        topics[ti]!.partitions!.push({
          partitionIndex: p.partitionIndex,
          errorCode: !allowed
            ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
            : exists
              ? ErrorCode.NONE
              : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        });
        if (exists && allowed) pending.push({ topic: ti, slot, name: t.name, partition: p });
      }
    });
    if (pending.length === 0) return response;
    const setError = (code: number): void => {
      for (const p of pending) topics[p.topic]!.partitions![p.slot]!.errorCode = code;
    };

    const memberId = apiVersion >= 1 ? body.memberId : '';
    const generation = apiVersion >= 1 ? body.generationIdOrMemberEpoch : -1;
    const instanceId = apiVersion >= 7 ? body.groupInstanceId : null;
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const { version, group } = await currentGroup(env, body.groupId);
        const check = groupCheck(group, memberId, generation, instanceId, apiVersion);
        if (check !== ErrorCode.NONE) {
          setError(check);
          return response;
        }
        const now = env.now();
        const retention = apiVersion >= 2 && apiVersion <= 4 ? body.retentionTimeMs : -1n;
        const expireTimestamp = retention === -1n ? -1 : toMillis(BigInt(now) + retention);
        const offsets: CommittedOffset[] = [];
        for (const p of pending) {
          const metadata = p.partition.committedMetadata;
          if (metadata !== null && metadata.length > OFFSET_METADATA_MAX_LENGTH) {
            topics[p.topic]!.partitions![p.slot]!.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
            continue;
          }
          const commitTimestamp =
            apiVersion === 1 && p.partition.commitTimestamp !== -1n ? p.partition.commitTimestamp : -1n;
          offsets.push({
            topic: p.name,
            partition: p.partition.partitionIndex,
            offset: p.partition.committedOffset,
            leaderEpoch: apiVersion >= 6 ? p.partition.committedLeaderEpoch : -1,
            metadata: metadata ?? '',
            commitTimestamp: commitTimestamp === -1n ? now : toMillis(commitTimestamp),
            expireTimestamp,
          });
        }
        if (offsets.length === 0 || (await env.meta.groups.commitOffsets(body.groupId, offsets, version))) {
          return response;
        }
      }
      throw new Error(`group ${body.groupId}: offset commit gave up after ${MAX_ATTEMPTS} conflicting writes`);
    } catch (e) {
      storageFailure(env, e, 'offset-commit');
      setError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      return response;
    }
  },
});
