import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { joinConsumerGroup, stableClassicGroup, storeClassicGroup } from '../group-test-harness.js';
import { type Harness, harness } from '../test-harness.js';

async function threeKinds(h: Harness): Promise<void> {
  await h.createTopic('t', 1);
  await storeClassicGroup(h, stableClassicGroup('classic', h.nowMs, [{ memberId: 'a', topics: ['t'] }]));
  const r = await h.call(ApiKey.OffsetCommit, 9, {
    groupId: 'simple',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n }] }],
  });
  expect(r.topics[0]!.partitions[0]!.errorCode).toBe(0);
  await joinConsumerGroup(h, 'modern', 'm1', ['t']);
}

describe('list-groups', () => {
  it('lists classic, offsets-only and KIP-848 groups with state and type', async () => {
    const h = harness();
    await threeKinds(h);
    const r = await h.call(ApiKey.ListGroups, 5, {});
    expect(r.errorCode).toBe(0);
    expect(r.groups).toEqual([
      { groupId: 'classic', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' },
      { groupId: 'modern', protocolType: 'consumer', groupState: 'Stable', groupType: 'consumer' },
      { groupId: 'simple', protocolType: '', groupState: 'Empty', groupType: 'classic' },
    ]);
    const v0 = await h.call(ApiKey.ListGroups, 0, {});
    expect(v0.groups.map((g) => g.groupId)).toEqual(['classic', 'modern', 'simple']);
  });

  it('filters by state (v4+) and type (v5+), case-insensitively', async () => {
    const h = harness();
    await threeKinds(h);
    const ids = async (version: number, body: { statesFilter?: string[]; typesFilter?: string[] }) =>
      (await h.call(ApiKey.ListGroups, version, body)).groups.map((g) => g.groupId);
    expect(await ids(4, { statesFilter: ['EMPTY'] })).toEqual(['simple']);
    expect(await ids(4, { statesFilter: ['stable'] })).toEqual(['classic', 'modern']);
    expect(await ids(5, { typesFilter: ['Consumer'] })).toEqual(['modern']);
    expect(await ids(5, { typesFilter: ['classic'], statesFilter: ['stable'] })).toEqual(['classic']);
    expect(await ids(5, { typesFilter: ['share'] })).toEqual([]);
  });
});
