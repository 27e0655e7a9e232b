import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { describe as describeGroup, describeMissing } from './describe.js';
import { byName, context, joinRequest, request, TOPIC_IDS, tp } from './harness.js';
import { expire, type HeartbeatContext, heartbeat } from './heartbeat.js';
import { type ConsumerGroupState, decode, encode, isConsumerGroupValue, nextDeadline } from './state.js';

const ctx = context({ foo: 6, bar: 3 });

function ok(
  state: ConsumerGroupState | null,
  req: Parameters<typeof heartbeat>[1],
  now = 0,
  c: HeartbeatContext = ctx,
): { state: ConsumerGroupState; response: ReturnType<typeof heartbeat>['response'] } {
  const result = heartbeat(state, req, now, c);
  expect(result.response.errorMessage).toBeNull();
  expect(result.response.errorCode).toBe(ErrorCode.NONE);
  expect(result.state).not.toBeNull();
  // Every step goes through storage.
  return { state: decode(encode(result.state!)), response: result.response };
}

function member(state: ConsumerGroupState, memberId: string) {
  const found = state.members.find((m) => m.memberId === memberId);
  if (!found) throw new Error(`no member ${memberId}`);
  return found;
}

/** Two members on foo (6 partitions): A joined first and owns everything; B joined after. */
function twoMembers() {
  const a = ok(null, joinRequest('A', ['foo']), 0);
  const b = ok(a.state, joinRequest('B', ['foo']), 10);
  return { a, b };
}

describe('join', () => {
  it('creates the group at epoch 1 and gives the first member everything', () => {
    const { state, response } = ok(null, joinRequest('A', ['foo', 'bar']));
    expect(response.memberId).toBe('A');
    expect(response.memberEpoch).toBe(1);
    expect(response.heartbeatIntervalMs).toBe(5000);
    expect(byName(response.assignment!.topicPartitions)).toEqual({ foo: [0, 1, 2, 3, 4, 5], bar: [0, 1, 2] });
    expect(state.groupEpoch).toBe(1);
    expect(state.assignmentEpoch).toBe(1);
    expect(state.state).toBe('STABLE');
    expect(member(state, 'A').state).toBe('STABLE');
    expect(state.subscriptionMetadata.map((t) => [t.name, t.partitions])).toEqual([
      ['bar', 3],
      ['foo', 6],
    ]);
  });

  it('generates the member id on v0 and requires one from v1 (KIP-1082)', () => {
    const v0 = heartbeat(null, joinRequest('', ['foo']), 0, { ...ctx, apiVersion: 0 });
    expect(v0.response.errorCode).toBe(ErrorCode.NONE);
    expect(v0.response.memberId).toMatch(/^generated-/);
    const v1 = heartbeat(null, joinRequest('', ['foo']), 0, ctx);
    expect(v1.response.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(v1.response.errorMessage).toBe("MemberId can't be empty.");
    expect(v1.state).toBeNull();
  });

  it.each([
    [{ rebalanceTimeoutMs: -1 }, 'RebalanceTimeoutMs must be provided in first request.'],
    [{ topicPartitions: null }, 'TopicPartitions must be empty when (re-)joining.'],
    [{ topicPartitions: tp({ foo: [0] }) }, 'TopicPartitions must be empty when (re-)joining.'],
    [
      { subscribedTopicNames: null },
      'Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.',
    ],
    [{ groupId: '  ' }, "GroupId can't be empty."],
    [{ instanceId: '' }, "InstanceId can't be empty."],
    [{ rackId: ' ' }, "RackId can't be empty."],
    [{ memberEpoch: -3 }, 'MemberEpoch is invalid.'],
    [{ memberEpoch: -2 }, "InstanceId can't be null."],
  ])('rejects a bad first heartbeat %o with INVALID_REQUEST', (fields, message) => {
    const result = heartbeat(null, joinRequest('A', ['foo'], fields), 0, ctx);
    expect(result.response.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(result.response.errorMessage).toBe(message);
  });

  it('rejects an unknown server assignor with UNSUPPORTED_ASSIGNOR', () => {
    const result = heartbeat(null, joinRequest('A', ['foo'], { serverAssignor: 'sticky' }), 0, ctx);
    expect(result.response.errorCode).toBe(ErrorCode.UNSUPPORTED_ASSIGNOR);
    expect(result.state).toBeNull();
  });

  it('rejects an invalid regex with INVALID_REGULAR_EXPRESSION', () => {
    const result = heartbeat(
      null,
      joinRequest('A', [], { subscribedTopicNames: null, subscribedTopicRegex: '(' }),
      0,
      ctx,
    );
    expect(result.response.errorCode).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
  });

  it('subscribes by regex, matching whole topic names', () => {
    const c = context({ foo: 2, food: 1, bar: 1 });
    const { response } = ok(
      null,
      joinRequest('A', [], { subscribedTopicNames: null, subscribedTopicRegex: 'fo.' }),
      0,
      c,
    );
    expect(byName(response.assignment!.topicPartitions)).toEqual({ foo: [0, 1] });
  });

  it('refuses a heartbeat to a group that does not exist', () => {
    const result = heartbeat(null, request({ memberId: 'A', memberEpoch: 1 }), 0, ctx);
    expect(result.response.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it('caps the group size with GROUP_MAX_SIZE_REACHED', () => {
    const c = { ...ctx, config: { maxSize: 1 } };
    const a = ok(null, joinRequest('A', ['foo']), 0, c);
    expect(heartbeat(a.state, joinRequest('B', ['foo']), 0, c).response.errorCode).toBe(
      ErrorCode.GROUP_MAX_SIZE_REACHED,
    );
    expect(heartbeat(a.state, joinRequest('A', ['foo']), 0, c).response.errorCode).toBe(ErrorCode.NONE);
  });
});

describe('revocation before assignment', () => {
  it('withholds partitions until their previous owner has revoked them', () => {
    const { b } = twoMembers();
    // B joined: the group epoch moved to 2 and the target splits foo; A still owns all of it.
    expect(b.state.groupEpoch).toBe(2);
    expect(b.state.assignmentEpoch).toBe(2);
    expect(b.response.memberEpoch).toBe(2);
    expect(b.response.assignment!.topicPartitions).toEqual([]);
    expect(member(b.state, 'B').state).toBe('UNRELEASED_PARTITIONS');
    expect(b.state.state).toBe('RECONCILING');

    const targetA = byName(b.state.targetAssignment.find((e) => e.memberId === 'A')!.partitions).foo!;
    const targetB = byName(b.state.targetAssignment.find((e) => e.memberId === 'B')!.partitions).foo!;
    expect(targetA.length).toBe(3);
    expect(targetB.length).toBe(3);

    // A heartbeats still owning everything: it keeps epoch 1 and is told to drop B's partitions.
    const a2 = ok(
      b.state,
      request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: [0, 1, 2, 3, 4, 5] }) }),
      20,
    );
    expect(a2.response.memberEpoch).toBe(1);
    expect(byName(a2.response.assignment!.topicPartitions)).toEqual({ foo: targetA });
    expect(member(a2.state, 'A').state).toBe('UNREVOKED_PARTITIONS');
    expect(byName(member(a2.state, 'A').pendingRevocation)).toEqual({ foo: targetB });

    // B asks again: still nothing, A has not released.
    const b2 = ok(a2.state, request({ memberId: 'B', memberEpoch: 2 }), 30);
    expect(b2.response.assignment).toBeNull();
    expect(member(b2.state, 'B').assigned).toEqual([]);

    // A heartbeats without owned partitions (null = unchanged): still waiting.
    const a3 = ok(b2.state, request({ memberId: 'A', memberEpoch: 1 }), 40);
    expect(member(a3.state, 'A').state).toBe('UNREVOKED_PARTITIONS');

    // A reports it dropped them: epoch 2, stable.
    const a4 = ok(a3.state, request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: targetA }) }), 50);
    expect(a4.response.memberEpoch).toBe(2);
    expect(member(a4.state, 'A').state).toBe('STABLE');
    expect(member(a4.state, 'A').previousMemberEpoch).toBe(1);

    // Now B gets its partitions and the group is stable.
    const b3 = ok(a4.state, request({ memberId: 'B', memberEpoch: 2, topicPartitions: [] }), 60);
    expect(byName(b3.response.assignment!.topicPartitions)).toEqual({ foo: targetB });
    expect(member(b3.state, 'B').state).toBe('STABLE');
    expect(b3.state.state).toBe('STABLE');
  });

  it('only sends the assignment when it changed or the request was full', () => {
    const { state } = ok(null, joinRequest('A', ['foo']));
    const quiet = ok(state, request({ memberId: 'A', memberEpoch: 1 }), 10);
    expect(quiet.response.assignment).toBeNull();
    const full = ok(
      state,
      request({
        memberId: 'A',
        memberEpoch: 1,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: ['foo'],
        topicPartitions: [],
      }),
      10,
    );
    expect(byName(full.response.assignment!.topicPartitions)).toEqual({ foo: [0, 1, 2, 3, 4, 5] });
  });
});

describe('fencing', () => {
  it('fences a member whose epoch is ahead of the group', () => {
    const { state } = ok(null, joinRequest('A', ['foo']));
    const result = heartbeat(state, request({ memberId: 'A', memberEpoch: 2 }), 10, ctx);
    expect(result.response.errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
  });

  it('fences a stale epoch, but accepts the previous epoch with a subset of the assignment', () => {
    const { a, b } = twoMembers();
    const a2 = ok(
      b.state,
      request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: [0, 1, 2, 3, 4, 5] }) }),
      20,
    );
    const kept = byName(member(a2.state, 'A').assigned).foo!;
    const a3 = ok(a2.state, request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: kept }) }), 30);
    expect(a3.response.memberEpoch).toBe(2);
    // The response carrying epoch 2 was lost: epoch 1 with owned ⊆ assigned is still accepted.
    const retry = ok(a3.state, request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: kept }) }), 40);
    expect(retry.response.memberEpoch).toBe(2);
    // Epoch 0 (not the previous epoch) is fenced.
    const stale = heartbeat(
      a3.state,
      request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: [0, 1, 2, 3, 4, 5] }) }),
      40,
      ctx,
    );
    expect(stale.response.errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    expect(a.state.groupEpoch).toBe(1);
  });

  it('lets a fenced member rejoin with epoch 0 under the same member id (KAFKA-19233)', () => {
    const { b } = twoMembers();
    const a2 = ok(
      b.state,
      request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: [0, 1, 2, 3, 4, 5] }) }),
      20,
    );
    const kept = byName(member(a2.state, 'A').assigned).foo!;
    const a3 = ok(a2.state, request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: kept }) }), 30);
    const fenced = heartbeat(a3.state, request({ memberId: 'A', memberEpoch: 7 }), 40, ctx);
    expect(fenced.response.errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    const back = ok(a3.state, joinRequest('A', ['foo']), 50);
    expect(back.response.memberEpoch).toBe(2);
    expect(byName(back.response.assignment!.topicPartitions)).toEqual({ foo: kept });
    expect(back.state.groupEpoch).toBe(2);
  });

  it('fences a member in an UNKNOWN state unless it reports no partitions', () => {
    const { state } = ok(null, joinRequest('A', ['foo']));
    const unknown: ConsumerGroupState = {
      ...state,
      members: state.members.map((m) => ({ ...m, state: 'UNKNOWN' as const })),
    };
    const owning = heartbeat(
      unknown,
      request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: [0] }) }),
      10,
      ctx,
    );
    expect(owning.response.errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    const empty = ok(unknown, request({ memberId: 'A', memberEpoch: 1, topicPartitions: [] }), 10);
    expect(member(empty.state, 'A').state).toBe('STABLE');
    expect(empty.response.memberEpoch).toBe(1);
  });

  it('answers UNKNOWN_MEMBER_ID for a member it does not know', () => {
    const { state } = ok(null, joinRequest('A', ['foo']));
    expect(heartbeat(state, request({ memberId: 'Z', memberEpoch: 1 }), 10, ctx).response.errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });
});

describe('leave', () => {
  it('removes a member that leaves with epoch -1 and bumps the group epoch', () => {
    const { b } = twoMembers();
    const left = ok(b.state, request({ memberId: 'B', memberEpoch: -1 }), 20);
    expect(left.response.memberEpoch).toBe(-1);
    expect(left.response.memberId).toBe('B');
    expect(left.state.members.map((m) => m.memberId)).toEqual(['A']);
    expect(left.state.groupEpoch).toBe(3);
    expect(left.state.state).toBe('ASSIGNING');
    const a = ok(
      left.state,
      request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: [0, 1, 2, 3, 4, 5] }) }),
      30,
    );
    expect(a.response.memberEpoch).toBe(3);
    expect(byName(member(a.state, 'A').assigned)).toEqual({ foo: [0, 1, 2, 3, 4, 5] });
    expect(a.state.state).toBe('STABLE');
  });

  it('empties the group when the last member leaves', () => {
    const { state } = ok(null, joinRequest('A', ['foo']));
    const left = ok(state, request({ memberId: 'A', memberEpoch: -1 }), 10);
    expect(left.state.state).toBe('EMPTY');
    expect(left.state.subscriptionMetadata).toEqual([]);
  });
});

describe('static membership', () => {
  it('keeps the assignment across a temporary leave and a rejoin under a new member id', () => {
    const a = ok(null, joinRequest('A1', ['foo'], { instanceId: 'i-a' }));
    const b = ok(a.state, joinRequest('B', ['foo']), 10);
    const a2 = ok(
      b.state,
      request({ memberId: 'A1', memberEpoch: 1, instanceId: 'i-a', topicPartitions: tp({ foo: [0, 1, 2, 3, 4, 5] }) }),
      20,
    );
    const kept = byName(member(a2.state, 'A1').assigned).foo!;
    const a3 = ok(
      a2.state,
      request({ memberId: 'A1', memberEpoch: 1, instanceId: 'i-a', topicPartitions: tp({ foo: kept }) }),
      30,
    );
    const epoch = a3.state.groupEpoch;

    const away = ok(a3.state, request({ memberId: 'A1', memberEpoch: -2, instanceId: 'i-a' }), 40);
    expect(away.response.memberEpoch).toBe(-2);
    expect(member(away.state, 'A1').memberEpoch).toBe(-2);
    expect(away.state.groupEpoch).toBe(epoch);

    // Another process cannot take the instance id while it is held.
    const clash = heartbeat(a3.state, joinRequest('A2', ['foo'], { instanceId: 'i-a' }), 45, ctx);
    expect(clash.response.errorCode).toBe(ErrorCode.UNRELEASED_INSTANCE_ID);

    const back = ok(away.state, joinRequest('A2', ['foo'], { instanceId: 'i-a' }), 50);
    expect(back.state.groupEpoch).toBe(epoch);
    expect(back.response.memberId).toBe('A2');
    expect(back.response.memberEpoch).toBe(epoch);
    expect(byName(back.response.assignment!.topicPartitions)).toEqual({ foo: kept });
    expect(back.state.members.map((m) => m.memberId)).toEqual(['A2', 'B']);
    expect(back.state.targetAssignment.map((e) => e.memberId)).toEqual(['A2', 'B']);

    // The old member id is fenced by the new one.
    const old = heartbeat(back.state, request({ memberId: 'A1', memberEpoch: epoch, instanceId: 'i-a' }), 60, ctx);
    expect(old.response.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });

  it('fences a static member that stays away past its session timeout', () => {
    const a = ok(null, joinRequest('A1', ['foo'], { instanceId: 'i-a' }), 0);
    const away = ok(a.state, request({ memberId: 'A1', memberEpoch: -2, instanceId: 'i-a' }), 1000);
    const expired = expire(away.state, 45_000);
    expect(expired.fenced).toEqual(['A1']);
    expect(expired.state.state).toBe('EMPTY');
  });

  it('removes a static member for good when it leaves with epoch -1', () => {
    const a = ok(null, joinRequest('A1', ['foo'], { instanceId: 'i-a' }), 0);
    const gone = ok(a.state, request({ memberId: 'A1', memberEpoch: -1, instanceId: 'i-a' }), 10);
    expect(gone.state.members).toEqual([]);
    expect(gone.state.groupEpoch).toBe(2);
  });
});

describe('group epoch changes', () => {
  it('bumps the group epoch and reassigns when a subscription changes', () => {
    const { state } = ok(null, joinRequest('A', ['foo']));
    const changed = ok(state, request({ memberId: 'A', memberEpoch: 1, subscribedTopicNames: ['foo', 'bar'] }), 10);
    expect(changed.state.groupEpoch).toBe(2);
    expect(changed.response.memberEpoch).toBe(2);
    expect(byName(changed.response.assignment!.topicPartitions)).toEqual({ foo: [0, 1, 2, 3, 4, 5], bar: [0, 1, 2] });
    // The same subscription again is no change.
    const same = ok(
      changed.state,
      request({ memberId: 'A', memberEpoch: 2, subscribedTopicNames: ['bar', 'foo'] }),
      20,
    );
    expect(same.state.groupEpoch).toBe(2);
  });

  it('bumps the group epoch when a subscribed topic gains partitions', () => {
    const { state } = ok(null, joinRequest('A', ['foo']));
    const grown = context({ foo: 8, bar: 3 });
    const next = ok(state, request({ memberId: 'A', memberEpoch: 1 }), 10, grown);
    expect(next.state.groupEpoch).toBe(2);
    expect(byName(next.response.assignment!.topicPartitions)).toEqual({ foo: [0, 1, 2, 3, 4, 5, 6, 7] });
    expect(next.state.subscriptionMetadata.find((t) => t.name === 'foo')!.partitions).toBe(8);
  });

  it('revokes partitions of a deleted topic', () => {
    const { state } = ok(null, joinRequest('A', ['foo', 'bar']));
    const next = ok(
      state,
      request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: [0, 1, 2, 3, 4, 5], bar: [0, 1, 2] }) }),
      10,
      context({ foo: 6 }),
    );
    expect(next.state.groupEpoch).toBe(2);
    expect(member(next.state, 'A').state).toBe('UNREVOKED_PARTITIONS');
    expect(byName(member(next.state, 'A').pendingRevocation)).toEqual({ bar: [0, 1, 2] });
  });

  it('uses the assignor most members ask for', () => {
    const c = context({ foo: 4, bar: 4 });
    const a = ok(null, joinRequest('A', ['foo', 'bar'], { serverAssignor: 'range' }), 0, c);
    const b = ok(a.state, joinRequest('B', ['foo', 'bar'], { serverAssignor: 'range' }), 0, c);
    const target = new Map(b.state.targetAssignment.map((e) => [e.memberId, byName(e.partitions)]));
    expect(target.get('A')).toEqual({ foo: [0, 1], bar: [0, 1] });
    expect(target.get('B')).toEqual({ foo: [2, 3], bar: [2, 3] });
    expect(describeGroup(b.state, new Map()).assignorName).toBe('range');
  });
});

describe('expiry', () => {
  it('fences a member whose session timed out and frees its partitions', () => {
    const { b } = twoMembers();
    expect(nextDeadline(b.state)).toBe(45_000);
    expect(expire(b.state, 44_999).fenced).toEqual([]);
    const expired = expire(b.state, 45_000);
    expect(expired.fenced).toEqual(['A']);
    expect(expired.state.groupEpoch).toBe(3);
    // B heartbeats after the sweep (heartbeat expires lazily too) and gets everything.
    const b2 = ok(b.state, request({ memberId: 'B', memberEpoch: 2, topicPartitions: [] }), 45_005);
    expect(b2.state.members.map((m) => m.memberId)).toEqual(['B']);
    expect(byName(b2.response.assignment!.topicPartitions)).toEqual({ foo: [0, 1, 2, 3, 4, 5] });
  });

  it('fences a member that does not revoke within its rebalance timeout', () => {
    const a = ok(null, joinRequest('A', ['foo'], { rebalanceTimeoutMs: 1000 }), 0);
    const b = ok(a.state, joinRequest('B', ['foo']), 10);
    const a2 = ok(
      b.state,
      request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: [0, 1, 2, 3, 4, 5] }) }),
      20,
    );
    expect(member(a2.state, 'A').revocationDeadline).toBe(1020);
    // Heartbeats that keep the partitions do not extend the deadline.
    const a3 = ok(
      a2.state,
      request({ memberId: 'A', memberEpoch: 1, topicPartitions: tp({ foo: [0, 1, 2, 3, 4, 5] }) }),
      500,
    );
    expect(expire(a3.state, 1019).fenced).toEqual([]);
    expect(expire(a3.state, 1020).fenced).toEqual(['A']);
    const late = heartbeat(a3.state, request({ memberId: 'A', memberEpoch: 1 }), 1100, ctx);
    expect(late.response.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('describe', () => {
  it('describes members, their assignments and targets', () => {
    const { b } = twoMembers();
    const names = new Map([[TOPIC_IDS.foo!, 'foo']]);
    const d = describeGroup(b.state, names);
    expect(d.groupState).toBe('Reconciling');
    expect(d.groupEpoch).toBe(2);
    expect(d.assignmentEpoch).toBe(2);
    expect(d.assignorName).toBe('uniform');
    expect(d.members.map((m) => [m.memberId, m.memberEpoch])).toEqual([
      ['A', 1],
      ['B', 2],
    ]);
    expect(d.members[0]!.assignment.topicPartitions).toEqual([
      { topicId: TOPIC_IDS.foo, topicName: 'foo', partitions: [0, 1, 2, 3, 4, 5] },
    ]);
    expect(d.members[1]!.targetAssignment.topicPartitions[0]!.partitions).toHaveLength(3);
    expect(d.members[0]!.clientId).toBe('client');
    expect(d.members[0]!.subscribedTopicNames).toEqual(['foo']);
    expect(describeMissing('nope').errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it('round-trips the state through encode and decode', () => {
    const { b } = twoMembers();
    expect(decode(encode(b.state))).toEqual(b.state);
    expect(isConsumerGroupValue(encode(b.state))).toBe(true);
    expect(isConsumerGroupValue('{"format":1,"kind":"classic"}')).toBe(false);
    expect(() => decode('{"format":1,"kind":"classic"}')).toThrow();
  });
});
