import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { heartbeatOf, joinAndSync, joinFully } from '../classic-group-clients.js';
import { harness } from '../test-harness.js';

const DELAY = { groupInitialRebalanceDelayMs: 300 };

describe('heartbeat', () => {
  it('answers NONE to a member of the current generation', async () => {
    const h = harness(DELAY);
    const a = await joinAndSync(h);
    expect(await heartbeatOf(h, a.memberId, a.generationId)).toBe(ErrorCode.NONE);
  });

  it('answers ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID and INVALID_GROUP_ID', async () => {
    const h = harness(DELAY);
    const a = await joinAndSync(h);
    expect(await heartbeatOf(h, a.memberId, a.generationId + 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await heartbeatOf(h, 'nobody', a.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await heartbeatOf(h, a.memberId, a.generationId, 'no-such-group')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await heartbeatOf(h, a.memberId, a.generationId, '')).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('answers REBALANCE_IN_PROGRESS while a rebalance collects members', async () => {
    const h = harness(DELAY);
    const a = await joinAndSync(h);
    const newcomer = joinFully(h, '');
    await expect.poll(() => heartbeatOf(h, a.memberId, a.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoined = await joinFully(h, a.memberId);
    expect(rejoined.errorCode).toBe(ErrorCode.NONE);
    expect((await newcomer).generationId).toBe(rejoined.generationId);
  });
});
