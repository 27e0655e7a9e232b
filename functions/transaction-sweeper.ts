/**
 * The transaction coordinator's timers, run by the periodic sweep (no
 * coordinator stays resident): Kafka's abortTimedOutTransactions (every
 * `transaction.abort.timed.out.transaction.cleanup.interval.ms`) and
 * removeExpiredTransactionalIds (`transactional.id.expiration.ms`), plus the
 * completion of PrepareCommit/PrepareAbort states a crashed function left.
 *
 * - An Ongoing transaction past its timeout is aborted with an epoch bump,
 *   fencing the producer that let it run out;
 * - a Prepare* state is completed (markers, staged offsets, Complete*);
 * - an idle id (Empty, CompleteCommit, CompleteAbort) unused for
 *   `transactional.id.expiration.ms` is deleted.
 * Each step is a compare-and-set; on a conflict another writer moved the id
 * on, and it is left for the next sweep.
 */

import { decodeTransaction, encodeTransaction, sweepStep } from '../shared/transactions/index.js';
import type { FunctionEnv } from './define.js';
import { completePrepared, isPreparing, transactionalIdExpirationMs } from './transaction-state.js';

/** Transactional ids loaded per round trip. */
const BATCH = 100;

export interface TransactionSweepResult {
  /** Transactional ids with stored state. */
  transactions: number;
  /** Timed-out transactions aborted. */
  aborted: number;
  /** Prepare* states completed. */
  completed: number;
  /** Idle transactional ids removed. */
  expired: number;
}

export async function sweepTransactions(env: FunctionEnv): Promise<TransactionSweepResult> {
  const result: TransactionSweepResult = { transactions: 0, aborted: 0, completed: 0, expired: 0 };
  const expirationMs = transactionalIdExpirationMs(env);
  const ids = await env.meta.transactions.list();
  for (let i = 0; i < ids.length; i += BATCH) {
    const values = await env.meta.transactions.getMany(ids.slice(i, i + BATCH));
    for (const [transactionalId, value] of values) {
      if (value === null) continue;
      result.transactions++;
      try {
        const state = decodeTransaction(value.value);
        let loaded = { version: value.version, state };
        if (isPreparing(state)) {
          await completePrepared(env, transactionalId, loaded);
          result.completed++;
          continue;
        }
        const { next, result: what } = sweepStep(state, env.now(), expirationMs);
        if (next === undefined) continue;
        if (next === null) {
          if ((await env.meta.transactions.compareAndSet(transactionalId, value.version, null)) !== null) {
            result.expired++;
            env.log.info('expired transactional id', { transactionalId });
          }
          continue;
        }
        const version = await env.meta.transactions.compareAndSet(
          transactionalId,
          value.version,
          encodeTransaction(next),
        );
        if (version === null) continue;
        env.log.info('aborting a timed-out transaction', {
          transactionalId,
          producerId: String(next.producerId),
          producerEpoch: next.producerEpoch,
          outcome: what,
        });
        loaded = { version, state: next };
        await completePrepared(env, transactionalId, loaded);
        result.aborted++;
      } catch (e) {
        env.log.warn('sweep: transaction step failed', { transactionalId, error: (e as Error).message });
      }
    }
  }
  return result;
}
