/** Helpers the transaction functions' tests share: a transactional producer set up through the functions. */

import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { decodeTransaction, encodeTransaction } from '../shared/transactions/index.js';
import type { Harness } from './test-harness.js';

export interface TxnProducer {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

export async function initTransactional(h: Harness, transactionalId = 'tx', timeoutMs = 60_000): Promise<TxnProducer> {
  const res = await h.call(ApiKey.InitProducerId, 5, { transactionalId, transactionTimeoutMs: timeoutMs });
  if (res.errorCode !== 0) throw new Error(`InitProducerId answered ${res.errorCode}`);
  return { transactionalId, producerId: res.producerId, producerEpoch: res.producerEpoch };
}

export async function addPartitions(
  h: Harness,
  p: TxnProducer,
  topics: { name: string; partitions: number[] }[],
  version = 3,
): Promise<number[]> {
  const res = await h.call(ApiKey.AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: p.transactionalId,
    v3AndBelowProducerId: p.producerId,
    v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: topics,
  });
  return res.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((r) => r.partitionErrorCode));
}

export async function addOffsets(h: Harness, p: TxnProducer, groupId: string): Promise<number> {
  const res = await h.call(ApiKey.AddOffsetsToTxn, 4, {
    transactionalId: p.transactionalId,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    groupId,
  });
  return res.errorCode;
}

export async function endTxn(h: Harness, p: TxnProducer, committed: boolean, version = 4) {
  return h.call(ApiKey.EndTxn, version, {
    transactionalId: p.transactionalId,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    committed,
  });
}

export async function describe(h: Harness, transactionalId: string) {
  const res = await h.call(ApiKey.DescribeTransactions, 0, { transactionalIds: [transactionalId] });
  return res.transactionStates[0]!;
}

/** Leaves a transaction as an EndTxn whose function crashed after its first write would: in `state`, no markers yet. */
export async function leavePreparing(
  h: Harness,
  transactionalId: string,
  state: 'PrepareCommit' | 'PrepareAbort',
): Promise<void> {
  const stored = await h.meta.transactions.get(transactionalId);
  if (stored === null) throw new Error(`no transaction ${transactionalId}`);
  const prepared = { ...decodeTransaction(stored.value), state };
  const version = await h.meta.transactions.compareAndSet(transactionalId, stored.version, encodeTransaction(prepared));
  if (version === null) throw new Error(`transaction ${transactionalId} changed meanwhile`);
}
