/**
 * The stored state of a KIP-848 consumer group (ConsumerGroupHeartbeat
 * protocol). One JSON value per group, moved by the pure transitions in
 * heartbeat.ts and saved with compare-and-set (shared/storage/groups.ts).
 *
 * Collections are sorted arrays, not objects keyed by ids, so member and
 * topic ids never meet prototype keys and the encoding is canonical.
 */

/** Partitions of one topic, ascending, never empty. */
export interface TopicPartitions {
  readonly topicId: string;
  readonly partitions: readonly number[];
}

/** A member's partitions, sorted by topic id. */
export type Assignment = readonly TopicPartitions[];

/** Kafka's MemberState for consumer members. */
export type MemberState = 'STABLE' | 'UNREVOKED_PARTITIONS' | 'UNRELEASED_PARTITIONS' | 'UNKNOWN';

/** Kafka's ConsumerGroupState. */
export type GroupState = 'EMPTY' | 'ASSIGNING' | 'RECONCILING' | 'STABLE' | 'DEAD';

export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** Sorted, without duplicates. */
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  readonly serverAssignor: string | null;
  readonly rebalanceTimeoutMs: number;
  /** -2 while a static member is temporarily away. */
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberState;
  /** What the member may use now (sent to the client). */
  readonly assigned: Assignment;
  /** Partitions the member must give up; still its own until it stops reporting them. */
  readonly pendingRevocation: Assignment;
  /** Milliseconds since the epoch; fenced when reached without a heartbeat. */
  readonly sessionDeadline: number;
  /** Set while UNREVOKED_PARTITIONS: fenced when reached before the revocation is acknowledged. */
  readonly revocationDeadline: number | null;
}

export interface TargetAssignmentEntry {
  readonly memberId: string;
  readonly partitions: Assignment;
}

/** One subscribed topic as seen when the target assignment was last computed. */
export interface SubscribedTopic {
  readonly name: string;
  readonly id: string;
  readonly partitions: number;
}

export interface ConsumerGroupState {
  readonly groupId: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly state: GroupState;
  /** Sorted by member id. */
  readonly members: readonly ConsumerGroupMember[];
  /** Sorted by member id. */
  readonly targetAssignment: readonly TargetAssignmentEntry[];
  /** Sorted by topic name: topics that exist and some member subscribes to. */
  readonly subscriptionMetadata: readonly SubscribedTopic[];
}

const FORMAT = 1;
/** Tells this group's stored value from a classic group's (`kind: 'classic'`) under the same key. */
const KIND = 'consumer';

export function emptyGroup(groupId: string): ConsumerGroupState {
  return {
    groupId,
    groupEpoch: 0,
    assignmentEpoch: 0,
    state: 'EMPTY',
    members: [],
    targetAssignment: [],
    subscriptionMetadata: [],
  };
}

export function encode(state: ConsumerGroupState): string {
  return JSON.stringify({ format: FORMAT, kind: KIND, ...state });
}

/** Throws when the value is not a consumer group state written by encode(). */
export function decode(value: string): ConsumerGroupState {
  const parsed: unknown = JSON.parse(value);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('consumer group state: not an object');
  const record = parsed as Record<string, unknown>;
  if (record.format !== FORMAT || record.kind !== KIND) {
    throw new Error(`consumer group state: unsupported format ${String(record.format)}/${String(record.kind)}`);
  }
  if (typeof record.groupId !== 'string' || !Array.isArray(record.members) || !Array.isArray(record.targetAssignment)) {
    throw new Error('consumer group state: malformed');
  }
  const { format: _format, kind: _kind, ...state } = record;
  return state as unknown as ConsumerGroupState;
}

/** Whether a stored group value is a consumer group's (cheap: no full decode). */
export function isConsumerGroupValue(value: string): boolean {
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && (parsed as Record<string, unknown>).kind === KIND;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Assignment helpers

export type PartitionMap = Map<string, Set<number>>;

export function toPartitionMap(assignment: Assignment): PartitionMap {
  const map: PartitionMap = new Map();
  for (const { topicId, partitions } of assignment) map.set(topicId, new Set(partitions));
  return map;
}

export function fromPartitionMap(map: ReadonlyMap<string, ReadonlySet<number>>): Assignment {
  const out: TopicPartitions[] = [];
  for (const [topicId, partitions] of map) {
    if (partitions.size > 0) out.push({ topicId, partitions: [...partitions].sort((a, b) => a - b) });
  }
  return out.sort((a, b) => compareStrings(a.topicId, b.topicId));
}

export function assignmentSize(assignment: Assignment): number {
  let n = 0;
  for (const { partitions } of assignment) n += partitions.length;
  return n;
}

export function sameAssignment(a: Assignment, b: Assignment): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.topicId !== y.topicId || x.partitions.length !== y.partitions.length) return false;
    for (let j = 0; j < x.partitions.length; j++) if (x.partitions[j] !== y.partitions[j]) return false;
  }
  return true;
}

/** Normalises an assignment from a request or an assignor: sorted, merged, without empties. */
export function normaliseAssignment(
  assignment: readonly { topicId: string; partitions: readonly number[] }[],
): Assignment {
  const map: PartitionMap = new Map();
  for (const { topicId, partitions } of assignment) {
    let set = map.get(topicId);
    if (!set) {
      set = new Set();
      map.set(topicId, set);
    }
    for (const p of partitions) set.add(p);
  }
  return fromPartitionMap(map);
}

/** Code-unit order, the same everywhere (Java's String.compareTo for the BMP). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function targetOf(state: ConsumerGroupState, memberId: string): Assignment {
  return state.targetAssignment.find((entry) => entry.memberId === memberId)?.partitions ?? [];
}

/** A member has caught up with `epoch` when it is at that epoch with nothing left to revoke or receive. */
export function isReconciledTo(member: ConsumerGroupMember, epoch: number): boolean {
  return member.memberEpoch === epoch && member.state === 'STABLE';
}

/** Kafka's ConsumerGroup.maybeUpdateGroupState. */
export function computeGroupState(
  state: Pick<ConsumerGroupState, 'members' | 'groupEpoch' | 'assignmentEpoch'>,
): GroupState {
  if (state.members.length === 0) return 'EMPTY';
  if (state.groupEpoch > state.assignmentEpoch) return 'ASSIGNING';
  for (const member of state.members) if (!isReconciledTo(member, state.assignmentEpoch)) return 'RECONCILING';
  return 'STABLE';
}

/** The earliest session or revocation deadline, for a sweeper; null when the group has no members. */
export function nextDeadline(state: ConsumerGroupState): number | null {
  let next: number | null = null;
  for (const member of state.members) {
    for (const deadline of [member.sessionDeadline, member.revocationDeadline]) {
      if (deadline !== null && (next === null || deadline < next)) next = deadline;
    }
  }
  return next;
}
