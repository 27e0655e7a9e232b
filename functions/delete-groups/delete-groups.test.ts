import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { joinConsumerGroup, stableClassicGroup, storeClassicGroup } from '../group-test-harness.js';
import { type Harness, harness } from '../test-harness.js';

async function commit(h: Harness, groupId: string): Promise<void> {
  await h.meta.groups.commitOffsets(groupId, [
    {
      topic: 't',
      partition: 0,
      offset: 1n,
      leaderEpoch: -1,
      metadata: '',
      commitTimestamp: h.nowMs,
      expireTimestamp: -1,
    },
  ]);
}

describe('delete-groups', () => {
  it('deletes Empty groups with their offsets and refuses non-empty and unknown ones', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    await commit(h, 'simple');
    await storeClassicGroup(h, stableClassicGroup('busy', h.nowMs, [{ memberId: 'a' }]));
    await commit(h, 'busy');
    const empty = stableClassicGroup('empty', h.nowMs, [], { state: 'Empty' });
    await storeClassicGroup(h, empty);
    await commit(h, 'empty');
    await joinConsumerGroup(h, 'modern', 'm1', ['t']);

    const r = await h.call(ApiKey.DeleteGroups, 2, { groupsNames: ['simple', 'busy', 'empty', 'modern', 'unknown'] });
    expect(r.results.map((g) => [g.groupId, g.errorCode])).toEqual([
      ['simple', 0],
      ['busy', ErrorCode.NON_EMPTY_GROUP],
      ['empty', 0],
      ['modern', ErrorCode.NON_EMPTY_GROUP],
      ['unknown', ErrorCode.GROUP_ID_NOT_FOUND],
    ]);
    expect(await h.meta.groups.list()).toEqual(['busy', 'modern']);
    expect(await h.meta.groups.fetchOffsets('empty')).toEqual([]);
    expect((await h.meta.groups.fetchOffsets('busy')).length).toBe(1);
  });

  it('deletes a KIP-848 group once its last member left', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    const epoch = await joinConsumerGroup(h, 'modern', 'm1', ['t']);
    const left = await h.call(ApiKey.ConsumerGroupHeartbeat, 1, { groupId: 'modern', memberId: 'm1', memberEpoch: -1 });
    expect([left.errorCode, epoch > 0]).toEqual([0, true]);
    const r = await h.call(ApiKey.DeleteGroups, 0, { groupsNames: ['modern'] });
    expect(r.results).toEqual([{ groupId: 'modern', errorCode: 0 }]);
    expect(await h.meta.groups.get('modern')).toBeNull();
  });
});
