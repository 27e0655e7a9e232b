/**
 * OffsetFetch (API key 9), versions 0-9.
 *
 * Version notes (Kafka 4.0's OffsetMetadataManager.fetchOffsets / fetchAllOffsets):
 * - v0-7 ask for one group (`groupId`, `topics`); v8+ for several (`groups`),
 *   answered per group in one storage round trip for the offsets.
 * - Topics null (v2+) means every committed partition of the group, by topic
 *   then partition; otherwise the partitions asked for, in request order, a
 *   partition without a committed offset answered with offset -1, leader
 *   epoch -1, empty metadata and NONE. Topics are not checked for existence.
 * - An unknown group is not an error: every partition answers -1, and "all
 *   partitions" is none.
 * - v9 member id and epoch: for a KIP-848 group, a member id (or an epoch
 *   >= 0) must name a member at that epoch: UNKNOWN_MEMBER_ID, else
 *   STALE_MEMBER_EPOCH, as the group's error. Classic groups do not check them.
 * - v7+ requireStable: a partition with transactional offsets staged
 *   (TxnOffsetCommit, transaction not yet ended) is UNSTABLE_OFFSET_COMMIT
 *   with offset -1, so the consumer retries until the transaction ends;
 *   without it the last committed offset is answered.
 * - Group-level errors: v8+ in the group's error code with no topics; v2-7 in
 *   the top-level error code with no topics; v0-1 on every requested partition.
 *   Storage unreachable is COORDINATOR_NOT_AVAILABLE.
 * - v5+ leader epoch.
 * - Authorization (KafkaApis.handleOffsetFetchRequest): DESCRIBE on the
 *   group, else GROUP_AUTHORIZATION_FAILED as the group's error; DESCRIBE
 *   per topic: all-partitions answers leave other topics out, named ones are
 *   TOPIC_AUTHORIZATION_FAILED per partition with offset -1.
 */

import type { ConsumerGroupState } from '../../shared/groups/consumer/index.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { OffsetFetchResponse } from '../../shared/protocol/generated/offset-fetch.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { CommittedOffset, TopicPartitionRef } from '../../shared/storage/groups.js';
import { type Access, AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction, type FunctionEnv } from '../define.js';
import { expireStored } from '../group-offsets.js';
import { decodeStored } from '../group-state.js';
import { storageFailure } from '../storage-failure.js';

interface GroupQuery {
  readonly groupId: string;
  readonly memberId: string | null;
  readonly memberEpoch: number;
  readonly topics: readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[] | null;
}

interface PartitionAnswer {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

interface GroupAnswer {
  groupId: string;
  errorCode: number;
  topics: { name: string; partitions: PartitionAnswer[] }[];
}

/** Kafka's ConsumerGroup.validateOffsetFetch. */
export function consumerOffsetFetchCheck(
  group: ConsumerGroupState,
  memberId: string | null,
  memberEpoch: number,
): number {
  if (memberId === null && memberEpoch < 0) return ErrorCode.NONE;
  const member = group.members.find((m) => m.memberId === memberId);
  if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
  return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
}

const missing = (partitionIndex: number): PartitionAnswer => ({
  partitionIndex,
  committedOffset: -1n,
  committedLeaderEpoch: -1,
  metadata: '',
  errorCode: ErrorCode.NONE,
});

function answerFor(query: GroupQuery, committed: readonly CommittedOffset[]): GroupAnswer {
  const byKey = new Map(committed.map((o) => [`${o.partition}:${o.topic}`, o]));
  const toAnswer = (o: CommittedOffset): PartitionAnswer => ({
    partitionIndex: o.partition,
    committedOffset: o.offset,
    committedLeaderEpoch: o.leaderEpoch,
    metadata: o.metadata,
    errorCode: ErrorCode.NONE,
  });
  if (query.topics === null) {
    const topics: GroupAnswer['topics'] = [];
    for (const o of committed) {
      const last = topics[topics.length - 1];
      if (last !== undefined && last.name === o.topic) last.partitions.push(toAnswer(o));
      else topics.push({ name: o.topic, partitions: [toAnswer(o)] });
    }
    return { groupId: query.groupId, errorCode: ErrorCode.NONE, topics };
  }
  return {
    groupId: query.groupId,
    errorCode: ErrorCode.NONE,
    topics: query.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => {
        const o = byKey.get(`${p}:${t.name}`);
        return o === undefined ? missing(p) : toAnswer(o);
      }),
    })),
  };
}

/** Answers every group, each with its offsets or its group-level error. */
async function fetchGroups(
  env: FunctionEnv,
  queries: readonly GroupQuery[],
  requireStable: boolean,
  acl: Access,
): Promise<GroupAnswer[]> {
  const describable = (topic: string): boolean => acl.allows(AclOperation.DESCRIBE, ResourceType.TOPIC, topic);
  const hideUnauthorized = (q: GroupQuery, answer: GroupAnswer): GroupAnswer => {
    if (q.topics === null) return { ...answer, topics: answer.topics.filter((t) => describable(t.name)) };
    for (const t of answer.topics) {
      if (describable(t.name)) continue;
      t.partitions = t.partitions.map((p) => ({
        ...missing(p.partitionIndex),
        errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      }));
    }
    return answer;
  };
  const failed = (q: GroupQuery, code: number): GroupAnswer => ({ groupId: q.groupId, errorCode: code, topics: [] });
  try {
    const states = await env.meta.groups.getMany([...new Set(queries.map((q) => q.groupId))]);
    const now = env.now();
    const checks = queries.map((q) => {
      if (!acl.allows(AclOperation.DESCRIBE, ResourceType.GROUP, q.groupId))
        return ErrorCode.GROUP_AUTHORIZATION_FAILED;
      const stored = states.get(q.groupId) ?? null;
      if (stored === null) return ErrorCode.NONE;
      const group = expireStored(env, decodeStored(stored), now);
      return group.kind === 'consumer'
        ? consumerOffsetFetchCheck(group.group, q.memberId, q.memberEpoch)
        : ErrorCode.NONE;
    });
    const valid = queries.filter((_, i) => checks[i] === ErrorCode.NONE);
    const offsets = await env.meta.groups.fetchOffsetsMany(
      valid.map((q) => {
        const partitions: TopicPartitionRef[] | undefined =
          q.topics === null
            ? undefined
            : q.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
        return partitions === undefined ? { groupId: q.groupId } : { groupId: q.groupId, partitions };
      }),
    );
    const staged = requireStable
      ? await Promise.all(valid.map((q) => env.meta.groups.stagedPartitions(q.groupId)))
      : valid.map(() => []);
    let next = 0;
    return queries.map((q, i) => {
      if (checks[i] !== ErrorCode.NONE) return failed(q, checks[i]!);
      const unstable = new Set(staged[next]!.map((p) => `${p.partition}:${p.topic}`));
      const answer = hideUnauthorized(q, answerFor(q, offsets[next++] ?? []));
      if (unstable.size === 0) return answer;
      for (const t of answer.topics) {
        for (const p of t.partitions) {
          if (!unstable.has(`${p.partitionIndex}:${t.name}`)) continue;
          Object.assign(p, missing(p.partitionIndex), { errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
        }
      }
      return answer;
    });
  } catch (e) {
    storageFailure(env, e, 'offset-fetch');
    return queries.map((q) => failed(q, ErrorCode.COORDINATOR_NOT_AVAILABLE));
  }
}

export default defineFunction({
  apiKey: ApiKey.OffsetFetch,
  versions: [0, 9],
  async handle({ apiVersion, body, env, ctx }) {
    const acl = await access(env, ctx);
    if (apiVersion >= 8) {
      const groups = await fetchGroups(
        env,
        body.groups.map((g) => ({
          groupId: g.groupId,
          memberId: apiVersion >= 9 ? g.memberId : null,
          memberEpoch: apiVersion >= 9 ? g.memberEpoch : -1,
          topics: g.topics,
        })),
        body.requireStable,
        acl,
      );
      return { throttleTimeMs: 0, groups } satisfies Init<OffsetFetchResponse>;
    }
    const topics = apiVersion >= 2 ? body.topics : (body.topics ?? []);
    const [answer] = await fetchGroups(
      env,
      [{ groupId: body.groupId, memberId: null, memberEpoch: -1, topics }],
      apiVersion >= 7 && body.requireStable,
      acl,
    );
    const response: Init<OffsetFetchResponse> = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: [] };
    if (answer === undefined) return response;
    if (answer.errorCode === ErrorCode.NONE) {
      response.topics = answer.topics;
    } else if (apiVersion >= 2) {
      response.errorCode = answer.errorCode;
    } else {
      response.topics = (topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({ ...missing(p), errorCode: answer.errorCode })),
      }));
    }
    return response;
  },
});
