/**
 * The classic group's state: plain data, saved as one versioned string
 * (`encodeGroup`) and read back by whichever function instance serves the
 * next request (`decodeGroup`). Byte fields travel as base64.
 *
 * Timers are absolute deadlines in milliseconds since the epoch, because no
 * process stays resident to run them; `expire` fires those that passed.
 */

export type ClassicGroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface MemberProtocol {
  readonly name: string;
  readonly metadata: Uint8Array;
}

export interface ClassicMember {
  memberId: string;
  /** Set for static members (JoinGroup v5+). */
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  /** In the member's order of preference. */
  protocols: MemberProtocol[];
  /** The assignment of the current generation; empty until the leader syncs. */
  assignment: Uint8Array;
  /** Joined the rebalance in progress; its JoinGroup response is pending. */
  awaitingJoin: boolean;
  /** Sent SyncGroup in CompletingRebalance and waits for the leader's assignment. */
  awaitingSync: boolean;
  /** Added in the rebalance in progress; expires after the new-member join timeout even while awaiting. */
  isNew: boolean;
  /**
   * When the member is removed unless it heartbeats; null while awaiting a
   * join or sync response, which counts as a heartbeat (Kafka's rule).
   */
  heartbeatDeadline: number | null;
  /** The reason of its last JoinGroup (v8+), for operators. */
  lastJoinReason: string | null;
}

/** One entry of the member list a generation's leader is sent: its metadata for the chosen protocol. */
export interface GenerationMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Uint8Array;
}

/** A member id handed out with MEMBER_ID_REQUIRED, not yet a member. */
export interface PendingMember {
  memberId: string;
  deadline: number;
}

/** `group.initial.rebalance.delay.ms` in progress: the first rebalance of an Empty group waits for more joiners. */
export interface InitialDelay {
  /** When the delay ends (or is extended if someone joined meanwhile). */
  checkAt: number;
  delayMs: number;
  /** How much of the rebalance timeout is left for further extensions. */
  remainingMs: number;
  newMemberAdded: boolean;
}

export interface ClassicGroup {
  groupId: string;
  state: ClassicGroupStateName;
  previousState: ClassicGroupStateName;
  /** When the group entered its state. */
  stateTimestamp: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  /**
   * The leader this generation's JoinGroup responses named. `leaderId` moves on at once when that
   * member leaves, while the next rebalance prepares; a member answered late for this generation
   * must still be told the leader the others were told.
   */
  generationLeaderId: string | null;
  /**
   * The member list this generation's leader is sent, as the join phase completed; kept until the
   * leader syncs. Members may leave, or rejoin with new metadata, once the next rebalance begins: a
   * leader that reads its answer only then still gets the list Kafka sent it at the completion.
   */
  generationMembers: GenerationMember[] | null;
  /** In the order they were added; a removed leader is replaced by the first. */
  members: ClassicMember[];
  pendingMembers: PendingMember[];
  /** group.instance.id → member id. */
  staticMembers: Record<string, string>;
  /** Members of this generation that have not sent SyncGroup yet. */
  pendingSyncMembers: string[];
  /** When pending-sync members are removed (rebalance timeout after the join phase completed). */
  syncDeadline: number | null;
  /** When the join phase completes even if not every member rejoined. */
  rebalanceDeadline: number | null;
  initialDelay: InitialDelay | null;
}

export interface ClassicGroupConfig {
  /** `group.initial.rebalance.delay.ms`. */
  readonly initialRebalanceDelayMs: number;
  /** `group.max.size`. */
  readonly maxSize: number;
  /** `group.min.session.timeout.ms`. */
  readonly minSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms`. */
  readonly maxSessionTimeoutMs: number;
  /** How long a new member may wait in a rebalance before it is dropped (Kafka: 5 minutes, not configurable). */
  readonly newMemberJoinTimeoutMs: number;
}

export const DEFAULT_CLASSIC_GROUP_CONFIG: ClassicGroupConfig = {
  initialRebalanceDelayMs: 3000,
  maxSize: 2147483647,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1800000,
  newMemberJoinTimeoutMs: 300000,
};

export function newClassicGroup(groupId: string, now: number): ClassicGroup {
  return {
    groupId,
    state: 'Empty',
    previousState: 'Empty',
    stateTimestamp: now,
    generationId: 0,
    protocolType: null,
    protocolName: null,
    leaderId: null,
    generationLeaderId: null,
    generationMembers: null,
    members: [],
    pendingMembers: [],
    staticMembers: {},
    pendingSyncMembers: [],
    syncDeadline: null,
    rebalanceDeadline: null,
    initialDelay: null,
  };
}

/** A deep copy, so transitions can work on their own state and stay pure to callers. */
export function cloneGroup(group: ClassicGroup): ClassicGroup {
  return structuredClone(group);
}

/** Bumped when the stored shape changes incompatibly. */
const FORMAT = 1;

interface StoredProtocol {
  name: string;
  metadata: string;
}

type StoredMember = Omit<ClassicMember, 'protocols' | 'assignment'> & {
  protocols: StoredProtocol[];
  assignment: string;
};

type StoredGenerationMember = Omit<GenerationMember, 'metadata'> & { metadata: string };

type StoredGroup = Omit<ClassicGroup, 'members' | 'generationMembers'> & {
  format: number;
  kind: 'classic';
  members: StoredMember[];
  generationMembers: StoredGenerationMember[] | null;
};

const toBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

export function encodeGroup(group: ClassicGroup): string {
  const stored: StoredGroup = {
    format: FORMAT,
    kind: 'classic',
    ...group,
    members: group.members.map((m) => ({
      ...m,
      protocols: m.protocols.map((p) => ({ name: p.name, metadata: toBase64(p.metadata) })),
      assignment: toBase64(m.assignment),
    })),
    generationMembers: group.generationMembers?.map((m) => ({ ...m, metadata: toBase64(m.metadata) })) ?? null,
  };
  return JSON.stringify(stored);
}

/** Throws when the text is not a classic group this code can read. */
export function decodeGroup(text: string): ClassicGroup {
  const stored = JSON.parse(text) as StoredGroup;
  if (stored.kind !== 'classic' || stored.format !== FORMAT) {
    throw new Error(`not a classic group state of format ${FORMAT}`);
  }
  const { format: _format, kind: _kind, members, generationMembers, ...rest } = stored;
  return {
    ...rest,
    // Values stored before the field existed: the current leader is the best guess.
    generationLeaderId: (rest as { generationLeaderId?: string | null }).generationLeaderId ?? rest.leaderId,
    // Before that field existed, none (a late leader gets the members that are still in the generation).
    generationMembers: generationMembers?.map((m) => ({ ...m, metadata: fromBase64(m.metadata) })) ?? null,
    members: members.map((m) => ({
      ...m,
      protocols: m.protocols.map((p) => ({ name: p.name, metadata: fromBase64(p.metadata) })),
      assignment: fromBase64(m.assignment),
    })),
  };
}

/** Whether a stored value is a classic group's state (KIP-848 groups share the key space). */
export function isClassicGroupValue(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { kind?: unknown };
    return parsed.kind === 'classic';
  } catch {
    return false;
  }
}
