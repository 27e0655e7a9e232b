/**
 * Storage contracts. The MetaStore keeps metadata and the log index (Redis in
 * production, memory for `kafkaless dev` and unit tests); the BlobStore keeps
 * record batches as immutable objects (S3 / SeaweedFS, or memory). Both
 * implementations of each pass one conformance suite.
 *
 * Storage knows no Kafka API: it speaks of topics, partitions, offsets and
 * byte ranges. Offsets and timestamps are bigint.
 *
 * Interfaces are grouped by area; later areas (producers, transactions,
 * ACLs, SCRAM, schemas) join as further members of MetaStore.
 */

import type { AclStore } from './acls.js';
import type { CredentialStore } from './credentials.js';
import type { GroupStore } from './groups.js';
import type { NonceStore } from './nonces.js';
import type { SchemaStore } from './schemas.js';
import type { TransactionStore } from './transactions.js';

/** A topic as stored. Configs hold only what was set explicitly; defaults live in the config table. */
export interface TopicRecord {
  readonly name: string;
  /** Kafka's 22-character base64url UUID. */
  readonly id: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

export type CreateTopicResult = { created: true; topic: TopicRecord } | { created: false; existing: TopicRecord };

export interface TopicStore {
  /** Creates the topic unless one of that name exists; atomic. */
  createTopic(topic: TopicRecord): Promise<CreateTopicResult>;
  getTopic(name: string): Promise<TopicRecord | null>;
  getTopicById(id: string): Promise<TopicRecord | null>;
  /** Several at once, in one round trip; missing names map to null. */
  getTopics(names: readonly string[]): Promise<Map<string, TopicRecord | null>>;
  listTopics(): Promise<TopicRecord[]>;
  /** Removes the topic and its partitions' state and index; returns what was removed. Objects become garbage. */
  deleteTopic(name: string): Promise<TopicRecord | null>;
  /** Raises the partition count; refuses (returns the current record) if `count` is not larger. */
  setPartitionCount(name: string, count: number): Promise<{ ok: boolean; topic: TopicRecord | null }>;
  /** Replaces the explicit configs wholesale (AlterConfigs) or patches them (null removes a key). */
  updateConfigs(
    name: string,
    changes: Readonly<Record<string, string | null>>,
    mode: 'replace' | 'patch',
  ): Promise<TopicRecord | null>;
}

/** One stored batch: where its bytes are and which offsets it holds. */
export interface IndexEntry {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  /** Largest record timestamp in the batch (after LogAppendTime, the append time). */
  readonly maxTimestamp: bigint;
  /** Object key in the BlobStore, and the batch's byte range in it. */
  readonly object: string;
  readonly position: number;
  readonly size: number;
}

/** The offsets of a partition. */
export interface PartitionOffsets {
  readonly logStartOffset: bigint;
  readonly highWatermark: bigint;
  /** Largest timestamp in the log and the base offset of a batch holding it (-1 when empty). */
  readonly maxTimestamp: bigint;
  readonly maxTimestampBatchOffset: bigint;
  /**
   * The last stable offset: the first offset of the earliest transaction
   * still open on the partition, or the high watermark when none is.
   */
  readonly lastStableOffset: bigint;
}

/**
 * The producer fields of a batch's header, for the idempotence and
 * transaction checks of the append (Kafka's ProducerStateManager rules).
 */
export interface BatchProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  /** baseSequence + offsetCount - 1, wrapping past 2^31 - 1 to 0 as Kafka's sequences do. */
  readonly lastSequence: number;
  readonly transactional: boolean;
}

/** One batch to append, already written to the BlobStore. */
export interface AppendBatch {
  /** Number of offsets the batch takes (lastOffsetDelta + 1). */
  readonly offsetCount: number;
  readonly maxTimestamp: bigint;
  readonly object: string;
  readonly position: number;
  readonly size: number;
  /** Present when the batch has a producer id (idempotent or transactional): checked and recorded atomically. */
  readonly producer?: BatchProducer;
}

/**
 * What became of one batch of an append:
 * - `appended`: stored at `baseOffset`;
 * - `duplicate`: the same producer, epoch and sequence range is among the
 *   last five the partition stored for it; not stored again, `baseOffset` is
 *   where it was stored the first time and `timestamp` that batch's max
 *   timestamp (Kafka answers it as the log append time);
 * - `out-of-order-sequence`: OUT_OF_ORDER_SEQUENCE_NUMBER;
 * - `invalid-producer-epoch`: older than the producer's epoch (INVALID_PRODUCER_EPOCH);
 * - `invalid-txn-state`: a non-transactional batch from a producer with a
 *   transaction open on the partition (INVALID_TXN_STATE).
 * A refused batch stops nothing else: later batches of the same append are
 * checked against the state as it stands.
 */
export type BatchOutcome =
  | { readonly kind: 'appended'; readonly baseOffset: bigint }
  | { readonly kind: 'duplicate'; readonly baseOffset: bigint; readonly timestamp: bigint }
  | { readonly kind: 'out-of-order-sequence'; readonly message: string }
  | { readonly kind: 'invalid-producer-epoch'; readonly message: string }
  | { readonly kind: 'invalid-txn-state'; readonly message: string };

export interface AppendResult {
  /** One outcome per batch, in order. */
  readonly outcomes: readonly BatchOutcome[];
  readonly offsets: PartitionOffsets;
}

/** A transaction marker to write into a partition (EndTxn, or an abort by the coordinator). */
export interface TransactionMarker {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly commit: boolean;
  readonly coordinatorEpoch: number;
  /** The control batch (one record, offsetCount 1), already in the BlobStore. */
  readonly batch: Omit<AppendBatch, 'producer'>;
}

/**
 * What writing a marker did:
 * - `written`: the control batch is stored at `offset`; the producer's open
 *   transaction on the partition (if any) is closed, and on abort recorded
 *   as aborted from its first offset to `offset`;
 * - `invalid-producer-epoch`: the partition has seen a later epoch of the
 *   producer; nothing was written.
 */
export type MarkerOutcome =
  | { readonly kind: 'written'; readonly offset: bigint; readonly offsets: PartitionOffsets }
  | { readonly kind: 'invalid-producer-epoch' };

/** An aborted transaction as Fetch reports it to `read_committed` consumers. */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** A producer's state on one partition (DescribeProducers). */
export interface ProducerState {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** The last sequence stored (-1 when none). */
  readonly lastSequence: number;
  /** Max timestamp of its last batch (-1 when none). */
  readonly lastTimestamp: bigint;
  readonly coordinatorEpoch: number;
  /** First offset of its open transaction on the partition, or -1. */
  readonly currentTxnStartOffset: bigint;
}

export interface PartitionRef {
  readonly topicId: string;
  readonly partition: number;
}

/**
 * A partition to wait on, with the high watermark the caller last saw. When
 * given, the store re-reads the partition once its notification is armed and
 * returns at once if the high watermark moved, so an append landing between
 * the caller's read and the subscription is not lost.
 */
export interface WaitTarget extends PartitionRef {
  readonly highWatermark?: bigint;
}

export interface LogStore {
  /**
   * Assigns dense offsets to the batches, appends their index entries and
   * advances the high watermark — one atomic step per partition. Appends to
   * several partitions go out together (one round trip), each atomic on its own.
   */
  append(appends: readonly { partition: PartitionRef; batches: readonly AppendBatch[] }[]): Promise<AppendResult[]>;
  /** Offsets of several partitions in one round trip (zeros for a partition never written). */
  offsets(partitions: readonly PartitionRef[]): Promise<PartitionOffsets[]>;
  /**
   * Index entries of batches holding offsets >= `fromOffset`, in offset order,
   * until their sizes add up to at least `maxBytes` (the first entry always
   * comes, however large), and never past the high watermark (nor, when
   * `upTo` is given, a batch ending at or past it: `read_committed` reads stop
   * at the last stable offset). Below the log
   * start offset it answers from the log start: callers that must tell the
   * client OFFSET_OUT_OF_RANGE compare `fromOffset` with `offsets()`.
   */
  read(partition: PartitionRef, fromOffset: bigint, maxBytes: number, upTo?: bigint): Promise<IndexEntry[]>;
  /** The first batch (in offset order) holding a record with timestamp >= `timestamp`, or null. */
  findByTimestamp(partition: PartitionRef, timestamp: bigint): Promise<IndexEntry | null>;
  /**
   * Raises the log start offset (DeleteRecords): refuses beyond the high
   * watermark; drops index entries wholly below it. Returns the new offsets.
   */
  advanceLogStart(partition: PartitionRef, offset: bigint): Promise<PartitionOffsets | 'offset-out-of-range'>;
  /**
   * Resolves when any of the partitions' high watermarks may have moved, or
   * after `timeoutMs`, or when `signal` aborts. Backed by notifications
   * (Redis pub/sub), not polling. Wake-ups may be spurious: re-read the
   * offsets afterwards. Without `highWatermark` on the targets, an append
   * between the caller's last read and this call can go unnoticed until the
   * timeout; with it, none can.
   */
  waitForAppend(partitions: readonly WaitTarget[], timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /**
   * Appends a transaction marker to each partition, one atomic step per
   * partition (all in one round trip), and publishes the append as
   * {@link append} does.
   */
  writeMarkers(markers: readonly { partition: PartitionRef; marker: TransactionMarker }[]): Promise<MarkerOutcome[]>;
  /** Aborted transactions whose ranges end at or after `fromOffset` and start before `upTo`, by first offset. */
  abortedTransactions(partition: PartitionRef, fromOffset: bigint, upTo: bigint): Promise<AbortedTransaction[]>;
  /** The producers the partition holds state for, by producer id. */
  producerStates(partition: PartitionRef): Promise<ProducerState[]>;
}

export interface ProducerStore {
  /**
   * A producer id never handed out before in this cluster (Kafka's
   * ProducerIdManager): non-negative, unique across every function instance,
   * increasing. One atomic step.
   */
  allocateProducerId(): Promise<bigint>;
}

export interface MetaStore {
  readonly topics: TopicStore;
  readonly log: LogStore;
  readonly producers: ProducerStore;
  /** Consumer groups' state and committed offsets (contract in groups.ts). */
  readonly groups: GroupStore;
  /** Transaction coordinator state, one versioned value per transactional id (contract in transactions.ts). */
  readonly transactions: TransactionStore;
  /** The schema registry's schemas, subjects, config and mode (contract in schemas.ts). */
  readonly schemas: SchemaStore;
  /** SCRAM credentials, salted, per user and mechanism (contract in credentials.ts). */
  readonly credentials: CredentialStore;
  /** ACL bindings and their version (contract in acls.ts). */
  readonly acls: AclStore;
  /** Nonces of signed invocations already run, for replay protection (contract in nonces.ts). */
  readonly nonces: NonceStore;
  /** Cheap liveness check, for health endpoints. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Immutable objects holding record batches. */
export interface BlobStore {
  /** Writes an object from one or more chunks (written in order, as one object). */
  put(key: string, chunks: readonly Uint8Array[]): Promise<void>;
  /** Bytes [start, end) of an object. */
  getRange(key: string, start: number, end: number): Promise<Uint8Array>;
  delete(keys: readonly string[]): Promise<void>;
  /** Keys under a prefix, for the garbage sweeper. */
  list(prefix: string): AsyncIterable<string>;
  close(): Promise<void>;
}

/** Thrown by stores when the backend cannot be reached or answers wrongly; handlers map it to a retriable Kafka error. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}
