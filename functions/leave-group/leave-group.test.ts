import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { heartbeatOf, joinAndSync } from '../classic-group-clients.js';
import { harness } from '../test-harness.js';

const DELAY = { groupInitialRebalanceDelayMs: 300 };

describe('leave-group', () => {
  it('removes the member and rebalances the others (v5 batch)', async () => {
    const h = harness(DELAY);
    const [a, b] = await Promise.all([joinAndSync(h), joinAndSync(h)]);
    const res = await h.call(ApiKey.LeaveGroup, 5, {
      groupId: 'g',
      members: [
        { memberId: b!.memberId, groupInstanceId: null, reason: 'closing' },
        { memberId: 'nobody', groupInstanceId: null, reason: null },
      ],
    });
    expect(res.errorCode).toBe(ErrorCode.NONE);
    expect(res.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await heartbeatOf(h, a!.memberId, a!.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const again = await joinAndSync(h, a!.memberId);
    expect(again).toMatchObject({ generationId: a!.generationId + 1, leader: a!.memberId });
    expect(await heartbeatOf(h, b!.memberId, again.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('answers the single member’s error at the top level before v3', async () => {
    const h = harness(DELAY);
    const a = await joinAndSync(h);
    const unknown = await h.call(ApiKey.LeaveGroup, 2, { groupId: 'g', memberId: 'nobody' });
    expect(unknown.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const left = await h.call(ApiKey.LeaveGroup, 0, { groupId: 'g', memberId: a.memberId });
    expect(left.errorCode).toBe(ErrorCode.NONE);
    expect(await heartbeatOf(h, a.memberId, a.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await h.call(ApiKey.LeaveGroup, 1, { groupId: '', memberId: 'x' })).errorCode).toBe(
      ErrorCode.INVALID_GROUP_ID,
    );
  });
});
