import { describe, expect, it } from 'vitest';
import {
  decode as decodeConsumerGroup,
  emptyGroup,
  encode as encodeConsumerGroup,
} from '../shared/groups/consumer/index.js';
import { signInvocation } from '../shared/invocation.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import { allInOneApp } from './app.js';
import { heartbeatOf, joinAndSync } from './classic-group-clients.js';
import { SWEEP_PATH } from './define.js';
import { sweepGroups } from './group-sweeper.js';
import { harness } from './test-harness.js';

const DELAY = { groupInitialRebalanceDelayMs: 300 };

describe('group sweeper', () => {
  it('removes a member that stopped heartbeating after its session timeout; the others rebalance', async () => {
    const h = harness(DELAY);
    const members = await Promise.all([joinAndSync(h), joinAndSync(h), joinAndSync(h)]);
    const [a, b, silent] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    expect(await sweepGroups(h.env)).toEqual({ groups: 1, changed: 0 });

    h.nowMs += 4000;
    expect(await heartbeatOf(h, a.memberId, a.generationId)).toBe(ErrorCode.NONE);
    expect(await heartbeatOf(h, b.memberId, b.generationId)).toBe(ErrorCode.NONE);
    h.nowMs += 3000;
    // 7 s since the silent member's last heartbeat: past its 6 s session.
    expect(await sweepGroups(h.env)).toEqual({ groups: 1, changed: 1 });

    expect(await heartbeatOf(h, a.memberId, a.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await heartbeatOf(h, b.memberId, b.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const again = await Promise.all([joinAndSync(h, a.memberId), joinAndSync(h, b.memberId)]);
    expect(again.map((m) => m.generationId)).toEqual([a.generationId + 1, a.generationId + 1]);
    expect(again[0]!.leader).toBe(again[1]!.leader);
    expect(await heartbeatOf(h, silent.memberId, again[0]!.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('fences a KIP-848 member whose session ended', async () => {
    const h = harness();
    const member = (memberId: string, sessionDeadline: number) => ({
      memberId,
      instanceId: null,
      rackId: null,
      clientId: 'c',
      clientHost: '/127.0.0.1',
      subscribedTopicNames: [],
      subscribedTopicRegex: null,
      serverAssignor: null,
      rebalanceTimeoutMs: 30_000,
      memberEpoch: 1,
      previousMemberEpoch: 0,
      state: 'STABLE' as const,
      assigned: [],
      pendingRevocation: [],
      sessionDeadline,
      revocationDeadline: null,
    });
    const group = { ...emptyGroup('k'), members: [member('gone', h.nowMs - 1), member('live', h.nowMs + 60_000)] };
    await h.meta.groups.compareAndSet('k', 0, encodeConsumerGroup(group));
    expect(await sweepGroups(h.env)).toEqual({ groups: 1, changed: 1 });
    const stored = await h.meta.groups.get('k');
    expect(decodeConsumerGroup(stored!.value).members.map((m) => m.memberId)).toEqual(['live']);
    expect(await sweepGroups(h.env)).toEqual({ groups: 1, changed: 0 });
  });

  it('applies offset retention to every group only when asked to', async () => {
    const h = harness({ ...DELAY, offsetsRetentionMinutes: 60 });
    const member = await joinAndSync(h);
    const commit = (groupId: string, at: number) =>
      h.meta.groups.commitOffsets(groupId, [
        {
          topic: 't',
          partition: 0,
          offset: 5n,
          leaderEpoch: -1,
          metadata: '',
          commitTimestamp: at,
          expireTimestamp: -1,
        },
      ]);
    await commit('simple', h.nowMs - 2 * 3600_000);
    await commit('fresh', h.nowMs);
    expect(await sweepGroups(h.env)).toEqual({ groups: 1, changed: 0 });
    expect(await h.meta.groups.list()).toEqual(['fresh', 'g', 'simple']);
    // The simple consumer's offset is past retention; the fresh one is not; the live group has none to drop.
    expect(await sweepGroups(h.env, { offsets: true })).toEqual({ groups: 1, changed: 0, expiredOffsets: 1 });
    expect(await h.meta.groups.list()).toEqual(['fresh', 'g']);
    expect(await heartbeatOf(h, member.memberId, member.generationId)).toBe(ErrorCode.NONE);
  });

  it('serves POST /sweep, signed like an invocation', async () => {
    const h = harness(DELAY);
    await joinAndSync(h);
    const app = allInOneApp(h.env, { secrets: ['s3cret'], requireSignature: true });
    const unsigned = await app.fetch(new Request(`http://f${SWEEP_PATH}`, { method: 'POST' }));
    expect(unsigned.status).toBe(401);
    const headers = new Headers();
    await signInvocation(headers, new Uint8Array(0), 's3cret', h.env.now());
    const signed = await app.fetch(new Request(`http://f${SWEEP_PATH}`, { method: 'POST', headers }));
    expect(signed.status).toBe(200);
    expect(await signed.json()).toEqual({
      groups: 1,
      changed: 0,
      transactions: { transactions: 0, aborted: 0, completed: 0, expired: 0 },
    });
    await signInvocation(headers, new Uint8Array(0), 's3cret', h.env.now());
    const withOffsets = await app.fetch(new Request(`http://f${SWEEP_PATH}?offsets=true`, { method: 'POST', headers }));
    expect(await withOffsets.json()).toEqual({
      groups: 1,
      changed: 0,
      expiredOffsets: 0,
      transactions: { transactions: 0, aborted: 0, completed: 0, expired: 0 },
    });
  });
});
