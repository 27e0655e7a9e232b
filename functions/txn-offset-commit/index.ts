/**
 * TxnOffsetCommit (API key 28), versions 0-4.
 *
 * Version notes (Kafka's KafkaApis.handleTxnOffsetCommitRequest and the group
 * coordinator's commitTransactionalOffset):
 * - A partition of an unknown topic, or beyond its partition count, is
 *   UNKNOWN_TOPIC_OR_PARTITION and is not checked further.
 * - The transaction (KIP-890's verification): no state or another producer
 *   id INVALID_PRODUCER_ID_MAPPING; another epoch PRODUCER_FENCED (before v3
 *   INVALID_PRODUCER_EPOCH); a group AddOffsetsToTxn did not add
 *   TRANSACTION_ABORTABLE (v4+; INVALID_TXN_STATE before).
 * - The group (v3+ generation, member id, group instance id; defaults
 *   before): without group state, generation -1 is a simple consumer and
 *   anything else ILLEGAL_GENERATION. Classic groups: Dead is
 *   COORDINATOR_NOT_AVAILABLE; generation -1 with no member passes in any
 *   state (unlike OffsetCommit); otherwise the member must be known
 *   (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID for a static member with another
 *   member id) at the group's generation (ILLEGAL_GENERATION). No
 *   REBALANCE_IN_PROGRESS for transactional commits. KIP-848 groups: epoch
 *   < 0 with no members passes; an unknown member is UNKNOWN_MEMBER_ID and
 *   another epoch ILLEGAL_GENERATION.
 * - Metadata longer than `offset.metadata.max.bytes` is
 *   OFFSET_METADATA_TOO_LARGE for that partition alone.
 * - The offsets are staged for the producer (invisible to OffsetFetch until
 *   EndTxn commits them), only if the group state is still the version checked.
 * - v2+ leader epoch. Storage unreachable: COORDINATOR_NOT_AVAILABLE.
 */

import type { ClassicGroup } from '../../shared/groups/classic/index.js';
import type { ConsumerGroupState } from '../../shared/groups/consumer/index.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { TxnOffsetCommitResponse } from '../../shared/protocol/generated/txn-offset-commit.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { CommittedOffset } from '../../shared/storage/groups.js';
import type { TopicRecord } from '../../shared/storage/types.js';
import { checkTxnOffsetCommit } from '../../shared/transactions/index.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { currentGroup, OFFSET_METADATA_MAX_LENGTH } from '../group-offsets.js';
import type { StoredGroup } from '../group-state.js';
import { storageFailure } from '../storage-failure.js';
import { loadTransaction } from '../transaction-state.js';

const MAX_ATTEMPTS = 20;

/** The first version that knows PRODUCER_FENCED here. */
const PRODUCER_FENCED_MIN_VERSION = 3;

/** Kafka's ClassicGroup.validateOffsetCommit with isTransactional. */
export function classicTxnOffsetCommitCheck(
  group: ClassicGroup,
  memberId: string,
  generationId: number,
  groupInstanceId: string | null,
): number {
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
  if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
    if (groupInstanceId !== null) {
      const existing = group.staticMembers[groupInstanceId];
      if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    if (!group.members.some((m) => m.memberId === memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  }
  return ErrorCode.NONE;
}

/** Kafka's ConsumerGroup.validateOffsetCommit with isTransactional (a stale epoch reported as ILLEGAL_GENERATION). */
export function consumerTxnOffsetCommitCheck(group: ConsumerGroupState, memberId: string, memberEpoch: number): number {
  if (memberEpoch < 0 && group.members.length === 0) return ErrorCode.NONE;
  const member = group.members.find((m) => m.memberId === memberId);
  if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
  return member.memberEpoch === memberEpoch ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
}

function groupCheck(
  group: StoredGroup | null,
  memberId: string,
  generation: number,
  instanceId: string | null,
): number {
  if (group === null) return generation < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
  return group.kind === 'classic'
    ? classicTxnOffsetCommitCheck(group.group, memberId, generation, instanceId)
    : consumerTxnOffsetCommitCheck(group.group, memberId, generation);
}

export default defineFunction({
  apiKey: ApiKey.TxnOffsetCommit,
  versions: [0, 4],
  async handle({ apiVersion, body, env, ctx }) {
    type Partition = { partitionIndex: number; errorCode: number };
    const topics: { name: string; partitions: Partition[] }[] = body.topics.map((t) => ({
      name: t.name,
      partitions: [],
    }));
    const response: Init<TxnOffsetCommitResponse> = { throttleTimeMs: 0, topics };
    const answerAll = (code: number): Init<TxnOffsetCommitResponse> => {
      body.topics.forEach((t, i) => {
        topics[i]!.partitions = t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code }));
      });
      return response;
    };
    // KafkaApis.handleTxnOffsetCommitRequest: WRITE on the transactional id, READ on the group, READ per topic.
    const checks = await access(env, ctx);
    if (!checks.allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.transactionalId)) {
      return answerAll(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    if (!checks.allows(AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return answerAll(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    }
    const readable = checks.allowed(AclOperation.READ, ResourceType.TOPIC, new Set(body.topics.map((t) => t.name)));

    let known: Map<string, TopicRecord | null>;
    try {
      known = await env.meta.topics.getTopics([...new Set(body.topics.map((t) => t.name))]);
    } catch (e) {
      storageFailure(env, e, 'txn-offset-commit topic lookup');
      return answerAll(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    const pending: { answer: Partition; offset: CommittedOffset }[] = [];
    const now = env.now();
    body.topics.forEach((t, ti) => {
      const record = known.get(t.name) ?? null;
      for (const p of t.partitions) {
        const exists = record !== null && p.partitionIndex >= 0 && p.partitionIndex < record.partitions;
        const allowed = readable.has(t.name);
        const answer = {
          partitionIndex: p.partitionIndex,
          errorCode: !allowed
            ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
            : exists
              ? ErrorCode.NONE
              : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        };
        topics[ti]!.partitions.push(answer);
        if (!exists || !allowed) continue;
        pending.push({
          answer,
          offset: {
            topic: t.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: apiVersion >= 2 ? p.committedLeaderEpoch : -1,
            metadata: p.committedMetadata ?? '',
            commitTimestamp: now,
            expireTimestamp: -1,
          },
        });
      }
    });
    if (pending.length === 0) return response;
    const setError = (code: number): Init<TxnOffsetCommitResponse> => {
      for (const p of pending) p.answer.errorCode = code;
      return response;
    };

    try {
      const { state } = await loadTransaction(env, body.transactionalId);
      const txnCheck = checkTxnOffsetCommit(state, body.producerId, body.producerEpoch, body.groupId, apiVersion);
      if (txnCheck !== ErrorCode.NONE) {
        return setError(
          txnCheck === ErrorCode.PRODUCER_FENCED && apiVersion < PRODUCER_FENCED_MIN_VERSION
            ? ErrorCode.INVALID_PRODUCER_EPOCH
            : txnCheck,
        );
      }
      const memberId = apiVersion >= 3 ? body.memberId : '';
      const generation = apiVersion >= 3 ? body.generationId : -1;
      const instanceId = apiVersion >= 3 ? body.groupInstanceId : null;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const { version, group } = await currentGroup(env, body.groupId);
        const check = groupCheck(group, memberId, generation, instanceId);
        if (check !== ErrorCode.NONE) return setError(check);
        const offsets: CommittedOffset[] = [];
        for (const p of pending) {
          if ((p.offset.metadata?.length ?? 0) > OFFSET_METADATA_MAX_LENGTH) {
            p.answer.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
            continue;
          }
          offsets.push(p.offset);
        }
        if (offsets.length === 0) return response;
        if (!(await env.meta.groups.stageOffsets(body.groupId, body.producerId, offsets, version))) continue;
        // EndTxn may have completed the transaction between the check and the stage: offsets staged
        // after it would wait for a marker that never comes, so drop them and fail the commit.
        const after = await loadTransaction(env, body.transactionalId);
        const still = checkTxnOffsetCommit(after.state, body.producerId, body.producerEpoch, body.groupId, apiVersion);
        if (still === ErrorCode.NONE) return response;
        await env.meta.groups.completeStagedOffsets(body.groupId, body.producerId, false);
        return setError(
          still === ErrorCode.PRODUCER_FENCED && apiVersion < PRODUCER_FENCED_MIN_VERSION
            ? ErrorCode.INVALID_PRODUCER_EPOCH
            : still,
        );
      }
      throw new Error(`group ${body.groupId}: transactional offset commit gave up after ${MAX_ATTEMPTS} conflicts`);
    } catch (e) {
      storageFailure(env, e, 'txn-offset-commit');
      return setError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  },
});
