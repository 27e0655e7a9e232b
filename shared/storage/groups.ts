/**
 * Storage contracts for consumer groups: the group's state as one versioned
 * value (the coordinator state machines in shared/groups/ own its shape and
 * move it with compare-and-set), and the group's committed offsets.
 *
 * A group's state and its offsets share one Redis Cluster hash slot, so a
 * commit can be made conditional on the state version in one atomic step.
 */

export interface VersionedValue {
  /**
   * Increases on every write; 0 never names a stored value. Not consecutive
   * across a group's lives: state written again after a delete gets a version
   * above any it had before, so a writer or waiter holding a version from the
   * earlier life cannot mistake the new state for it.
   */
  readonly version: number;
  readonly value: string;
  /**
   * Session deadlines that {@link GroupStore.extendSessions} recorded for
   * members, by member id (absent when none): readers take, for each member,
   * the later of this and the deadline inside `value`.
   */
  readonly sessions?: ReadonlyMap<string, number>;
}

export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** -1 when unknown. */
  readonly leaderEpoch: number;
  readonly metadata: string | null;
  /** Milliseconds since the epoch. */
  readonly commitTimestamp: number;
  /** Milliseconds since the epoch after which the offset may be dropped; -1 for the group's retention rule. */
  readonly expireTimestamp: number;
}

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** Which offsets {@link GroupStore.expireOffsets} drops, besides those whose own expiry passed. */
export interface OffsetExpiry {
  /**
   * Offsets without their own expiry (-1) are dropped once `retentionMs` has
   * passed since their base time; without it they are kept.
   */
  readonly retentionMs?: number;
  /** Base time of those offsets (when the group became empty); by default each offset's commit timestamp. */
  readonly since?: number;
  /** Topics whose offsets are kept whatever their expiry (those the group still subscribes to). */
  readonly keepTopics?: readonly string[];
  /** Only if the group's state version is still this (one atomic step); otherwise nothing is dropped. */
  readonly ifVersion?: number;
}

export interface GroupStore {
  /** The group's state, or null when none is stored. */
  get(groupId: string): Promise<VersionedValue | null>;
  /** Several groups in one round trip. */
  getMany(groupIds: readonly string[]): Promise<Map<string, VersionedValue | null>>;
  /**
   * Writes `value` (null deletes the state) if the stored version is
   * `expectedVersion` (0: nothing stored). Returns the new version (0 after a
   * delete), or null when another writer got there first. Publishes a change
   * notification for the group on success.
   */
  compareAndSet(
    groupId: string,
    expectedVersion: number,
    value: string | null,
    options?: { readonly members?: readonly string[] },
  ): Promise<number | null>;
  /**
   * Records later session deadlines for members without writing the state:
   * a heartbeat that changes nothing else neither conflicts with other
   * heartbeats nor wakes the group's waiters. Each deadline only ever moves
   * later. Only if the state version is still `ifVersion` (a stored state,
   * not 0); returns false when it moved. A compare-and-set keeps the
   * recorded deadlines of the members it names in `options.members` (all
   * when omitted) and drops the others'; a delete drops them all.
   */
  extendSessions(groupId: string, ifVersion: number, deadlines: ReadonlyMap<string, number>): Promise<boolean>;
  /** Every group with stored state or committed offsets, sorted by id. */
  list(): Promise<string[]>;
  /**
   * Resolves when the group's state may have changed after `seenVersion`, or
   * after `timeoutMs`, or when `signal` aborts. Subscribes first, then
   * re-reads, so a change between the caller's read and the wait is not lost.
   */
  waitForChange(groupId: string, seenVersion: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;

  /**
   * Stores offsets. When `ifVersion` is given, only if the group's state
   * version is still that (one atomic step); returns false when it moved.
   */
  commitOffsets(groupId: string, offsets: readonly CommittedOffset[], ifVersion?: number): Promise<boolean>;
  /**
   * Committed offsets of the given partitions in that order (those without one
   * are absent), or of every partition, by topic then partition, when omitted.
   */
  fetchOffsets(groupId: string, partitions?: readonly TopicPartitionRef[]): Promise<CommittedOffset[]>;
  /** Several groups' offsets in one round trip (OffsetFetch v8+). */
  fetchOffsetsMany(
    requests: readonly { groupId: string; partitions?: readonly TopicPartitionRef[] }[],
  ): Promise<CommittedOffset[][]>;
  /**
   * Removes committed offsets. When `ifVersion` is given, only if the group's
   * state version is still that (one atomic step); returns false when it moved.
   */
  deleteOffsets(groupId: string, partitions: readonly TopicPartitionRef[], ifVersion?: number): Promise<boolean>;
  /**
   * Removes the group's state and offsets (DeleteGroups), if the state version
   * is still `ifVersion` (0: no state, which also holds when nothing is stored).
   */
  deleteGroup(groupId: string, ifVersion: number): Promise<boolean>;
  /**
   * Drops offsets whose expiry passed (`now >= expireTimestamp`), and those
   * `expiry` adds (offset retention); returns how many (0 when `ifVersion` moved).
   */
  expireOffsets(groupId: string, now: number, expiry?: OffsetExpiry): Promise<number>;

  /**
   * Stages transactional offsets (TxnOffsetCommit) for the producer's open
   * transaction: invisible to {@link fetchOffsets} until completed. A later
   * stage of the same partition by the same producer replaces the earlier.
   * When `ifVersion` is given, only if the group's state version is still
   * that (one atomic step); returns false when it moved.
   */
  stageOffsets(
    groupId: string,
    producerId: bigint,
    offsets: readonly CommittedOffset[],
    ifVersion?: number,
  ): Promise<boolean>;
  /**
   * Ends the producer's staged offsets in one atomic step: on commit each
   * becomes the committed offset of its partition, unless the committed one
   * is more recent (a later commit timestamp: Kafka keeps the most recent
   * of a transactional and a plain commit); on abort they are dropped.
   * Idempotent: nothing staged, nothing done. Returns how many were staged.
   */
  completeStagedOffsets(groupId: string, producerId: bigint, commit: boolean): Promise<number>;
  /**
   * Which of the partitions (all of the group's when omitted) have offsets
   * staged by any producer, in the order asked (by topic then partition
   * when omitted); OffsetFetch with require_stable answers them
   * UNSTABLE_OFFSET_COMMIT.
   */
  stagedPartitions(groupId: string, partitions?: readonly TopicPartitionRef[]): Promise<TopicPartitionRef[]>;
}
