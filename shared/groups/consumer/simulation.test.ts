/**
 * Many members heartbeating in random order, with subscription changes,
 * topic growth, leaves and clock jumps; every step goes through encode/decode
 * as it would through storage. The clients behave as Kafka's do: they use an
 * assignment as soon as it arrives, report owned partitions when they change,
 * and rejoin with epoch 0 after being fenced.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConsumerGroupHeartbeatRequest } from '../../protocol/generated/consumer-group-heartbeat.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { request, TOPIC_IDS, topics } from './harness.js';
import { expire, type HeartbeatContext, heartbeat } from './heartbeat.js';
import { type ConsumerGroupState, decode, encode, normaliseAssignment, sameAssignment, targetOf } from './state.js';

const NAMES = ['foo', 'bar', 'baz', 'qux'];

type Action =
  | { kind: 'heartbeat'; who: number; full: boolean }
  | { kind: 'stale'; who: number; lag: number }
  | { kind: 'subscribe'; who: number; names: string[] }
  | { kind: 'advance'; ms: number }
  | { kind: 'leave'; who: number }
  | { kind: 'grow'; topic: string; by: number }
  | { kind: 'sweep' };

const actionArb = (clients: number): fc.Arbitrary<Action> =>
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({ kind: fc.constant('heartbeat' as const), who: fc.nat(clients - 1), full: fc.boolean() }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('subscribe' as const),
        who: fc.nat(clients - 1),
        names: fc.subarray(NAMES),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 30_000 }) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), who: fc.nat(clients - 1) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('grow' as const),
        topic: fc.constantFrom(...NAMES),
        by: fc.integer({ min: 1, max: 3 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('stale' as const),
        who: fc.nat(clients - 1),
        lag: fc.integer({ min: 1, max: 3 }),
      }),
    },
  );

interface Client {
  readonly index: number;
  readonly instanceId: string | null;
  generation: number;
  memberId: string;
  /** null: not in the group; the next heartbeat joins. */
  epoch: number | null;
  owned: { topicId: string; partitions: number[] }[];
  subscription: string[];
  sentSubscription: string | null;
  sentOwned: string | null;
}

function key(value: unknown): string {
  return JSON.stringify(value);
}

class Simulation {
  state: ConsumerGroupState | null = null;
  now = 0;
  counts: Record<string, number> = { foo: 6, bar: 3 };
  readonly clients: Client[];

  constructor(
    size: number,
    statics: readonly boolean[],
    private readonly assignor: string,
  ) {
    this.clients = Array.from({ length: size }, (_, index) => ({
      index,
      instanceId: statics[index] ? `instance-${index}` : null,
      generation: 0,
      memberId: `c${index}-0`,
      epoch: null,
      owned: [],
      subscription: index % 2 === 0 ? ['foo'] : ['foo', 'bar'],
      sentSubscription: null,
      sentOwned: null,
    }));
  }

  ctx(): HeartbeatContext {
    return {
      apiVersion: 1,
      clientId: 'sim',
      clientHost: '/127.0.0.1',
      topics: topics(this.counts),
      newMemberId: () => 'unused',
    };
  }

  private commit(next: ConsumerGroupState | null): void {
    const before = this.state;
    const stored = next === null ? null : decode(encode(next));
    if (before && stored) checkEpochs(before, stored);
    this.state = stored;
    if (stored) checkOwnership(stored, this.clients);
  }

  heartbeat(client: Client, full: boolean): void {
    let req: ConsumerGroupHeartbeatRequest;
    if (client.epoch === null) {
      req = request({
        memberId: client.memberId,
        memberEpoch: 0,
        instanceId: client.instanceId,
        rebalanceTimeoutMs: 10_000,
        subscribedTopicNames: client.subscription,
        serverAssignor: this.assignor,
        topicPartitions: [],
      });
      client.sentSubscription = key(client.subscription);
      client.sentOwned = key([]);
    } else {
      const subscription = key(client.subscription);
      const owned = key(client.owned);
      const sendSubscription = full || subscription !== client.sentSubscription;
      const sendOwned = full || owned !== client.sentOwned;
      req = request({
        memberId: client.memberId,
        memberEpoch: client.epoch,
        instanceId: client.instanceId,
        rebalanceTimeoutMs: full ? 10_000 : -1,
        subscribedTopicNames: sendSubscription ? client.subscription : null,
        topicPartitions: sendOwned ? client.owned : null,
      });
      client.sentSubscription = subscription;
      client.sentOwned = owned;
    }
    const { state, response } = heartbeat(this.state, req, this.now, this.ctx());
    this.commit(state);
    if (response.errorCode === ErrorCode.FENCED_MEMBER_EPOCH || response.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
      this.reset(client);
      return;
    }
    expect(response.errorMessage).toBeNull();
    expect(response.errorCode).toBe(ErrorCode.NONE);
    if (client.epoch !== null) expect(response.memberEpoch).toBeGreaterThanOrEqual(client.epoch);
    client.epoch = response.memberEpoch;
    if (response.assignment) client.owned = response.assignment.topicPartitions.map((tp) => ({ ...tp }));
  }

  /**
   * A dynamic client heartbeats with an older epoch, as after a lost
   * response: accepted when it matches the previous epoch and the
   * owned partitions are a subset of the assignment, otherwise fenced; a
   * fenced client rejoins under the same member id.
   */
  stale(client: Client, lag: number): void {
    if (client.epoch === null || client.epoch - lag < 1 || client.instanceId !== null || this.state === null) return;
    const { state, response } = heartbeat(
      this.state,
      request({ memberId: client.memberId, memberEpoch: client.epoch - lag, topicPartitions: client.owned }),
      this.now,
      this.ctx(),
    );
    this.commit(state);
    client.sentOwned = key(client.owned);
    if (response.errorCode === ErrorCode.FENCED_MEMBER_EPOCH || response.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
      this.reset(client);
      return;
    }
    expect(response.errorCode).toBe(ErrorCode.NONE);
    client.epoch = response.memberEpoch;
    if (response.assignment) client.owned = response.assignment.topicPartitions.map((tp) => ({ ...tp }));
  }

  /** The client gives up its partitions and will rejoin (a new member id for a new process). */
  reset(client: Client): void {
    client.epoch = null;
    client.owned = [];
    client.sentOwned = null;
  }

  leave(client: Client): void {
    if (client.epoch === null || this.state === null) return;
    const temporary = client.instanceId !== null && client.index % 2 === 0;
    const { state, response } = heartbeat(
      this.state,
      request({ memberId: client.memberId, memberEpoch: temporary ? -2 : -1, instanceId: client.instanceId }),
      this.now,
      this.ctx(),
    );
    this.reset(client);
    this.commit(state);
    expect([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]).toContain(response.errorCode);
    // A restarted process gets a new member id.
    client.generation++;
    client.memberId = `c${client.index}-${client.generation}`;
  }

  apply(action: Action): void {
    switch (action.kind) {
      case 'heartbeat':
        this.heartbeat(this.clients[action.who]!, action.full);
        break;
      case 'subscribe':
        this.clients[action.who]!.subscription = action.names;
        break;
      case 'advance':
        this.now += action.ms;
        break;
      case 'leave':
        this.leave(this.clients[action.who]!);
        break;
      case 'grow':
        this.counts = { ...this.counts, [action.topic]: (this.counts[action.topic] ?? 0) + action.by };
        break;
      case 'stale':
        this.stale(this.clients[action.who]!, action.lag);
        break;
      case 'sweep':
        if (this.state) this.commit(expire(this.state, this.now).state);
        break;
    }
  }

  /** Everyone heartbeats every second with nothing else changing. */
  settle(rounds: number): void {
    for (let round = 0; round < rounds; round++) {
      this.now += 1000;
      for (const client of this.clients) this.heartbeat(client, false);
    }
  }
}

/** Partition epochs are unique: no partition is held (assigned or awaiting revocation) by two members. */
function checkOwnership(state: ConsumerGroupState, clients: readonly Client[]): void {
  const holder = new Map<string, string>();
  for (const member of state.members) {
    for (const { topicId, partitions } of [...member.assigned, ...member.pendingRevocation]) {
      for (const p of partitions) {
        const k = `${topicId}-${p}`;
        expect(holder.get(k), `${k} held by ${holder.get(k)} and ${member.memberId}`).toBeUndefined();
        holder.set(k, member.memberId);
      }
    }
  }
  // What each live client uses is what the coordinator counts as its own.
  const used = new Map<string, number>();
  for (const client of clients) {
    if (client.epoch === null || !state.members.some((m) => m.memberId === client.memberId)) continue;
    for (const { topicId, partitions } of client.owned) {
      for (const p of partitions) {
        const k = `${topicId}-${p}`;
        expect(holder.get(k), `client ${client.memberId} uses ${k}`).toBe(client.memberId);
        expect(used.has(k), `${k} used by two clients`).toBe(false);
        used.set(k, client.index);
      }
    }
  }
}

function checkEpochs(before: ConsumerGroupState, after: ConsumerGroupState): void {
  expect(after.groupEpoch).toBeGreaterThanOrEqual(before.groupEpoch);
  expect(after.assignmentEpoch).toBeGreaterThanOrEqual(before.assignmentEpoch);
  expect(after.assignmentEpoch).toBeLessThanOrEqual(after.groupEpoch);
  for (const member of after.members) {
    const previous = before.members.find((m) => m.memberId === member.memberId);
    if (previous && previous.memberEpoch >= 0 && member.memberEpoch >= 0) {
      expect(member.memberEpoch).toBeGreaterThanOrEqual(previous.memberEpoch);
    }
  }
}

function checkConverged(sim: Simulation): void {
  const state = sim.state!;
  expect(state.state).toBe('STABLE');
  expect(state.assignmentEpoch).toBe(state.groupEpoch);
  expect(state.members.map((m) => m.memberId).sort()).toEqual(sim.clients.map((c) => c.memberId).sort());
  for (const member of state.members) {
    expect(member.memberEpoch).toBe(state.groupEpoch);
    expect(member.state).toBe('STABLE');
    expect(member.pendingRevocation).toEqual([]);
    expect(sameAssignment(member.assigned, targetOf(state, member.memberId))).toBe(true);
    const client = sim.clients.find((c) => c.memberId === member.memberId)!;
    expect(sameAssignment(normaliseAssignment(client.owned), member.assigned)).toBe(true);
  }
  // Every subscribed partition that exists is in use.
  for (const topic of state.subscriptionMetadata) {
    let used = 0;
    for (const member of state.members)
      used += member.assigned.find((tp) => tp.topicId === topic.id)?.partitions.length ?? 0;
    expect(used).toBe(topic.partitions);
  }
}

describe('consumer group simulation', () => {
  it.each(['uniform', 'range'])(
    'keeps ownership exclusive and converges (%s)',
    (assignor) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 5 }).chain((size) =>
            fc.record({
              size: fc.constant(size),
              statics: fc.array(fc.boolean(), { minLength: size, maxLength: size }),
              actions: fc.array(actionArb(size), { maxLength: 80 }),
            }),
          ),
          ({ size, statics, actions }) => {
            const sim = new Simulation(size, statics, assignor);
            for (const action of actions) sim.apply(action);
            sim.settle(8);
            checkConverged(sim);
          },
        ),
        { numRuns: 150 },
      );
    },
    60_000,
  );

  it('converges for a fixed scenario of joins, a leave and a subscription change', () => {
    const sim = new Simulation(4, [false, true, false, true], 'uniform');
    for (const client of sim.clients) sim.heartbeat(client, false);
    sim.settle(3);
    checkConverged(sim);
    sim.clients[2]!.subscription = ['bar'];
    sim.leave(sim.clients[1]!);
    sim.counts = { ...sim.counts, foo: 9 };
    sim.settle(6);
    checkConverged(sim);
    expect(TOPIC_IDS.foo).toBeDefined();
  });
});
