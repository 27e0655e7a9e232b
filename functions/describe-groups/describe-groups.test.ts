import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { GROUP_AUTHORIZED_OPERATIONS } from '../group-offsets.js';
import { joinConsumerGroup, stableClassicGroup, storeClassicGroup, subscription } from '../group-test-harness.js';
import { harness } from '../test-harness.js';

describe('describe-groups', () => {
  it('describes a Stable classic group, an offsets-only group, and unknown or KIP-848 groups as Dead', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    await storeClassicGroup(
      h,
      stableClassicGroup('classic', h.nowMs, [{ memberId: 'a', topics: ['t'], groupInstanceId: 'inst' }]),
    );
    await h.meta.groups.commitOffsets('simple', [
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
    await joinConsumerGroup(h, 'modern', 'm1', ['t']);
    const r = await h.call(ApiKey.DescribeGroups, 5, {
      groups: ['classic', 'simple', 'unknown', 'modern'],
      includeAuthorizedOperations: true,
    });
    expect(r.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.protocolType, g.protocolData])).toEqual([
      ['classic', 0, 'Stable', 'consumer', 'range'],
      ['simple', 0, 'Empty', '', ''],
      ['unknown', 0, 'Dead', '', ''],
      ['modern', 0, 'Dead', '', ''],
    ]);
    const member = r.groups[0]!.members[0]!;
    expect(member).toMatchObject({ memberId: 'a', groupInstanceId: 'inst', clientId: 'client' });
    expect(member.memberMetadata).toEqual(subscription(['t']));
    expect(r.groups.every((g) => g.authorizedOperations === GROUP_AUTHORIZED_OPERATIONS)).toBe(true);

    const old = await h.call(ApiKey.DescribeGroups, 2, { groups: ['classic'] });
    expect(old.groups[0]!.groupState).toBe('Stable');
  });

  it('reports a group whose members all timed out as Empty', async () => {
    const h = harness();
    const group = stableClassicGroup('g', h.nowMs, [{ memberId: 'a' }]);
    group.members[0]!.heartbeatDeadline = h.nowMs - 1;
    await storeClassicGroup(h, group);
    const r = await h.call(ApiKey.DescribeGroups, 4, { groups: ['g'] });
    expect(r.groups[0]).toMatchObject({ groupState: 'Empty', members: [], authorizedOperations: -2147483648 });
  });
});
