import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { heartbeatOf, joinAndSync, joinFully } from '../classic-group-clients.js';
import { sweepGroups } from '../group-sweeper.js';
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

  it('keeps sessions alive beside the state: concurrent heartbeats neither rewrite the group nor conflict', async () => {
    const h = harness(DELAY);
    const members = await Promise.all(Array.from({ length: 8 }, () => joinAndSync(h)));
    const before = await h.meta.groups.get('g');
    const beats = await Promise.all(
      members.flatMap((m) => Array.from({ length: 5 }, () => heartbeatOf(h, m.memberId, m.generationId))),
    );
    expect(beats.every((code) => code === ErrorCode.NONE)).toBe(true);
    const after = await h.meta.groups.get('g');
    expect(after?.version).toBe(before?.version);
    expect(after?.value).toBe(before?.value);
    expect(after?.sessions?.size).toBe(members.length);

    // 4 s on, one member heartbeats; 3 s later (past the 6 s session of the others) the sweep keeps only it.
    h.nowMs += 4000;
    const [kept] = members;
    expect(await heartbeatOf(h, kept!.memberId, kept!.generationId)).toBe(ErrorCode.NONE);
    h.nowMs += 3000;
    expect(await sweepGroups(h.env)).toEqual({ groups: 1, changed: 1 });
    const swept = await h.meta.groups.get('g');
    expect(swept?.version).not.toBe(before?.version);
    // The write kept the survivor's recorded session only.
    expect([...(swept?.sessions?.keys() ?? [])]).toEqual([kept!.memberId]);
    expect(await heartbeatOf(h, kept!.memberId, kept!.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });
});
