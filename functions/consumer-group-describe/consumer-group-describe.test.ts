import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { GROUP_AUTHORIZED_OPERATIONS } from '../group-offsets.js';
import { joinConsumerGroup, stableClassicGroup, storeClassicGroup } from '../group-test-harness.js';
import { harness } from '../test-harness.js';

describe('consumer-group-describe', () => {
  it('describes KIP-848 groups with authorized operations when asked, and refuses classic and unknown ids', async () => {
    const h = harness();
    const t = await h.createTopic('t', 2);
    await joinConsumerGroup(h, 'cg', 'm1', ['t']);
    await storeClassicGroup(h, stableClassicGroup('classic', h.nowMs, [{ memberId: 'a' }]));
    const r = await h.call(ApiKey.ConsumerGroupDescribe, 0, {
      groupIds: ['cg', 'classic', 'unknown'],
      includeAuthorizedOperations: true,
    });
    expect(r.groups.map((g) => [g.groupId, g.errorCode, g.errorMessage])).toEqual([
      ['cg', 0, null],
      ['classic', ErrorCode.GROUP_ID_NOT_FOUND, 'Group classic is not a consumer group.'],
      ['unknown', ErrorCode.GROUP_ID_NOT_FOUND, 'Group unknown not found.'],
    ]);
    const cg = r.groups[0]!;
    expect(cg.authorizedOperations).toBe(GROUP_AUTHORIZED_OPERATIONS);
    expect(cg.members[0]!.assignment.topicPartitions).toEqual([{ topicId: t.id, topicName: 't', partitions: [0, 1] }]);
    expect(r.groups[1]!.authorizedOperations).toBe(-2147483648);
  });

  it('leaves expired members out', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    await joinConsumerGroup(h, 'cg', 'm1', ['t']);
    h.nowMs += 60_000;
    const r = await h.call(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ['cg'] });
    expect(r.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Empty', members: [] });
  });
});
