import { describe, expect, it } from 'vitest';
import { emptyGroup, encode as encodeConsumerGroup } from '../../shared/groups/consumer/index.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import {
  deadlineIn,
  heartbeatOf,
  type Joined,
  joinAndSync,
  joinFully,
  joinGroup,
  otherInstance,
  syncGroup,
} from '../classic-group-clients.js';
import { harness } from '../test-harness.js';

/** Short enough for tests, long enough for three concurrent joiners to arrive within it. */
const DELAY = { groupInitialRebalanceDelayMs: 300 };

function expectOneRound(members: readonly Joined[]): void {
  const generation = members[0]!.generationId;
  const leader = members[0]!.leader;
  expect(generation).toBeGreaterThan(0);
  for (const m of members) {
    expect(m.generationId).toBe(generation);
    expect(m.leader).toBe(leader);
    expect(m.assignment).toBe(`for ${m.memberId}`);
  }
  expect(members.map((m) => m.memberId)).toContain(leader);
  expect(new Set(members.map((m) => m.memberId)).size).toBe(members.length);
}

describe('join-group', () => {
  it('hands out a member id with MEMBER_ID_REQUIRED at v4+, and joins at once before v4', async () => {
    const h = harness(DELAY);
    const first = await joinGroup(h, '');
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^test-client-/);
    const joined = await joinGroup(h, first.memberId);
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, memberId: first.memberId, generationId: 1 });
    expect(joined.leader).toBe(first.memberId);
    expect(joined.members.map((m) => m.memberId)).toEqual([first.memberId]);

    const old = await joinGroup(h, '', { groupId: 'old', version: 3 });
    expect(old).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1 });
    expect(old.memberId).toMatch(/^test-client-/);
  });

  it('completes one round for three members joining concurrently: one leader, followers get its assignment', async () => {
    const h = harness(DELAY);
    const members = await Promise.all([joinAndSync(h), joinAndSync(h), joinAndSync(h)]);
    expectOneRound(members);
    expect(members[0]!.generationId).toBe(1);
  });

  it('serves the same members from two function instances sharing one MetaStore', async () => {
    const h = harness(DELAY);
    const other = otherInstance(h);
    // Each member joins on one instance and syncs on the other.
    const round = async (first: typeof h | typeof other, second: typeof h | typeof other): Promise<Joined> => {
      const join = await joinFully(first, '');
      expect(join.errorCode).toBe(ErrorCode.NONE);
      const sync = await syncGroup(second, join);
      expect(sync.errorCode).toBe(ErrorCode.NONE);
      return {
        memberId: join.memberId,
        generationId: join.generationId,
        leader: join.leader,
        assignment: new TextDecoder().decode(sync.assignment),
      };
    };
    const members = await Promise.all([round(h, other), round(other, h), round(h, other)]);
    expectOneRound(members);
    for (const m of members) {
      expect(await heartbeatOf(other, m.memberId, m.generationId)).toBe(ErrorCode.NONE);
      expect(await heartbeatOf(h, m.memberId, m.generationId)).toBe(ErrorCode.NONE);
    }
  });

  it('rebalances when a member joins a stable group: the others learn it from heartbeats and rejoin', async () => {
    const h = harness(DELAY);
    const [a, b] = await Promise.all([joinAndSync(h), joinAndSync(h)]);
    const third = joinAndSync(h);
    // The newcomer's join is parked until the others rejoin.
    await expect.poll(() => heartbeatOf(h, a!.memberId, a!.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await heartbeatOf(h, b!.memberId, b!.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const members = await Promise.all([joinAndSync(h, a!.memberId), joinAndSync(h, b!.memberId), third]);
    expectOneRound(members);
    expect(members[0]!.generationId).toBe(2);
  });

  it('lets a static member rejoin under a new member id without a rebalance', async () => {
    const h = harness(DELAY);
    const [a, b] = await Promise.all([
      joinAndSync(h, '', { groupInstanceId: 'instance-a' }),
      joinAndSync(h, '', { groupInstanceId: 'instance-b' }),
    ]);
    const follower = a!.leader === a!.memberId ? b! : a!;
    const instanceId = follower === a ? 'instance-a' : 'instance-b';
    // The follower restarts: no member id, same instance id, same subscription.
    const rejoined = await joinGroup(h, '', { groupInstanceId: instanceId });
    expect(rejoined.errorCode).toBe(ErrorCode.NONE);
    expect(rejoined.memberId).not.toBe(follower.memberId);
    expect(rejoined.generationId).toBe(follower.generationId);
    const sync = await syncGroup(h, rejoined, 'g', instanceId);
    expect(sync.errorCode).toBe(ErrorCode.NONE);
    // It keeps the assignment the leader gave its previous incarnation.
    expect(new TextDecoder().decode(sync.assignment)).toBe(`for ${follower.memberId}`);
    const leader = follower === a ? b! : a!;
    expect(await heartbeatOf(h, leader.memberId, leader.generationId)).toBe(ErrorCode.NONE);
    const fenced = await h.call(ApiKey.Heartbeat, 4, {
      groupId: 'g',
      generationId: follower.generationId,
      memberId: follower.memberId,
      groupInstanceId: instanceId,
    });
    expect(fenced.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });

  it('answers REBALANCE_IN_PROGRESS when its own deadline comes before the join completes; the rejoin completes', async () => {
    const h = harness({ groupInitialRebalanceDelayMs: 1500 });
    const first = await joinGroup(h, '');
    const started = Date.now();
    const timedOut = await joinGroup(h, first.memberId, { headers: deadlineIn(1200) });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(timedOut).toMatchObject({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, memberId: first.memberId });
    const joined = await joinGroup(h, first.memberId);
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, leader: first.memberId });
  });

  it('refuses invalid session timeouts and empty group ids', async () => {
    const h = harness(DELAY);
    expect((await joinGroup(h, '', { sessionTimeoutMs: 10 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await joinGroup(h, '', { groupId: '' })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('answers a classic join to a non-empty KIP-848 group with INCONSISTENT_GROUP_PROTOCOL, and replaces an empty one', async () => {
    const h = harness(DELAY);
    const member = {
      memberId: 'm1',
      instanceId: null,
      rackId: null,
      clientId: 'c',
      clientHost: '/127.0.0.1',
      subscribedTopicNames: ['t'],
      subscribedTopicRegex: null,
      serverAssignor: null,
      rebalanceTimeoutMs: 30_000,
      memberEpoch: 1,
      previousMemberEpoch: 0,
      state: 'STABLE' as const,
      assigned: [],
      pendingRevocation: [],
      sessionDeadline: h.nowMs + 3_600_000,
      revocationDeadline: null,
    };
    await h.meta.groups.compareAndSet('kip848', 0, encodeConsumerGroup({ ...emptyGroup('kip848'), members: [member] }));
    expect((await joinGroup(h, '', { groupId: 'kip848' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(await heartbeatOf(h, 'm1', 1, 'kip848')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    await h.meta.groups.compareAndSet('empty848', 0, encodeConsumerGroup(emptyGroup('empty848')));
    const joined = await joinAndSync(h, '', { groupId: 'empty848' });
    expect(joined.generationId).toBe(1);
  });

  it('answers COORDINATOR_NOT_AVAILABLE when the store is unreachable', async () => {
    const h = harness(DELAY);
    await h.meta.close();
    expect((await joinGroup(h, '')).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(await heartbeatOf(h, 'm', 1)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});
