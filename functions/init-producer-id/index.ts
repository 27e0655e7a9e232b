/**
 * InitProducerId (API key 22), versions 0-5.
 *
 * Version notes: v2+ flexible; v3+ carry the producer's current id and epoch
 * (KIP-360), which must be both set or both -1 (else INVALID_REQUEST, as in
 * KafkaApis); v4+ may see PRODUCER_FENCED, v5 is unchanged on the wire.
 *
 * Idempotent producers (no transactional id; every Java producer since 3.0
 * by default) get a fresh producer id from the MetaStore and epoch 0, as
 * Kafka's TransactionCoordinator does for them, whatever id and epoch they
 * send. An empty transactional id is INVALID_REQUEST (Kafka's rule).
 *
 * Transactions are not served yet. A transactional id is refused with
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED: it is what Kafka answers a principal
 * that may not use transactional ids, every client treats it as fatal at
 * once (Java: initTransactions throws TransactionalIdAuthorizationException),
 * and so the application fails on its first call instead of retrying
 * COORDINATOR_NOT_AVAILABLE until a timeout. The refusal is logged with the
 * real reason.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { defineFunction } from '../define.js';
import { storageFailure } from '../storage-failure.js';

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

export default defineFunction({
  apiKey: ApiKey.InitProducerId,
  versions: [0, 5],
  async handle({ apiVersion, body, env, clientId }) {
    const refuse = (errorCode: number) => ({
      throttleTimeMs: 0,
      errorCode,
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
    });
    const transactionalId = body.transactionalId;
    if (transactionalId !== null) {
      if (transactionalId === '') return refuse(ErrorCode.INVALID_REQUEST);
      env.log.warn('transactions are not supported yet; refusing a transactional producer', {
        transactionalId,
        clientId,
      });
      return refuse(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    if (apiVersion >= 3 && (body.producerId === NO_PRODUCER_ID) !== (body.producerEpoch === NO_PRODUCER_EPOCH)) {
      return refuse(ErrorCode.INVALID_REQUEST);
    }
    try {
      const producerId = await env.meta.producers.allocateProducerId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    } catch (e) {
      storageFailure(env, e, 'init-producer-id');
      // Retriable, and unlike COORDINATOR_NOT_AVAILABLE it sends an idempotent
      // producer (which has no coordinator to look up) straight back to retry.
      return refuse(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    }
  },
});
