/**
 * A transactional id's coordinator state (Kafka's TransactionMetadata), as
 * the MetaStore keeps it: one versioned value per transactional id, moved
 * by the pure transitions in transitions.ts and saved with compare-and-set.
 *
 * No transition is ever half-applied in memory: Kafka's "pending state"
 * becomes the compare-and-set itself. PrepareEpochFence therefore never
 * persists; a fence goes straight to PrepareAbort with the bumped epoch.
 */

/** Kafka's TransactionState names, as DescribeTransactions and ListTransactions report them. */
export const TRANSACTION_STATES = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
  'Dead',
  'PrepareEpochFence',
] as const;

export type TransactionStateName = (typeof TRANSACTION_STATES)[number];

export function isTransactionStateName(name: string): name is TransactionStateName {
  return (TRANSACTION_STATES as readonly string[]).includes(name);
}

/** Transaction version 0/1 (one epoch per producer session) or 2 (KIP-890 part 2: EndTxn bumps the epoch). */
export type TransactionVersion = 0 | 2;

export interface TxnPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface TransactionState {
  readonly transactionalId: string;
  readonly producerId: bigint;
  /** The producer id before the last rotation (epoch exhaustion), or -1. */
  readonly previousProducerId: bigint;
  /** The producer id a TV2 transaction moves to when it completes after exhausting the epoch, or -1. */
  readonly nextProducerId: bigint;
  /** -1 until the first InitProducerId completes. */
  readonly producerEpoch: number;
  /** The epoch before the last bump, for retries (KIP-360); -1 when a new producer fenced the last one. */
  readonly lastProducerEpoch: number;
  readonly timeoutMs: number;
  readonly state: TransactionStateName;
  /** Data partitions in the transaction, sorted by topic then partition. */
  readonly partitions: readonly TxnPartition[];
  /** Consumer groups whose offsets the transaction commits (AddOffsetsToTxn), sorted. */
  readonly groups: readonly string[];
  /** When the transaction started (first partition or group added), or -1. */
  readonly startTimestamp: number;
  readonly lastUpdateTimestamp: number;
  /** The version the last EndTxn was made with. */
  readonly transactionVersion: TransactionVersion;
}

/** No producer id / epoch (Kafka's RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH). */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;

/** Kafka's `transaction.max.timeout.ms` default (15 minutes). */
export const DEFAULT_TRANSACTION_MAX_TIMEOUT_MS = 900_000;
/** Kafka's `transactional.id.expiration.ms` default (7 days). */
export const DEFAULT_TRANSACTIONAL_ID_EXPIRATION_MS = 604_800_000;

/** Highest epoch: never handed to a producer, so the coordinator can always fence one more time. */
export const MAX_EPOCH = 32767;

/** Kafka's TransactionMetadata.isEpochExhausted. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_EPOCH - 1;
}

/** The coordinator epoch markers carry: there is one coordinator, never re-elected. */
export const COORDINATOR_EPOCH = 0;

interface Encoded {
  v: 1;
  id: string;
  pid: string;
  prevPid: string;
  nextPid: string;
  epoch: number;
  lastEpoch: number;
  timeoutMs: number;
  state: TransactionStateName;
  partitions: [string, number][];
  groups: string[];
  start: number;
  updated: number;
  tv: TransactionVersion;
}

export function encodeTransaction(s: TransactionState): string {
  const e: Encoded = {
    v: 1,
    id: s.transactionalId,
    pid: String(s.producerId),
    prevPid: String(s.previousProducerId),
    nextPid: String(s.nextProducerId),
    epoch: s.producerEpoch,
    lastEpoch: s.lastProducerEpoch,
    timeoutMs: s.timeoutMs,
    state: s.state,
    partitions: s.partitions.map((p) => [p.topic, p.partition]),
    groups: [...s.groups],
    start: s.startTimestamp,
    updated: s.lastUpdateTimestamp,
    tv: s.transactionVersion,
  };
  return JSON.stringify(e);
}

export function decodeTransaction(text: string): TransactionState {
  const e = JSON.parse(text) as Encoded;
  if (e.v !== 1 || !isTransactionStateName(e.state)) throw new Error('stored transaction state is not readable');
  return {
    transactionalId: e.id,
    producerId: BigInt(e.pid),
    previousProducerId: BigInt(e.prevPid),
    nextProducerId: BigInt(e.nextPid),
    producerEpoch: e.epoch,
    lastProducerEpoch: e.lastEpoch,
    timeoutMs: e.timeoutMs,
    state: e.state,
    partitions: e.partitions.map(([topic, partition]) => ({ topic, partition })),
    groups: e.groups,
    startTimestamp: e.start,
    lastUpdateTimestamp: e.updated,
    transactionVersion: e.tv,
  };
}

export function byTopicPartition(a: TxnPartition, b: TxnPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

/** Union of two partition sets, sorted and without duplicates. */
export function unionPartitions(a: readonly TxnPartition[], b: readonly TxnPartition[]): TxnPartition[] {
  const seen = new Map<string, TxnPartition>();
  for (const p of [...a, ...b]) seen.set(`${p.partition}:${p.topic}`, { topic: p.topic, partition: p.partition });
  return [...seen.values()].sort(byTopicPartition);
}

export function containsPartition(set: readonly TxnPartition[], p: TxnPartition): boolean {
  return set.some((q) => q.topic === p.topic && q.partition === p.partition);
}
