import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { decodeTransaction, encodeTransaction, MAX_EPOCH, type TransactionState } from './state.js';
import {
  addGroup,
  addPartitions,
  checkTxnOffsetCommit,
  completeTransaction,
  endTransaction,
  initProducerId,
  sweepStep,
  validTimeout,
  verifyPartitions,
} from './transitions.js';

const NOW = 1_700_000_000_000;
const tp = (topic: string, partition: number) => ({ topic, partition });

function state(extra: Partial<TransactionState> = {}): TransactionState {
  return {
    transactionalId: 'tx',
    producerId: 10n,
    previousProducerId: -1n,
    nextProducerId: -1n,
    producerEpoch: 3,
    lastProducerEpoch: -1,
    timeoutMs: 60_000,
    state: 'Empty',
    partitions: [],
    groups: [],
    startTimestamp: -1,
    lastUpdateTimestamp: NOW - 1000,
    transactionVersion: 0,
    ...extra,
  };
}

const ongoing = (extra: Partial<TransactionState> = {}) =>
  state({ state: 'Ongoing', partitions: [tp('t', 0)], groups: ['g'], startTimestamp: NOW - 500, ...extra });

describe('initProducerId', () => {
  it('asks for a producer id for a new transactional id, then starts it at epoch 0', () => {
    expect(initProducerId(null, 'tx', { timeoutMs: 1000, expected: null }, NOW, null).result).toEqual({
      kind: 'need-producer-id',
    });
    const { next, result } = initProducerId(null, 'tx', { timeoutMs: 1000, expected: null }, NOW, 42n);
    expect(result).toEqual({ kind: 'ok', producerId: 42n, producerEpoch: 0 });
    expect(next).toMatchObject({ state: 'Empty', producerId: 42n, producerEpoch: 0, timeoutMs: 1000 });
  });

  it('treats a Dead state as absent', () => {
    const { result } = initProducerId(state({ state: 'Dead' }), 'tx', { timeoutMs: 1, expected: null }, NOW, 5n);
    expect(result).toEqual({ kind: 'ok', producerId: 5n, producerEpoch: 0 });
  });

  it.each(['Empty', 'CompleteCommit', 'CompleteAbort'] as const)('bumps the epoch from %s', (name) => {
    const { next, result } = initProducerId(state({ state: name }), 'tx', { timeoutMs: 9, expected: null }, NOW, null);
    expect(result).toEqual({ kind: 'ok', producerId: 10n, producerEpoch: 4 });
    expect(next).toMatchObject({
      state: 'Empty',
      producerEpoch: 4,
      lastProducerEpoch: -1,
      timeoutMs: 9,
      partitions: [],
    });
  });

  it('bumps and records the last epoch when the producer names its current one (KIP-360)', () => {
    const expected = { producerId: 10n, producerEpoch: 3 };
    const { next, result } = initProducerId(state(), 'tx', { timeoutMs: 1, expected }, NOW, null);
    expect(result).toEqual({ kind: 'ok', producerId: 10n, producerEpoch: 4 });
    expect(next).toMatchObject({ producerEpoch: 4, lastProducerEpoch: 3 });
    // Its retry (the answer was lost) gets the same epoch, not a second bump.
    const retry = initProducerId(next!, 'tx', { timeoutMs: 1, expected }, NOW, null);
    expect(retry.result).toEqual({ kind: 'ok', producerId: 10n, producerEpoch: 4 });
  });

  it('fences a producer naming an epoch that is neither current nor last, or another producer id', () => {
    const s = state({ lastProducerEpoch: 2 });
    const stale = initProducerId(s, 'tx', { timeoutMs: 1, expected: { producerId: 10n, producerEpoch: 1 } }, NOW, null);
    expect(stale.result).toEqual({ kind: 'error', errorCode: ErrorCode.PRODUCER_FENCED });
    expect(stale.next).toBeUndefined();
    const other = initProducerId(s, 'tx', { timeoutMs: 1, expected: { producerId: 99n, producerEpoch: 3 } }, NOW, null);
    expect(other.result).toEqual({ kind: 'error', errorCode: ErrorCode.PRODUCER_FENCED });
  });

  it('moves to a new producer id when the epoch is exhausted', () => {
    const s = state({ producerEpoch: MAX_EPOCH - 1 });
    expect(initProducerId(s, 'tx', { timeoutMs: 1, expected: null }, NOW, null).result).toEqual({
      kind: 'need-producer-id',
    });
    const { next, result } = initProducerId(s, 'tx', { timeoutMs: 1, expected: null }, NOW, 77n);
    expect(result).toEqual({ kind: 'ok', producerId: 77n, producerEpoch: 0 });
    expect(next).toMatchObject({ producerId: 77n, previousProducerId: 10n, lastProducerEpoch: -1 });
    // Named by the producer (KIP-360), the old epoch is kept, so a retry with the old id is answered again.
    const expected = { producerId: 10n, producerEpoch: MAX_EPOCH - 1 };
    const named = initProducerId(s, 'tx', { timeoutMs: 1, expected }, NOW, 78n);
    expect(named.next).toMatchObject({ producerId: 78n, producerEpoch: 0, lastProducerEpoch: MAX_EPOCH - 1 });
    const retry = initProducerId(named.next!, 'tx', { timeoutMs: 1, expected }, NOW, null);
    expect(retry.result).toEqual({ kind: 'ok', producerId: 78n, producerEpoch: 0 });
    // Without it, the old producer is fenced.
    expect(initProducerId(next!, 'tx', { timeoutMs: 1, expected }, NOW, null).result).toMatchObject({
      errorCode: ErrorCode.PRODUCER_FENCED,
    });
  });

  it('aborts an ongoing transaction with a fencing epoch bump', () => {
    const { next, result } = initProducerId(ongoing(), 'tx', { timeoutMs: 1, expected: null }, NOW, null);
    expect(result).toEqual({ kind: 'fenced' });
    expect(next).toMatchObject({
      state: 'PrepareAbort',
      producerEpoch: 4,
      lastProducerEpoch: -1,
      partitions: [tp('t', 0)],
    });
  });

  it.each(['PrepareCommit', 'PrepareAbort'] as const)('asks to complete %s first', (name) => {
    expect(initProducerId(state({ state: name }), 'tx', { timeoutMs: 1, expected: null }, NOW, null).result).toEqual({
      kind: 'complete-first',
    });
  });
});

describe('validTimeout', () => {
  it('accepts (0, max]', () => {
    expect(validTimeout(0, 900_000)).toBe(false);
    expect(validTimeout(-5, 900_000)).toBe(false);
    expect(validTimeout(1, 900_000)).toBe(true);
    expect(validTimeout(900_000, 900_000)).toBe(true);
    expect(validTimeout(900_001, 900_000)).toBe(false);
  });
});

describe('addPartitions and addGroup', () => {
  it('start a transaction from Empty, stamping its start time', () => {
    const { next, result } = addPartitions(state(), 10n, 3, [tp('b', 1), tp('a', 0)], NOW);
    expect(result).toEqual({ kind: 'ok' });
    expect(next).toMatchObject({ state: 'Ongoing', startTimestamp: NOW, partitions: [tp('a', 0), tp('b', 1)] });
    const g = addGroup(next!, 10n, 3, 'grp', NOW + 5);
    expect(g.next).toMatchObject({ state: 'Ongoing', startTimestamp: NOW, groups: ['grp'] });
  });

  it('change nothing when everything is already in the ongoing transaction', () => {
    expect(addPartitions(ongoing(), 10n, 3, [tp('t', 0)], NOW)).toEqual({ result: { kind: 'ok' } });
    expect(addGroup(ongoing(), 10n, 3, 'g', NOW)).toEqual({ result: { kind: 'ok' } });
    expect(addPartitions(ongoing(), 10n, 3, [tp('t', 1)], NOW).next?.partitions).toEqual([tp('t', 0), tp('t', 1)]);
  });

  it('refuse unknown ids, other producer ids and other epochs', () => {
    expect(addPartitions(null, 10n, 3, [tp('t', 0)], NOW).result).toEqual({
      kind: 'error',
      errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    });
    expect(addPartitions(state(), 11n, 3, [tp('t', 0)], NOW).result).toEqual({
      kind: 'error',
      errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    });
    expect(addGroup(state(), 10n, 2, 'g', NOW).result).toEqual({ kind: 'error', errorCode: ErrorCode.PRODUCER_FENCED });
  });

  it('ask to complete a preparing transaction first', () => {
    expect(addPartitions(state({ state: 'PrepareCommit' }), 10n, 3, [tp('t', 0)], NOW).result).toEqual({
      kind: 'complete-first',
    });
  });
});

describe('verifyPartitions', () => {
  it('answers per partition whether it is in the transaction', () => {
    expect(verifyPartitions(ongoing(), 10n, 3, [tp('t', 0), tp('t', 1)])).toEqual({
      kind: 'ok',
      errors: [ErrorCode.NONE, ErrorCode.TRANSACTION_ABORTABLE],
    });
    expect(verifyPartitions(ongoing(), 10n, 4, [tp('t', 0)])).toEqual({
      kind: 'error',
      errorCode: ErrorCode.PRODUCER_FENCED,
    });
    expect(verifyPartitions(state({ state: 'PrepareAbort' }), 10n, 3, [])).toEqual({
      kind: 'error',
      errorCode: ErrorCode.CONCURRENT_TRANSACTIONS,
    });
  });
});

describe('checkTxnOffsetCommit', () => {
  it('accepts only the current producer of an ongoing transaction holding the group', () => {
    expect(checkTxnOffsetCommit(ongoing(), 10n, 3, 'g', 4)).toBe(ErrorCode.NONE);
    expect(checkTxnOffsetCommit(ongoing(), 10n, 3, 'other', 4)).toBe(ErrorCode.TRANSACTION_ABORTABLE);
    expect(checkTxnOffsetCommit(ongoing(), 10n, 3, 'other', 3)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(checkTxnOffsetCommit(ongoing(), 10n, 2, 'g', 4)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(checkTxnOffsetCommit(null, 10n, 3, 'g', 4)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  });
});

describe('endTransaction', () => {
  const end = (commit: boolean, epoch = 3, transactionVersion: 0 | 2 = 0) => ({
    producerId: 10n,
    producerEpoch: epoch,
    commit,
    transactionVersion,
  });

  it('moves an ongoing transaction to PrepareCommit or PrepareAbort, keeping the epoch (v0-4)', () => {
    const c = endTransaction(ongoing(), end(true), NOW, null);
    expect(c.result).toEqual({ kind: 'prepared' });
    expect(c.next).toMatchObject({ state: 'PrepareCommit', producerEpoch: 3, partitions: [tp('t', 0)], groups: ['g'] });
    expect(endTransaction(ongoing(), end(false), NOW, null).next?.state).toBe('PrepareAbort');
  });

  it('refuses Empty and the other outcome, answers a retry of the same one', () => {
    expect(endTransaction(state(), end(true), NOW, null).result).toEqual({
      kind: 'error',
      errorCode: ErrorCode.INVALID_TXN_STATE,
    });
    const done = state({ state: 'CompleteCommit' });
    expect(endTransaction(done, end(true), NOW, null).result).toEqual({
      kind: 'done',
      producerId: 10n,
      producerEpoch: 3,
    });
    expect(endTransaction(done, end(false), NOW, null).result).toEqual({
      kind: 'error',
      errorCode: ErrorCode.INVALID_TXN_STATE,
    });
    expect(endTransaction(state({ state: 'PrepareAbort' }), end(false), NOW, null).result).toEqual({
      kind: 'complete-first',
    });
    expect(endTransaction(state({ state: 'PrepareAbort' }), end(true), NOW, null).result).toEqual({
      kind: 'error',
      errorCode: ErrorCode.INVALID_TXN_STATE,
    });
  });

  it('refuses another producer id or epoch', () => {
    expect(endTransaction(null, end(true), NOW, null).result).toMatchObject({
      errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    });
    expect(endTransaction(ongoing(), { ...end(true), producerId: 9n }, NOW, null).result).toMatchObject({
      errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    });
    expect(endTransaction(ongoing(), end(true, 2), NOW, null).result).toMatchObject({
      errorCode: ErrorCode.PRODUCER_FENCED,
    });
  });

  it('bumps the epoch per transaction with transaction version 2 (v5), and accepts the retry', () => {
    const { next } = endTransaction(ongoing(), end(true, 3, 2), NOW, null);
    expect(next).toMatchObject({
      state: 'PrepareCommit',
      producerEpoch: 4,
      lastProducerEpoch: 3,
      transactionVersion: 2,
    });
    expect(endTransaction(next!, end(true, 3, 2), NOW, null).result).toEqual({ kind: 'complete-first' });
    const complete = completeTransaction(next!, NOW)!;
    expect(complete).toMatchObject({ state: 'CompleteCommit', producerEpoch: 4, lastProducerEpoch: 4, partitions: [] });
    expect(endTransaction(complete, end(true, 3, 2), NOW, null).result).toEqual({
      kind: 'done',
      producerId: 10n,
      producerEpoch: 4,
    });
    // The same epoch again is not a retry under version 2.
    expect(endTransaction(complete, end(true, 4, 2), NOW, null).result).toMatchObject({
      errorCode: ErrorCode.PRODUCER_FENCED,
    });
  });

  it('moves to the next producer id when a version 2 transaction exhausts the epoch', () => {
    const s = ongoing({ producerEpoch: MAX_EPOCH - 1 });
    expect(endTransaction(s, end(true, MAX_EPOCH - 1, 2), NOW, null).result).toEqual({ kind: 'need-producer-id' });
    const { next } = endTransaction(s, end(true, MAX_EPOCH - 1, 2), NOW, 55n);
    expect(next).toMatchObject({ producerId: 10n, producerEpoch: MAX_EPOCH, nextProducerId: 55n });
    const complete = completeTransaction(next!, NOW)!;
    expect(complete).toMatchObject({ producerId: 55n, producerEpoch: 0, previousProducerId: 10n, nextProducerId: -1n });
    // A retry with the old id and epoch is recognised.
    expect(endTransaction(complete, end(true, MAX_EPOCH - 1, 2), NOW, null).result).toEqual({
      kind: 'done',
      producerId: 55n,
      producerEpoch: 0,
    });
  });
});

describe('completeTransaction', () => {
  it('completes only preparing states, clearing partitions and groups', () => {
    expect(completeTransaction(ongoing(), NOW)).toBeNull();
    expect(completeTransaction(state({ state: 'CompleteAbort' }), NOW)).toBeNull();
    const done = completeTransaction(ongoing({ state: 'PrepareAbort' }), NOW + 1)!;
    expect(done).toMatchObject({ state: 'CompleteAbort', producerEpoch: 3, partitions: [], groups: [] });
    expect(done.lastUpdateTimestamp).toBe(NOW + 1);
  });
});

describe('sweepStep', () => {
  const DAY = 86_400_000;
  it('aborts a transaction past its timeout with an epoch bump', () => {
    const s = ongoing({ startTimestamp: NOW - 60_001 });
    const { next, result } = sweepStep(s, NOW, 7 * DAY);
    expect(result).toBe('abort');
    expect(next).toMatchObject({ state: 'PrepareAbort', producerEpoch: 4, lastProducerEpoch: -1 });
    expect(sweepStep(ongoing({ startTimestamp: NOW - 60_000 }), NOW, 7 * DAY)).toEqual({ result: 'none' });
  });

  it('expires idle ids after the expiration time, never an open transaction', () => {
    const idle = state({ state: 'CompleteCommit', lastUpdateTimestamp: NOW - 7 * DAY });
    expect(sweepStep(idle, NOW, 7 * DAY)).toEqual({ next: null, result: 'expire' });
    expect(sweepStep({ ...idle, lastUpdateTimestamp: NOW - 7 * DAY + 1 }, NOW, 7 * DAY)).toEqual({ result: 'none' });
    const open = ongoing({ timeoutMs: 900_000, startTimestamp: NOW - 1000, lastUpdateTimestamp: NOW - 8 * DAY });
    expect(sweepStep(open, NOW, 7 * DAY)).toEqual({ result: 'none' });
  });
});

describe('encoding', () => {
  it('round-trips every field', () => {
    const s = ongoing({
      previousProducerId: 2n ** 62n,
      nextProducerId: 7n,
      transactionVersion: 2,
      lastProducerEpoch: 2,
    });
    expect(decodeTransaction(encodeTransaction(s))).toEqual(s);
  });
});
