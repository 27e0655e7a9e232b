import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { joinConsumerGroup } from '../group-test-harness.js';
import { type Harness, harness } from '../test-harness.js';

async function commit(h: Harness, groupId: string, topic: string, partition: number, offset: bigint): Promise<void> {
  await h.meta.groups.commitOffsets(groupId, [
    {
      topic,
      partition,
      offset,
      leaderEpoch: 1,
      metadata: `md-${offset}`,
      commitTimestamp: h.nowMs,
      expireTimestamp: -1,
    },
  ]);
}

describe('offset-fetch', () => {
  it('answers every committed partition when topics are null, by topic then partition', async () => {
    const h = harness();
    await commit(h, 'g', 'b', 1, 11n);
    await commit(h, 'g', 'a', 0, 1n);
    await commit(h, 'g', 'b', 0, 10n);
    const r = await h.call(ApiKey.OffsetFetch, 7, { groupId: 'g', topics: null, requireStable: true });
    expect(r.errorCode).toBe(0);
    expect(r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])])).toEqual([
      ['a', [[0, 1n]]],
      [
        'b',
        [
          [0, 10n],
          [1, 11n],
        ],
      ],
    ]);
    expect(r.topics[0]!.partitions[0]).toMatchObject({ committedLeaderEpoch: 1, metadata: 'md-1' });
  });

  it('answers -1 for an unknown group, and nothing when asked for all of its partitions', async () => {
    const h = harness();
    const some = await h.call(ApiKey.OffsetFetch, 5, {
      groupId: 'nobody',
      topics: [{ name: 't', partitionIndexes: [0, 1] }],
    });
    expect(some.errorCode).toBe(0);
    expect(some.topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode])).toEqual([
      [-1n, 0],
      [-1n, 0],
    ]);
    const all = await h.call(ApiKey.OffsetFetch, 5, { groupId: 'nobody', topics: null });
    expect(all.topics).toEqual([]);
  });

  it('answers several groups at once (v8+)', async () => {
    const h = harness();
    await commit(h, 'g1', 't', 0, 5n);
    await commit(h, 'g2', 't', 0, 6n);
    const r = await h.call(ApiKey.OffsetFetch, 8, {
      groups: [
        { groupId: 'g1', topics: [{ name: 't', partitionIndexes: [0] }] },
        { groupId: 'g2', topics: null },
        { groupId: 'g3', topics: [{ name: 't', partitionIndexes: [0] }] },
      ],
    });
    expect(r.groups.map((g) => [g.groupId, g.errorCode, g.topics[0]?.partitions[0]?.committedOffset])).toEqual([
      ['g1', 0, 5n],
      ['g2', 0, 6n],
      ['g3', 0, -1n],
    ]);
  });

  it('checks the member and its epoch for a KIP-848 group (v9)', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    const epoch = await joinConsumerGroup(h, 'cg', 'm1', ['t']);
    await commit(h, 'cg', 't', 0, 7n);
    const fetch = (memberId: string | null, memberEpoch: number) =>
      h
        .call(ApiKey.OffsetFetch, 9, {
          groups: [{ groupId: 'cg', memberId, memberEpoch, topics: [{ name: 't', partitionIndexes: [0] }] }],
        })
        .then((r) => r.groups[0]!);
    expect((await fetch(null, -1)).topics[0]!.partitions[0]!.committedOffset).toBe(7n);
    expect((await fetch('m1', epoch)).topics[0]!.partitions[0]!.committedOffset).toBe(7n);
    const stale = await fetch('m1', epoch + 5);
    expect(stale.errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(stale.topics).toEqual([]);
    expect((await fetch('ghost', epoch)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('reads v0 requests as v1 ones', async () => {
    const h = harness();
    await commit(h, 'g', 't', 2, 3n);
    const r = await h.call(ApiKey.OffsetFetch, 0, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [2] }] });
    expect(r.topics[0]!.partitions[0]).toMatchObject({ partitionIndex: 2, committedOffset: 3n, errorCode: 0 });
  });
});
