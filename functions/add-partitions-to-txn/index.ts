/**
 * AddPartitionsToTxn (API key 24), versions 0-5.
 *
 * Version notes (Kafka's KafkaApis.handleAddPartitionsToTxnRequest and the
 * coordinator's handleAddPartitionsToTransaction / handleVerifyPartitionsInTransaction):
 * - v0-3 (clients): one transaction in the V3AndBelow fields, answered per
 *   partition in `resultsByTopicV3AndBelow`.
 * - v4+ (brokers in Kafka; needs CLUSTER_ACTION on the cluster, else the
 *   top-level error is CLUSTER_AUTHORIZATION_FAILED): a batch
 *   of transactions, each answered in `resultsByTransaction`; `verifyOnly`
 *   checks instead of adding: NONE for a partition in the transaction,
 *   TRANSACTION_ABORTABLE for one that is not.
 * - v0-3 need WRITE on the transactional id (else every partition is
 *   TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and WRITE on each topic (else
 *   TOPIC_AUTHORIZATION_FAILED, the others OPERATION_NOT_ATTEMPTED).
 * - A partition of an unknown topic, or beyond its partition count, is
 *   UNKNOWN_TOPIC_OR_PARTITION and the transaction's other partitions
 *   OPERATION_NOT_ATTEMPTED; nothing is added.
 * - Otherwise one error for every partition of the transaction: an empty id
 *   INVALID_REQUEST; no state, or another producer id,
 *   INVALID_PRODUCER_ID_MAPPING; another epoch PRODUCER_FENCED (before v2
 *   INVALID_PRODUCER_EPOCH). A PrepareCommit/PrepareAbort left by a crash is
 *   completed first (Kafka answers CONCURRENT_TRANSACTIONS until its markers
 *   are out; with verifyOnly so do we).
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE.
 */

import type {
  AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../../shared/protocol/generated/add-partitions-to-txn.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import { addPartitions, type TxnPartition, verifyPartitions } from '../../shared/transactions/index.js';
import { type Access, AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction, type FunctionEnv } from '../define.js';
import { storageFailure } from '../storage-failure.js';
import { loadTransaction, stepTransaction } from '../transaction-state.js';

/** The first version that knows PRODUCER_FENCED. */
const PRODUCER_FENCED_MIN_VERSION = 2;

interface TxnQuery {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly verifyOnly: boolean;
  readonly topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[];
}

type TopicResults = Init<AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult>[];

/** Each partition once, in request order. */
function partitionsOf(q: TxnQuery): TxnPartition[] {
  const seen = new Map<string, TxnPartition>();
  for (const t of q.topics) for (const p of t.partitions) seen.set(`${p}:${t.name}`, { topic: t.name, partition: p });
  return [...seen.values()];
}

function resultsOf(partitions: readonly TxnPartition[], codeOf: (p: TxnPartition, i: number) => number): TopicResults {
  const topics: TopicResults = [];
  const byName = new Map<string, TopicResults[number]>();
  partitions.forEach((p, i) => {
    let t = byName.get(p.topic);
    if (t === undefined) {
      t = { name: p.topic, resultsByPartition: [] };
      byName.set(p.topic, t);
      topics.push(t);
    }
    (t.resultsByPartition as { partitionIndex: number; partitionErrorCode: number }[]).push({
      partitionIndex: p.partition,
      partitionErrorCode: codeOf(p, i),
    });
  });
  return topics;
}

async function answer(env: FunctionEnv, apiVersion: number, q: TxnQuery, checks: Access): Promise<TopicResults> {
  const partitions = partitionsOf(q);
  const all = (code: number): TopicResults => resultsOf(partitions, () => code);
  if (apiVersion < 4) {
    if (!checks.allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, q.transactionalId)) {
      return all(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    const writable = checks.allowed(AclOperation.WRITE, ResourceType.TOPIC, new Set(partitions.map((p) => p.topic)));
    if (partitions.some((p) => !writable.has(p.topic))) {
      return resultsOf(partitions, (p) =>
        writable.has(p.topic) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      );
    }
  }
  if (q.transactionalId === '') return all(ErrorCode.INVALID_REQUEST);
  try {
    const topics = await env.meta.topics.getTopics([...new Set(partitions.map((p) => p.topic))]);
    const unknown = (p: TxnPartition): boolean => {
      const t = topics.get(p.topic) ?? null;
      return t === null || p.partition < 0 || p.partition >= t.partitions;
    };
    if (partitions.some(unknown)) {
      return resultsOf(partitions, (p) =>
        unknown(p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
      );
    }
    const fenced = (code: number): number =>
      code === ErrorCode.PRODUCER_FENCED && apiVersion < PRODUCER_FENCED_MIN_VERSION
        ? ErrorCode.INVALID_PRODUCER_EPOCH
        : code;
    if (q.verifyOnly) {
      const { state } = await loadTransaction(env, q.transactionalId);
      const verdict = verifyPartitions(state, q.producerId, q.producerEpoch, partitions);
      if (verdict.kind === 'error') return all(fenced(verdict.errorCode));
      return resultsOf(partitions, (_, i) => verdict.errors[i]!);
    }
    const { result } = await stepTransaction(env, q.transactionalId, (current, now) =>
      addPartitions(current, q.producerId, q.producerEpoch, partitions, now),
    );
    return all(result.kind === 'error' ? fenced(result.errorCode) : ErrorCode.NONE);
  } catch (e) {
    storageFailure(env, e, 'add-partitions-to-txn');
    return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }
}

export default defineFunction({
  apiKey: ApiKey.AddPartitionsToTxn,
  versions: [0, 5],
  blobs: ['write'],
  async handle({ apiVersion, body, env, ctx }) {
    const checks = await access(env, ctx);
    if (apiVersion >= 4) {
      if (!checks.allowsCluster(AclOperation.CLUSTER_ACTION)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [] };
      }
      const resultsByTransaction = await Promise.all(
        body.transactions.map(async (t) => ({
          transactionalId: t.transactionalId,
          topicResults: await answer(env, apiVersion, t, checks),
        })),
      );
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
    }
    const resultsByTopicV3AndBelow = await answer(
      env,
      apiVersion,
      {
        transactionalId: body.v3AndBelowTransactionalId,
        producerId: body.v3AndBelowProducerId,
        producerEpoch: body.v3AndBelowProducerEpoch,
        verifyOnly: false,
        topics: body.v3AndBelowTopics,
      },
      checks,
    );
    return { throttleTimeMs: 0, resultsByTopicV3AndBelow };
  },
});
