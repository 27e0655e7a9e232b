/**
 * ConsumerGroupHeartbeat (API key 68, v0-1) as a pure transition over the
 * stored group state, following Apache Kafka 4.0's group coordinator
 * (GroupMetadataManager.consumerGroupHeartbeat, CurrentAssignmentBuilder,
 * TargetAssignmentBuilder):
 *
 * 1. The member is created or updated; the group epoch is bumped when the
 *    group is new, when the member's subscription changed, or when the
 *    subscribed topics' metadata (id, partition count) changed.
 * 2. When the group epoch is ahead of the assignment epoch, the group's server
 *    assignor computes a new target assignment at the group epoch.
 * 3. The member is reconciled towards its target: partitions leaving it are
 *    revoked first (it stays at its epoch until it stops reporting them);
 *    partitions still held by another member are withheld until released.
 *
 * Timers do not run here: deadlines are stored and `expire` fences members
 * whose session or revocation deadline has passed (every request applies it
 * first, and a sweeper may call it).
 */

import type {
  ConsumerGroupHeartbeatRequest,
  ConsumerGroupHeartbeatResponse,
} from '../../protocol/generated/consumer-group-heartbeat.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { ASSIGNORS, type AssignorMember, UNIFORM_ASSIGNOR } from './assignors.js';
import {
  type Assignment,
  type ConsumerGroupMember,
  type ConsumerGroupState,
  compareStrings,
  computeGroupState,
  emptyGroup,
  fromPartitionMap,
  isReconciledTo,
  type PartitionMap,
  type SubscribedTopic,
  sameAssignment,
  type TargetAssignmentEntry,
  targetOf,
  toPartitionMap,
} from './state.js';

export const JOIN_GROUP_MEMBER_EPOCH = 0;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;
/** From this version the client generates its member id (KIP-1082). */
export const CONSUMER_GENERATED_MEMBER_ID_REQUIRED_VERSION = 1;

export interface ConsumerGroupConfig {
  /** group.consumer.session.timeout.ms */
  readonly sessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms */
  readonly heartbeatIntervalMs: number;
  /** group.consumer.max.size */
  readonly maxSize: number;
  /** group.consumer.assignors: the first is the default. */
  readonly assignors: readonly string[];
}

export const DEFAULT_CONSUMER_GROUP_CONFIG: ConsumerGroupConfig = {
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 5_000,
  maxSize: 2_147_483_647,
  assignors: [UNIFORM_ASSIGNOR, 'range'],
};

export interface TopicInfo {
  readonly id: string;
  readonly partitions: number;
}

export interface HeartbeatContext {
  /** The request's API version. */
  readonly apiVersion: number;
  readonly clientId: string;
  readonly clientHost: string;
  /** Every topic in the cluster: name → id and partition count. */
  readonly topics: ReadonlyMap<string, TopicInfo>;
  /** Generates a member id for a v0 join without one. */
  readonly newMemberId: () => string;
  readonly config?: Partial<ConsumerGroupConfig>;
}

export interface HeartbeatResult {
  /** The state to store; null when there was and still is none. */
  readonly state: ConsumerGroupState | null;
  readonly response: ConsumerGroupHeartbeatResponse;
}

class HeartbeatError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(code: number, message: string): never {
  throw new HeartbeatError(code, message);
}

function errorResponse(code: number, message: string): ConsumerGroupHeartbeatResponse {
  return {
    throttleTimeMs: 0,
    errorCode: code,
    errorMessage: message,
    memberId: null,
    memberEpoch: 0,
    heartbeatIntervalMs: 0,
    assignment: null,
  };
}

function configOf(ctx: { config?: Partial<ConsumerGroupConfig> }): ConsumerGroupConfig {
  return { ...DEFAULT_CONSUMER_GROUP_CONFIG, ...ctx.config };
}

export function heartbeat(
  state: ConsumerGroupState | null,
  request: ConsumerGroupHeartbeatRequest,
  now: number,
  ctx: HeartbeatContext,
): HeartbeatResult {
  const config = configOf(ctx);
  const current = state === null ? null : expire(state, now).state;
  try {
    validate(request, ctx.apiVersion, config);
    if (request.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      return leave(current, request);
    }
    return join(current, request, now, ctx, config);
  } catch (error) {
    if (error instanceof HeartbeatError) return { state: current, response: errorResponse(error.code, error.message) };
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Validation (Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid)

function blank(value: string | null): boolean {
  return value !== null && value.trim().length === 0;
}

function validate(request: ConsumerGroupHeartbeatRequest, apiVersion: number, config: ConsumerGroupConfig): void {
  const epoch = request.memberEpoch;
  if (
    (apiVersion >= CONSUMER_GENERATED_MEMBER_ID_REQUIRED_VERSION || epoch > 0 || epoch === LEAVE_GROUP_MEMBER_EPOCH) &&
    blank(request.memberId)
  ) {
    fail(ErrorCode.INVALID_REQUEST, "MemberId can't be empty.");
  }
  if (blank(request.groupId)) fail(ErrorCode.INVALID_REQUEST, "GroupId can't be empty.");
  if (blank(request.instanceId)) fail(ErrorCode.INVALID_REQUEST, "InstanceId can't be empty.");
  if (blank(request.rackId)) fail(ErrorCode.INVALID_REQUEST, "RackId can't be empty.");
  if (epoch === JOIN_GROUP_MEMBER_EPOCH) {
    if (request.rebalanceTimeoutMs === -1) {
      fail(ErrorCode.INVALID_REQUEST, 'RebalanceTimeoutMs must be provided in first request.');
    }
    if (request.topicPartitions === null || request.topicPartitions.length > 0) {
      fail(ErrorCode.INVALID_REQUEST, 'TopicPartitions must be empty when (re-)joining.');
    }
    if (request.subscribedTopicNames === null && request.subscribedTopicRegex === null) {
      fail(
        ErrorCode.INVALID_REQUEST,
        'Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.',
      );
    }
  } else if (epoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    if (request.instanceId === null) fail(ErrorCode.INVALID_REQUEST, "InstanceId can't be null.");
  } else if (epoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    fail(ErrorCode.INVALID_REQUEST, 'MemberEpoch is invalid.');
  }
  if (request.serverAssignor !== null && !config.assignors.includes(request.serverAssignor)) {
    fail(
      ErrorCode.UNSUPPORTED_ASSIGNOR,
      `ServerAssignor ${request.serverAssignor} is not supported. Supported assignors: ${config.assignors.join(', ')}.`,
    );
  }
  if (request.subscribedTopicRegex) compileRegex(request.subscribedTopicRegex);
}

/** Kafka matches the whole topic name (RE2/J `matches`). */
function compileRegex(regex: string): RegExp {
  try {
    return new RegExp(`^(?:${regex})$`);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail(
      ErrorCode.INVALID_REGULAR_EXPRESSION,
      `SubscribedTopicRegex \`${regex}\` is not a valid regular expression: ${detail}.`,
    );
  }
}

// ---------------------------------------------------------------------------
// Leaving

function leave(state: ConsumerGroupState | null, request: ConsumerGroupHeartbeatRequest): HeartbeatResult {
  if (state === null) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${request.groupId} not found.`);
  let member: ConsumerGroupMember | undefined;
  if (request.instanceId === null) {
    member = state.members.find((m) => m.memberId === request.memberId);
    if (!member)
      fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${request.memberId} is not a member of group ${state.groupId}.`);
  } else {
    member = staticMember(state, request.instanceId);
    if (!member) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${request.instanceId} is unknown.`);
    if (member.memberId !== request.memberId) {
      fail(
        ErrorCode.FENCED_INSTANCE_ID,
        `Static member ${request.memberId} with instance id ${request.instanceId} was fenced by member ${member.memberId}.`,
      );
    }
    if (request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // Temporary leave: the member keeps its place and partitions until it rejoins or its session expires.
      const away: ConsumerGroupMember = {
        ...member,
        memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH,
        pendingRevocation: [],
        revocationDeadline: null,
      };
      const next = withGroupState({ ...state, members: replaceMember(state.members, member.memberId, away) });
      return { state: next, response: ok(member.memberId, LEAVE_GROUP_STATIC_MEMBER_EPOCH, 0, null) };
    }
  }
  return {
    state: fenceMember(state, member.memberId),
    response: ok(request.memberId, request.memberEpoch, 0, null),
  };
}

function ok(
  memberId: string,
  memberEpoch: number,
  heartbeatIntervalMs: number,
  assignment: Assignment | null,
): ConsumerGroupHeartbeatResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    memberId,
    memberEpoch,
    heartbeatIntervalMs,
    assignment:
      assignment === null
        ? null
        : { topicPartitions: assignment.map(({ topicId, partitions }) => ({ topicId, partitions: [...partitions] })) },
  };
}

/**
 * Removes the member and its target, drops topics nobody subscribes to any
 * more from the metadata snapshot, and bumps the group epoch (Kafka's
 * consumerGroupFenceMember). Its partitions are released at once.
 */
export function fenceMember(state: ConsumerGroupState, memberId: string): ConsumerGroupState {
  const members = state.members.filter((m) => m.memberId !== memberId);
  const subscribed = new Set<string>();
  for (const m of members) {
    for (const name of m.subscribedTopicNames) subscribed.add(name);
    if (m.subscribedTopicRegex) {
      const regex = safeRegex(m.subscribedTopicRegex);
      for (const topic of state.subscriptionMetadata) if (regex?.test(topic.name)) subscribed.add(topic.name);
    }
  }
  return withGroupState({
    ...state,
    groupEpoch: state.groupEpoch + 1,
    members,
    targetAssignment: state.targetAssignment.filter((entry) => entry.memberId !== memberId),
    subscriptionMetadata: state.subscriptionMetadata.filter((topic) => subscribed.has(topic.name)),
  });
}

export interface ExpireResult {
  readonly state: ConsumerGroupState;
  /** Members fenced, in member id order. */
  readonly fenced: readonly string[];
}

/**
 * Fences members whose session expired (no heartbeat within the session
 * timeout) or that did not revoke partitions within their rebalance timeout.
 */
export function expire(state: ConsumerGroupState, now: number): ExpireResult {
  let next = state;
  const fenced: string[] = [];
  for (const member of state.members) {
    const sessionExpired = now >= member.sessionDeadline;
    const revocationExpired =
      member.state === 'UNREVOKED_PARTITIONS' && member.revocationDeadline !== null && now >= member.revocationDeadline;
    if (sessionExpired || revocationExpired) {
      next = fenceMember(next, member.memberId);
      fenced.push(member.memberId);
    }
  }
  return { state: next, fenced };
}

// ---------------------------------------------------------------------------
// Joining and heartbeating

function staticMember(state: ConsumerGroupState, instanceId: string): ConsumerGroupMember | undefined {
  return state.members.find((m) => m.instanceId === instanceId);
}

function newMember(memberId: string, now: number): ConsumerGroupMember {
  return {
    memberId,
    instanceId: null,
    rackId: null,
    clientId: '',
    clientHost: '',
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    serverAssignor: null,
    rebalanceTimeoutMs: -1,
    memberEpoch: 0,
    previousMemberEpoch: 0,
    state: 'STABLE',
    assigned: [],
    pendingRevocation: [],
    sessionDeadline: now,
    revocationDeadline: null,
  };
}

/**
 * Kafka's throwIfConsumerGroupMemberEpochIsInvalid. Epoch 0 from a known
 * member is a rejoin after fencing and is accepted, as KIP-848 specifies and
 * Kafka does since KAFKA-19233 (4.0.0 fenced it again, so a client keeping
 * its member id could never get back in).
 */
function checkMemberEpoch(
  member: ConsumerGroupMember,
  received: number,
  owned: ConsumerGroupHeartbeatRequest['topicPartitions'],
): void {
  if (received === JOIN_GROUP_MEMBER_EPOCH) return;
  if (received > member.memberEpoch) {
    fail(
      ErrorCode.FENCED_MEMBER_EPOCH,
      `The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
    );
  }
  if (received < member.memberEpoch) {
    // The response that moved the member to its epoch may have been lost.
    if (received !== member.previousMemberEpoch || !isSubset(owned, member.assigned)) {
      fail(
        ErrorCode.FENCED_MEMBER_EPOCH,
        `The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
      );
    }
  }
}

function isSubset(owned: ConsumerGroupHeartbeatRequest['topicPartitions'], assigned: Assignment): boolean {
  if (owned === null) return false;
  const map = toPartitionMap(assigned);
  for (const { topicId, partitions } of owned) {
    const set = map.get(topicId);
    if (!set) return false;
    for (const p of partitions) if (!set.has(p)) return false;
  }
  return true;
}

interface Resolved {
  readonly member: ConsumerGroupMember;
  /** The static member this one replaces, when its id differs. */
  readonly replaces: string | null;
  readonly isNew: boolean;
}

function resolveMember(
  group: ConsumerGroupState,
  memberId: string,
  request: ConsumerGroupHeartbeatRequest,
  now: number,
): Resolved {
  const joining = request.memberEpoch === JOIN_GROUP_MEMBER_EPOCH;
  const existing = group.members.find((m) => m.memberId === memberId);
  if (request.instanceId === null) {
    if (!existing) {
      if (!joining) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
      return { member: newMember(memberId, now), replaces: null, isNew: true };
    }
    checkMemberEpoch(existing, request.memberEpoch, request.topicPartitions);
    return { member: existing, replaces: null, isNew: false };
  }
  const holder = staticMember(group, request.instanceId);
  if (joining) {
    if (!holder) {
      if (existing) {
        checkMemberEpoch(existing, request.memberEpoch, request.topicPartitions);
        return { member: existing, replaces: null, isNew: false };
      }
      return { member: newMember(memberId, now), replaces: null, isNew: true };
    }
    if (holder.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      fail(
        ErrorCode.UNRELEASED_INSTANCE_ID,
        `Static member ${memberId} with instance id ${request.instanceId} cannot join the group because the instance id is owned by ${holder.memberId} member.`,
      );
    }
    // The returning instance takes over the old member's partitions and target under its new id.
    return {
      member: { ...holder, memberId, memberEpoch: 0, previousMemberEpoch: 0 },
      replaces: holder.memberId,
      isNew: false,
    };
  }
  if (!holder) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${request.instanceId} is unknown.`);
  if (holder.memberId !== memberId) {
    fail(
      ErrorCode.FENCED_INSTANCE_ID,
      `Static member ${memberId} with instance id ${request.instanceId} was fenced by member ${holder.memberId}.`,
    );
  }
  checkMemberEpoch(holder, request.memberEpoch, request.topicPartitions);
  return { member: holder, replaces: null, isNew: false };
}

function join(
  state: ConsumerGroupState | null,
  request: ConsumerGroupHeartbeatRequest,
  now: number,
  ctx: HeartbeatContext,
  config: ConsumerGroupConfig,
): HeartbeatResult {
  const joining = request.memberEpoch === JOIN_GROUP_MEMBER_EPOCH;
  if (state === null && !joining) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${request.groupId} not found.`);
  const group = state ?? emptyGroup(request.groupId);
  if (group.members.length >= config.maxSize && !group.members.some((m) => m.memberId === request.memberId)) {
    fail(
      ErrorCode.GROUP_MAX_SIZE_REACHED,
      `The consumer group has reached its maximum capacity of ${config.maxSize} members.`,
    );
  }
  const memberId = request.memberId.length > 0 ? request.memberId : ctx.newMemberId();
  const { member, replaces } = resolveMember(group, memberId, request, now);

  // 1. Update the member; bump the group epoch on a subscription or metadata change.
  const names =
    request.subscribedTopicNames === null
      ? member.subscribedTopicNames
      : [...new Set(request.subscribedTopicNames)].sort(compareStrings);
  const regex =
    request.subscribedTopicRegex === null ? member.subscribedTopicRegex : request.subscribedTopicRegex || null;
  let updated: ConsumerGroupMember = {
    ...member,
    instanceId: request.instanceId ?? member.instanceId,
    rackId: request.rackId ?? member.rackId,
    rebalanceTimeoutMs: request.rebalanceTimeoutMs === -1 ? member.rebalanceTimeoutMs : request.rebalanceTimeoutMs,
    serverAssignor: request.serverAssignor ?? member.serverAssignor,
    subscribedTopicNames: names,
    subscribedTopicRegex: regex,
    clientId: ctx.clientId,
    clientHost: ctx.clientHost,
  };
  const subscriptionChanged = !sameStrings(names, member.subscribedTopicNames) || regex !== member.subscribedTopicRegex;

  const others = group.members.filter((m) => m.memberId !== member.memberId && m.memberId !== replaces);
  let targetAssignment = group.targetAssignment;
  if (replaces !== null) {
    const inherited = targetOf(group, replaces);
    targetAssignment = [
      ...targetAssignment.filter((e) => e.memberId !== replaces && e.memberId !== memberId),
      { memberId, partitions: inherited },
    ].sort((a, b) => compareStrings(a.memberId, b.memberId));
  }
  const members = [...others, updated].sort((a, b) => compareStrings(a.memberId, b.memberId));
  const subscriptionMetadata = computeSubscriptionMetadata(members, ctx.topics);

  let groupEpoch = group.groupEpoch;
  if (
    group.groupEpoch === 0 ||
    subscriptionChanged ||
    !sameMetadata(subscriptionMetadata, group.subscriptionMetadata)
  ) {
    groupEpoch += 1;
  }

  // 2. Recompute the target assignment when the group epoch moved past it.
  let assignmentEpoch = group.assignmentEpoch;
  if (groupEpoch > assignmentEpoch) {
    targetAssignment = computeTargetAssignment(members, targetAssignment, subscriptionMetadata, config);
    assignmentEpoch = groupEpoch;
  }

  // 3. Reconcile this member towards its target.
  if (!isReconciledTo(updated, assignmentEpoch)) {
    const target = targetAssignment.find((e) => e.memberId === memberId)?.partitions ?? [];
    const reconciled = reconcile(updated, assignmentEpoch, target, ownership(members), request.topicPartitions);
    if (reconciled !== updated) {
      updated = {
        ...reconciled,
        revocationDeadline: reconciled.state === 'UNREVOKED_PARTITIONS' ? now + updated.rebalanceTimeoutMs : null,
      };
    }
  }
  updated = { ...updated, sessionDeadline: now + config.sessionTimeoutMs };

  const next = withGroupState({
    ...group,
    groupEpoch,
    assignmentEpoch,
    members: replaceMember(members, memberId, updated),
    targetAssignment,
    subscriptionMetadata,
  });

  const fullRequest =
    joining ||
    (request.rebalanceTimeoutMs !== -1 && request.subscribedTopicNames !== null && request.topicPartitions !== null);
  const assignment = fullRequest || !sameAssignment(member.assigned, updated.assigned) ? updated.assigned : null;
  return {
    state: next,
    response: ok(memberId, updated.memberEpoch, config.heartbeatIntervalMs, assignment),
  };
}

function replaceMember(
  members: readonly ConsumerGroupMember[],
  memberId: string,
  member: ConsumerGroupMember,
): ConsumerGroupMember[] {
  return members.map((m) => (m.memberId === memberId ? member : m));
}

function withGroupState(state: ConsumerGroupState): ConsumerGroupState {
  return { ...state, state: computeGroupState(state) };
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameMetadata(a: readonly SubscribedTopic[], b: readonly SubscribedTopic[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => x.name === b[i]!.name && x.id === b[i]!.id && x.partitions === b[i]!.partitions)
  );
}

function safeRegex(regex: string): RegExp | null {
  try {
    return new RegExp(`^(?:${regex})$`);
  } catch {
    return null;
  }
}

/** Topic names a member subscribes to that exist, by name or by its regex. */
function memberTopicNames(member: ConsumerGroupMember, topics: Iterable<string>): Set<string> {
  const out = new Set<string>(member.subscribedTopicNames);
  if (member.subscribedTopicRegex) {
    const regex = safeRegex(member.subscribedTopicRegex);
    if (regex) for (const name of topics) if (regex.test(name)) out.add(name);
  }
  return out;
}

function computeSubscriptionMetadata(
  members: readonly ConsumerGroupMember[],
  topics: ReadonlyMap<string, TopicInfo>,
): SubscribedTopic[] {
  const names = new Set<string>();
  for (const member of members) for (const name of memberTopicNames(member, topics.keys())) names.add(name);
  const out: SubscribedTopic[] = [];
  for (const name of names) {
    const info = topics.get(name);
    if (info) out.push({ name, id: info.id, partitions: info.partitions });
  }
  return out.sort((a, b) => compareStrings(a.name, b.name));
}

/** The group's assignor: the one most members ask for (ties by name), else the default. */
export function preferredAssignor(members: readonly ConsumerGroupMember[], config: ConsumerGroupConfig): string {
  const counts = new Map<string, number>();
  for (const m of members)
    if (m.serverAssignor !== null) counts.set(m.serverAssignor, (counts.get(m.serverAssignor) ?? 0) + 1);
  let best: string | null = null;
  for (const [name, count] of [...counts].sort((a, b) => compareStrings(a[0], b[0]))) {
    if (best === null || count > counts.get(best)!) best = name;
  }
  return best ?? config.assignors[0] ?? UNIFORM_ASSIGNOR;
}

function computeTargetAssignment(
  members: readonly ConsumerGroupMember[],
  current: readonly TargetAssignmentEntry[],
  metadata: readonly SubscribedTopic[],
  config: ConsumerGroupConfig,
): TargetAssignmentEntry[] {
  const byName = new Map(metadata.map((t) => [t.name, t]));
  const topics = new Map(metadata.map((t) => [t.id, t.partitions]));
  const currentByMember = new Map(current.map((e) => [e.memberId, e.partitions]));
  const specs: AssignorMember[] = members.map((m) => ({
    memberId: m.memberId,
    instanceId: m.instanceId,
    rackId: m.rackId,
    subscribedTopicIds: [...memberTopicNames(m, byName.keys())].flatMap((name) => {
      const topic = byName.get(name);
      return topic ? [topic.id] : [];
    }),
    currentTarget: currentByMember.get(m.memberId) ?? [],
  }));
  const assignor = ASSIGNORS.get(preferredAssignor(members, config)) ?? ASSIGNORS.get(UNIFORM_ASSIGNOR)!;
  const result = assignor(specs, topics);
  return members.map((m) => ({ memberId: m.memberId, partitions: result.get(m.memberId) ?? [] }));
}

/** Partition → the member holding it (assigned or pending revocation): Kafka's partition epochs. */
function ownership(members: readonly ConsumerGroupMember[]): Map<string, Map<number, string>> {
  const owners = new Map<string, Map<number, string>>();
  for (const m of members) {
    for (const { topicId, partitions } of [...m.assigned, ...m.pendingRevocation]) {
      let map = owners.get(topicId);
      if (!map) {
        map = new Map();
        owners.set(topicId, map);
      }
      for (const p of partitions) map.set(p, m.memberId);
    }
  }
  return owners;
}

/**
 * One step of Kafka's CurrentAssignmentBuilder: returns `member` itself when
 * nothing changes.
 */
export function reconcile(
  member: ConsumerGroupMember,
  targetEpoch: number,
  target: Assignment,
  owners: ReadonlyMap<string, ReadonlyMap<number, string>>,
  owned: ConsumerGroupHeartbeatRequest['topicPartitions'],
): ConsumerGroupMember {
  const ownsAny = (revoking: Assignment): boolean => {
    if (owned === null) return true;
    const map = toPartitionMap(revoking);
    return owned.some(({ topicId, partitions }) => partitions.some((p) => map.get(topicId)?.has(p) ?? false));
  };

  const next = (epoch: number): ConsumerGroupMember => {
    const targetMap = toPartitionMap(target);
    const currentMap = toPartitionMap(member.assigned);
    const keep: PartitionMap = new Map();
    const revoke: PartitionMap = new Map();
    const add: PartitionMap = new Map();
    let unreleased = false;
    for (const topicId of new Set([...targetMap.keys(), ...currentMap.keys()])) {
      const wanted = targetMap.get(topicId) ?? new Set<number>();
      const have = currentMap.get(topicId) ?? new Set<number>();
      const kept = new Set([...have].filter((p) => wanted.has(p)));
      const revoked = new Set([...have].filter((p) => !kept.has(p)));
      const adding = new Set<number>();
      for (const p of wanted) {
        if (kept.has(p)) continue;
        if (owners.get(topicId)?.has(p)) unreleased = true;
        else adding.add(p);
      }
      keep.set(topicId, kept);
      revoke.set(topicId, revoked);
      add.set(topicId, adding);
    }
    const revoking = fromPartitionMap(revoke);
    if (revoking.length > 0 && ownsAny(revoking)) {
      // Revoke first: stay at this epoch until the client stops reporting them.
      return withEpoch(member, epoch, 'UNREVOKED_PARTITIONS', fromPartitionMap(keep), revoking);
    }
    for (const [topicId, adding] of add) for (const p of adding) keep.get(topicId)!.add(p);
    return withEpoch(member, targetEpoch, unreleased ? 'UNRELEASED_PARTITIONS' : 'STABLE', fromPartitionMap(keep), []);
  };

  switch (member.state) {
    case 'STABLE':
      return member.memberEpoch !== targetEpoch ? next(member.memberEpoch) : member;
    case 'UNREVOKED_PARTITIONS':
      return ownsAny(member.pendingRevocation) ? member : next(member.memberEpoch + 1);
    case 'UNRELEASED_PARTITIONS':
      return next(member.memberEpoch);
    case 'UNKNOWN':
      if (owned === null || owned.length > 0) {
        fail(
          ErrorCode.FENCED_MEMBER_EPOCH,
          'The consumer group member is in a unknown state. The member must abandon all its partitions and rejoin.',
        );
      }
      return next(targetEpoch);
  }
}

function withEpoch(
  member: ConsumerGroupMember,
  epoch: number,
  state: ConsumerGroupMember['state'],
  assigned: Assignment,
  pendingRevocation: Assignment,
): ConsumerGroupMember {
  // Like Kafka's updateMemberEpoch, the previous epoch becomes the current one even when the epoch stays.
  const previousMemberEpoch = member.memberEpoch;
  if (
    epoch === member.memberEpoch &&
    previousMemberEpoch === member.previousMemberEpoch &&
    state === member.state &&
    sameAssignment(assigned, member.assigned) &&
    sameAssignment(pendingRevocation, member.pendingRevocation)
  ) {
    return member;
  }
  return { ...member, memberEpoch: epoch, previousMemberEpoch, state, assigned, pendingRevocation };
}
