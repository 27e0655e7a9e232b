/**
 * The transaction coordinator's transitions (Kafka's TransactionCoordinator
 * and TransactionMetadata), pure: current state + request → next state and
 * a result. Callers load the state, apply a transition, and save `next` with
 * compare-and-set, re-applying on conflict.
 *
 * Two results ask the caller for something before the step can finish:
 * - `need-producer-id`: a fresh producer id is needed (a new transactional id,
 *   or epoch exhaustion); allocate one and apply the step again with it;
 * - `complete-first`: the transaction is in PrepareCommit/PrepareAbort (Kafka
 *   answers CONCURRENT_TRANSACTIONS while its markers are in flight); write
 *   the markers, complete it, and apply the step again.
 * `fenced` (InitProducerId on an Ongoing transaction) saves a PrepareAbort
 * with the bumped epoch; the caller completes it and applies the step again.
 */

import { ErrorCode } from '../protocol/generated/error-codes.js';
import {
  containsPartition,
  isEpochExhausted,
  MAX_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  type TransactionState,
  type TransactionVersion,
  type TxnPartition,
  unionPartitions,
} from './state.js';

/** `next` undefined: nothing to save; null: delete the state. */
export interface Step<R> {
  readonly next?: TransactionState | null;
  readonly result: R;
}

export type Pending = { readonly kind: 'need-producer-id' } | { readonly kind: 'complete-first' };

export type ErrorResult = { readonly kind: 'error'; readonly errorCode: number };

const error = (errorCode: number): ErrorResult => ({ kind: 'error', errorCode });

const isPrepare = (s: TransactionState): boolean => s.state === 'PrepareCommit' || s.state === 'PrepareAbort';

/** Kafka's TransactionStateManager.validateTransactionTimeoutMs. */
export function validTimeout(timeoutMs: number, maxTimeoutMs: number): boolean {
  return timeoutMs > 0 && timeoutMs <= maxTimeoutMs;
}

/** A stored state that still names a live transactional id (Dead is on its way out). */
function live(s: TransactionState | null): TransactionState | null {
  return s === null || s.state === 'Dead' ? null : s;
}

// ---------------------------------------------------------------------------
// InitProducerId

export interface InitRequest {
  readonly timeoutMs: number;
  /** v3+ KIP-360: the producer's current id and epoch, or null when it sent -1/-1. */
  readonly expected: { readonly producerId: bigint; readonly producerEpoch: number } | null;
}

export type InitResult =
  | { readonly kind: 'ok'; readonly producerId: bigint; readonly producerEpoch: number }
  | { readonly kind: 'fenced' }
  | ErrorResult
  | Pending;

function emptyAt(
  s: TransactionState,
  now: number,
  timeoutMs: number,
  producerId: bigint,
  epoch: number,
  lastEpoch: number,
): TransactionState {
  return {
    ...s,
    producerId,
    previousProducerId: s.producerId,
    nextProducerId: NO_PRODUCER_ID,
    producerEpoch: epoch,
    lastProducerEpoch: lastEpoch,
    timeoutMs,
    state: 'Empty',
    partitions: [],
    groups: [],
    startTimestamp: -1,
    lastUpdateTimestamp: now,
    transactionVersion: 0,
  };
}

/**
 * InitProducerId with a transactional id (the timeout is checked by the
 * caller first: INVALID_TRANSACTION_TIMEOUT). Answers PRODUCER_FENCED for
 * every version; callers before v4 report INVALID_PRODUCER_EPOCH.
 */
export function initProducerId(
  stored: TransactionState | null,
  transactionalId: string,
  request: InitRequest,
  now: number,
  newProducerId: bigint | null,
): Step<InitResult> {
  let current = live(stored);
  if (current === null) {
    if (newProducerId === null) return { result: { kind: 'need-producer-id' } };
    current = {
      transactionalId,
      producerId: newProducerId,
      previousProducerId: NO_PRODUCER_ID,
      nextProducerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
      lastProducerEpoch: NO_PRODUCER_EPOCH,
      timeoutMs: request.timeoutMs,
      state: 'Empty',
      partitions: [],
      groups: [],
      startTimestamp: -1,
      lastUpdateTimestamp: now,
      transactionVersion: 0,
    };
    // The fresh id is used up: the bump below must not ask for another.
    newProducerId = null;
  }
  const s = current;
  const expected = request.expected;
  if (expected !== null) {
    const valid =
      s.producerEpoch === NO_PRODUCER_EPOCH ||
      expected.producerId === s.producerId ||
      (expected.producerId === s.previousProducerId && isEpochExhausted(expected.producerEpoch));
    if (!valid) return { result: error(ErrorCode.PRODUCER_FENCED) };
  }
  switch (s.state) {
    case 'PrepareCommit':
    case 'PrepareAbort':
      return { result: { kind: 'complete-first' } };
    case 'Ongoing':
      return { next: fence(s, now), result: { kind: 'fenced' } };
    case 'Empty':
    case 'CompleteCommit':
    case 'CompleteAbort': {
      if (isEpochExhausted(s.producerEpoch) && (expected === null || expected.producerEpoch === s.producerEpoch)) {
        if (newProducerId === null) return { result: { kind: 'need-producer-id' } };
        const lastEpoch = expected !== null ? s.producerEpoch : NO_PRODUCER_EPOCH;
        const next = emptyAt(s, now, request.timeoutMs, newProducerId, 0, lastEpoch);
        return { next, result: { kind: 'ok', producerId: next.producerId, producerEpoch: 0 } };
      }
      let epoch: number;
      let lastEpoch: number;
      if (expected === null) {
        epoch = s.producerEpoch + 1;
        lastEpoch = NO_PRODUCER_EPOCH;
      } else if (s.producerEpoch === NO_PRODUCER_EPOCH || expected.producerEpoch === s.producerEpoch) {
        epoch = s.producerEpoch + 1;
        lastEpoch = s.producerEpoch;
      } else if (expected.producerEpoch === s.lastProducerEpoch) {
        // A retry of a bump whose answer the producer lost: answer it again, no second bump.
        epoch = s.producerEpoch;
        lastEpoch = s.lastProducerEpoch;
      } else {
        return { result: error(ErrorCode.PRODUCER_FENCED) };
      }
      if (epoch > MAX_EPOCH - 1) return { result: error(ErrorCode.PRODUCER_FENCED) };
      const next = emptyAt(s, now, request.timeoutMs, s.producerId, epoch, lastEpoch);
      return { next, result: { kind: 'ok', producerId: s.producerId, producerEpoch: epoch } };
    }
    default:
      throw new Error(`transactional id ${transactionalId} is in state ${s.state}, which is never stored`);
  }
}

/**
 * Kafka's prepareFenceProducerEpoch followed by the abort it leads to: the
 * epoch goes up by one (so the old producer is fenced everywhere the
 * markers land) and the transaction moves to PrepareAbort.
 */
export function fence(s: TransactionState, now: number): TransactionState {
  return {
    ...s,
    state: 'PrepareAbort',
    producerEpoch: s.producerEpoch < MAX_EPOCH ? s.producerEpoch + 1 : s.producerEpoch,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    nextProducerId: NO_PRODUCER_ID,
    transactionVersion: 0,
    lastUpdateTimestamp: now,
  };
}

// ---------------------------------------------------------------------------
// AddPartitionsToTxn, AddOffsetsToTxn

export type AddResult = { readonly kind: 'ok' } | ErrorResult | Pending;

function checkProducer(s: TransactionState | null, producerId: bigint, producerEpoch: number): ErrorResult | null {
  if (s === null || s.producerId !== producerId) return error(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  if (s.producerEpoch !== producerEpoch) return error(ErrorCode.PRODUCER_FENCED);
  return null;
}

function addTo(
  stored: TransactionState | null,
  producerId: bigint,
  producerEpoch: number,
  now: number,
  has: (s: TransactionState) => boolean,
  add: (s: TransactionState) => Pick<TransactionState, 'partitions' | 'groups'>,
): Step<AddResult> {
  const s = live(stored);
  const refused = checkProducer(s, producerId, producerEpoch);
  if (refused !== null || s === null) return { result: refused ?? error(ErrorCode.INVALID_PRODUCER_ID_MAPPING) };
  if (isPrepare(s)) return { result: { kind: 'complete-first' } };
  if (s.state === 'Ongoing' && has(s)) return { result: { kind: 'ok' } };
  const starts = s.state === 'Empty' || s.state === 'CompleteCommit' || s.state === 'CompleteAbort';
  const next: TransactionState = {
    ...s,
    ...add(s),
    state: 'Ongoing',
    startTimestamp: starts ? now : s.startTimestamp,
    lastUpdateTimestamp: now,
  };
  return { next, result: { kind: 'ok' } };
}

/** AddPartitionsToTxn (not verifyOnly): the partitions join the transaction, which becomes Ongoing. */
export function addPartitions(
  stored: TransactionState | null,
  producerId: bigint,
  producerEpoch: number,
  partitions: readonly TxnPartition[],
  now: number,
): Step<AddResult> {
  return addTo(
    stored,
    producerId,
    producerEpoch,
    now,
    (s) => partitions.every((p) => containsPartition(s.partitions, p)),
    (s) => ({ partitions: unionPartitions(s.partitions, partitions), groups: s.groups }),
  );
}

/** AddOffsetsToTxn: the group joins the transaction (Kafka adds its __consumer_offsets partition). */
export function addGroup(
  stored: TransactionState | null,
  producerId: bigint,
  producerEpoch: number,
  groupId: string,
  now: number,
): Step<AddResult> {
  return addTo(
    stored,
    producerId,
    producerEpoch,
    now,
    (s) => s.groups.includes(groupId),
    (s) => ({ partitions: s.partitions, groups: [...new Set([...s.groups, groupId])].sort() }),
  );
}

/**
 * AddPartitionsToTxn verifyOnly (Kafka's handleVerifyPartitionsInTransaction):
 * per partition NONE when in the transaction, TRANSACTION_ABORTABLE when not;
 * or one error for all.
 */
export function verifyPartitions(
  stored: TransactionState | null,
  producerId: bigint,
  producerEpoch: number,
  partitions: readonly TxnPartition[],
): ErrorResult | { readonly kind: 'ok'; readonly errors: readonly number[] } {
  const s = live(stored);
  const refused = checkProducer(s, producerId, producerEpoch);
  if (refused !== null || s === null) return refused ?? error(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  if (isPrepare(s)) return error(ErrorCode.CONCURRENT_TRANSACTIONS);
  return {
    kind: 'ok',
    errors: partitions.map((p) =>
      containsPartition(s.partitions, p) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE,
    ),
  };
}

/**
 * Whether a producer may stage offsets in a group for its transaction
 * (TxnOffsetCommit): its id and epoch are current and the group was added.
 * A group not in the transaction is TRANSACTION_ABORTABLE for v4+ (KIP-890's
 * verification), INVALID_TXN_STATE before.
 */
export function checkTxnOffsetCommit(
  stored: TransactionState | null,
  producerId: bigint,
  producerEpoch: number,
  groupId: string,
  apiVersion: number,
): number {
  const s = live(stored);
  const refused = checkProducer(s, producerId, producerEpoch);
  if (refused !== null || s === null) return refused?.errorCode ?? ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  if (s.state === 'Ongoing' && s.groups.includes(groupId)) return ErrorCode.NONE;
  if (isPrepare(s)) return ErrorCode.CONCURRENT_TRANSACTIONS;
  return apiVersion >= 4 ? ErrorCode.TRANSACTION_ABORTABLE : ErrorCode.INVALID_TXN_STATE;
}

// ---------------------------------------------------------------------------
// EndTxn

export interface EndRequest {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly commit: boolean;
  /** 2 for EndTxn v5+ (KIP-890 part 2: every transaction ends with an epoch bump). */
  readonly transactionVersion: TransactionVersion;
}

export type EndResult =
  /** Saved as PrepareCommit/PrepareAbort: write the markers and complete. */
  | { readonly kind: 'prepared' }
  /** Already complete with this outcome (a retry): answer NONE with the current producer id and epoch. */
  | { readonly kind: 'done'; readonly producerId: bigint; readonly producerEpoch: number }
  | ErrorResult
  | Pending;

export function endTransaction(
  stored: TransactionState | null,
  request: EndRequest,
  now: number,
  newProducerId: bigint | null,
): Step<EndResult> {
  const s = live(stored);
  if (s === null) return { result: error(ErrorCode.INVALID_PRODUCER_ID_MAPPING) };
  const v2 = s.transactionVersion === 2;
  const retryOnOverflow =
    v2 &&
    s.previousProducerId === request.producerId &&
    request.producerEpoch === MAX_EPOCH - 1 &&
    s.producerEpoch === 0;
  const retryOnEpochBump = v2 && s.producerEpoch === request.producerEpoch + 1;
  let validEpoch: boolean;
  if (!v2) validEpoch = request.producerEpoch === s.producerEpoch;
  else if (s.state === 'PrepareCommit' || s.state === 'PrepareAbort') validEpoch = retryOnEpochBump;
  else if (s.state === 'CompleteCommit' || s.state === 'CompleteAbort')
    validEpoch = retryOnEpochBump || retryOnOverflow;
  else validEpoch = request.producerEpoch === s.producerEpoch;
  if (s.producerId !== request.producerId && !retryOnOverflow) {
    return { result: error(ErrorCode.INVALID_PRODUCER_ID_MAPPING) };
  }
  if (!validEpoch) return { result: error(ErrorCode.PRODUCER_FENCED) };
  const same = (commit: boolean): boolean => commit === request.commit;
  switch (s.state) {
    case 'Ongoing': {
      const bump = request.transactionVersion === 2;
      let nextProducerId = NO_PRODUCER_ID;
      if (bump && isEpochExhausted(s.producerEpoch)) {
        if (newProducerId === null) return { result: { kind: 'need-producer-id' } };
        nextProducerId = newProducerId;
      }
      const next: TransactionState = {
        ...s,
        state: request.commit ? 'PrepareCommit' : 'PrepareAbort',
        producerEpoch: bump ? s.producerEpoch + 1 : s.producerEpoch,
        lastProducerEpoch: bump ? s.producerEpoch : s.lastProducerEpoch,
        nextProducerId,
        transactionVersion: request.transactionVersion,
        lastUpdateTimestamp: now,
      };
      return { next, result: { kind: 'prepared' } };
    }
    case 'CompleteCommit':
    case 'CompleteAbort':
      return same(s.state === 'CompleteCommit')
        ? { result: { kind: 'done', producerId: s.producerId, producerEpoch: s.producerEpoch } }
        : { result: error(ErrorCode.INVALID_TXN_STATE) };
    case 'PrepareCommit':
    case 'PrepareAbort':
      return same(s.state === 'PrepareCommit')
        ? { result: { kind: 'complete-first' } }
        : { result: error(ErrorCode.INVALID_TXN_STATE) };
    case 'Empty':
      return { result: error(ErrorCode.INVALID_TXN_STATE) };
    default:
      throw new Error(`transactional id ${s.transactionalId} is in state ${s.state}, which is never stored`);
  }
}

/**
 * PrepareCommit/PrepareAbort → CompleteCommit/CompleteAbort, once every
 * marker is written and the groups' offsets completed (Kafka's
 * prepareComplete). A TV2 transaction that exhausted its epoch moves to its
 * next producer id at epoch 0. Null when `s` is not preparing.
 */
export function completeTransaction(s: TransactionState, now: number): TransactionState | null {
  if (!isPrepare(s)) return null;
  const v2 = s.transactionVersion === 2;
  const rotate = v2 && s.nextProducerId !== NO_PRODUCER_ID;
  return {
    ...s,
    state: s.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort',
    producerId: rotate ? s.nextProducerId : s.producerId,
    previousProducerId: rotate ? s.producerId : s.previousProducerId,
    nextProducerId: NO_PRODUCER_ID,
    producerEpoch: rotate ? 0 : s.producerEpoch,
    lastProducerEpoch: v2 ? s.producerEpoch : s.lastProducerEpoch,
    partitions: [],
    groups: [],
    lastUpdateTimestamp: now,
  };
}

// ---------------------------------------------------------------------------
// Timers

/** Kafka's timedOutTransactions: an Ongoing transaction past its timeout. */
export function timedOut(s: TransactionState, now: number): boolean {
  return s.state === 'Ongoing' && s.startTimestamp + s.timeoutMs < now;
}

/** Kafka's shouldExpire: an idle transactional id (not in a transaction) unused for `expirationMs`. */
export function expired(s: TransactionState, now: number, expirationMs: number): boolean {
  if (s.state === 'Dead') return true;
  const idle = s.state === 'Empty' || s.state === 'CompleteCommit' || s.state === 'CompleteAbort';
  return idle && s.lastUpdateTimestamp <= now - expirationMs;
}

/**
 * The sweep's step for one transactional id: abort a timed-out transaction
 * with an epoch bump (fencing the zombie), or delete an expired id; otherwise
 * nothing. Prepare* states are the caller's to complete.
 */
export function sweepStep(s: TransactionState, now: number, expirationMs: number): Step<'abort' | 'expire' | 'none'> {
  if (timedOut(s, now)) return { next: fence(s, now), result: 'abort' };
  if (expired(s, now, expirationMs)) return { next: null, result: 'expire' };
  return { result: 'none' };
}
