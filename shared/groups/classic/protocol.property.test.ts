/**
 * Random interleavings of joins, syncs, heartbeats, leaves, crashes (clients
 * that simply stop) and clock advances from several clients, each step
 * stored and reloaded (encode/decode) as another instance would, with the
 * group's invariants checked after every step.
 */

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { JoinGroupResponse } from '../../protocol/generated/join-group.js';
import type { SyncGroupResponse } from '../../protocol/generated/sync-group.js';
import { joinResult, syncResult } from './responses.js';
import { type ClassicGroup, DEFAULT_CLASSIC_GROUP_CONFIG } from './state.js';
import { bytes, Harness, syncInput } from './test-harness.js';
import { expire, heartbeat, nextDeadline, sync } from './transitions.js';

type Phase = 'out' | 'idle' | 'joining' | 'joined' | 'syncing' | 'stable';

interface Client {
  readonly name: string;
  readonly instanceId: string | null;
  memberId: string;
  generation: number;
  phase: Phase;
  leader: boolean;
  members: string[];
  crashed: boolean;
}

type Op = 'act' | 'join' | 'poll' | 'sync' | 'heartbeat' | 'leave' | 'crash' | 'advance';

interface Command {
  readonly op: Op;
  readonly client: number;
  readonly ms: number;
}

const CLIENTS = 5;
/** Which states the random runs reached, so the test shows it exercised them. */
const statesSeen = new Set<string>();
const config = { ...DEFAULT_CLASSIC_GROUP_CONFIG, initialRebalanceDelayMs: 500, maxSize: 4 };
const protocols = [{ name: 'range', metadata: bytes(1) }];

class World {
  readonly h = new Harness(config);
  readonly clients: Client[] = Array.from({ length: CLIENTS }, (_, i) => ({
    name: `c${i}`,
    instanceId: i % 2 === 0 ? `inst${i}` : null,
    memberId: '',
    generation: -1,
    phase: 'out',
    leader: false,
    members: [],
    crashed: false,
  }));
  /** Member ids that were once in the group and are no longer. */
  readonly gone = new Set<string>();
  /** generation → members whose SyncGroup was accepted in it. */
  readonly synced = new Map<number, Set<string>>();
  private lastGeneration = 0;
  private lastMembers = new Set<string>();

  private reset(c: Client): void {
    c.memberId = '';
    c.generation = -1;
    c.phase = 'out';
  }

  private onJoinResponse(c: Client, r: JoinGroupResponse): void {
    switch (r.errorCode) {
      case ErrorCode.NONE:
        c.memberId = r.memberId;
        c.generation = r.generationId;
        c.leader = r.leader === r.memberId && !r.skipAssignment;
        c.members = r.members.map((m) => m.memberId);
        c.phase = 'joined';
        return;
      case ErrorCode.MEMBER_ID_REQUIRED:
        c.memberId = r.memberId;
        c.phase = 'idle';
        return;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        c.phase = 'idle';
        return;
      default:
        this.reset(c);
    }
  }

  private onSyncResponse(c: Client, r: SyncGroupResponse): void {
    if (r.errorCode === ErrorCode.NONE) {
      c.phase = 'stable';
    } else if (r.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || r.errorCode === ErrorCode.ILLEGAL_GENERATION) {
      c.phase = 'idle';
    } else {
      this.reset(c);
    }
  }

  private markSynced(memberId: string, generation: number): void {
    const set = this.synced.get(generation) ?? new Set<string>();
    set.add(memberId);
    this.synced.set(generation, set);
  }

  step(cmd: Command): void {
    const c = this.clients[cmd.client]!;
    if (cmd.op === 'act') {
      this.step({ ...cmd, op: nextMove(c) });
      return;
    }
    if (cmd.op === 'advance') {
      this.h.advance(cmd.ms);
      return;
    }
    if (c.crashed) return;
    switch (cmd.op) {
      case 'crash':
        c.crashed = true;
        return;
      case 'join': {
        if (c.phase === 'joining' || c.phase === 'syncing') return;
        const out = this.h.join({
          memberId: c.memberId,
          groupInstanceId: c.instanceId,
          clientId: c.name,
          protocols,
          sessionTimeoutMs: 10_000,
          rebalanceTimeoutMs: 20_000,
        });
        if (out.kind === 'reply') this.onJoinResponse(c, out.response);
        else {
          c.memberId = out.memberId;
          c.phase = 'joining';
        }
        return;
      }
      case 'poll':
        if (c.phase === 'joining') {
          const r = this.h.joinResult(c.memberId, 9, c.instanceId);
          if (r !== 'pending') this.onJoinResponse(c, r);
        } else if (c.phase === 'syncing') {
          const r = this.h.syncResult(c.memberId, c.generation, c.instanceId);
          if (r !== 'pending') this.onSyncResponse(c, r);
        }
        return;
      case 'sync': {
        if (c.phase !== 'joined') return;
        const assignments = c.leader
          ? c.members.map((memberId, i) => ({ memberId, assignment: bytes(c.generation % 256, i) }))
          : [];
        const out = this.h.sync(syncInput(c.memberId, c.generation, { groupInstanceId: c.instanceId, assignments }));
        if (out.kind === 'wait') {
          this.markSynced(c.memberId, c.generation);
          c.phase = 'syncing';
        } else {
          if (out.response.errorCode === ErrorCode.NONE) this.markSynced(c.memberId, c.generation);
          this.onSyncResponse(c, out.response);
        }
        return;
      }
      case 'heartbeat': {
        if (c.phase === 'out' || c.memberId === '' || c.generation < 0) return;
        const code = this.h.heartbeat({
          memberId: c.memberId,
          groupInstanceId: c.instanceId,
          generationId: c.generation,
        });
        if (code === ErrorCode.REBALANCE_IN_PROGRESS || code === ErrorCode.ILLEGAL_GENERATION) c.phase = 'idle';
        else if (code !== ErrorCode.NONE) this.reset(c);
        return;
      }
      case 'leave':
        if (c.memberId === '') return;
        this.h.leave({ members: [{ memberId: c.memberId, groupInstanceId: c.instanceId, reason: 'test' }] });
        this.reset(c);
        return;
    }
  }

  check(): void {
    const group = this.h.group;
    if (group === null) return;
    statesSeen.add(group.state);
    const ids = group.members.map((m) => m.memberId);
    const now = this.h.now;

    // No member id twice; pending members are never members; gone members never return.
    assert.equal(new Set(ids).size, ids.length, 'member ids are unique');
    for (const p of group.pendingMembers) assert.ok(!ids.includes(p.memberId), 'a pending member is no member');
    for (const id of ids) assert.ok(!this.gone.has(id), 'a removed member never returns');

    // The leader is a member; the static map points at members with that instance id.
    if (ids.length > 0) assert.ok(ids.includes(group.leaderId!), 'the leader is a member');
    else assert.equal(group.leaderId, null);
    for (const [instance, id] of Object.entries(group.staticMembers)) {
      assert.equal(group.members.find((m) => m.memberId === id)?.groupInstanceId, instance);
    }

    // Generations only move forward, and no client is ahead of the group.
    assert.ok(group.generationId >= this.lastGeneration, 'the generation never decreases');
    for (const c of this.clients) assert.ok(c.generation <= group.generationId, 'no client is ahead');

    checkStateShape(group, this.synced.get(group.generationId));

    // Nothing overdue is left behind by a sweep.
    const swept = expire(group, now, config).state;
    const next = nextDeadline(swept);
    if (next !== null) assert.ok(next > now, 'nothing overdue after a sweep');

    // Members removed (by expiry, leave or fencing) are unknown from then on; the last few removed are asked every step.
    for (const id of this.lastMembers) if (!ids.includes(id)) this.gone.add(id);
    this.checkGone(group, [...this.gone].slice(-4));
    this.lastMembers = new Set(ids);
    this.lastGeneration = group.generationId;
  }

  checkGone(group: ClassicGroup, gone: readonly string[]): void {
    const now = this.h.now;
    for (const id of gone) {
      const hb = heartbeat(
        group,
        { memberId: id, groupInstanceId: null, generationId: group.generationId },
        now,
        config,
      );
      assert.equal(hb.response.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
      const joined = joinResult(group, id, 9);
      assert.equal(joined !== 'pending' && joined.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
      const synced = syncResult(group, id, group.generationId);
      assert.equal(synced !== 'pending' && synced.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
      const step = sync(group, syncInput(id, group.generationId), now, config);
      assert.equal(step.outcome.kind === 'reply' && step.outcome.response.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }
}

function checkStateShape(group: ClassicGroup, syncedNow: Set<string> | undefined): void {
  switch (group.state) {
    case 'Empty':
      assert.equal(group.members.length, 0);
      assert.equal(group.protocolName, null);
      return;
    case 'PreparingRebalance':
      assert.equal(group.pendingSyncMembers.length, 0);
      assert.ok(!group.members.some((m) => m.awaitingSync));
      return;
    case 'CompletingRebalance':
      // One generation at a time: everyone was answered; the leader has not synced, or the group would be Stable.
      assert.ok(!group.members.some((m) => m.awaitingJoin), 'one generation at a time');
      assert.ok(!(syncedNow?.has(group.leaderId!) ?? false), 'the leader synced, so the group is Stable');
      assert.equal(group.protocolName, 'range');
      return;
    case 'Stable':
      assert.ok(!group.members.some((m) => m.awaitingJoin || m.awaitingSync));
      for (const m of group.members) {
        // Every member holds an assignment the leader made for the current generation.
        assert.equal(m.assignment.length, 2, 'every Stable member has an assignment');
        assert.equal(m.assignment[0], group.generationId % 256, 'of the current generation');
      }
      return;
    case 'Dead':
      throw new Error('classic groups never become Dead here');
  }
}

/** What a well-behaved client does next. */
function nextMove(c: Client): Op {
  switch (c.phase) {
    case 'out':
    case 'idle':
      return 'join';
    case 'joined':
      return 'sync';
    case 'stable':
      return 'heartbeat';
    default:
      return 'poll';
  }
}

/** Live clients that cooperate: join, wait, sync, heartbeat, with the clock moving on. */
function settle(world: World): void {
  for (let round = 0; round < 60; round++) {
    for (const [i, c] of world.clients.entries()) {
      if (c.crashed) continue;
      world.step({ op: 'act', client: i, ms: 0 });
    }
    world.step({ op: 'advance', client: 0, ms: 1000 });
    world.check();
  }
}

const command: fc.Arbitrary<Command> = fc.record({
  op: fc.oneof(
    { weight: 20, arbitrary: fc.constant<Op>('act') },
    { weight: 2, arbitrary: fc.constant<Op>('join') },
    { weight: 2, arbitrary: fc.constant<Op>('poll') },
    { weight: 2, arbitrary: fc.constant<Op>('sync') },
    { weight: 2, arbitrary: fc.constant<Op>('heartbeat') },
    { weight: 1, arbitrary: fc.constant<Op>('leave') },
    { weight: 1, arbitrary: fc.constant<Op>('crash') },
    { weight: 4, arbitrary: fc.constant<Op>('advance') },
  ),
  client: fc.nat(CLIENTS - 1),
  ms: fc.constantFrom(1, 300, 600, 3000, 11_000, 25_000),
});

describe('classic group under random interleavings', () => {
  it('keeps its invariants after every step, stored and reloaded each time', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 20, maxLength: 150, size: 'max' }), (commands) => {
        const world = new World();
        for (const cmd of commands) {
          world.step(cmd);
          world.check();
        }
        const group = world.h.group;
        if (group !== null) world.checkGone(group, [...world.gone]);
      }),
      { numRuns: 200 },
    );
    expect([...statesSeen].sort()).toEqual(['CompletingRebalance', 'Empty', 'PreparingRebalance', 'Stable']);
  }, 60_000);

  it('settles: once live clients cooperate, the group is Stable with exactly them (up to group.max.size)', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60, size: 'max' }), (commands) => {
        const world = new World();
        for (const cmd of commands) {
          world.step(cmd);
          world.check();
        }
        settle(world);
        const group = world.h.state;
        const live = world.clients.filter((c) => !c.crashed);
        expect(group.state).toBe(live.length === 0 ? 'Empty' : 'Stable');
        const members = group.members.map((m) => m.memberId).sort();
        const stable = live
          .filter((c) => c.phase === 'stable')
          .map((c) => c.memberId)
          .sort();
        expect(members).toEqual(stable);
        expect(members.length).toBe(Math.min(live.length, config.maxSize));
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
