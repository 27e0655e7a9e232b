import { describe, expect, it } from 'vitest';
import { encodeGroup } from '../../shared/groups/classic/index.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { joinConsumerGroup, stableClassicGroup, storeClassicGroup } from '../group-test-harness.js';
import { harness } from '../test-harness.js';

const commitOne = (topic: string, partition: number, offset: bigint, metadata: string | null = null) => ({
  name: topic,
  partitions: [{ partitionIndex: partition, committedOffset: offset, committedMetadata: metadata }],
});

const codes = (r: { topics: { partitions: { errorCode: number }[] }[] }): number[] =>
  r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));

describe('offset-commit', () => {
  it('commits for a simple consumer and reads back at old and new versions', async () => {
    const h = harness();
    await h.createTopic('orders', 3);
    const r = await h.call(ApiKey.OffsetCommit, 9, {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: 3, committedMetadata: 'm0' },
            { partitionIndex: 2, committedOffset: 20n, committedLeaderEpoch: 4, committedMetadata: null },
          ],
        },
      ],
    });
    expect(codes(r)).toEqual([0, 0]);
    // No group state is created; the offsets alone make the group.
    expect(await h.meta.groups.get('g')).toBeNull();

    const v9 = await h.call(ApiKey.OffsetFetch, 9, {
      groups: [{ groupId: 'g', topics: [{ name: 'orders', partitionIndexes: [0, 1, 2] }] }],
    });
    expect(v9.groups[0]!.errorCode).toBe(0);
    expect(v9.groups[0]!.topics[0]!.partitions).toEqual([
      { partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: 3, metadata: 'm0', errorCode: 0 },
      { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
      { partitionIndex: 2, committedOffset: 20n, committedLeaderEpoch: 4, metadata: '', errorCode: 0 },
    ]);

    const v1 = await h.call(ApiKey.OffsetFetch, 1, {
      groupId: 'g',
      topics: [{ name: 'orders', partitionIndexes: [2] }],
    });
    expect(v1.topics[0]!.partitions[0]).toMatchObject({ partitionIndex: 2, committedOffset: 20n, errorCode: 0 });
  });

  it('commits at v0 and v1 as a simple consumer; v1 keeps the commit timestamp, v6+ the leader epoch', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    expect(codes(await h.call(ApiKey.OffsetCommit, 0, { groupId: 'g0', topics: [commitOne('t', 0, 5n)] }))).toEqual([
      0,
    ]);
    const v1 = await h.call(ApiKey.OffsetCommit, 1, {
      groupId: 'g1',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 6n, commitTimestamp: 12345n }] }],
    });
    expect(codes(v1)).toEqual([0]);
    const [stored0] = await h.meta.groups.fetchOffsets('g0');
    const [stored1] = await h.meta.groups.fetchOffsets('g1');
    expect(stored0).toMatchObject({ offset: 5n, leaderEpoch: -1, metadata: '', expireTimestamp: -1 });
    expect(stored1).toMatchObject({ offset: 6n, commitTimestamp: 12345 });
  });

  it('turns a v2-4 retention time into an expiry timestamp', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    await h.call(ApiKey.OffsetCommit, 2, {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: 60_000n,
      topics: [commitOne('t', 0, 1n)],
    });
    const [stored] = await h.meta.groups.fetchOffsets('g');
    expect(stored!.expireTimestamp - stored!.commitTimestamp).toBe(60_000);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for missing topics and partitions and commits the rest', async () => {
    const h = harness();
    await h.createTopic('t', 2);
    const r = await h.call(ApiKey.OffsetCommit, 8, {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 1, committedOffset: 1n },
            { partitionIndex: 2, committedOffset: 1n },
          ],
        },
        commitOne('missing', 0, 1n),
      ],
    });
    expect(r.topics.map((t) => t.name)).toEqual(['t', 'missing']);
    expect(codes(r)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect((await h.meta.groups.fetchOffsets('g')).map((o) => o.partition)).toEqual([1]);
  });

  it('refuses metadata beyond offset.metadata.max.bytes for that partition alone', async () => {
    const h = harness();
    await h.createTopic('t', 2);
    const r = await h.call(ApiKey.OffsetCommit, 9, {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 1n, committedMetadata: 'x'.repeat(4097) },
            { partitionIndex: 1, committedOffset: 1n, committedMetadata: 'x'.repeat(4096) },
          ],
        },
      ],
    });
    expect(codes(r)).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE, 0]);
  });

  it('accepts the empty group id and refuses a generation for a group that does not exist', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    const base = { memberId: 'm', topics: [commitOne('t', 0, 1n)] };
    expect(
      codes(await h.call(ApiKey.OffsetCommit, 9, { ...base, groupId: '', generationIdOrMemberEpoch: -1 })),
    ).toEqual([0]);
    expect(
      codes(await h.call(ApiKey.OffsetCommit, 9, { ...base, groupId: 'g', generationIdOrMemberEpoch: 3 })),
    ).toEqual([ErrorCode.GROUP_ID_NOT_FOUND]);
    expect(
      codes(await h.call(ApiKey.OffsetCommit, 8, { ...base, groupId: 'g', generationIdOrMemberEpoch: 3 })),
    ).toEqual([ErrorCode.ILLEGAL_GENERATION]);
  });

  it('validates member and generation against a classic group', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    await storeClassicGroup(
      h,
      stableClassicGroup(
        'g',
        h.nowMs,
        [
          { memberId: 'a', topics: ['t'] },
          { memberId: 'b', groupInstanceId: 'i-b' },
        ],
        {
          generationId: 4,
        },
      ),
    );
    const commit = (memberId: string, generation: number, groupInstanceId: string | null = null) =>
      h
        .call(ApiKey.OffsetCommit, 7, {
          groupId: 'g',
          generationIdOrMemberEpoch: generation,
          memberId,
          groupInstanceId,
          topics: [commitOne('t', 0, 9n)],
        })
        .then(codes);
    expect(await commit('a', 3)).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await commit('z', 4)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('', -1)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('a', 4, 'i-b')).toEqual([ErrorCode.FENCED_INSTANCE_ID]);
    expect(await h.meta.groups.fetchOffsets('g')).toEqual([]);
    expect(await commit('b', 4, 'i-b')).toEqual([0]);
    expect(await commit('a', 4)).toEqual([0]);
    expect((await h.meta.groups.fetchOffsets('g'))[0]!.offset).toBe(9n);
  });

  it('validates member and epoch against a KIP-848 group', async () => {
    const h = harness();
    await h.createTopic('t', 2);
    const epoch = await joinConsumerGroup(h, 'cg', 'member-1', ['t']);
    const commit = (memberId: string, memberEpoch: number, version = 9) =>
      h
        .call(ApiKey.OffsetCommit, version, {
          groupId: 'cg',
          generationIdOrMemberEpoch: memberEpoch,
          memberId,
          topics: [commitOne('t', 0, 3n)],
        })
        .then(codes);
    expect(await commit('member-1', epoch + 1)).toEqual([ErrorCode.STALE_MEMBER_EPOCH]);
    expect(await commit('other', epoch)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('', -1)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('member-1', epoch, 8)).toEqual([ErrorCode.UNSUPPORTED_VERSION]);
    expect(await commit('member-1', epoch)).toEqual([0]);
  });

  it('checks against the group after its timers fired', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    const group = stableClassicGroup('g', h.nowMs, [{ memberId: 'a' }], { generationId: 2 });
    group.members[0]!.heartbeatDeadline = h.nowMs - 1;
    await storeClassicGroup(h, group);
    const commit = (memberId: string, generation: number) =>
      h
        .call(ApiKey.OffsetCommit, 9, {
          groupId: 'g',
          generationIdOrMemberEpoch: generation,
          memberId,
          topics: [commitOne('t', 0, 1n)],
        })
        .then(codes);
    expect(await commit('a', 2)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('', -1)).toEqual([0]);
  });

  it('checks again when the group moved between its check and the commit', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    await storeClassicGroup(h, stableClassicGroup('g', h.nowMs, [{ memberId: 'a' }], { generationId: 1 }));
    const store = h.meta.groups;
    const commitOffsets = store.commitOffsets.bind(store);
    let raced = false;
    store.commitOffsets = async (groupId, offsets, ifVersion) => {
      if (!raced) {
        raced = true;
        // A rebalance lands first: generation 2.
        const current = await store.get(groupId);
        const next = stableClassicGroup('g', h.nowMs, [{ memberId: 'a' }], { generationId: 2 });
        await store.compareAndSet(groupId, current!.version, encodeGroup(next));
      }
      return commitOffsets(groupId, offsets, ifVersion);
    };
    const r = await h.call(ApiKey.OffsetCommit, 9, {
      groupId: 'g',
      generationIdOrMemberEpoch: 1,
      memberId: 'a',
      topics: [commitOne('t', 0, 1n)],
    });
    expect(codes(r)).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await store.fetchOffsets('g')).toEqual([]);
  });
});
