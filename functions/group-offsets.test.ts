import { describe, expect, it } from 'vitest';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { classicSubscribedTopics, expireGroupOffsets } from './group-offsets.js';
import { joinConsumerGroup, stableClassicGroup, storeClassicGroup } from './group-test-harness.js';
import { type Harness, harness } from './test-harness.js';

const DAY = 24 * 3600_000;

async function commit(h: Harness, groupId: string, topic: string, at: number, expireTimestamp = -1): Promise<void> {
  await h.meta.groups.commitOffsets(groupId, [
    { topic, partition: 0, offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: at, expireTimestamp },
  ]);
}

const topicsOf = async (h: Harness, groupId: string): Promise<string[]> =>
  (await h.meta.groups.fetchOffsets(groupId)).map((o) => o.topic);

describe('expireGroupOffsets', () => {
  it("drops a simple consumer's offsets a retention after their commit", async () => {
    const h = harness({ offsetsRetentionMinutes: 60 });
    await commit(h, 'g', 'old', h.nowMs - 2 * 3600_000);
    await commit(h, 'g', 'new', h.nowMs);
    await commit(h, 'g', 'own', h.nowMs, h.nowMs - 1);
    expect(await expireGroupOffsets(h.env, 'g')).toBe(2);
    expect(await topicsOf(h, 'g')).toEqual(['new']);
  });

  it('keeps the offsets of a Stable classic group for topics it subscribes to, and deletes an emptied Empty group', async () => {
    const h = harness();
    await storeClassicGroup(h, stableClassicGroup('g', h.nowMs, [{ memberId: 'a', topics: ['sub'] }]));
    await commit(h, 'g', 'sub', h.nowMs - 8 * DAY);
    await commit(h, 'g', 'gone', h.nowMs - 8 * DAY);
    expect(await expireGroupOffsets(h.env, 'g')).toBe(1);
    expect(await topicsOf(h, 'g')).toEqual(['sub']);

    await storeClassicGroup(h, stableClassicGroup('e', h.nowMs - 8 * DAY, [], { state: 'Empty' }));
    await commit(h, 'e', 'x', h.nowMs - DAY);
    // Retention counts from when the group became Empty, not from the commit.
    expect(await expireGroupOffsets(h.env, 'e')).toBe(1);
    expect(await h.meta.groups.list()).toEqual(['g']);
  });

  it('keeps the subscribed topics of a KIP-848 group', async () => {
    const h = harness();
    await h.createTopic('sub', 1);
    await joinConsumerGroup(h, 'cg', 'm1', ['sub']);
    await commit(h, 'cg', 'sub', h.nowMs - 8 * DAY);
    await commit(h, 'cg', 'other', h.nowMs - 8 * DAY);
    expect(await expireGroupOffsets(h.env, 'cg')).toBe(1);
    expect(await topicsOf(h, 'cg')).toEqual(['sub']);
    const fetched = await h.call(ApiKey.OffsetFetch, 8, { groups: [{ groupId: 'cg', topics: null }] });
    expect(fetched.groups[0]!.topics.map((t) => t.name)).toEqual(['sub']);
  });

  it('reads subscriptions of any version and gives up on unreadable ones', () => {
    const group = stableClassicGroup('g', 0, [{ memberId: 'a', topics: ['x', 'y'] }]);
    expect([...(classicSubscribedTopics(group) ?? [])]).toEqual(['x', 'y']);
    group.members[0]!.protocols = [{ name: 'range', metadata: new Uint8Array([0, 1, 0]) }];
    expect(classicSubscribedTopics(group)).toBeNull();
  });
});
