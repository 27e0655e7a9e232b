import { expect, describe as group, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { describe, listing, offsetCommitCheck } from './responses.js';
import { DEFAULT_CLASSIC_GROUP_CONFIG, decodeGroup, encodeGroup, isClassicGroupValue } from './state.js';
import { bytes, Harness, joinInput, syncInput } from './test-harness.js';
import { heartbeat, type JoinInput, join, leave, nextDeadline, sync } from './transitions.js';

/** Two dynamic members in a Stable generation: `a` leads. */
function stableGroupOfTwo(over: Partial<JoinInput> = {}, h = new Harness()) {
  const a = h.joinDynamic({ clientId: 'a', ...over });
  h.advance(10);
  const gen1 = h.joined(a);
  expect(gen1.generationId).toBe(1);
  const b = h.joinDynamic({ clientId: 'b', ...over });
  // b's join starts a rebalance; a rejoins.
  expect(h.join({ memberId: a, clientId: 'a', ...over }).kind).toBe('wait');
  expect(h.state.state).toBe('CompletingRebalance');
  const generation = h.stabilise(a, { [a]: bytes(10), [b]: bytes(20) });
  return { h, a, b, generation };
}

group('JoinGroup', () => {
  it('asks an unknown v4+ member to rejoin with a new id clientId-<uuid>, kept pending, not a member', () => {
    const h = new Harness();
    const out = h.join({ clientId: 'app' });
    expect(out).toMatchObject({
      kind: 'reply',
      response: { errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'app-id1' },
    });
    expect(h.state.pendingMembers.map((p) => p.memberId)).toEqual(['app-id1']);
    expect(h.state.members).toEqual([]);
  });

  it('uses a real UUID for member ids by default', () => {
    const step = join(null, joinInput({ clientId: 'app' }), 0, DEFAULT_CLASSIC_GROUP_CONFIG);
    expect(step.outcome.kind === 'reply' && step.outcome.response.memberId).toMatch(/^app-[0-9a-f-]{36}$/);
  });

  it('lets an unknown member before v4 join at once', () => {
    const h = new Harness();
    const out = h.join({ requestVersion: 3 });
    expect(out).toEqual({ kind: 'wait', memberId: 'client-id1' });
    expect(h.state.state).toBe('PreparingRebalance');
  });

  it('rejects a member id for a group that does not exist, without creating it', () => {
    const h = new Harness();
    const out = h.join({ memberId: 'ghost' });
    expect(out).toMatchObject({ kind: 'reply', response: { errorCode: ErrorCode.UNKNOWN_MEMBER_ID } });
    expect(h.group).toBeNull();
  });

  it('rejects a session timeout outside the broker range', () => {
    const h = new Harness();
    const out = h.join({ sessionTimeoutMs: 1000 });
    expect(out).toMatchObject({ response: { errorCode: ErrorCode.INVALID_SESSION_TIMEOUT } });
  });

  it('rejects an empty group id', () => {
    expect(new Harness().join({ groupId: '' })).toMatchObject({ response: { errorCode: ErrorCode.INVALID_GROUP_ID } });
  });

  it('rejects the first member when its protocol type or list is empty', () => {
    const h = new Harness();
    expect(h.join({ protocolType: '' })).toMatchObject({
      response: { errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL },
    });
    expect(h.join({ protocols: [] })).toMatchObject({ response: { errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL } });
  });

  it('rejects another protocol type or no protocol in common with the members', () => {
    const { h } = stableGroupOfTwo();
    expect(h.join({ protocolType: 'connect' })).toMatchObject({
      response: { errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL },
    });
    expect(h.join({ protocols: [{ name: 'sticky', metadata: bytes() }] })).toMatchObject({
      response: { errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL },
    });
  });

  it('holds the first rebalance for the initial delay, then gives the leader the member list', () => {
    const h = new Harness({ ...DEFAULT_CLASSIC_GROUP_CONFIG, initialRebalanceDelayMs: 3000 });
    const a = h.joinDynamic({ clientId: 'a' });
    h.advance(1000);
    const b = h.joinDynamic({ clientId: 'b' });
    expect(h.joinResult(a)).toBe('pending');
    h.advance(5000);
    const leader = h.joined(a);
    const follower = h.joined(b);
    expect(h.state.state).toBe('CompletingRebalance');
    expect(leader).toMatchObject({ generationId: 1, leader: a, protocolName: 'range', protocolType: 'consumer' });
    expect(leader.members.map((m) => m.memberId)).toEqual([a, b]);
    expect(follower.members).toEqual([]);
    expect(follower.leader).toBe(a);
  });

  it('extends the initial delay while new members keep joining, up to the rebalance timeout', () => {
    const h = new Harness({ ...DEFAULT_CLASSIC_GROUP_CONFIG, initialRebalanceDelayMs: 3000 });
    const start = h.now;
    h.joinDynamic({ clientId: 'a', rebalanceTimeoutMs: 7000 });
    expect(h.state.initialDelay?.checkAt).toBe(start + 3000);
    for (let i = 0; i < 5; i++) {
      h.advance(1000);
      if (h.state.state === 'PreparingRebalance') h.joinDynamic({ clientId: `m${i}`, rebalanceTimeoutMs: 7000 });
    }
    // delay 3000, extended by 3000 (remaining 4000), then by min(3000, 1000): completes at 7000.
    expect(h.state.state).toBe('PreparingRebalance');
    h.advance(1000);
    expect(h.state.state).toBe('PreparingRebalance');
    h.advance(1000);
    expect(h.state.state).toBe('CompletingRebalance');
    expect(h.state.stateTimestamp).toBe(start + 7000);
  });

  it('completes a later rebalance as soon as every member has rejoined', () => {
    const { h, a, b } = stableGroupOfTwo();
    expect(h.join({ memberId: b, protocols: [{ name: 'range', metadata: bytes(2) }] }).kind).toBe('wait');
    expect(h.state.state).toBe('PreparingRebalance');
    expect(h.join({ memberId: a }).kind).toBe('wait');
    expect(h.state.state).toBe('CompletingRebalance');
    expect(h.joined(b).generationId).toBe(3);
  });

  it('removes dynamic members that did not rejoin by the rebalance timeout, and elects a joined leader', () => {
    const { h, a, b } = stableGroupOfTwo({ sessionTimeoutMs: 60_000 });
    h.join({ memberId: b, sessionTimeoutMs: 60_000, protocols: [{ name: 'range', metadata: bytes(2) }] });
    h.advance(29_999);
    expect(h.state.state).toBe('PreparingRebalance');
    h.advance(1);
    expect(h.joinResult(a)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
    expect(h.state.state).toBe('CompletingRebalance');
    expect(h.state.members.map((m) => m.memberId)).toEqual([b]);
    expect(h.state.leaderId).toBe(b);
    expect(h.joined(b).members.map((m) => m.memberId)).toEqual([b]);
  });

  it('keeps the old leader when it rejoined', () => {
    const { h, a, b } = stableGroupOfTwo();
    h.join({ memberId: b, protocols: [{ name: 'range', metadata: bytes(9) }] });
    h.join({ memberId: a });
    expect(h.joined(b).leader).toBe(a);
  });

  it('keeps static members that did not rejoin, in the new generation', () => {
    const h = new Harness();
    h.join({ groupInstanceId: 'i1', clientId: 'a', sessionTimeoutMs: 60_000 });
    const s = 'i1-id1';
    h.advance(10);
    h.stabilise(s);
    const d = h.joinDynamic({ clientId: 'd' });
    h.advance(30_000);
    expect(h.state.state).toBe('CompletingRebalance');
    expect(h.state.members.map((m) => m.memberId).sort()).toEqual([d, s].sort());
    expect(h.state.leaderId).toBe(d);
  });

  it('waits another rebalance timeout when no member rejoined in time', () => {
    const h = new Harness();
    const timeouts = { sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 10_000 };
    h.join({ groupInstanceId: 'i1', ...timeouts });
    h.advance(10);
    h.stabilise('i1-id1');
    const d = h.joinDynamic({ clientId: 'd', ...timeouts });
    h.leave({ members: [{ memberId: d, groupInstanceId: null, reason: null }] });
    const deadline = h.state.rebalanceDeadline!;
    h.advance(deadline - h.now);
    expect(h.state.state).toBe('PreparingRebalance');
    expect(h.state.rebalanceDeadline).toBe(deadline + 10_000);
    expect(h.state.members.map((m) => m.memberId)).toEqual(['i1-id1']);
  });

  it('selects the protocol by vote among those every member supports', () => {
    const h = new Harness();
    const p = (names: string[]) => names.map((name) => ({ name, metadata: bytes(names.length) }));
    h.join({ requestVersion: 3, clientId: 'a', protocols: p(['roundrobin', 'sticky', 'range']) });
    h.join({ requestVersion: 3, clientId: 'b', protocols: p(['range', 'sticky']) });
    h.join({ requestVersion: 3, clientId: 'c', protocols: p(['sticky', 'range']) });
    h.join({ requestVersion: 3, clientId: 'd', protocols: p(['sticky', 'range', 'roundrobin']) });
    h.advance(10);
    expect(h.state.protocolName).toBe('sticky');
  });

  it('refuses members beyond group.max.size', () => {
    const h = new Harness({ ...DEFAULT_CLASSIC_GROUP_CONFIG, initialRebalanceDelayMs: 0, maxSize: 1 });
    const a = h.joinDynamic({ clientId: 'a' });
    h.advance(10);
    h.stabilise(a);
    const first = h.join({ clientId: 'b' });
    expect(first).toMatchObject({ response: { errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED, memberId: '' } });
    expect(h.state.members).toHaveLength(1);
  });

  it('kicks out members rejoining beyond a lowered group.max.size, counting those already rejoined', () => {
    const { h, a, b } = stableGroupOfTwo();
    const lowered = new Harness({ ...h.config, maxSize: 1 });
    lowered.stored = h.stored;
    lowered.now = h.now;
    expect(lowered.join({ memberId: a }).kind).toBe('wait');
    expect(lowered.join({ memberId: b })).toMatchObject({
      response: { errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED, memberId: '' },
    });
    expect(lowered.state.members.map((m) => m.memberId)).toEqual([a]);
  });

  it('holds the join phase for a member id handed out but not yet used', () => {
    const { h, a, b } = stableGroupOfTwo();
    h.join({ memberId: a });
    h.join({ clientId: 'c' });
    h.join({ memberId: b });
    expect(h.state.state).toBe('PreparingRebalance');
    h.advance(10_000);
    expect(h.state.state).toBe('CompletingRebalance');
    expect(h.state.members.map((m) => m.memberId)).toEqual([a, b]);
  });

  it('answers a follower rejoining Stable with unchanged metadata without a rebalance', () => {
    const { h, b, generation } = stableGroupOfTwo();
    const out = h.join({ memberId: b, clientId: 'b' });
    expect(out).toMatchObject({ kind: 'reply', response: { generationId: generation, errorCode: 0, members: [] } });
    expect(h.state.state).toBe('Stable');
  });

  it('rebalances when the leader rejoins Stable', () => {
    const { h, a } = stableGroupOfTwo();
    expect(h.join({ memberId: a }).kind).toBe('wait');
    expect(h.state.state).toBe('PreparingRebalance');
  });

  it('rebalances when a member rejoins with changed metadata', () => {
    const { h, b } = stableGroupOfTwo();
    expect(h.join({ memberId: b, protocols: [{ name: 'range', metadata: bytes(7) }] }).kind).toBe('wait');
    expect(h.state.state).toBe('PreparingRebalance');
  });

  it('answers a member rejoining CompletingRebalance with the same metadata for the current generation', () => {
    const h = new Harness();
    const a = h.joinDynamic({ clientId: 'a' });
    h.advance(10);
    const out = h.join({ memberId: a, clientId: 'a' });
    expect(out).toMatchObject({ kind: 'reply', response: { generationId: 1, leader: a } });
    expect(out.kind === 'reply' && out.response.members.map((m) => m.memberId)).toEqual([a]);
  });

  it('gives a new static member an id from its instance id without MEMBER_ID_REQUIRED', () => {
    const h = new Harness();
    expect(h.join({ groupInstanceId: 'inst' })).toEqual({ kind: 'wait', memberId: 'inst-id1' });
    expect(h.state.staticMembers).toEqual({ inst: 'inst-id1' });
  });

  it('gives a static member rejoining Stable its old assignment without a rebalance; the old id is fenced', () => {
    const h = new Harness();
    h.join({ groupInstanceId: 'i1', clientId: 'a' });
    h.join({ groupInstanceId: 'i2', clientId: 'b' });
    h.advance(10);
    const generation = h.stabilise('i1-id1', { 'i1-id1': bytes(1), 'i2-id2': bytes(2) });
    const out = h.join({ groupInstanceId: 'i2', clientId: 'b', requestVersion: 8 });
    expect(out).toMatchObject({
      kind: 'reply',
      response: { memberId: 'i2-id3', generationId: generation, leader: 'i1-id1' },
    });
    expect(h.state.state).toBe('Stable');
    expect(h.sync(syncInput('i2-id3', generation, { groupInstanceId: 'i2' }))).toMatchObject({
      response: { errorCode: 0, assignment: bytes(2) },
    });
    expect(h.heartbeat({ memberId: 'i2-id2', groupInstanceId: 'i2' })).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(h.joinResult('i2-id2', 9, 'i2')).toMatchObject({ errorCode: ErrorCode.FENCED_INSTANCE_ID });
  });

  it('tells a static leader rejoining Stable on v9 to skip the assignment, with the member list', () => {
    const h = new Harness();
    h.join({ groupInstanceId: 'i1' });
    h.advance(10);
    h.stabilise('i1-id1');
    const out = h.join({ groupInstanceId: 'i1' });
    expect(out).toMatchObject({ kind: 'reply', response: { skipAssignment: true, leader: 'i1-id2' } });
    expect(out.kind === 'reply' && out.response.members.map((m) => m.memberId)).toEqual(['i1-id2']);
  });

  it('returns the previous leader id to a static leader rejoining Stable before v9', () => {
    const h = new Harness();
    h.join({ groupInstanceId: 'i1' });
    h.advance(10);
    h.stabilise('i1-id1');
    const out = h.join({ groupInstanceId: 'i1', requestVersion: 8 });
    expect(out).toMatchObject({ kind: 'reply', response: { skipAssignment: false, leader: 'i1-id1', members: [] } });
  });

  it('rebalances when a static member rejoins Stable with protocols that change the selection', () => {
    const h = new Harness();
    h.join({
      groupInstanceId: 'i1',
      protocols: [
        { name: 'range', metadata: bytes() },
        { name: 'rr', metadata: bytes() },
      ],
    });
    h.advance(10);
    h.stabilise('i1-id1');
    expect(h.join({ groupInstanceId: 'i1', protocols: [{ name: 'rr', metadata: bytes() }] }).kind).toBe('wait');
    expect(h.state.state).not.toBe('Stable');
    expect(h.state.generationId).toBe(2);
  });

  it('rebalances when a static member rejoins during CompletingRebalance', () => {
    const h = new Harness();
    h.join({ groupInstanceId: 'i1' });
    h.join({ groupInstanceId: 'i2' });
    h.advance(10);
    expect(h.join({ groupInstanceId: 'i2' }).kind).toBe('wait');
    expect(h.state.state).toBe('PreparingRebalance');
  });

  it('fences a static member joining with a stale member id', () => {
    const h = new Harness();
    h.join({ groupInstanceId: 'i1' });
    expect(h.join({ groupInstanceId: 'i1', memberId: 'i1-old' })).toMatchObject({
      response: { errorCode: ErrorCode.FENCED_INSTANCE_ID },
    });
    expect(h.join({ groupInstanceId: 'other', memberId: 'i1-id1' })).toMatchObject({
      response: { errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
    });
  });

  it('forgets a pending member id after its session timeout', () => {
    const h = new Harness();
    const out = h.join();
    const id = out.kind === 'reply' ? out.response.memberId : '';
    h.advance(10_000);
    expect(h.state.pendingMembers).toEqual([]);
    expect(h.join({ memberId: id })).toMatchObject({ response: { errorCode: ErrorCode.UNKNOWN_MEMBER_ID } });
  });

  it('drops a new member still waiting after the new-member join timeout', () => {
    const h = new Harness();
    h.join({ groupInstanceId: 's', sessionTimeoutMs: 1_000_000, rebalanceTimeoutMs: 600_000 });
    h.advance(10);
    h.stabilise('s-id1');
    // The static member never rejoins, so the rebalance lasts its 10-minute timeout.
    const c = h.joinDynamic({ clientId: 'c', rebalanceTimeoutMs: 600_000 });
    h.advance(299_999);
    expect(h.joinResult(c)).toBe('pending');
    h.advance(1);
    expect(h.state.members.map((m) => m.memberId)).toEqual(['s-id1']);
    expect(h.joinResult(c)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, memberId: '' });
  });

  it('uses the session timeout as the rebalance timeout for v0', () => {
    const h = new Harness();
    h.join({ requestVersion: 0, rebalanceTimeoutMs: -1, sessionTimeoutMs: 7000 });
    expect(h.state.members[0]!.rebalanceTimeoutMs).toBe(7000);
  });

  it('records the join reason (v8+)', () => {
    const h = new Harness();
    h.join({ requestVersion: 8, groupInstanceId: 'i', reason: 'rebalance requested' });
    expect(h.state.members[0]!.lastJoinReason).toBe('rebalance requested');
  });

  it('answers protocolName as an empty string before v7 when none is chosen', () => {
    const h = new Harness();
    expect(h.join({ requestVersion: 6, protocolType: '' })).toMatchObject({ response: { protocolName: '' } });
    expect(h.join({ requestVersion: 7, protocolType: '' })).toMatchObject({ response: { protocolName: null } });
  });

  it('answers a rejoined member whose rebalance was overtaken by a new one with that generation, as Kafka did', () => {
    const { h, a, b, generation } = stableGroupOfTwo();
    h.join({ memberId: a });
    h.join({ memberId: b });
    expect(h.state.state).toBe('CompletingRebalance');
    h.join({ memberId: a, protocols: [{ name: 'range', metadata: bytes(5) }] });
    expect(h.joinResult(b)).toMatchObject({ errorCode: ErrorCode.NONE, generationId: generation + 1, memberId: b });
    expect(h.joinResult(a)).toBe('pending');
    // Its SyncGroup tells it to rejoin, with the same id.
    expect(h.sync(syncInput(b, generation + 1))).toMatchObject({
      response: { errorCode: ErrorCode.REBALANCE_IN_PROGRESS },
    });
  });

  it('tells a member answered late the leader its generation named, even after that leader left', () => {
    const { h, a, b, generation } = stableGroupOfTwo();
    h.join({ memberId: a });
    h.join({ memberId: b });
    expect(h.state.state).toBe('CompletingRebalance');
    expect(h.joined(a)).toMatchObject({ generationId: generation + 1, leader: a });
    // a leaves before b read its answer: b becomes the group's leader for the next rebalance, but the
    // generation it was answered for was a's, and b gets no member list.
    h.leave({ members: [{ memberId: a, groupInstanceId: null, reason: null }] });
    expect(h.state.state).toBe('PreparingRebalance');
    expect(h.state.leaderId).toBe(b);
    expect(h.joinResult(b)).toMatchObject({
      errorCode: ErrorCode.NONE,
      generationId: generation + 1,
      leader: a,
      members: [],
    });
    // The next generation names b.
    h.join({ memberId: b });
    expect(h.joined(b)).toMatchObject({ generationId: generation + 2, leader: b });
  });

  it("sends a leader answered late the generation's member list as it completed, with those that left or changed since", () => {
    const { h, a, b, generation } = stableGroupOfTwo();
    const c = h.joinDynamic({ clientId: 'c' });
    h.join({ memberId: a });
    h.join({ memberId: b });
    expect(h.state).toMatchObject({ state: 'CompletingRebalance', generationId: generation + 1, leaderId: a });
    const metadataOfB = h.state.members.find((m) => m.memberId === b)!.protocols[0]!.metadata;
    // Before a read its answer: c leaves, which begins the next rebalance, and b rejoins with new metadata.
    h.leave({ members: [{ memberId: c, groupInstanceId: null, reason: null }] });
    h.join({ memberId: b, protocols: [{ name: 'range', metadata: bytes(9) }] });
    expect(h.state.state).toBe('PreparingRebalance');
    // Kafka answered a's parked JoinGroup when the generation completed: all three, b with its metadata then.
    const answer = h.joinResult(a);
    expect(answer).toMatchObject({ errorCode: ErrorCode.NONE, generationId: generation + 1, leader: a });
    const members = answer === 'pending' ? [] : answer.members;
    expect(members.map((m) => m.memberId)).toEqual([a, b, c]);
    expect(members.find((m) => m.memberId === b)!.metadata).toEqual(metadataOfB);
    expect(metadataOfB).not.toEqual(bytes(9));
    // Stored and read back the same.
    expect(decodeGroup(encodeGroup(h.state)).generationMembers).toEqual(h.state.generationMembers);
  });

  it('keeps the member list only until the leader syncs', () => {
    const { h, a, b, generation } = stableGroupOfTwo();
    expect(h.state.generationMembers).toBeNull();
    h.join({ memberId: a });
    h.join({ memberId: b });
    expect(h.state.generationMembers?.map((m) => m.memberId)).toEqual([a, b]);
    h.sync(syncInput(a, generation + 1));
    expect(h.state).toMatchObject({ state: 'Stable', generationMembers: null });
  });

  it('answers a late leader of a group stored without the member list with the members still in the generation', () => {
    const { h, a, b } = stableGroupOfTwo();
    const c = h.joinDynamic({ clientId: 'c' });
    h.join({ memberId: a });
    h.join({ memberId: b });
    h.leave({ members: [{ memberId: c, groupInstanceId: null, reason: null }] });
    const d = h.joinDynamic({ clientId: 'd' });
    const stored = JSON.parse(encodeGroup(h.state)) as Record<string, unknown>;
    delete stored.generationMembers;
    h.stored = JSON.stringify(stored);
    expect(h.state.generationMembers).toBeNull();
    const answer = h.joinResult(a);
    expect(answer === 'pending' ? [] : answer.members.map((m) => m.memberId)).toEqual([a, b]);
    expect(h.state.members.map((m) => m.memberId)).toContain(d);
  });

  it('reads a group stored without its generation leader as led by its current leader', () => {
    const { h, a } = stableGroupOfTwo();
    const stored = JSON.parse(encodeGroup(h.state)) as Record<string, unknown>;
    delete stored.generationLeaderId;
    expect(decodeGroup(JSON.stringify(stored)).generationLeaderId).toBe(a);
  });

  it('answers a new member whose first generation was overtaken before it read the answer (delay 0), so it keeps its id', () => {
    // group.initial.rebalance.delay.ms = 0: the first member's join completes generation 1 alone,
    // while the others' ids are still pending; their joins start the next rebalance at once.
    const h = new Harness({ ...DEFAULT_CLASSIC_GROUP_CONFIG, initialRebalanceDelayMs: 0 });
    const ids = ['a', 'b', 'c'].map((clientId) => {
      const out = h.join({ clientId, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 60_000 });
      if (out.kind !== 'reply') throw new Error('expected MEMBER_ID_REQUIRED');
      return out.response.memberId;
    });
    const [a, b, c] = ids as [string, string, string];
    const joinAs = (memberId: string) =>
      h.join({ memberId, clientId: memberId, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 60_000 });
    expect(joinAs(a).kind).toBe('wait');
    expect(h.state).toMatchObject({ state: 'CompletingRebalance', generationId: 1, leaderId: a });
    expect(joinAs(c).kind).toBe('wait');
    expect(joinAs(b).kind).toBe('wait');
    expect(h.state.state).toBe('PreparingRebalance');
    // a's parked JoinGroup reads the state only now. Kafka completed it with generation 1 (a alone, leading);
    // an error would make kafkajs, which keeps an id from MEMBER_ID_REQUIRED only for that one retry, join
    // again without one, and the rebalance would wait 30 s for a's session to end.
    const answer = h.joined(a);
    expect(answer).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, memberId: a, leader: a });
    expect(answer.members.map((m) => m.memberId)).toEqual([a]);
    expect(h.sync(syncInput(a, 1))).toMatchObject({ response: { errorCode: ErrorCode.REBALANCE_IN_PROGRESS } });
    // It rejoins with its id, and generation 2 completes at once with all three.
    expect(joinAs(a).kind).toBe('wait');
    expect(h.state).toMatchObject({ state: 'CompletingRebalance', generationId: 2 });
    for (const id of [a, b, c]) expect(h.joined(id)).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2 });
  });
});

group('SyncGroup', () => {
  it('makes a follower wait for the leader, then hands out the assignment and turns Stable', () => {
    const h = new Harness();
    const a = h.joinDynamic({ clientId: 'a' });
    const b = h.joinDynamic({ clientId: 'b' });
    h.advance(10);
    expect(h.sync(syncInput(b, 1))).toEqual({ kind: 'wait', memberId: b, generationId: 1 });
    expect(h.syncResult(b, 1)).toBe('pending');
    const leader = h.sync(syncInput(a, 1, { assignments: [{ memberId: b, assignment: bytes(42) }] }));
    expect(leader).toMatchObject({ kind: 'reply', response: { errorCode: 0, assignment: bytes() } });
    expect(h.state.state).toBe('Stable');
    expect(h.syncResult(b, 1)).toMatchObject({ errorCode: 0, assignment: bytes(42), protocolName: 'range' });
  });

  it('rejects a wrong generation', () => {
    const { h, b, generation } = stableGroupOfTwo();
    expect(h.sync(syncInput(b, generation - 1))).toMatchObject({
      response: { errorCode: ErrorCode.ILLEGAL_GENERATION },
    });
  });

  it('rejects an unknown member and an unknown group', () => {
    const { h, generation } = stableGroupOfTwo();
    expect(h.sync(syncInput('x', generation))).toMatchObject({ response: { errorCode: ErrorCode.UNKNOWN_MEMBER_ID } });
    expect(new Harness().sync(syncInput('x', 1))).toMatchObject({
      response: { errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
    });
  });

  it('answers REBALANCE_IN_PROGRESS while members are rejoining', () => {
    const { h, a, b, generation } = stableGroupOfTwo();
    h.join({ memberId: a });
    expect(h.sync(syncInput(b, generation))).toMatchObject({
      response: { errorCode: ErrorCode.REBALANCE_IN_PROGRESS },
    });
  });

  it('rejects a protocol type or name that is not the group’s (v5+)', () => {
    const { h, b, generation } = stableGroupOfTwo();
    expect(h.sync(syncInput(b, generation, { protocolType: 'connect' }))).toMatchObject({
      response: { errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL },
    });
    expect(h.sync(syncInput(b, generation, { protocolName: 'sticky' }))).toMatchObject({
      response: { errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL },
    });
    expect(h.sync(syncInput(b, generation, { protocolType: 'consumer', protocolName: 'range' }))).toMatchObject({
      response: { errorCode: 0, assignment: bytes(20) },
    });
  });

  it('gives members the leader left out an empty assignment', () => {
    const h = new Harness();
    const a = h.joinDynamic({ clientId: 'a' });
    const b = h.joinDynamic({ clientId: 'b' });
    h.advance(10);
    h.stabilise(a, { [a]: bytes(1) });
    expect(h.sync(syncInput(b, 1))).toMatchObject({ response: { errorCode: 0, assignment: bytes() } });
  });

  it('tells a waiting follower to rejoin when a rebalance starts before the leader syncs', () => {
    const h = new Harness();
    const a = h.joinDynamic({ clientId: 'a' });
    const b = h.joinDynamic({ clientId: 'b' });
    h.advance(10);
    h.sync(syncInput(b, 1));
    h.joinDynamic({ clientId: 'c' });
    expect(h.syncResult(b, 1)).toMatchObject({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
    expect(h.state.members.find((m) => m.memberId === a)).toBeDefined();
  });

  it('removes members that never sync within the rebalance timeout and rebalances', () => {
    const h = new Harness();
    const a = h.joinDynamic({ clientId: 'a', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 20_000 });
    const b = h.joinDynamic({ clientId: 'b', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 20_000 });
    h.advance(10);
    h.stabilise(a);
    expect(h.state.pendingSyncMembers).toEqual([b]);
    h.advance(20_000);
    expect(h.state.members.map((m) => m.memberId)).toEqual([a]);
    expect(h.state.state).toBe('PreparingRebalance');
  });

  it('does not expire a follower parked in SyncGroup; the leader’s expiry restarts the rebalance', () => {
    const h = new Harness();
    const timeouts = { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 60_000 };
    const a = h.joinDynamic({ clientId: 'a', ...timeouts });
    const b = h.joinDynamic({ clientId: 'b', ...timeouts });
    h.advance(10);
    h.sync(syncInput(b, 1));
    h.advance(10_000);
    // The silent leader is gone; b, parked in SyncGroup, is not.
    expect(h.state.members.map((m) => m.memberId)).toEqual([b]);
    expect(h.state.state).toBe('PreparingRebalance');
    expect(h.syncResult(b, 1)).toMatchObject({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
    expect(h.joinResult(a)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
  });

  it('answers UNKNOWN_MEMBER_ID for an Empty group', () => {
    const h = new Harness();
    const a = h.joinDynamic();
    h.advance(10);
    h.leave({ members: [{ memberId: a, groupInstanceId: null, reason: null }] });
    expect(h.state.state).toBe('Empty');
    expect(h.sync(syncInput(a, 2))).toMatchObject({ response: { errorCode: ErrorCode.UNKNOWN_MEMBER_ID } });
  });
});

group('Heartbeat', () => {
  it('answers NONE in Stable and CompletingRebalance, REBALANCE_IN_PROGRESS while rebalancing', () => {
    const h = new Harness();
    const a = h.joinDynamic({ clientId: 'a' });
    h.advance(10);
    expect(h.heartbeat({ memberId: a })).toBe(ErrorCode.NONE);
    h.stabilise(a);
    expect(h.heartbeat({ memberId: a })).toBe(ErrorCode.NONE);
    h.joinDynamic({ clientId: 'b' });
    expect(h.heartbeat({ memberId: a })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('rejects a wrong generation, an unknown member and an unknown group', () => {
    const { h, a, generation } = stableGroupOfTwo();
    expect(h.heartbeat({ memberId: a, generationId: generation + 1 })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(h.heartbeat({ memberId: 'x' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(new Harness().heartbeat({ memberId: 'x' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('keeps a member alive; without heartbeats its session expires, it is removed and the group rebalances', () => {
    const { h, a, b } = stableGroupOfTwo();
    for (let i = 0; i < 3; i++) {
      h.advance(3000);
      expect(h.heartbeat({ memberId: a })).toBe(ErrorCode.NONE);
    }
    h.advance(2000);
    expect(h.state.members.map((m) => m.memberId)).toEqual([a]);
    expect(h.heartbeat({ memberId: b })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(h.heartbeat({ memberId: a })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(h.join({ memberId: a }).kind).toBe('wait');
    expect(h.joined(a).generationId).toBe(3);
  });

  it('does not expire a member parked in JoinGroup', () => {
    const { h, a, b } = stableGroupOfTwo();
    h.join({ memberId: a });
    h.advance(9000);
    h.heartbeat({ memberId: b });
    h.advance(6000);
    expect(h.state.members.find((m) => m.memberId === a)?.awaitingJoin).toBe(true);
    h.advance(5000);
    expect(h.state.members.map((m) => m.memberId)).toEqual([a]);
    expect(h.joinResult(b)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
    expect(h.joined(a).generationId).toBe(3);
  });
});

group('LeaveGroup', () => {
  it('removes a single member (v0–2) with the error at the top level', () => {
    const { h, a, b } = stableGroupOfTwo();
    expect(h.leave({ requestVersion: 1, memberId: b })).toEqual({ throttleTimeMs: 0, errorCode: 0, members: [] });
    expect(h.state.state).toBe('PreparingRebalance');
    expect(h.leave({ requestVersion: 1, memberId: 'x' }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(h.state.members.map((m) => m.memberId)).toEqual([a]);
  });

  it('removes a batch (v3+) with an error per member', () => {
    const { h, a, b } = stableGroupOfTwo();
    const response = h.leave({
      members: [
        { memberId: a, groupInstanceId: null, reason: 'bye' },
        { memberId: 'x', groupInstanceId: null, reason: null },
        { memberId: b, groupInstanceId: null, reason: null },
      ],
    });
    expect(response.members.map((m) => m.errorCode)).toEqual([0, ErrorCode.UNKNOWN_MEMBER_ID, 0]);
    expect(h.state.state).toBe('Empty');
    expect(h.state.leaderId).toBeNull();
  });

  it('removes a static member by instance id alone, and fences a stale member id', () => {
    const h = new Harness();
    h.join({ groupInstanceId: 'i1' });
    h.join({ groupInstanceId: 'i2' });
    h.advance(10);
    const response = h.leave({
      members: [
        { memberId: 'old', groupInstanceId: 'i2', reason: null },
        { memberId: '', groupInstanceId: 'i1', reason: null },
        { memberId: '', groupInstanceId: 'nope', reason: null },
      ],
    });
    expect(response.members.map((m) => m.errorCode)).toEqual([
      ErrorCode.FENCED_INSTANCE_ID,
      0,
      ErrorCode.UNKNOWN_MEMBER_ID,
    ]);
    expect(h.state.staticMembers).toEqual({ i2: 'i2-id2' });
  });

  it('forgets a pending member that leaves', () => {
    const h = new Harness();
    const out = h.join();
    const id = out.kind === 'reply' ? out.response.memberId : '';
    expect(h.leave({ members: [{ memberId: id, groupInstanceId: null, reason: null }] }).members[0]!.errorCode).toBe(0);
    expect(h.state.pendingMembers).toEqual([]);
  });

  it('answers UNKNOWN_MEMBER_ID for a group that does not exist', () => {
    expect(new Harness().leave({ members: [] }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('completes the rebalance when the member everyone waited for leaves', () => {
    const { h, a, b } = stableGroupOfTwo();
    h.join({ memberId: a });
    h.leave({ members: [{ memberId: b, groupInstanceId: null, reason: null }] });
    expect(h.state.state).toBe('CompletingRebalance');
    expect(h.joined(a).members.map((m) => m.memberId)).toEqual([a]);
  });
});

group('expiry and deadlines', () => {
  it('names the earliest timer as the next deadline', () => {
    const h = new Harness({ ...DEFAULT_CLASSIC_GROUP_CONFIG, initialRebalanceDelayMs: 3000 });
    expect(nextDeadline(null)).toBeNull();
    h.join({ requestVersion: 3 });
    expect(nextDeadline(h.state)).toBe(h.now + 3000);
  });

  it('fires overdue timers in order, each at its own time', () => {
    const { h, a, b } = stableGroupOfTwo();
    h.join({ memberId: a });
    // Nobody calls in for a minute: b is dropped at the rebalance deadline; a must then heartbeat.
    h.advance(60_000);
    expect(h.state.members.map((m) => m.memberId)).toEqual([]);
    expect(h.state.state).toBe('Empty');
    expect(h.joinResult(b)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
  });
});

group('DescribeGroups, ListGroups, OffsetCommit', () => {
  it('describes a Stable group with protocol, metadata and assignments', () => {
    const { h, a } = stableGroupOfTwo();
    const described = describe(h.state, 'g');
    expect(described).toMatchObject({ groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(described.members.find((m) => m.memberId === a)).toMatchObject({
      clientId: 'a',
      memberMetadata: bytes(1),
      memberAssignment: bytes(10),
    });
  });

  it('describes a rebalancing group without metadata, and a missing group as Dead', () => {
    const { h, a } = stableGroupOfTwo();
    h.join({ memberId: a });
    const described = describe(h.state, 'g');
    expect(described).toMatchObject({ groupState: 'PreparingRebalance', protocolData: '' });
    expect(described.members[0]!.memberMetadata).toEqual(bytes());
    expect(describe(null, 'none')).toMatchObject({ errorCode: 0, groupState: 'Dead', members: [] });
  });

  it('lists with case-insensitive state filters and the classic type', () => {
    const { h } = stableGroupOfTwo();
    expect(listing(h.state)).toEqual({
      groupId: 'g',
      protocolType: 'consumer',
      groupState: 'Stable',
      groupType: 'classic',
    });
    expect(listing(h.state, { statesFilter: ['stable'] })).not.toBeNull();
    expect(listing(h.state, { statesFilter: ['Empty'] })).toBeNull();
    expect(listing(h.state, { typesFilter: ['Classic'] })).not.toBeNull();
    expect(listing(h.state, { typesFilter: ['consumer'] })).toBeNull();
  });

  it('checks offset commits as Kafka does', () => {
    const { h, a, generation } = stableGroupOfTwo();
    expect(offsetCommitCheck(h.state, a, generation, null)).toBe(ErrorCode.NONE);
    expect(offsetCommitCheck(h.state, a, generation - 1, null)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(offsetCommitCheck(h.state, 'x', generation, null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(offsetCommitCheck(h.state, a, generation, 'inst')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // A simple consumer (generation -1, no member) may not commit to a group with members.
    expect(offsetCommitCheck(h.state, '', -1, null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    h.join({ memberId: a });
    // Commits stay allowed while members rejoin, refused until the assignment is out.
    expect(offsetCommitCheck(h.state, a, generation, null)).toBe(ErrorCode.NONE);
    h.advance(10_000);
    expect(h.state.state).toBe('CompletingRebalance');
    expect(offsetCommitCheck(h.state, a, generation + 1, null)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('lets a simple consumer commit to an Empty or unknown group only', () => {
    const h = new Harness();
    const a = h.joinDynamic();
    h.advance(10);
    h.leave({ members: [{ memberId: a, groupInstanceId: null, reason: null }] });
    expect(offsetCommitCheck(h.state, '', -1, null)).toBe(ErrorCode.NONE);
    expect(offsetCommitCheck(null, '', -1, null)).toBe(ErrorCode.NONE);
    expect(offsetCommitCheck(null, 'm', 3, null, 9)).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect(offsetCommitCheck(null, 'm', 3, null, 8)).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it('fences offset commits from a replaced static member', () => {
    const h = new Harness();
    h.join({ groupInstanceId: 'i1' });
    h.advance(10);
    h.stabilise('i1-id1');
    h.join({ groupInstanceId: 'i1' });
    expect(offsetCommitCheck(h.state, 'i1-id1', 1, 'i1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(offsetCommitCheck(h.state, 'i1-id2', 1, 'i1')).toBe(ErrorCode.NONE);
  });
});

group('a Dead group', () => {
  it('sends every member to find the coordinator again', () => {
    const { h, a, generation } = stableGroupOfTwo();
    const dead = { ...h.state, state: 'Dead' as const };
    const cfg = h.config;
    expect(join(dead, joinInput({ memberId: a }), h.now, cfg).outcome).toMatchObject({
      response: { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE },
    });
    expect(join(dead, joinInput(), h.now, cfg).outcome).toMatchObject({
      response: { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE },
    });
    expect(sync(dead, syncInput(a, generation), h.now, cfg).outcome).toMatchObject({
      response: { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE },
    });
    expect(
      heartbeat(dead, { memberId: a, groupInstanceId: null, generationId: generation }, h.now, cfg).response.errorCode,
    ).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(leave(dead, { requestVersion: 5, memberId: '', members: [] }, h.now, cfg).response.errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    expect(offsetCommitCheck(dead, a, generation, null)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

group('encoding', () => {
  it('tells classic state from other groups’ state', () => {
    const { h } = stableGroupOfTwo();
    expect(isClassicGroupValue(h.stored!)).toBe(true);
    expect(isClassicGroupValue('{"kind":"consumer"}')).toBe(false);
    expect(isClassicGroupValue('not json')).toBe(false);
  });

  it('round-trips the state, bytes as base64', () => {
    const { h } = stableGroupOfTwo();
    const text = h.stored!;
    expect(text).toContain('"assignment":"Cg=="');
    expect(encodeGroup(decodeGroup(text))).toBe(text);
    expect(() => decodeGroup('{"kind":"consumer"}')).toThrow();
  });
});
