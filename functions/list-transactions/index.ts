/**
 * ListTransactions (API key 66), versions 0-1.
 *
 * Version notes (Kafka's TransactionStateManager.listTransactionStates):
 * - Every transactional id with state, except Dead ones, filtered by state
 *   names (unknown names are echoed in `unknownStateFilters` and match
 *   nothing), by producer ids, and (v1+) by duration: with a duration >= 0
 *   only transactions running longer than it (now - start time > duration).
 *   Empty filters match everything.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { decodeTransaction, isTransactionStateName } from '../../shared/transactions/index.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { storageFailure } from '../storage-failure.js';

/** Transactional ids loaded per round trip. */
const BATCH = 100;

export default defineFunction({
  apiKey: ApiKey.ListTransactions,
  versions: [0, 1],
  async handle({ apiVersion, body, env, ctx }) {
    // KafkaApis.handleListTransactionsRequest: only the ids the requester may DESCRIBE.
    const checks = await access(env, ctx);
    const unknownStateFilters = [...new Set(body.stateFilters.filter((s) => !isTransactionStateName(s)))];
    const states = new Set(body.stateFilters);
    const producerIds = new Set(body.producerIdFilters);
    const duration = apiVersion >= 1 ? body.durationFilter : -1n;
    const transactionStates: { transactionalId: string; producerId: bigint; transactionState: string }[] = [];
    try {
      const ids = await env.meta.transactions.list();
      const now = BigInt(env.now());
      for (let i = 0; i < ids.length; i += BATCH) {
        const values = await env.meta.transactions.getMany(ids.slice(i, i + BATCH));
        for (const [transactionalId, v] of values) {
          if (v === null) continue;
          const s = decodeTransaction(v.value);
          if (s.state === 'Dead') continue;
          if (!checks.allows(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, transactionalId)) continue;
          if (producerIds.size > 0 && !producerIds.has(s.producerId)) continue;
          if (states.size > 0 && !states.has(s.state)) continue;
          if (duration >= 0n && now - BigInt(s.startTimestamp) <= duration) continue;
          transactionStates.push({ transactionalId, producerId: s.producerId, transactionState: s.state });
        }
      }
    } catch (e) {
      storageFailure(env, e, 'list-transactions');
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        unknownStateFilters,
        transactionStates: [],
      };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
  },
});
