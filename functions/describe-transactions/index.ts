/**
 * DescribeTransactions (API key 65), version 0.
 *
 * Version notes (Kafka's TransactionCoordinator.handleDescribeTransactions):
 * - Each id answered in request order: an empty id INVALID_REQUEST; an id
 *   with no state (or Dead, on its way out) TRANSACTIONAL_ID_NOT_FOUND;
 *   otherwise its state name, timeout, start time (-1 when none), producer
 *   id and epoch, and the partitions of the transaction by topic. Groups
 *   in the transaction are not shown: Kafka shows their __consumer_offsets
 *   partition, which does not exist here.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE for every id.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { DescribeTransactionsResponseTransactionState } from '../../shared/protocol/generated/describe-transactions.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import { decodeTransaction } from '../../shared/transactions/index.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { storageFailure } from '../storage-failure.js';

type Answer = Init<DescribeTransactionsResponseTransactionState>;

const failed = (transactionalId: string, errorCode: number): Answer => ({
  errorCode,
  transactionalId,
  transactionState: '',
  transactionTimeoutMs: 0,
  transactionStartTimeMs: -1n,
  producerId: -1n,
  producerEpoch: -1,
  topics: [],
});

export default defineFunction({
  apiKey: ApiKey.DescribeTransactions,
  versions: [0, 0],
  async handle({ body, env, ctx }) {
    const ids = body.transactionalIds;
    // KafkaApis.handleDescribeTransactionsRequest: DESCRIBE on each id; only partitions of DESCRIBE-able topics.
    const checks = await access(env, ctx);
    let stored: Map<string, { version: number; value: string } | null>;
    try {
      stored = await env.meta.transactions.getMany(ids.filter((id) => id !== ''));
    } catch (e) {
      storageFailure(env, e, 'describe-transactions');
      return {
        throttleTimeMs: 0,
        transactionStates: ids.map((id) => failed(id, ErrorCode.COORDINATOR_NOT_AVAILABLE)),
      };
    }
    const transactionStates = ids.map((id): Answer => {
      if (!checks.allows(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) {
        return failed(id, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      }
      if (id === '') return failed(id, ErrorCode.INVALID_REQUEST);
      const v = stored.get(id) ?? null;
      if (v === null) return failed(id, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
      const s = decodeTransaction(v.value);
      if (s.state === 'Dead') return failed(id, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
      const topics: { topic: string; partitions: number[] }[] = [];
      for (const p of s.partitions) {
        if (!checks.allows(AclOperation.DESCRIBE, ResourceType.TOPIC, p.topic)) continue;
        const last = topics[topics.length - 1];
        if (last !== undefined && last.topic === p.topic) last.partitions.push(p.partition);
        else topics.push({ topic: p.topic, partitions: [p.partition] });
      }
      return {
        errorCode: ErrorCode.NONE,
        transactionalId: id,
        transactionState: s.state,
        transactionTimeoutMs: s.timeoutMs,
        transactionStartTimeMs: BigInt(s.startTimestamp),
        producerId: s.producerId,
        producerEpoch: s.producerEpoch,
        topics,
      };
    });
    return { throttleTimeMs: 0, transactionStates };
  },
});
