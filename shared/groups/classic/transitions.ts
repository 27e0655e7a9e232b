/**
 * Transitions of the classic group protocol, following Apache Kafka's group
 * coordinator (GroupMetadataManager / ClassicGroup, 3.7+). Each is a pure
 * function of (state, input, now, config): it copies the state, fires the
 * timers whose deadline passed (`expire`), applies the request, fires timers
 * again (a zero initial delay completes at once), and returns the new state
 * with either the response or what to wait for.
 *
 * Where Kafka completes a parked request's future, here the state records
 * enough (`awaitingJoin`, `awaitingSync`, generation) for `joinResult` /
 * `syncResult` to derive that response later, on any instance.
 */

import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { HeartbeatResponse } from '../../protocol/generated/heartbeat.js';
import type { JoinGroupResponse } from '../../protocol/generated/join-group.js';
import type { LeaveGroupResponse, LeaveGroupResponseMemberResponse } from '../../protocol/generated/leave-group.js';
import type { SyncGroupResponse } from '../../protocol/generated/sync-group.js';
import {
  joinErrorResponse,
  joinSuccessResponse,
  memberList,
  syncErrorResponse,
  syncSuccessResponse,
} from './responses.js';
import {
  type ClassicGroup,
  type ClassicGroupConfig,
  type ClassicMember,
  cloneGroup,
  type MemberProtocol,
  newClassicGroup,
} from './state.js';

// ---------------------------------------------------------------------------
// Inputs and results

export interface JoinInput {
  readonly requestVersion: number;
  readonly groupId: string;
  /** Empty for a member that has none yet. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  /** -1 (v0) means the session timeout. */
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly MemberProtocol[];
  readonly reason: string | null;
}

/** Either the response to send now, or the member whose JoinGroup response `joinResult` will produce. */
export type JoinOutcome =
  | { readonly kind: 'reply'; readonly response: JoinGroupResponse }
  | { readonly kind: 'wait'; readonly memberId: string };

export interface JoinStep {
  /** Null only when no group exists and none was created. */
  readonly state: ClassicGroup | null;
  readonly outcome: JoinOutcome;
}

export interface SyncInput {
  readonly requestVersion: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly generationId: number;
  /** v5+; null when absent. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: readonly { readonly memberId: string; readonly assignment: Uint8Array }[];
}

export type SyncOutcome =
  | { readonly kind: 'reply'; readonly response: SyncGroupResponse }
  | { readonly kind: 'wait'; readonly memberId: string; readonly generationId: number };

export interface SyncStep {
  readonly state: ClassicGroup | null;
  readonly outcome: SyncOutcome;
}

export interface HeartbeatInput {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly generationId: number;
}

export interface HeartbeatStep {
  readonly state: ClassicGroup | null;
  readonly response: HeartbeatResponse;
}

export interface LeaveInput {
  readonly requestVersion: number;
  /** v0–2. */
  readonly memberId: string;
  /** v3+. */
  readonly members: readonly {
    readonly memberId: string;
    readonly groupInstanceId: string | null;
    readonly reason: string | null;
  }[];
}

export interface LeaveStep {
  readonly state: ClassicGroup | null;
  readonly response: LeaveGroupResponse;
}

/** Where member id suffixes come from; tests pass a counter. */
export type IdSource = () => string;

// ---------------------------------------------------------------------------
// Group bookkeeping (ClassicGroup's methods), on a private copy

function member(group: ClassicGroup, memberId: string): ClassicMember | undefined {
  return group.members.find((m) => m.memberId === memberId);
}

function isPending(group: ClassicGroup, memberId: string): boolean {
  return group.pendingMembers.some((p) => p.memberId === memberId);
}

function transitionTo(group: ClassicGroup, state: ClassicGroup['state'], t: number): void {
  group.previousState = group.state;
  group.state = state;
  group.stateTimestamp = t;
}

function removeMember(group: ClassicGroup, memberId: string): void {
  const removed = member(group, memberId);
  if (removed !== undefined) {
    group.members = group.members.filter((m) => m.memberId !== memberId);
    if (removed.groupInstanceId !== null && group.staticMembers[removed.groupInstanceId] === memberId) {
      delete group.staticMembers[removed.groupInstanceId];
    }
  }
  if (group.leaderId === memberId) group.leaderId = group.members[0]?.memberId ?? null;
  group.pendingMembers = group.pendingMembers.filter((p) => p.memberId !== memberId);
  group.pendingSyncMembers = group.pendingSyncMembers.filter((id) => id !== memberId);
}

function addMember(group: ClassicGroup, m: ClassicMember): void {
  if (m.groupInstanceId !== null) group.staticMembers[m.groupInstanceId] = m.memberId;
  if (group.members.length === 0) group.protocolType = m.protocolType;
  if (group.leaderId === null) group.leaderId = m.memberId;
  group.members.push(m);
  group.pendingMembers = group.pendingMembers.filter((p) => p.memberId !== m.memberId);
}

function hasAllMembersJoined(group: ClassicGroup): boolean {
  return group.members.every((m) => m.awaitingJoin) && group.pendingMembers.length === 0;
}

function groupRebalanceTimeoutMs(group: ClassicGroup): number {
  return group.members.reduce((max, m) => Math.max(max, m.rebalanceTimeoutMs), 0);
}

/** Empty accepts any non-empty protocol type and list; otherwise same type and one protocol every member supports. */
export function supportsProtocols(
  group: ClassicGroup,
  protocolType: string,
  protocols: readonly MemberProtocol[],
): boolean {
  if (group.state === 'Empty') return protocolType !== '' && protocols.length > 0;
  if (group.protocolType !== protocolType) return false;
  return protocols.some((p) => group.members.every((m) => m.protocols.some((q) => q.name === p.name)));
}

/**
 * Kafka's vote: the candidates are the protocols every member supports; each
 * member votes for its most preferred candidate; most votes wins. Kafka breaks
 * ties by hash order; here the earlier-added member's preference wins.
 */
export function selectProtocol(group: ClassicGroup): string | null {
  const candidates = new Set(
    (group.members[0]?.protocols ?? [])
      .map((p) => p.name)
      .filter((name) => group.members.every((m) => m.protocols.some((q) => q.name === name))),
  );
  const votes = new Map<string, number>();
  for (const m of group.members) {
    const vote = m.protocols.find((p) => candidates.has(p.name))?.name;
    if (vote !== undefined) votes.set(vote, (votes.get(vote) ?? 0) + 1);
  }
  let best: string | null = null;
  let bestVotes = 0;
  for (const [name, count] of votes) {
    if (count > bestVotes) {
      best = name;
      bestVotes = count;
    }
  }
  return best;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameProtocols(a: readonly MemberProtocol[], b: readonly MemberProtocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && sameBytes(p.metadata, b[i]!.metadata));
}

function copyProtocols(protocols: readonly MemberProtocol[]): MemberProtocol[] {
  return protocols.map((p) => ({ name: p.name, metadata: new Uint8Array(p.metadata) }));
}

/** UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID / NONE, as ClassicGroup.validateMember. */
export function validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
  if (groupInstanceId !== null) {
    const existing = group.staticMembers[groupInstanceId];
    if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  return member(group, memberId) === undefined ? ErrorCode.UNKNOWN_MEMBER_ID : ErrorCode.NONE;
}

// ---------------------------------------------------------------------------
// The rebalance (GroupMetadataManager's classic timers and phases)

function prepareRebalance(group: ClassicGroup, t: number, config: ClassicGroupConfig): void {
  if (group.state === 'CompletingRebalance') {
    // Followers waiting in SyncGroup get REBALANCE_IN_PROGRESS; their session restarts.
    for (const m of group.members) {
      m.assignment = new Uint8Array(0);
      if (m.awaitingSync) {
        m.awaitingSync = false;
        m.heartbeatDeadline = t + m.sessionTimeoutMs;
      }
    }
  }
  group.pendingSyncMembers = [];
  group.syncDeadline = null;
  const initial = group.state === 'Empty';
  if (initial) {
    const delayMs = config.initialRebalanceDelayMs;
    group.initialDelay = {
      checkAt: t + delayMs,
      delayMs,
      remainingMs: Math.max(groupRebalanceTimeoutMs(group) - delayMs, 0),
      newMemberAdded: false,
    };
  }
  transitionTo(group, 'PreparingRebalance', t);
  if (!initial) {
    if (hasAllMembersJoined(group)) completeJoin(group, t);
    else group.rebalanceDeadline = t + groupRebalanceTimeoutMs(group);
  }
}

function canRebalance(group: ClassicGroup): boolean {
  return group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty';
}

function maybeCompleteJoinPhase(group: ClassicGroup, t: number): void {
  // The initial rebalance completes only when its delay ends.
  if (group.state !== 'PreparingRebalance' || group.previousState === 'Empty') return;
  if (hasAllMembersJoined(group)) completeJoin(group, t);
}

function maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup, t: number, config: ClassicGroupConfig): void {
  if (canRebalance(group)) prepareRebalance(group, t, config);
  else maybeCompleteJoinPhase(group, t);
}

/** Keeps the leader if it rejoined, else the first member that did; false when nobody rejoined. */
function maybeElectNewJoinedLeader(group: ClassicGroup): boolean {
  if (group.leaderId === null) return false;
  const leader = member(group, group.leaderId);
  if (leader?.awaitingJoin) return true;
  const joined = group.members.find((m) => m.awaitingJoin);
  if (joined === undefined) return false;
  group.leaderId = joined.memberId;
  return true;
}

function completeJoin(group: ClassicGroup, t: number): void {
  group.rebalanceDeadline = null;
  group.initialDelay = null;
  // Dynamic members that did not rejoin are dropped; static ones keep their place.
  for (const m of group.members.filter((m) => !m.awaitingJoin && m.groupInstanceId === null)) {
    removeMember(group, m.memberId);
  }
  if (group.state === 'Dead') return;
  if (!maybeElectNewJoinedLeader(group) && group.members.length > 0) {
    // Nobody rejoined: wait another rebalance timeout for sessions to expire (at least 1 ms, so sweeps end).
    group.rebalanceDeadline = t + Math.max(groupRebalanceTimeoutMs(group), 1);
    return;
  }
  group.generationId += 1;
  group.pendingSyncMembers = [];
  group.generationLeaderId = group.members.length === 0 ? null : group.leaderId;
  group.generationMembers = null;
  if (group.members.length === 0) {
    group.protocolName = null;
    transitionTo(group, 'Empty', t);
    return;
  }
  group.protocolName = selectProtocol(group);
  group.generationMembers = memberList(group);
  transitionTo(group, 'CompletingRebalance', t);
  for (const m of group.members) {
    m.awaitingJoin = false;
    m.isNew = false;
    m.heartbeatDeadline = t + m.sessionTimeoutMs;
    group.pendingSyncMembers.push(m.memberId);
  }
  group.syncDeadline = t + groupRebalanceTimeoutMs(group);
}

function removeMemberAndUpdateGroup(
  group: ClassicGroup,
  memberId: string,
  t: number,
  config: ClassicGroupConfig,
): void {
  removeMember(group, memberId);
  if (group.state === 'Stable' || group.state === 'CompletingRebalance') {
    maybePrepareRebalanceOrCompleteJoin(group, t, config);
  } else if (group.state === 'PreparingRebalance' && hasAllMembersJoined(group)) {
    completeJoin(group, t);
  }
}

function propagateAssignment(group: ClassicGroup, t: number): void {
  for (const m of group.members) {
    if (m.awaitingSync) {
      m.awaitingSync = false;
      m.heartbeatDeadline = t + m.sessionTimeoutMs;
    }
  }
}

// ---------------------------------------------------------------------------
// Timers

type Timer =
  | { kind: 'pending'; at: number; memberId: string }
  | { kind: 'heartbeat'; at: number; memberId: string }
  | { kind: 'initialDelay'; at: number }
  | { kind: 'join'; at: number }
  | { kind: 'sync'; at: number };

function timers(group: ClassicGroup): Timer[] {
  const all: Timer[] = [];
  for (const p of group.pendingMembers) all.push({ kind: 'pending', at: p.deadline, memberId: p.memberId });
  for (const m of group.members) {
    if (m.heartbeatDeadline !== null) all.push({ kind: 'heartbeat', at: m.heartbeatDeadline, memberId: m.memberId });
  }
  if (group.initialDelay !== null) all.push({ kind: 'initialDelay', at: group.initialDelay.checkAt });
  if (group.rebalanceDeadline !== null) all.push({ kind: 'join', at: group.rebalanceDeadline });
  if (group.syncDeadline !== null) all.push({ kind: 'sync', at: group.syncDeadline });
  return all;
}

/** The earliest time at which `expire` would change the group; null when nothing is scheduled. */
export function nextDeadline(group: ClassicGroup | null): number | null {
  if (group === null) return null;
  let next: number | null = null;
  for (const timer of timers(group)) if (next === null || timer.at < next) next = timer.at;
  return next;
}

function fire(group: ClassicGroup, timer: Timer, config: ClassicGroupConfig): void {
  const t = timer.at;
  switch (timer.kind) {
    case 'pending':
      removeMember(group, timer.memberId);
      if (group.state === 'PreparingRebalance' && hasAllMembersJoined(group)) completeJoin(group, t);
      return;
    case 'heartbeat': {
      const m = member(group, timer.memberId)!;
      if (!m.isNew && (m.awaitingJoin || m.awaitingSync)) {
        // A parked join or sync counts as a heartbeat until it is answered.
        m.heartbeatDeadline = null;
        return;
      }
      removeMemberAndUpdateGroup(group, m.memberId, t, config);
      return;
    }
    case 'initialDelay': {
      const delay = group.initialDelay!;
      if (delay.newMemberAdded && delay.remainingMs !== 0) {
        const delayMs = Math.min(config.initialRebalanceDelayMs, delay.remainingMs);
        group.initialDelay = {
          checkAt: t + delayMs,
          delayMs,
          remainingMs: Math.max(delay.remainingMs - delay.delayMs, 0),
          newMemberAdded: false,
        };
      } else {
        completeJoin(group, t);
      }
      return;
    }
    case 'join':
      completeJoin(group, t);
      return;
    case 'sync':
      group.syncDeadline = null;
      if ((group.state === 'CompletingRebalance' || group.state === 'Stable') && group.pendingSyncMembers.length > 0) {
        for (const id of [...group.pendingSyncMembers]) removeMember(group, id);
        prepareRebalance(group, t, config);
      }
      return;
  }
}

/** Bounds one sweep when a client sent absurdly small timeouts; the next sweep carries on. */
const MAX_TIMERS_PER_SWEEP = 100_000;

function sweep(group: ClassicGroup, now: number, config: ClassicGroupConfig): void {
  // Fire in deadline order, each at its own time, as a resident coordinator would have.
  for (let fired = 0; fired < MAX_TIMERS_PER_SWEEP; fired++) {
    let due: Timer | null = null;
    for (const timer of timers(group)) if (timer.at <= now && (due === null || timer.at < due.at)) due = timer;
    if (due === null) return;
    fire(group, due, config);
  }
}

/**
 * The lazy sweep: removes members and pending members whose session passed,
 * ends the initial delay, completes a join phase or expires pending syncs
 * whose deadline passed. Call it on every load and on every wake-up.
 */
export function expire(state: ClassicGroup, now: number, config: ClassicGroupConfig): { state: ClassicGroup } {
  const group = cloneGroup(state);
  sweep(group, now, config);
  return { state: group };
}

// ---------------------------------------------------------------------------
// JoinGroup

function acceptJoiningMember(group: ClassicGroup, memberId: string, config: ClassicGroupConfig): boolean {
  switch (group.state) {
    case 'Empty':
    case 'Dead':
      return true;
    case 'PreparingRebalance':
      // Counting awaiting members, not members: the size may already exceed a lowered limit.
      return (
        member(group, memberId)?.awaitingJoin === true ||
        group.members.filter((m) => m.awaitingJoin).length < config.maxSize
      );
    case 'CompletingRebalance':
    case 'Stable':
      return member(group, memberId) !== undefined || group.members.length < config.maxSize;
  }
}

function newMember(input: JoinInput, memberId: string, now: number, config: ClassicGroupConfig): ClassicMember {
  return {
    memberId,
    groupInstanceId: input.groupInstanceId,
    clientId: input.clientId,
    clientHost: input.clientHost,
    rebalanceTimeoutMs: rebalanceTimeout(input),
    sessionTimeoutMs: input.sessionTimeoutMs,
    protocolType: input.protocolType,
    protocols: copyProtocols(input.protocols),
    assignment: new Uint8Array(0),
    awaitingJoin: true,
    awaitingSync: false,
    isNew: true,
    // A parked new member cannot heartbeat; it is dropped if the rebalance outlasts this.
    heartbeatDeadline: now + config.newMemberJoinTimeoutMs,
    lastJoinReason: input.reason,
  };
}

function rebalanceTimeout(input: JoinInput): number {
  return input.rebalanceTimeoutMs < 0 ? input.sessionTimeoutMs : input.rebalanceTimeoutMs;
}

function updateMember(m: ClassicMember, input: JoinInput): void {
  m.protocols = copyProtocols(input.protocols);
  m.rebalanceTimeoutMs = rebalanceTimeout(input);
  m.sessionTimeoutMs = input.sessionTimeoutMs;
  m.lastJoinReason = input.reason;
  m.awaitingJoin = true;
}

function addMemberThenRebalanceOrCompleteJoin(
  group: ClassicGroup,
  input: JoinInput,
  memberId: string,
  now: number,
  config: ClassicGroupConfig,
): JoinOutcome {
  if (group.state === 'PreparingRebalance' && group.previousState === 'Empty' && group.initialDelay !== null) {
    group.initialDelay.newMemberAdded = true;
  }
  addMember(group, newMember(input, memberId, now, config));
  maybePrepareRebalanceOrCompleteJoin(group, now, config);
  return { kind: 'wait', memberId };
}

function updateMemberThenRebalanceOrCompleteJoin(
  group: ClassicGroup,
  m: ClassicMember,
  input: JoinInput,
  now: number,
  config: ClassicGroupConfig,
): JoinOutcome {
  updateMember(m, input);
  maybePrepareRebalanceOrCompleteJoin(group, now, config);
  return { kind: 'wait', memberId: m.memberId };
}

/** A known group.instance.id joins with an unknown member id: the new id takes the old member's place. */
function replaceStaticMember(
  group: ClassicGroup,
  input: JoinInput,
  oldMemberId: string,
  newMemberId: string,
  now: number,
  config: ClassicGroupConfig,
): JoinOutcome {
  const instanceId = input.groupInstanceId!;
  const leaderBefore = group.leaderId;
  const old = member(group, oldMemberId)!;
  // The old id is fenced: its parked join or sync now answers FENCED_INSTANCE_ID.
  const replaced: ClassicMember = {
    ...old,
    memberId: newMemberId,
    awaitingJoin: false,
    awaitingSync: false,
    isNew: false,
    heartbeatDeadline: now + old.sessionTimeoutMs,
  };
  group.members = group.members.filter((m) => m.memberId !== oldMemberId);
  group.members.push(replaced);
  if (group.leaderId === oldMemberId) group.leaderId = newMemberId;
  group.staticMembers[instanceId] = newMemberId;
  // Kafka leaves the old id in the pending-sync set (a needless rebalance later); the new id inherits it instead.
  group.pendingSyncMembers = group.pendingSyncMembers.map((id) => (id === oldMemberId ? newMemberId : id));
  updateMember(replaced, input);

  if (group.state === 'Stable') {
    if ((group.protocolName ?? '') === selectProtocol(group)) {
      // Same selected protocol: no rebalance; the member keeps the old assignment (SyncGroup returns it).
      replaced.awaitingJoin = false;
      const skipAssignment = input.requestVersion >= 9;
      const isLeader = group.leaderId === newMemberId;
      return {
        kind: 'reply',
        response: joinSuccessResponse(group, newMemberId, input.requestVersion, {
          withMembers: skipAssignment && isLeader,
          skipAssignment: skipAssignment && isLeader,
          // Before v9 the old leader id is returned so a rejoining leader does not run the assignment.
          leader: skipAssignment ? (group.leaderId ?? '') : (leaderBefore ?? ''),
        }),
      };
    }
    maybePrepareRebalanceOrCompleteJoin(group, now, config);
  } else if (group.state === 'CompletingRebalance') {
    // The leader may already be assigning to the old id: rebalance so the new id gets an assignment.
    prepareRebalance(group, now, config);
  } else {
    maybeCompleteJoinPhase(group, now);
  }
  return { kind: 'wait', memberId: newMemberId };
}

function joinNewMember(
  group: ClassicGroup,
  input: JoinInput,
  now: number,
  config: ClassicGroupConfig,
  ids: IdSource,
): JoinOutcome {
  if (group.state === 'Dead')
    return reply(joinErrorResponse(ErrorCode.COORDINATOR_NOT_AVAILABLE, '', input.requestVersion));
  if (!supportsProtocols(group, input.protocolType, input.protocols)) {
    return reply(joinErrorResponse(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, '', input.requestVersion));
  }
  const newMemberId = `${input.groupInstanceId ?? input.clientId}-${ids()}`;
  if (input.groupInstanceId !== null) {
    const existing = group.staticMembers[input.groupInstanceId];
    if (existing !== undefined) return replaceStaticMember(group, input, existing, newMemberId, now, config);
    return addMemberThenRebalanceOrCompleteJoin(group, input, newMemberId, now, config);
  }
  if (input.requestVersion >= 4) {
    // KIP-394: hand out the id first, so a client that times out rejoins as the same member.
    group.pendingMembers.push({ memberId: newMemberId, deadline: now + input.sessionTimeoutMs });
    return reply(joinErrorResponse(ErrorCode.MEMBER_ID_REQUIRED, newMemberId, input.requestVersion));
  }
  return addMemberThenRebalanceOrCompleteJoin(group, input, newMemberId, now, config);
}

function joinExistingMember(
  group: ClassicGroup,
  input: JoinInput,
  now: number,
  config: ClassicGroupConfig,
): JoinOutcome {
  const { memberId, requestVersion } = input;
  if (group.state === 'Dead')
    return reply(joinErrorResponse(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId, requestVersion));
  if (!supportsProtocols(group, input.protocolType, input.protocols)) {
    return reply(joinErrorResponse(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId, requestVersion));
  }
  if (isPending(group, memberId) && input.groupInstanceId === null) {
    return addMemberThenRebalanceOrCompleteJoin(group, input, memberId, now, config);
  }
  const error = validateMember(group, memberId, input.groupInstanceId);
  if (error !== ErrorCode.NONE) return reply(joinErrorResponse(error, memberId, requestVersion));
  const m = member(group, memberId)!;
  switch (group.state) {
    case 'PreparingRebalance':
      return updateMemberThenRebalanceOrCompleteJoin(group, m, input, now, config);
    case 'CompletingRebalance':
      // Same metadata: it probably lost the response; answer for the current generation.
      if (sameProtocols(m.protocols, input.protocols)) {
        return reply(
          joinSuccessResponse(group, memberId, requestVersion, { withMembers: group.leaderId === memberId }),
        );
      }
      return updateMemberThenRebalanceOrCompleteJoin(group, m, input, now, config);
    case 'Stable':
      // The leader rejoining forces a rebalance (e.g. topic metadata changed); so does changed metadata.
      if (group.leaderId === memberId || !sameProtocols(m.protocols, input.protocols)) {
        return updateMemberThenRebalanceOrCompleteJoin(group, m, input, now, config);
      }
      return reply(joinSuccessResponse(group, memberId, requestVersion, { withMembers: false }));
    default:
      return reply(joinErrorResponse(ErrorCode.UNKNOWN_MEMBER_ID, memberId, requestVersion));
  }
}

function reply(response: JoinGroupResponse): JoinOutcome {
  return { kind: 'reply', response };
}

/** JoinGroup v0–9. `state` is null when the group has no stored state. */
export function join(
  state: ClassicGroup | null,
  input: JoinInput,
  now: number,
  config: ClassicGroupConfig,
  ids: IdSource = randomUUID,
): JoinStep {
  const { memberId, requestVersion } = input;
  if (input.groupId === '') {
    return { state, outcome: reply(joinErrorResponse(ErrorCode.INVALID_GROUP_ID, memberId, requestVersion)) };
  }
  if (input.sessionTimeoutMs < config.minSessionTimeoutMs || input.sessionTimeoutMs > config.maxSessionTimeoutMs) {
    return { state, outcome: reply(joinErrorResponse(ErrorCode.INVALID_SESSION_TIMEOUT, memberId, requestVersion)) };
  }
  let group: ClassicGroup;
  if (state === null) {
    // A group is created only by a member without an id.
    if (memberId !== '') {
      return { state, outcome: reply(joinErrorResponse(ErrorCode.UNKNOWN_MEMBER_ID, memberId, requestVersion)) };
    }
    group = newClassicGroup(input.groupId, now);
  } else {
    group = cloneGroup(state);
    sweep(group, now, config);
  }
  let outcome: JoinOutcome;
  if (!acceptJoiningMember(group, memberId, config)) {
    removeMember(group, memberId);
    outcome = reply(joinErrorResponse(ErrorCode.GROUP_MAX_SIZE_REACHED, '', requestVersion));
  } else if (memberId === '') {
    outcome = joinNewMember(group, input, now, config, ids);
  } else {
    outcome = joinExistingMember(group, input, now, config);
  }
  sweep(group, now, config);
  return { state: group, outcome };
}

// ---------------------------------------------------------------------------
// SyncGroup

function protocolInconsistent(fromRequest: string | null, ofGroup: string | null): boolean {
  return fromRequest !== null && ofGroup !== null && fromRequest !== ofGroup;
}

/** SyncGroup v0–5. */
export function sync(state: ClassicGroup | null, input: SyncInput, now: number, config: ClassicGroupConfig): SyncStep {
  const fail = (group: ClassicGroup | null, errorCode: number): SyncStep => ({
    state: group,
    outcome: { kind: 'reply', response: syncErrorResponse(errorCode) },
  });
  if (state === null) return fail(state, ErrorCode.UNKNOWN_MEMBER_ID);
  const group = cloneGroup(state);
  sweep(group, now, config);
  if (group.state === 'Empty') return fail(group, ErrorCode.UNKNOWN_MEMBER_ID);
  if (group.state === 'Dead') return fail(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const error = validateMember(group, input.memberId, input.groupInstanceId);
  if (error !== ErrorCode.NONE) return fail(group, error);
  if (input.generationId !== group.generationId) return fail(group, ErrorCode.ILLEGAL_GENERATION);
  if (
    protocolInconsistent(input.protocolType, group.protocolType) ||
    protocolInconsistent(input.protocolName, group.protocolName)
  ) {
    return fail(group, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  }
  if (group.state === 'PreparingRebalance') return fail(group, ErrorCode.REBALANCE_IN_PROGRESS);
  const m = member(group, input.memberId)!;
  removePendingSync(group, m.memberId);
  if (group.state === 'Stable') {
    return { state: group, outcome: { kind: 'reply', response: syncSuccessResponse(group, m) } };
  }
  // CompletingRebalance.
  m.awaitingSync = true;
  if (group.leaderId === m.memberId) {
    const given = new Map(input.assignments.map((a) => [a.memberId, a.assignment]));
    for (const each of group.members) each.assignment = new Uint8Array(given.get(each.memberId) ?? new Uint8Array(0));
    propagateAssignment(group, now);
    // The leader read its member list before it could sync.
    group.generationMembers = null;
    transitionTo(group, 'Stable', now);
    sweep(group, now, config);
    return { state: group, outcome: { kind: 'reply', response: syncSuccessResponse(group, m) } };
  }
  sweep(group, now, config);
  return { state: group, outcome: { kind: 'wait', memberId: m.memberId, generationId: group.generationId } };
}

function removePendingSync(group: ClassicGroup, memberId: string): void {
  group.pendingSyncMembers = group.pendingSyncMembers.filter((id) => id !== memberId);
  if (group.pendingSyncMembers.length === 0) group.syncDeadline = null;
}

// ---------------------------------------------------------------------------
// Heartbeat

/** Heartbeat v0–4. */
export function heartbeat(
  state: ClassicGroup | null,
  input: HeartbeatInput,
  now: number,
  config: ClassicGroupConfig,
): HeartbeatStep {
  const answer = (group: ClassicGroup | null, errorCode: number): HeartbeatStep => ({
    state: group,
    response: { throttleTimeMs: 0, errorCode },
  });
  if (state === null) return answer(state, ErrorCode.UNKNOWN_MEMBER_ID);
  const group = cloneGroup(state);
  sweep(group, now, config);
  if (group.state === 'Dead') return answer(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const error = validateMember(group, input.memberId, input.groupInstanceId);
  if (error !== ErrorCode.NONE) return answer(group, error);
  if (input.generationId !== group.generationId) return answer(group, ErrorCode.ILLEGAL_GENERATION);
  const m = member(group, input.memberId)!;
  switch (group.state) {
    case 'Empty':
      return answer(group, ErrorCode.UNKNOWN_MEMBER_ID);
    case 'PreparingRebalance':
      m.heartbeatDeadline = now + m.sessionTimeoutMs;
      return answer(group, ErrorCode.REBALANCE_IN_PROGRESS);
    default:
      // Heartbeats may start right after the JoinGroup response, in CompletingRebalance.
      m.heartbeatDeadline = now + m.sessionTimeoutMs;
      return answer(group, ErrorCode.NONE);
  }
}

// ---------------------------------------------------------------------------
// LeaveGroup

/** LeaveGroup v0–5: one member (v0–2) or a batch (v3+), static members also by instance id alone. */
export function leave(
  state: ClassicGroup | null,
  input: LeaveInput,
  now: number,
  config: ClassicGroupConfig,
): LeaveStep {
  const identities =
    input.requestVersion >= 3 ? input.members : [{ memberId: input.memberId, groupInstanceId: null, reason: null }];
  const respond = (
    group: ClassicGroup | null,
    errorCode: number,
    members: LeaveGroupResponseMemberResponse[],
  ): LeaveStep => {
    if (input.requestVersion < 3) {
      // Before v3 the single member's error is the top-level error.
      const code = errorCode !== ErrorCode.NONE ? errorCode : (members[0]?.errorCode ?? ErrorCode.NONE);
      return { state: group, response: { throttleTimeMs: 0, errorCode: code, members: [] } };
    }
    return { state: group, response: { throttleTimeMs: 0, errorCode, members } };
  };
  if (state === null) return respond(state, ErrorCode.UNKNOWN_MEMBER_ID, []);
  const group = cloneGroup(state);
  sweep(group, now, config);
  if (group.state === 'Dead') return respond(group, ErrorCode.COORDINATOR_NOT_AVAILABLE, []);
  const results: LeaveGroupResponseMemberResponse[] = [];
  let anyLeft = false;
  for (const identity of identities) {
    const result: LeaveGroupResponseMemberResponse = {
      memberId: identity.memberId,
      groupInstanceId: identity.groupInstanceId,
      errorCode: ErrorCode.NONE,
    };
    if (identity.memberId === '') {
      // Administrative removal of a static member by instance id.
      const target = identity.groupInstanceId === null ? undefined : group.staticMembers[identity.groupInstanceId];
      if (target === undefined) result.errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
      else removeMember(group, target);
    } else if (isPending(group, identity.memberId)) {
      removeMember(group, identity.memberId);
    } else {
      result.errorCode = validateMember(group, identity.memberId, identity.groupInstanceId);
      if (result.errorCode === ErrorCode.NONE) removeMember(group, identity.memberId);
    }
    if (result.errorCode === ErrorCode.NONE) anyLeft = true;
    results.push(result);
  }
  if (anyLeft) {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') {
      maybePrepareRebalanceOrCompleteJoin(group, now, config);
    } else if (group.state === 'PreparingRebalance') {
      maybeCompleteJoinPhase(group, now);
    }
  }
  sweep(group, now, config);
  return respond(group, ErrorCode.NONE, results);
}
