/**
 * Producer-state rules of an append (Kafka's ProducerStateManager and
 * ProducerAppendInfo), for the memory MetaStore. The Redis APPEND and
 * WRITE_MARKER scripts (redis/scripts.ts) implement the same rules in Lua;
 * the conformance suite holds both to them.
 */

import type { AbortedTransaction, BatchOutcome, BatchProducer, ProducerState, TransactionMarker } from './types.js';

/** Batches of a producer whose sequence ranges are kept for duplicate detection. */
export const RETAINED_BATCHES = 5;
export const MAX_SEQUENCE = 0x7fffffff;
const NO_EPOCH = -1;

/** One retained batch of a producer. */
export interface RetainedBatch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly timestamp: bigint;
}

/** A producer's state on one partition. */
export interface ProducerEntry {
  epoch: number;
  coordinatorEpoch: number;
  lastTimestamp: bigint;
  /** First offset of its open transaction, -1 when none. */
  txnFirstOffset: bigint;
  /** Oldest first, at most {@link RETAINED_BATCHES}, all of `epoch`. */
  batches: RetainedBatch[];
}

/** An aborted transaction as kept: `lsoAfter` is the last stable offset once it ended (Kafka's transaction index). */
export interface AbortedEntry extends AbortedTransaction {
  readonly lastOffset: bigint;
  readonly lsoAfter: bigint;
}

export function emptyEntry(): ProducerEntry {
  return { epoch: NO_EPOCH, coordinatorEpoch: -1, lastTimestamp: -1n, txnFirstOffset: -1n, batches: [] };
}

/** `base + count - 1` in Kafka's sequence space, which wraps from 2^31 - 1 to 0. */
export function lastSequenceOf(baseSequence: number, offsetCount: number): number {
  const delta = offsetCount - 1;
  return baseSequence > MAX_SEQUENCE - delta ? delta - (MAX_SEQUENCE - baseSequence) - 1 : baseSequence + delta;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === MAX_SEQUENCE);
}

function lastSeqOf(entry: ProducerEntry): number {
  return entry.batches.length === 0 ? -1 : entry.batches[entry.batches.length - 1]!.lastSeq;
}

/**
 * The outcome of a batch that is not to be stored (a duplicate or a refusal),
 * or null when it may be appended. `entry` is the producer's state, or
 * undefined when the partition holds none.
 */
export function checkProducerBatch(
  entry: ProducerEntry | undefined,
  p: BatchProducer,
): Exclude<BatchOutcome, { kind: 'appended' }> | null {
  const e = entry ?? emptyEntry();
  if (p.producerEpoch === e.epoch) {
    const dup = e.batches.find((b) => b.firstSeq === p.baseSequence && b.lastSeq === p.lastSequence);
    if (dup !== undefined) return { kind: 'duplicate', baseOffset: dup.baseOffset, timestamp: dup.timestamp };
  }
  if (p.producerEpoch < e.epoch) {
    return {
      kind: 'invalid-producer-epoch',
      message: `Epoch of producer ${p.producerId} is ${p.producerEpoch}, which is smaller than the last seen epoch ${e.epoch}`,
    };
  }
  if (p.producerEpoch !== e.epoch) {
    // Kafka takes any first sequence from a producer it holds no state for, because retention may have
    // removed that state. Here nothing removes it, so a first batch past 0 means an earlier batch of the
    // producer failed (a storage hiccup) while this one got through: refused, the producer retries both
    // in order, as after a leader change.
    if (p.baseSequence !== 0) {
      return {
        kind: 'out-of-order-sequence',
        message:
          e.epoch === NO_EPOCH
            ? `Invalid sequence number for new producer ${p.producerId}: ${p.baseSequence} (seq. number), expected 0`
            : `Invalid sequence number for new epoch of producer ${p.producerId}: ${p.producerEpoch} (request epoch), ${p.baseSequence} (seq. number), ${e.epoch} (current producer epoch)`,
      };
    }
  } else if (e.epoch !== NO_EPOCH && !inSequence(lastSeqOf(e), p.baseSequence)) {
    return {
      kind: 'out-of-order-sequence',
      message: `Out of order sequence number for producer ${p.producerId}: ${p.baseSequence} (incoming seq. number), ${lastSeqOf(e)} (current end sequence number)`,
    };
  }
  if (e.txnFirstOffset >= 0n && !p.transactional) {
    return {
      kind: 'invalid-txn-state',
      message: `Expected transactional write from producer ${p.producerId}`,
    };
  }
  return null;
}

/** Records an appended batch (checked by {@link checkProducerBatch}); returns the entry to keep. */
export function recordProducerBatch(
  entry: ProducerEntry | undefined,
  p: BatchProducer,
  baseOffset: bigint,
  lastOffset: bigint,
  timestamp: bigint,
): ProducerEntry {
  const e = entry ?? emptyEntry();
  if (e.epoch !== p.producerEpoch) {
    e.epoch = p.producerEpoch;
    e.batches = [];
  }
  e.batches.push({ firstSeq: p.baseSequence, lastSeq: p.lastSequence, baseOffset, lastOffset, timestamp });
  if (e.batches.length > RETAINED_BATCHES) e.batches.shift();
  e.lastTimestamp = timestamp;
  if (p.transactional && e.txnFirstOffset < 0n) e.txnFirstOffset = baseOffset;
  return e;
}

/** Whether a marker of this epoch is refused: the partition has seen a later epoch of the producer. */
export function markerFenced(entry: ProducerEntry | undefined, marker: TransactionMarker): boolean {
  return entry !== undefined && marker.producerEpoch < entry.epoch;
}

/** Records a written marker; returns the entry to keep. */
export function recordMarker(entry: ProducerEntry | undefined, marker: TransactionMarker): ProducerEntry {
  const e = entry ?? emptyEntry();
  if (e.epoch !== marker.producerEpoch) {
    e.epoch = marker.producerEpoch;
    e.batches = [];
  }
  e.coordinatorEpoch = marker.coordinatorEpoch;
  e.lastTimestamp = marker.batch.maxTimestamp;
  e.txnFirstOffset = -1n;
  return e;
}

/**
 * The last stable offset: the first offset of the earliest open transaction
 * (never below the log start, as Kafka's first unstable offset), else the
 * high watermark.
 */
export function lastStableOffset(
  logStartOffset: bigint,
  highWatermark: bigint,
  earliestOpen: bigint | undefined,
): bigint {
  if (earliestOpen === undefined) return highWatermark;
  const first = earliestOpen > logStartOffset ? earliestOpen : logStartOffset;
  return first < highWatermark ? first : highWatermark;
}

/**
 * Kafka's TransactionIndex.collectAbortedTxns over entries in the order they
 * ended: those ending at or after `fromOffset` and starting before `upTo`,
 * stopping once an entry's `lsoAfter` reaches `upTo` (no transaction begun
 * before `upTo` can end later). Sorted by first offset.
 */
export function collectAborted(
  entries: Iterable<AbortedEntry>,
  fromOffset: bigint,
  upTo: bigint,
): AbortedTransaction[] {
  const out: AbortedTransaction[] = [];
  for (const a of entries) {
    if (a.lastOffset < fromOffset) continue;
    if (a.firstOffset < upTo) out.push({ producerId: a.producerId, firstOffset: a.firstOffset });
    if (a.lsoAfter >= upTo) break;
  }
  return out.sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : a.producerId < b.producerId ? -1 : 1,
  );
}

export function producerStateOf(producerId: bigint, e: ProducerEntry): ProducerState {
  return {
    producerId,
    producerEpoch: e.epoch,
    lastSequence: lastSeqOf(e),
    lastTimestamp: e.lastTimestamp,
    coordinatorEpoch: e.coordinatorEpoch,
    currentTxnStartOffset: e.txnFirstOffset,
  };
}

function isInt(n: number, lo: number, hi: number): boolean {
  return Number.isInteger(n) && n >= lo && n <= hi;
}

/** Checks the producer fields of a batch to append; throws TypeError when they cannot be a batch header's. */
export function checkBatchProducer(p: BatchProducer, offsetCount: number): void {
  if (p.producerId < 0n || p.producerId > 0x7fffffffffffffffn) {
    throw new TypeError(`producer id ${p.producerId} is not a producer id`);
  }
  if (!isInt(p.producerEpoch, -0x8000, 0x7fff))
    throw new TypeError(`producer epoch ${p.producerEpoch} is not an epoch`);
  if (!isInt(p.baseSequence, 0, MAX_SEQUENCE)) throw new TypeError(`base sequence ${p.baseSequence} is not a sequence`);
  if (p.lastSequence !== lastSequenceOf(p.baseSequence, offsetCount)) {
    throw new TypeError(`last sequence ${p.lastSequence} does not follow from ${p.baseSequence} and ${offsetCount}`);
  }
}

export function checkMarker(m: TransactionMarker): void {
  if (m.producerId < 0n || m.producerId > 0x7fffffffffffffffn) {
    throw new TypeError(`producer id ${m.producerId} is not a producer id`);
  }
  if (!isInt(m.producerEpoch, 0, 0x7fff)) throw new TypeError(`producer epoch ${m.producerEpoch} is not an epoch`);
  if (!isInt(m.coordinatorEpoch, -1, 0x7fffffff)) {
    throw new TypeError(`coordinator epoch ${m.coordinatorEpoch} is not an epoch`);
  }
  if (m.batch.offsetCount !== 1) throw new TypeError(`a marker takes one offset, not ${m.batch.offsetCount}`);
}
