/**
 * A property of the classic consumer-group functions served by several
 * independent function instances over one MetaStore: members (dynamic and
 * static) issue JoinGroup, SyncGroup, Heartbeat, LeaveGroup and OffsetCommit
 * as concurrent async tasks, each request to a randomly chosen instance, while
 * members crash or restart, change their subscription's encoding (a
 * rejoin with changed metadata) and the clock jumps; one member speaks
 * older versions (JoinGroup v3, without the MEMBER_ID_REQUIRED round trip).
 * Checked on every response and on the stored state:
 *
 * - one generation at a time: every successful JoinGroup/SyncGroup for a
 *   generation names the same leader and member set (static members counted
 *   by group.instance.id, which may take a new member id without a
 *   rebalance); a member's generations never go back; no member id or
 *   instance id is twice in a generation; the stored generation never
 *   decreases and a Completing/Stable generation's members never change;
 * - a Stable group assigns every partition of the topic to exactly one
 *   member, and SyncGroup hands each member exactly what the leader (a range
 *   assignor in the client) assigned it;
 * - UNKNOWN_MEMBER_ID reaches a member that had a successful response only
 *   after its session or rebalance timeout could have run out since its last
 *   successful contact (otherwise it left or crashed and sends nothing);
 *   REBALANCE_IN_PROGRESS and ILLEGAL_GENERATION answers are true of the
 *   stored state; OffsetCommit with a generation already superseded fails
 *   with ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID, never NONE or
 *   REBALANCE_IN_PROGRESS, and a Stable member's commit is never refused
 *   with REBALANCE_IN_PROGRESS;
 * - once the random traffic stops and the surviving members behave as real
 *   clients (heartbeat, rejoin, sync) while time moves on, the group becomes
 *   Stable with exactly them; kept at rest past the session timeout it
 *   stays so, every heartbeat and commit answered NONE; then commits with
 *   the current generation succeed, with the previous one fail with
 *   ILLEGAL_GENERATION, and departed members are unknown (or fenced).
 */

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { type ClassicGroup, decodeGroup, expire, isClassicGroupValue } from '../shared/groups/classic/index.js';
import { createLogger } from '../shared/log.js';
import { decodeResponse, encodeRequest } from '../shared/protocol/frame.js';
import { ApiKey, type ApiMessages, apis } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import type { JoinGroupResponse } from '../shared/protocol/generated/join-group.js';
import type { Init } from '../shared/protocol/schema.js';
import type { GroupStore } from '../shared/storage/groups.js';
import { MemoryBlobStore } from '../shared/storage/memory/blobs.js';
import type { MetaStore } from '../shared/storage/types.js';
import { newTopicId } from '../shared/topic-ids.js';
import { allInOneApp, appFor } from './app.js';
import { classicGroupConfig, WAIT_MARGIN_MS } from './classic-group.js';
import { deadlineIn } from './classic-group-clients.js';
import type { FunctionEnv } from './define.js';
import { loadGroup } from './group-state.js';
import { sweepGroups } from './group-sweeper.js';
import { subscription } from './group-test-harness.js';

/** The stores of one run: one per function instance, all over the same data, and one for the checker's reads. */
export interface InstanceStores {
  readonly instances: readonly MetaStore[];
  readonly observer: MetaStore;
  close(): Promise<void>;
}

export type OpenStores = (instances: number) => Promise<InstanceStores>;

export interface PropertyOptions {
  readonly numRuns: number;
  /** Function instances per run. */
  readonly instances?: number;
  readonly seed?: number;
}

/** What the runs did, so a test can show the property exercised something. */
export interface PropertyStats {
  runs: number;
  commands: number;
  requests: Record<string, number>;
  answers: Record<string, number>;
  states: Set<string>;
  maxGeneration: number;
  crashes: number;
  restarts: number;
  clockJumps: number;
  staleCommitsRefused: number;
  unknownMemberAnswers: number;
  /** Follower SyncGroups answered REBALANCE_IN_PROGRESS because their wait reached the invocation's deadline. */
  syncWaitsTimedOut: number;
  /** Most requests in flight at once. */
  maxInFlight: number;
  settleMs: number[];
  runMs: number[];
}

const SLOTS = 6;
/** Slots whose members are static (group.instance.id `inst-<slot>`). */
const STATIC_SLOTS = new Set([0, 2, 4]);
/** How many group writes a run's journal keeps. */
const JOURNAL_LINES = 120;
const TOPIC = 'orders';
const PARTITIONS = 7;
const SESSION_TIMEOUT_MS = 6000;
const REBALANCE_TIMEOUT_MS = 3000;
const INITIAL_REBALANCE_DELAY_MS = 200;
/** Each request's own deadline (wall clock); a parked request answers about 1 s before it. */
const REQUEST_BUDGET_MS = 1300;
/** While settling: how far the clock jumps per tick, and how often (wall clock). */
const SETTLE_TICK_MS = 250;
const SETTLE_TICK_EVERY_MS = 15;
const SETTLE_LIMIT_MS = 20_000;
/** Ticks the settled group is kept at rest: past the session timeout, so lost heartbeats would show. */
const HOLD_TICKS = Math.ceil((1.25 * SESSION_TIMEOUT_MS) / SETTLE_TICK_MS);
/** Ops a member may have queued during the random phase; more are dropped, as a busy client would. */
const MAX_QUEUED = 2;

const GROUP_APIS = ['JoinGroup', 'SyncGroup', 'Heartbeat', 'LeaveGroup', 'OffsetCommit'];
/** Two encodings of the same subscription: a member switching between them rejoins with changed metadata. */
const SUBSCRIPTIONS = [subscription([TOPIC], 1), subscription([TOPIC], 3)];
/** The slot whose client speaks older versions (JoinGroup v3: no MEMBER_ID_REQUIRED round trip). */
const OLD_CLIENT_SLOT = 5;
const text = new TextEncoder();
const words = new TextDecoder();

const errorName = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code as number, name]));
const nameOf = (code: number): string => errorName.get(code) ?? String(code);

// ---------------------------------------------------------------------------
// Commands

type MemberOp = 'act' | 'join' | 'resubscribe' | 'sync' | 'heartbeat' | 'commit' | 'commitStale' | 'leave';
type WorldOp = 'crash' | 'restart' | 'advance' | 'sweep';

export interface Command {
  readonly op: MemberOp | WorldOp;
  readonly slot: number;
  readonly ms: number;
  /** Wall-clock pause after dispatching, so requests overlap to different degrees. */
  readonly pauseMs: number;
}

const weighted = <T>(entries: [number, T][]): fc.Arbitrary<T> =>
  fc.oneof(...entries.map(([weight, value]) => ({ weight, arbitrary: fc.constant(value) })));

export const command: fc.Arbitrary<Command> = fc.record({
  op: weighted<Command['op']>([
    [24, 'act'],
    [2, 'join'],
    [2, 'sync'],
    [3, 'heartbeat'],
    [3, 'commit'],
    [1, 'commitStale'],
    [1, 'resubscribe'],
    [1, 'leave'],
    [1, 'crash'],
    [1, 'restart'],
    [4, 'advance'],
    [1, 'sweep'],
  ]),
  slot: fc.nat(SLOTS - 1),
  ms: fc.constantFrom(50, 400, 1500, 3500, 7000),
  pauseMs: fc.constantFrom(0, 0, 1, 3, 10, 25),
});

// ---------------------------------------------------------------------------
// Time, instances, requests

/** The clock every instance reads: runs with wall time, and jumps when told. */
class Clock {
  private readonly started = Date.now();
  private offset = 0;
  constructor(private readonly base: number) {}
  now(): number {
    return this.base + this.offset + (Date.now() - this.started);
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

interface Instance {
  readonly env: FunctionEnv;
  readonly app: Hono;
}

/** A stored group value in brief, for the journal. */
function briefly(value: string | null): string {
  if (value === null) return 'deleted';
  if (!isClassicGroupValue(value)) return 'not a classic group';
  const g = decodeGroup(value);
  const members = g.members.map((m) => m.groupInstanceId ?? m.memberId).join(',');
  return `${g.state} gen ${g.generationId} leader ${g.leaderId} members [${members}] pending sync [${g.pendingSyncMembers.length}]`;
}

/**
 * `meta` with its group writes recorded in `journal` (when each started and ended, by which instance,
 * from which version, with what outcome), the evidence printed beside a violation.
 */
function journaled(meta: MetaStore, index: number, clock: Clock, journal: string[]): MetaStore {
  const record = (line: string): void => {
    journal.push(line);
    if (journal.length > JOURNAL_LINES) journal.splice(0, journal.length - JOURNAL_LINES);
  };
  const store = meta.groups;
  const groups: GroupStore = Object.assign(Object.create(store) as GroupStore, {
    async compareAndSet(...args: Parameters<GroupStore['compareAndSet']>) {
      const started = clock.now() - BASE_TIME;
      const what = `instance ${index} CAS from v${args[1]} (t+${started}) to ${briefly(args[2])}`;
      try {
        const version = await store.compareAndSet(...args);
        record(`${what}: ${version === null ? 'conflict' : `v${version}`} (t+${clock.now() - BASE_TIME})`);
        return version;
      } catch (e) {
        record(`${what}: failed, ${(e as Error).message} (t+${clock.now() - BASE_TIME})`);
        throw e;
      }
    },
  });
  return Object.assign(Object.create(meta) as MetaStore, { groups });
}

function functionInstance(meta: MetaStore, clock: Clock, index: number): Instance {
  const env: FunctionEnv = {
    meta,
    blobs: new MemoryBlobStore(),
    config: {
      clusterId: 'group-instances',
      nodeId: 0,
      autoCreateTopics: false,
      defaultPartitions: 1,
      topicDefaults: {},
      groupInitialRebalanceDelayMs: INITIAL_REBALANCE_DELAY_MS,
    },
    log: createLogger(`instance-${index}`, () => {}),
    now: () => clock.now(),
  };
  const options = { secrets: [], requireSignature: false };
  // Some instances serve everything, others only the group APIs, as separate deployments would.
  const app = index % 2 === 0 ? allInOneApp(env, options) : appFor(GROUP_APIS, env, options);
  return { env, app };
}

/** A small deterministic generator for the choices members make (which instance, how long to pause). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// Members

type Phase = 'out' | 'joined' | 'stable';

class Member {
  memberId = '';
  generation = -1;
  phase: Phase = 'out';
  join: JoinGroupResponse | null = null;
  /** The partitions it holds (eagerly revoked when it rejoins). */
  assignment: Uint8Array | null = null;
  crashed = false;
  /** Generation of its last successful JoinGroup. */
  lastJoinGeneration = -1;
  /** When the first JoinGroup since its last successful one was sent. */
  joinAttemptStart: number | null = null;
  /** Send time of the last request known to have restarted its session on the coordinator. */
  sessionAnchor = Number.NEGATIVE_INFINITY;
  /** Send time of the last request known to have been answered in a generation no rebalance had yet left. */
  rebalanceAnchor = Number.NEGATIVE_INFINITY;
  /** Ops run one at a time, as one client's requests are. */
  chain: Promise<void> = Promise.resolve();
  queued = 0;
  /** Which of SUBSCRIPTIONS it sends. */
  subscription = 0;

  constructor(
    readonly slot: number,
    readonly incarnation: number,
    readonly instanceId: string | null,
  ) {}

  /** Request versions: JoinGroup, SyncGroup, Heartbeat, OffsetCommit, LeaveGroup. */
  get versions(): { join: number; sync: number; heartbeat: number; commit: number; leave: number } {
    return this.slot === OLD_CLIENT_SLOT
      ? { join: 3, sync: 2, heartbeat: 2, commit: 6, leave: 2 }
      : { join: 9, sync: 5, heartbeat: 4, commit: 8, leave: 5 };
  }
  get clientId(): string {
    return `client-${this.slot}`;
  }
  get name(): string {
    return `${this.instanceId ?? this.clientId}#${this.incarnation}`;
  }
  get identity(): string {
    return this.instanceId ?? this.memberId;
  }

  resetMembership(): void {
    this.memberId = '';
    this.generation = -1;
    this.phase = 'out';
    this.join = null;
    this.assignment = null;
    this.lastJoinGeneration = -1;
    this.joinAttemptStart = null;
    this.sessionAnchor = Number.NEGATIVE_INFINITY;
    this.rebalanceAnchor = Number.NEGATIVE_INFINITY;
  }
}

interface Assignment {
  readonly generation: number;
  readonly partitions: number[];
}

const encodeAssignment = (a: Assignment): Uint8Array => text.encode(JSON.stringify(a));
const decodeAssignment = (bytes: Uint8Array): Assignment | null => {
  try {
    return JSON.parse(words.decode(bytes)) as Assignment;
  } catch {
    return null;
  }
};

/** The range assignor over one topic: members in (instance id or member id) order, consecutive partitions each. */
function rangeAssignment(
  generation: number,
  members: readonly { memberId: string; groupInstanceId: string | null }[],
): { memberId: string; groupInstanceId: string | null; assignment: Uint8Array }[] {
  const ordered = [...members].sort((a, b) =>
    (a.groupInstanceId ?? a.memberId) < (b.groupInstanceId ?? b.memberId) ? -1 : 1,
  );
  const base = Math.floor(PARTITIONS / ordered.length);
  const extra = PARTITIONS % ordered.length;
  let next = 0;
  return ordered.map((m, i) => {
    const count = base + (i < extra ? 1 : 0);
    const partitions = Array.from({ length: count }, (_, k) => next + k);
    next += count;
    return {
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      assignment: encodeAssignment({ generation, partitions }),
    };
  });
}

/** What the checker learnt of one generation. */
interface GenerationRecord {
  readonly leaders: Set<string>;
  /** Who was told which leader, and when: the evidence a violation prints. */
  readonly told: string[];
  /** Identities, sorted, from the leader's JoinGroup response. */
  members: string[] | null;
  /** Identities, sorted, of the stored members while Completing or Stable. */
  stored: string[] | null;
  readonly joined: Set<string>;
  readonly synced: Set<string>;
  /** identity → the assignment the leader sent. */
  assignments: Map<string, string> | null;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

// ---------------------------------------------------------------------------
// One run

class World {
  readonly groupId = `group-${randomUUID()}`;
  readonly instances: Instance[];
  readonly members: Member[];
  readonly violations: string[] = [];
  /** The latest group writes (see journaled). */
  readonly journal: string[] = [];
  private readonly generations = new Map<number, GenerationRecord>();
  /** member id → group.instance.id, for every static member id seen. */
  private readonly staticIds = new Map<string, string>();
  /** Member ids that had a successful response and then left, crashed or were replaced, with their last generation. */
  private readonly departed = new Map<string, { generation: number; instanceId: string | null }>();
  private highestKnownGeneration = 0;
  private inFlight = 0;
  /** Set while the settled group is at rest: every Heartbeat and OffsetCommit must then succeed. */
  private atRest = false;
  private lastStoredGeneration = 0;
  private readonly config;
  /** Reads the group as the functions do (with whatever the store keeps beside the state). */
  private readonly observerEnv: FunctionEnv;

  constructor(
    readonly stores: InstanceStores,
    readonly clock: Clock,
    readonly random: () => number,
    readonly stats: PropertyStats,
  ) {
    this.instances = stores.instances.map((meta, i) =>
      functionInstance(journaled(meta, i, clock, this.journal), clock, i),
    );
    this.members = Array.from(
      { length: SLOTS },
      (_, slot) => new Member(slot, 0, STATIC_SLOTS.has(slot) ? `inst-${slot}` : null),
    );
    this.config = classicGroupConfig(this.instances[0]!.env);
    this.observerEnv = { ...this.instances[0]!.env, meta: stores.observer };
  }

  violation(message: string): void {
    this.violations.push(`[t+${this.clock.now() - BASE_TIME}] ${message}`);
  }

  private pick(): Instance {
    return this.instances[Math.floor(this.random() * this.instances.length)]!;
  }

  private count(key: string, into: Record<string, number>): void {
    into[key] = (into[key] ?? 0) + 1;
  }

  private async call<K extends ApiKey>(
    m: Member,
    apiKey: K,
    version: number,
    body: Init<ApiMessages[K]['request']>,
  ): Promise<ApiMessages[K]['response']> {
    const instance = this.pick();
    const api = apis.get(apiKey)?.name ?? String(apiKey);
    this.count(api, this.stats.requests);
    const frame = encodeRequest(apiKey, version, 1, m.clientId, body);
    this.inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight);
    let res: Response;
    try {
      res = await instance.app.fetch(
        new Request('http://f/kafka', { method: 'POST', body: frame, headers: deadlineIn(REQUEST_BUDGET_MS) }),
      );
    } finally {
      this.inFlight--;
    }
    if (res.status !== 200) throw new Error(`${api} answered ${res.status}: ${await res.text()}`);
    return decodeResponse(apiKey, version, new Uint8Array(await res.arrayBuffer())).body;
  }

  private generation(g: number): GenerationRecord {
    let record = this.generations.get(g);
    if (record === undefined) {
      record = {
        leaders: new Set(),
        told: [],
        members: null,
        stored: null,
        joined: new Set(),
        synced: new Set(),
        assignments: null,
      };
      this.generations.set(g, record);
    }
    return record;
  }

  /**
   * A member's identity: its group.instance.id if static, else its member id.
   * JoinGroup before v5 does not tell the leader instance ids, but static
   * members' ids are `<group.instance.id>-<uuid>`, as Kafka makes them.
   */
  private identityOf(memberId: string, instanceId: string | null = null): string {
    if (instanceId !== null) return instanceId;
    const known = this.staticIds.get(memberId);
    if (known !== undefined) return known;
    return /^(inst-\d+)-/.exec(memberId)?.[1] ?? memberId;
  }

  async setUp(): Promise<void> {
    const created = await this.stores.observer.topics.createTopic({
      name: TOPIC,
      id: newTopicId(),
      partitions: PARTITIONS,
      configs: {},
      createdAt: this.clock.now(),
    });
    if (!created.created && created.existing.partitions !== PARTITIONS) throw new Error(`topic ${TOPIC} exists`);
  }

  // -- the stored state -----------------------------------------------------

  /** Reads the stored group, checks what must hold of it, and returns it with its due timers fired. */
  async observe(): Promise<ClassicGroup | null> {
    const loaded = await loadGroup(this.observerEnv, this.groupId);
    if (loaded.stored?.kind !== 'classic') return null;
    const raw = loaded.stored.group;
    if (raw.generationId < this.lastStoredGeneration) {
      this.violation(`stored generation went from ${this.lastStoredGeneration} back to ${raw.generationId}`);
    }
    this.lastStoredGeneration = Math.max(this.lastStoredGeneration, raw.generationId);
    const group = expire(raw, this.clock.now(), this.config).state;
    this.stats.states.add(group.state);
    this.stats.maxGeneration = Math.max(this.stats.maxGeneration, group.generationId);
    for (const m of group.members) if (m.groupInstanceId !== null) this.staticIds.set(m.memberId, m.groupInstanceId);

    const ids = group.members.map((m) => m.memberId);
    if (new Set(ids).size !== ids.length) this.violation(`member id twice in ${ids.join(',')}`);
    const instanceIds = group.members.flatMap((m) => (m.groupInstanceId === null ? [] : [m.groupInstanceId]));
    if (new Set(instanceIds).size !== instanceIds.length) this.violation(`instance id twice in ${ids.join(',')}`);

    // What was stored, not what firing the timers at the observer's time would make of it: a join that
    // an instance took before that time may still land, and completes the rebalance with its member.
    if (raw.state === 'CompletingRebalance' || raw.state === 'Stable') {
      const record = this.generation(raw.generationId);
      const identities = raw.members.map((m) => m.groupInstanceId ?? m.memberId).sort();
      if (record.stored === null) record.stored = identities;
      else if (record.stored.join() !== identities.join()) {
        this.violation(
          `generation ${raw.generationId} changed members while ${raw.state}: ${record.stored} → ${identities}`,
        );
      }
    }
    if (group.state === 'Stable') this.checkStableAssignment(group);
    return group;
  }

  private checkStableAssignment(group: ClassicGroup): void {
    const owners = new Map<number, string>();
    const record = this.generation(group.generationId);
    for (const m of group.members) {
      const identity = m.groupInstanceId ?? m.memberId;
      const a = decodeAssignment(m.assignment);
      if (a === null || a.generation !== group.generationId) {
        this.violation(
          `Stable generation ${group.generationId}: ${identity} holds ${words.decode(m.assignment)} (not of this generation)`,
        );
        continue;
      }
      const sent = record.assignments?.get(identity);
      if (sent !== words.decode(m.assignment)) {
        this.violation(
          `Stable generation ${group.generationId}: ${identity} holds ${words.decode(m.assignment)}, leader sent ${sent}`,
        );
      }
      for (const p of a.partitions) {
        const other = owners.get(p);
        if (other !== undefined)
          this.violation(
            `Stable generation ${group.generationId}: partition ${p} assigned to ${other} and ${identity}`,
          );
        owners.set(p, identity);
      }
    }
    for (let p = 0; p < PARTITIONS; p++) {
      if (!owners.has(p) && group.members.length > 0) {
        this.violation(`Stable generation ${group.generationId}: partition ${p} assigned to nobody`);
      }
    }
  }

  /** A member was told UNKNOWN_MEMBER_ID: only after it could have expired, and it must be gone. */
  private async checkUnknown(m: Member, api: string): Promise<void> {
    this.stats.unknownMemberAnswers++;
    const now = this.clock.now();
    const sessionGone = now - m.sessionAnchor >= SESSION_TIMEOUT_MS;
    const rebalanceGone = now - m.rebalanceAnchor >= REBALANCE_TIMEOUT_MS;
    if (!sessionGone && !rebalanceGone) {
      this.violation(
        `${m.name} (${m.memberId}, generation ${m.generation}) told UNKNOWN_MEMBER_ID by ${api} ` +
          `${now - m.sessionAnchor} ms after its session was last restarted, ` +
          `${now - m.rebalanceAnchor} ms after its last answer in a settled generation`,
      );
    }
    const group = await this.observe();
    if (group?.members.some((x) => x.memberId === m.memberId)) {
      this.violation(`${m.name} told UNKNOWN_MEMBER_ID by ${api}, yet ${m.memberId} is still a member`);
    }
  }

  /** The stored generation moved past `generation`, or is rebalancing: what REBALANCE_IN_PROGRESS claims. */
  private async checkRebalancing(m: Member, api: string, generation: number): Promise<void> {
    const group = await this.observe();
    if (group === null) return;
    // A rebalance at `generation` can only end in a higher one.
    if (
      group.generationId < generation ||
      (group.generationId === generation && group.state !== 'PreparingRebalance')
    ) {
      this.violation(
        `${m.name} told REBALANCE_IN_PROGRESS by ${api} for generation ${generation}, stored ${group.state} at ${group.generationId}`,
      );
    }
  }

  private async checkIllegalGeneration(m: Member, api: string, generation: number): Promise<void> {
    const group = await this.observe();
    if (group !== null && group.generationId <= generation) {
      this.violation(
        `${m.name} told ILLEGAL_GENERATION by ${api} for ${generation}, stored generation ${group.generationId}`,
      );
    }
  }

  // -- what members do ------------------------------------------------------

  async perform(m: Member, op: MemberOp): Promise<void> {
    if (m.crashed) return;
    try {
      switch (op) {
        case 'act':
          if (m.phase === 'out') return await this.joinGroup(m);
          if (m.phase === 'joined') return await this.syncGroup(m);
          return await this.heartbeat(m);
        case 'join':
          return await this.joinGroup(m);
        case 'resubscribe':
          m.subscription = 1 - m.subscription;
          return await this.joinGroup(m);
        case 'sync':
          return await this.syncGroup(m);
        case 'heartbeat':
          return await this.heartbeat(m);
        case 'commit':
          return await this.commit(m, false);
        case 'commitStale':
          return await this.commit(m, true);
        case 'leave':
          return await this.leave(m);
      }
    } catch (e) {
      this.violation(`${m.name} ${op}: ${(e as Error).message}`);
    }
  }

  private async joinGroup(m: Member): Promise<void> {
    const sentAt = this.clock.now();
    m.joinAttemptStart ??= sentAt;
    // Eager protocol: a member gives up its partitions when it rejoins.
    m.assignment = null;
    const r = await this.call(m, ApiKey.JoinGroup, m.versions.join, {
      groupId: this.groupId,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: SUBSCRIPTIONS[m.subscription]! }],
      reason: null,
    });
    if (m.crashed) return;
    this.count(`JoinGroup ${nameOf(r.errorCode)}${r.skipAssignment ? ' (skip assignment)' : ''}`, this.stats.answers);
    switch (r.errorCode) {
      case ErrorCode.NONE:
        this.onJoined(m, r);
        return;
      case ErrorCode.MEMBER_ID_REQUIRED:
        m.memberId = r.memberId;
        return;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        // Its wait ended before the join phase did: it rejoins under the id it was given.
        if (r.memberId !== '') m.memberId = r.memberId;
        m.phase = 'out';
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        await this.checkUnknown(m, 'JoinGroup');
        this.drop(m);
        return;
      default:
        this.violation(`${m.name} JoinGroup answered ${nameOf(r.errorCode)}`);
        m.resetMembership();
    }
  }

  private onJoined(m: Member, r: JoinGroupResponse): void {
    const g = r.generationId;
    if (g < m.lastJoinGeneration) this.violation(`${m.name} joined generation ${g} after ${m.lastJoinGeneration}`);
    if (m.memberId !== '' && r.memberId !== m.memberId) {
      this.violation(`${m.name} joined as ${m.memberId} and was answered for ${r.memberId}`);
    }
    m.memberId = r.memberId;
    if (m.instanceId !== null) this.staticIds.set(r.memberId, m.instanceId);
    // A dynamic member answered for a new generation was awaiting that join when it completed,
    // which it could only be through a request of this attempt; static members may be carried over without one.
    if (g > m.lastJoinGeneration && m.instanceId === null && m.joinAttemptStart !== null) {
      m.sessionAnchor = Math.max(m.sessionAnchor, m.joinAttemptStart);
      m.rebalanceAnchor = Math.max(m.rebalanceAnchor, m.joinAttemptStart);
    }
    m.lastJoinGeneration = g;
    m.generation = g;
    m.joinAttemptStart = null;
    m.phase = 'joined';
    m.join = r;
    this.highestKnownGeneration = Math.max(this.highestKnownGeneration, g);
    this.stats.maxGeneration = Math.max(this.stats.maxGeneration, g);

    const record = this.generation(g);
    record.leaders.add(r.leader);
    record.told.push(`t+${this.clock.now() - BASE_TIME} ${m.name} as ${r.memberId}: leader ${r.leader}`);
    record.joined.add(m.identity);
    if (r.leader === r.memberId) {
      for (const x of r.members) if (x.groupInstanceId !== null) this.staticIds.set(x.memberId, x.groupInstanceId);
      const identities = r.members.map((x) => this.identityOf(x.memberId, x.groupInstanceId)).sort();
      if (new Set(identities).size !== identities.length) this.violation(`generation ${g} lists ${identities} (twice)`);
      if (record.members === null) record.members = identities;
      else if (record.members.join() !== identities.join()) {
        this.violation(`generation ${g}: leader saw members ${record.members}, then ${identities}`);
      }
    }
  }

  private async syncGroup(m: Member): Promise<void> {
    if (m.phase !== 'joined' || m.join === null) return;
    const join = m.join;
    const g = join.generationId;
    const leads = join.leader === join.memberId && !join.skipAssignment;
    const assignments = leads ? rangeAssignment(g, join.members) : [];
    if (leads) {
      const record = this.generation(g);
      const byIdentity = new Map(
        assignments.map((a) => [this.identityOf(a.memberId, a.groupInstanceId), words.decode(a.assignment)]),
      );
      if (record.assignments === null) record.assignments = byIdentity;
      else if ([...byIdentity].some(([id, a]) => record.assignments!.get(id) !== a)) {
        this.violation(`generation ${g}: two leader assignments differ`);
      }
    }
    const sentAt = this.clock.now();
    const sentAtWall = Date.now();
    const r = await this.call(m, ApiKey.SyncGroup, m.versions.sync, {
      groupId: this.groupId,
      generationId: g,
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    });
    if (m.crashed) return;
    this.count(`SyncGroup ${nameOf(r.errorCode)}`, this.stats.answers);
    switch (r.errorCode) {
      case ErrorCode.NONE: {
        const record = this.generation(g);
        const sent = record.assignments?.get(m.identity);
        if (sent === undefined || sent !== words.decode(r.assignment)) {
          this.violation(
            `${m.name} synced generation ${g} with ${words.decode(r.assignment)}, the leader assigned it ${sent}`,
          );
        }
        if (m.versions.sync >= 5 && (r.protocolName !== 'range' || r.protocolType !== 'consumer')) {
          this.violation(`${m.name} synced with protocol ${r.protocolType}/${r.protocolName}`);
        }
        record.synced.add(m.identity);
        m.phase = 'stable';
        m.assignment = r.assignment;
        m.rebalanceAnchor = Math.max(m.rebalanceAnchor, sentAt);
        return;
      }
      case ErrorCode.REBALANCE_IN_PROGRESS:
        m.phase = 'out';
        // A follower whose wait reached its invocation's deadline is sent to rejoin whatever the state.
        if (Date.now() - sentAtWall >= REQUEST_BUDGET_MS - WAIT_MARGIN_MS) this.stats.syncWaitsTimedOut++;
        else await this.checkRebalancing(m, 'SyncGroup', g);
        return;
      case ErrorCode.ILLEGAL_GENERATION:
        m.phase = 'out';
        await this.checkIllegalGeneration(m, 'SyncGroup', g);
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        await this.checkUnknown(m, 'SyncGroup');
        this.drop(m);
        return;
      default:
        this.violation(`${m.name} SyncGroup answered ${nameOf(r.errorCode)}`);
        m.resetMembership();
    }
  }

  private async heartbeat(m: Member): Promise<void> {
    if (m.memberId === '' || m.generation < 0) return;
    const g = m.generation;
    const settled = m.phase === 'stable';
    const sentAt = this.clock.now();
    const r = await this.call(m, ApiKey.Heartbeat, m.versions.heartbeat, {
      groupId: this.groupId,
      generationId: g,
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
    });
    if (m.crashed) return;
    this.count(`Heartbeat ${nameOf(r.errorCode)}`, this.stats.answers);
    if (this.atRest && r.errorCode !== ErrorCode.NONE) {
      this.violation(`${m.name}: heartbeat in the group at rest answered ${nameOf(r.errorCode)}`);
    }
    switch (r.errorCode) {
      case ErrorCode.NONE:
        m.sessionAnchor = Math.max(m.sessionAnchor, sentAt);
        if (settled) m.rebalanceAnchor = Math.max(m.rebalanceAnchor, sentAt);
        return;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        m.sessionAnchor = Math.max(m.sessionAnchor, sentAt);
        m.phase = 'out';
        await this.checkRebalancing(m, 'Heartbeat', g);
        return;
      case ErrorCode.ILLEGAL_GENERATION:
        m.phase = 'out';
        await this.checkIllegalGeneration(m, 'Heartbeat', g);
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        await this.checkUnknown(m, 'Heartbeat');
        this.drop(m);
        return;
      default:
        this.violation(`${m.name} Heartbeat answered ${nameOf(r.errorCode)}`);
        m.resetMembership();
    }
  }

  private async commit(m: Member, stale: boolean): Promise<void> {
    if (m.memberId === '' || m.generation < (stale ? 1 : 0)) return;
    const g = stale ? m.generation - 1 : m.generation;
    const supersededAtSend = Math.max(this.highestKnownGeneration, this.lastStoredGeneration) > g;
    const stableAtSend = m.phase === 'stable' && !stale;
    const held = m.assignment === null ? null : decodeAssignment(m.assignment);
    const partition = held?.partitions[0] ?? 0;
    const r = await this.call(m, ApiKey.OffsetCommit, m.versions.commit, {
      groupId: this.groupId,
      generationIdOrMemberEpoch: g,
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      topics: [
        {
          name: TOPIC,
          partitions: [
            {
              partitionIndex: partition,
              committedOffset: BigInt(Math.floor(this.random() * 1000)),
              committedLeaderEpoch: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    });
    if (m.crashed) return;
    const code = r.topics[0]?.partitions[0]?.errorCode ?? -1;
    this.count(`OffsetCommit${stale ? ' (stale)' : ''} ${nameOf(code)}`, this.stats.answers);
    if (this.atRest && code !== ErrorCode.NONE) {
      this.violation(`${m.name}: commit in the group at rest answered ${nameOf(code)}`);
    }
    switch (code) {
      case ErrorCode.NONE:
        if (supersededAtSend) this.violation(`${m.name} committed with generation ${g}, already superseded`);
        return;
      case ErrorCode.ILLEGAL_GENERATION:
        if (supersededAtSend) this.stats.staleCommitsRefused++;
        await this.checkIllegalGeneration(m, 'OffsetCommit', g);
        return;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        if (supersededAtSend) {
          this.violation(
            `${m.name} committed with superseded generation ${g}: REBALANCE_IN_PROGRESS, not ILLEGAL_GENERATION`,
          );
        }
        if (stableAtSend)
          this.violation(`${m.name}, Stable in generation ${g}, had its commit refused: REBALANCE_IN_PROGRESS`);
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        if (supersededAtSend) this.stats.staleCommitsRefused++;
        await this.checkUnknown(m, 'OffsetCommit');
        this.drop(m);
        return;
      default:
        this.violation(`${m.name} OffsetCommit with generation ${g} answered ${nameOf(code)}`);
    }
  }

  private async leave(m: Member): Promise<void> {
    if (m.memberId === '') return;
    const version = m.versions.leave;
    const r = await this.call(m, ApiKey.LeaveGroup, version, {
      groupId: this.groupId,
      memberId: version < 3 ? m.memberId : '',
      members: version < 3 ? [] : [{ memberId: m.memberId, groupInstanceId: m.instanceId, reason: 'leaving' }],
    });
    if (m.crashed) return;
    const code = version < 3 || r.errorCode !== ErrorCode.NONE ? r.errorCode : (r.members[0]?.errorCode ?? -1);
    this.count(`LeaveGroup ${nameOf(code)}`, this.stats.answers);
    if (code === ErrorCode.UNKNOWN_MEMBER_ID) await this.checkUnknown(m, 'LeaveGroup');
    else if (code !== ErrorCode.NONE) this.violation(`${m.name} LeaveGroup answered ${nameOf(code)}`);
    this.drop(m);
  }

  /** The member lost its membership (it left, or was told it is unknown): it starts over without an id. */
  private drop(m: Member): void {
    this.depart(m);
    m.resetMembership();
  }

  private depart(m: Member): void {
    if (m.memberId !== '' && m.lastJoinGeneration >= 0) {
      this.departed.set(m.memberId, { generation: m.lastJoinGeneration, instanceId: m.instanceId });
    }
  }

  // -- the random phase -----------------------------------------------------

  enqueue(m: Member, op: MemberOp): void {
    if (m.crashed || m.queued >= MAX_QUEUED) return;
    m.queued++;
    m.chain = m.chain.then(async () => {
      await this.perform(m, op);
      m.queued--;
    });
  }

  async dispatch(cmd: Command): Promise<void> {
    this.stats.commands++;
    const m = this.members[cmd.slot]!;
    switch (cmd.op) {
      case 'crash':
        if (!m.crashed) this.stats.crashes++;
        this.depart(m);
        m.crashed = true;
        break;
      case 'restart': {
        // The old process is gone (what it had in flight still lands); a new one starts with the same instance id.
        this.stats.restarts++;
        this.depart(m);
        m.crashed = true;
        const next = new Member(m.slot, m.incarnation + 1, m.instanceId);
        next.chain = m.chain;
        this.members[m.slot] = next;
        break;
      }
      case 'advance':
        this.stats.clockJumps++;
        this.clock.advance(cmd.ms);
        await sweepGroups(this.pick().env);
        break;
      case 'sweep':
        await sweepGroups(this.pick().env);
        break;
      default:
        this.enqueue(m, cmd.op);
    }
    await this.observe();
    if (cmd.pauseMs > 0) await sleep(cmd.pauseMs);
  }

  // -- settling -------------------------------------------------------------

  private live(): Member[] {
    return this.members.filter((m) => !m.crashed);
  }

  /** Stable with exactly the live members, each Stable in its generation and holding what is stored for it. */
  private converged(group: ClassicGroup | null): boolean {
    const live = this.live();
    if (live.length === 0) return group === null || group.members.length === 0;
    if (group === null || group.state !== 'Stable') return false;
    if (group.members.length !== live.length) return false;
    return live.every((m) => {
      const stored = group.members.find((x) => x.memberId === m.memberId);
      return (
        stored !== undefined &&
        m.phase === 'stable' &&
        m.generation === group.generationId &&
        m.assignment !== null &&
        sameBytes(m.assignment, stored.assignment)
      );
    });
  }

  /** Live members act as real clients, with the clock ticking, until the group converges. */
  async settle(): Promise<ClassicGroup | null> {
    const started = Date.now();
    for (;;) {
      let stop = false;
      const loops = this.live().map(async (m) => {
        await m.chain;
        while (!stop && !m.crashed) {
          const op: MemberOp = m.phase === 'stable' && this.random() < 0.2 ? 'commit' : 'act';
          await this.perform(m, op);
          await sleep(1 + Math.floor(this.random() * 8));
        }
      });
      let group: ClassicGroup | null = null;
      while (Date.now() - started < SETTLE_LIMIT_MS && this.violations.length === 0) {
        await sleep(SETTLE_TICK_EVERY_MS);
        this.clock.advance(SETTLE_TICK_MS);
        await sweepGroups(this.pick().env);
        group = await this.observe();
        if (this.converged(group)) break;
      }
      stop = true;
      await Promise.all(loops);
      group = await this.observe();
      if (this.converged(group) || this.violations.length > 0) {
        this.stats.settleMs.push(Date.now() - started);
        return group;
      }
      if (Date.now() - started >= SETTLE_LIMIT_MS) {
        this.violation(
          `did not converge in ${SETTLE_LIMIT_MS} ms: stored ${JSON.stringify(describeGroup(group))}, ` +
            `live ${JSON.stringify(this.live().map((m) => [m.name, m.memberId, m.phase, m.generation]))}`,
        );
        return group;
      }
    }
  }

  /**
   * The settled group at rest: its members keep heartbeating and committing
   * while the clock runs past several session timeouts; every answer is NONE
   * and the group stays Stable in the same generation with the same members.
   */
  async hold(group: ClassicGroup | null): Promise<void> {
    if (group === null || this.live().length === 0) return;
    const generation = group.generationId;
    this.atRest = true;
    let stop = false;
    const loops = this.live().map(async (m) => {
      while (!stop && this.violations.length === 0) {
        await this.perform(m, this.random() < 0.2 ? 'commit' : 'heartbeat');
        await sleep(1 + Math.floor(this.random() * 8));
      }
    });
    for (let tick = 0; tick < HOLD_TICKS && this.violations.length === 0; tick++) {
      await sleep(SETTLE_TICK_EVERY_MS);
      this.clock.advance(SETTLE_TICK_MS);
      await sweepGroups(this.pick().env);
      const now = await this.observe();
      if (!this.converged(now) || now?.generationId !== generation) {
        this.violation(`the group at rest moved from generation ${generation}: ${JSON.stringify(describeGroup(now))}`);
      }
    }
    stop = true;
    await Promise.all(loops);
    this.atRest = false;
  }

  /** In the settled group: current-generation commits and heartbeats succeed, stale ones fail as Kafka's do. */
  async checkSettled(group: ClassicGroup | null): Promise<void> {
    const commitCode = async (memberId: string, instanceId: string | null, generation: number): Promise<number> => {
      const r = await this.call(this.members[0]!, ApiKey.OffsetCommit, 8, {
        groupId: this.groupId,
        generationIdOrMemberEpoch: generation,
        memberId,
        groupInstanceId: instanceId,
        topics: [
          {
            name: TOPIC,
            partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }],
          },
        ],
      });
      return r.topics[0]?.partitions[0]?.errorCode ?? -1;
    };
    for (const m of this.live()) {
      const now = await commitCode(m.memberId, m.instanceId, m.generation);
      if (now !== ErrorCode.NONE)
        this.violation(`settled ${m.name}: commit with its generation answered ${nameOf(now)}`);
      if (m.generation > 0) {
        const before = await commitCode(m.memberId, m.instanceId, m.generation - 1);
        if (before !== ErrorCode.ILLEGAL_GENERATION) {
          this.violation(`settled ${m.name}: commit with the previous generation answered ${nameOf(before)}`);
        }
      }
      const hb = await this.call(m, ApiKey.Heartbeat, m.versions.heartbeat, {
        groupId: this.groupId,
        generationId: m.generation,
        memberId: m.memberId,
        groupInstanceId: m.instanceId,
      });
      if (hb.errorCode !== ErrorCode.NONE)
        this.violation(`settled ${m.name}: heartbeat answered ${nameOf(hb.errorCode)}`);
    }
    const current = new Set(this.live().map((m) => m.memberId));
    for (const [memberId, { generation, instanceId }] of this.departed) {
      if (current.has(memberId)) continue;
      const code = await commitCode(memberId, instanceId, generation);
      const holder = instanceId === null ? undefined : group?.staticMembers[instanceId];
      const expected =
        holder !== undefined && holder !== memberId ? ErrorCode.FENCED_INSTANCE_ID : ErrorCode.UNKNOWN_MEMBER_ID;
      if (code !== expected) {
        this.violation(`departed ${memberId}: commit answered ${nameOf(code)}, expected ${nameOf(expected)}`);
      }
    }
  }

  /** What could only be judged once the run was over: per generation, one leader and one member set. */
  checkGenerations(): void {
    for (const [g, record] of this.generations) {
      const leaders = new Set([...record.leaders].map((id) => this.identityOf(id)));
      if (leaders.size > 1) {
        this.violation(`generation ${g} had leaders ${[...leaders]}; joins answered:\n  ${record.told.join('\n  ')}`);
      }
      const members = record.members ?? record.stored;
      if (record.members !== null && record.stored !== null && record.members.join() !== record.stored.join()) {
        this.violation(`generation ${g}: leader saw ${record.members}, stored ${record.stored}`);
      }
      if (members === null) continue;
      for (const leader of leaders) {
        if (!members.includes(leader)) this.violation(`generation ${g}: leader ${leader} is not among ${members}`);
      }
      for (const id of record.joined) {
        if (!members.includes(id)) this.violation(`generation ${g}: ${id} joined it but is not among ${members}`);
      }
      for (const id of record.synced) {
        if (!members.includes(id)) this.violation(`generation ${g}: ${id} synced it but is not among ${members}`);
      }
    }
  }
}

const BASE_TIME = Date.UTC(2024, 10, 24, 12, 0, 0);

function describeGroup(group: ClassicGroup | null): unknown {
  if (group === null) return null;
  return {
    state: group.state,
    generation: group.generationId,
    leader: group.leaderId,
    members: group.members.map((m) => ({
      id: m.memberId,
      awaitingJoin: m.awaitingJoin,
      awaitingSync: m.awaitingSync,
      deadline: m.heartbeatDeadline === null ? null : m.heartbeatDeadline - BASE_TIME,
    })),
    pendingSync: group.pendingSyncMembers,
    rebalanceDeadline: group.rebalanceDeadline === null ? null : group.rebalanceDeadline - BASE_TIME,
    syncDeadline: group.syncDeadline === null ? null : group.syncDeadline - BASE_TIME,
  };
}

export function emptyStats(): PropertyStats {
  return {
    runs: 0,
    commands: 0,
    requests: {},
    answers: {},
    states: new Set(),
    maxGeneration: 0,
    crashes: 0,
    restarts: 0,
    clockJumps: 0,
    staleCommitsRefused: 0,
    unknownMemberAnswers: 0,
    maxInFlight: 0,
    syncWaitsTimedOut: 0,
    settleMs: [],
    runMs: [],
  };
}

/** One run: the commands with their requests overlapping, then settling, then the final checks. */
export async function runScenario(
  open: OpenStores,
  commands: readonly Command[],
  seed: number,
  stats: PropertyStats,
  instances = 3,
): Promise<void> {
  const started = Date.now();
  const stores = await open(instances);
  const world = new World(stores, new Clock(BASE_TIME), prng(seed), stats);
  try {
    await world.setUp();
    for (const cmd of commands) {
      await world.dispatch(cmd);
      if (world.violations.length > 0) break;
    }
    if (world.violations.length === 0) {
      const group = await world.settle();
      if (world.violations.length === 0) await world.hold(group);
      if (world.violations.length === 0) await world.checkSettled(await world.observe());
    }
    // Let anything still in flight land before the stores close.
    await Promise.all(world.members.map((m) => m.chain));
    world.checkGenerations();
  } finally {
    await stores.close();
  }
  stats.runs++;
  stats.runMs.push(Date.now() - started);
  if (world.violations.length > 0) {
    throw new Error(
      `${world.violations.length} violation(s):\n${world.violations.slice(0, 10).join('\n')}\n` +
        `latest group writes:\n  ${world.journal.join('\n  ')}`,
    );
  }
}

/** The property, over `numRuns` random command sequences. */
export async function checkGroupInstances(open: OpenStores, options: PropertyOptions): Promise<PropertyStats> {
  const stats = emptyStats();
  await fc.assert(
    fc.asyncProperty(
      fc.array(command, { minLength: 20, maxLength: 120, size: 'max' }),
      fc.integer(),
      async (commands, seed) => runScenario(open, commands, seed, stats, options.instances),
    ),
    { numRuns: options.numRuns, endOnFailure: true, ...(options.seed === undefined ? {} : { seed: options.seed }) },
  );
  return stats;
}
