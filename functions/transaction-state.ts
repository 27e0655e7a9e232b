/**
 * Loading, stepping and completing a transactional id's coordinator state
 * for the transaction functions and the sweep: the pure transitions of
 * shared/transactions/ applied to the stored value and saved with
 * compare-and-set, re-applied to the fresher state on conflict.
 *
 * Completing a transaction (Kafka's marker channel, done inline): with the
 * state durable in PrepareCommit/PrepareAbort, write one control batch per
 * partition into one object, append the markers, complete the staged offsets
 * of every group in the transaction, then save CompleteCommit/CompleteAbort.
 * Every step is idempotent in effect, so whoever finds a Prepare* state left
 * by a crash (the next request for that id, or the sweep) completes it again.
 */

import { encodeTransactionMarkerBatch } from '../shared/records/control.js';
import type { PartitionRef, TransactionMarker } from '../shared/storage/types.js';
import {
  COORDINATOR_EPOCH,
  completeTransaction,
  DEFAULT_TRANSACTION_MAX_TIMEOUT_MS,
  DEFAULT_TRANSACTIONAL_ID_EXPIRATION_MS,
  decodeTransaction,
  encodeTransaction,
  type Pending,
  type Step,
  type TransactionState,
} from '../shared/transactions/index.js';
import type { FunctionEnv } from './define.js';
import { batchObjectKey } from './produce/index.js';

export interface LoadedTransaction {
  /** 0 when nothing is stored. */
  readonly version: number;
  readonly state: TransactionState | null;
}

export function transactionMaxTimeoutMs(env: FunctionEnv): number {
  return env.config.transactionMaxTimeoutMs ?? DEFAULT_TRANSACTION_MAX_TIMEOUT_MS;
}

export function transactionalIdExpirationMs(env: FunctionEnv): number {
  return env.config.transactionalIdExpirationMs ?? DEFAULT_TRANSACTIONAL_ID_EXPIRATION_MS;
}

export async function loadTransaction(env: FunctionEnv, transactionalId: string): Promise<LoadedTransaction> {
  const v = await env.meta.transactions.get(transactionalId);
  return v === null ? { version: 0, state: null } : { version: v.version, state: decodeTransaction(v.value) };
}

export function isPreparing(s: TransactionState | null): s is TransactionState {
  return s !== null && (s.state === 'PrepareCommit' || s.state === 'PrepareAbort');
}

const MAX_ATTEMPTS = 50;

function backoff(attempt: number): Promise<void> | undefined {
  if (attempt < 3) return undefined;
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 2)));
}

/**
 * Applies `step` to the stored state and saves what it decides, retrying on
 * conflict; allocates a producer id when the step asks for one, and completes
 * a Prepare* state first when the step finds one. Returns the step's result
 * and the state now stored (with its version).
 */
export async function stepTransaction<R extends { readonly kind: string }>(
  env: FunctionEnv,
  transactionalId: string,
  step: (current: TransactionState | null, now: number, newProducerId: bigint | null) => Step<R | Pending>,
): Promise<{ result: R; stored: LoadedTransaction }> {
  let newProducerId: bigint | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const current = await loadTransaction(env, transactionalId);
    const { next, result } = step(current.state, env.now(), newProducerId);
    if (result.kind === 'need-producer-id') {
      newProducerId = await env.meta.producers.allocateProducerId();
      continue;
    }
    if (result.kind === 'complete-first') {
      await completePrepared(env, transactionalId, current);
      continue;
    }
    if (next === undefined) return { result: result as R, stored: current };
    const text = next === null ? null : encodeTransaction(next);
    const version = await env.meta.transactions.compareAndSet(transactionalId, current.version, text);
    if (version !== null) return { result: result as R, stored: { version, state: next } };
  }
  throw new Error(`transactional id ${transactionalId}: gave up after ${MAX_ATTEMPTS} conflicting writes`);
}

/** Writes the transaction's markers (one control batch per partition, in one object). */
async function writeMarkers(env: FunctionEnv, s: TransactionState, commit: boolean): Promise<void> {
  if (s.partitions.length === 0) return;
  const topics = await env.meta.topics.getTopics([...new Set(s.partitions.map((p) => p.topic))]);
  const refs: PartitionRef[] = [];
  for (const p of s.partitions) {
    const topic = topics.get(p.topic) ?? null;
    // A topic deleted since the partition joined has nothing left to mark.
    if (topic === null || p.partition >= topic.partitions) continue;
    refs.push({ topicId: topic.id, partition: p.partition });
  }
  if (refs.length === 0) return;
  const now = env.now();
  const batch = encodeTransactionMarkerBatch({
    type: commit ? 1 : 0,
    producerId: s.producerId,
    producerEpoch: s.producerEpoch,
    coordinatorEpoch: COORDINATOR_EPOCH,
    timestamp: BigInt(now),
  });
  const object = batchObjectKey(now);
  // One copy per partition: each index entry owns its byte range, as a Produce object's do.
  await env.blobs.put(
    object,
    refs.map(() => batch),
  );
  const markers = refs.map((partition, i) => {
    const marker: TransactionMarker = {
      producerId: s.producerId,
      producerEpoch: s.producerEpoch,
      commit,
      coordinatorEpoch: COORDINATOR_EPOCH,
      batch: { offsetCount: 1, maxTimestamp: BigInt(now), object, position: i * batch.length, size: batch.length },
    };
    return { partition, marker };
  });
  const outcomes = await env.meta.log.writeMarkers(markers);
  outcomes.forEach((o, i) => {
    // A later epoch on the partition means a newer producer session already fenced this one there.
    if (o.kind !== 'written') {
      env.log.warn('transaction marker refused', {
        transactionalId: s.transactionalId,
        outcome: o.kind,
        topicId: refs[i]!.topicId,
        partition: refs[i]!.partition,
      });
    }
  });
}

/**
 * Completes a transaction left in PrepareCommit/PrepareAbort: markers, the
 * groups' staged offsets, then Complete*. Returns the state now stored
 * (whoever completed it). Nothing to do for any other state.
 */
export async function completePrepared(
  env: FunctionEnv,
  transactionalId: string,
  loaded: LoadedTransaction,
): Promise<LoadedTransaction> {
  const s = loaded.state;
  if (!isPreparing(s)) return loaded;
  const commit = s.state === 'PrepareCommit';
  await writeMarkers(env, s, commit);
  for (const groupId of s.groups) await env.meta.groups.completeStagedOffsets(groupId, s.producerId, commit);
  const next = completeTransaction(s, env.now())!;
  const version = await env.meta.transactions.compareAndSet(transactionalId, loaded.version, encodeTransaction(next));
  if (version !== null) {
    env.log.debug('transaction completed', { transactionalId, state: next.state, producerId: String(s.producerId) });
    return { version, state: next };
  }
  return loadTransaction(env, transactionalId);
}
