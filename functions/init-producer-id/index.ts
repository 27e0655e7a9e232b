/**
 * InitProducerId (API key 22), versions 0-5.
 *
 * Version notes: v2+ flexible; v3+ carry the producer's current id and epoch
 * (KIP-360), which must be both set or both -1 (else INVALID_REQUEST, as in
 * KafkaApis); v4+ may see PRODUCER_FENCED, older versions INVALID_PRODUCER_EPOCH
 * in its place; v5 is unchanged on the wire.
 *
 * Idempotent producers (no transactional id; every Java producer since 3.0
 * by default) get a fresh producer id from the MetaStore and epoch 0, as
 * Kafka's TransactionCoordinator does for them, whatever id and epoch they
 * send. An empty transactional id is INVALID_REQUEST (Kafka's rule).
 *
 * Transactional producers (Kafka's handleInitProducerId): a timeout outside
 * (0, transaction.max.timeout.ms] is INVALID_TRANSACTION_TIMEOUT; a new
 * transactional id gets a fresh producer id; every call bumps the epoch
 * (KIP-360: a retry naming the previous epoch gets the current one again),
 * and an exhausted epoch moves to a new producer id. An Ongoing transaction
 * is aborted with a fencing epoch bump first; a PrepareCommit/PrepareAbort
 * left by a crash is completed first. Kafka answers both with
 * CONCURRENT_TRANSACTIONS and lets the client retry; here the completion
 * runs inline and the call then proceeds, which ends where the retry would.
 * Storage unreachable: COORDINATOR_NOT_AVAILABLE (transactional; the client
 * looks its coordinator up again) or COORDINATOR_LOAD_IN_PROGRESS (idempotent).
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { initProducerId, validTimeout } from '../../shared/transactions/index.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { storageFailure } from '../storage-failure.js';
import { completePrepared, stepTransaction, transactionMaxTimeoutMs } from '../transaction-state.js';

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

/** The first version that knows PRODUCER_FENCED. */
const PRODUCER_FENCED_MIN_VERSION = 4;

/** Fence-then-retry rounds before giving the client CONCURRENT_TRANSACTIONS to retry itself. */
const MAX_ROUNDS = 5;

export default defineFunction({
  apiKey: ApiKey.InitProducerId,
  versions: [0, 5],
  blobs: ['write'],
  async handle({ apiVersion, body, env, ctx }) {
    const refuse = (errorCode: number) => ({
      throttleTimeMs: 0,
      errorCode,
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
    });
    // KafkaApis.handleInitProducerIdRequest, before any validation: WRITE on the transactional id, or for an
    // idempotent producer IDEMPOTENT_WRITE on the cluster or WRITE on some topic.
    const checks = await access(env, ctx);
    if (body.transactionalId !== null) {
      if (!checks.allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.transactionalId)) {
        return refuse(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      }
    } else if (
      !checks.allowsCluster(AclOperation.IDEMPOTENT_WRITE) &&
      !checks.allowsAny(AclOperation.WRITE, ResourceType.TOPIC)
    ) {
      return refuse(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    }
    if (apiVersion >= 3 && (body.producerId === NO_PRODUCER_ID) !== (body.producerEpoch === NO_PRODUCER_EPOCH)) {
      return refuse(ErrorCode.INVALID_REQUEST);
    }
    const transactionalId = body.transactionalId;
    if (transactionalId === null) {
      try {
        const producerId = await env.meta.producers.allocateProducerId();
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
      } catch (e) {
        storageFailure(env, e, 'init-producer-id');
        // Retriable, and unlike COORDINATOR_NOT_AVAILABLE it sends an idempotent
        // producer (which has no coordinator to look up) straight back to retry.
        return refuse(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      }
    }
    if (transactionalId === '') return refuse(ErrorCode.INVALID_REQUEST);
    if (!validTimeout(body.transactionTimeoutMs, transactionMaxTimeoutMs(env))) {
      return refuse(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    const expected =
      apiVersion >= 3 && body.producerId !== NO_PRODUCER_ID
        ? { producerId: body.producerId, producerEpoch: body.producerEpoch }
        : null;
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const { result, stored } = await stepTransaction(env, transactionalId, (current, now, newProducerId) =>
          initProducerId(
            current,
            transactionalId,
            { timeoutMs: body.transactionTimeoutMs, expected },
            now,
            newProducerId,
          ),
        );
        if (result.kind === 'fenced') {
          env.log.info('aborting an ongoing transaction to initialize its producer', { transactionalId });
          await completePrepared(env, transactionalId, stored);
          continue;
        }
        if (result.kind === 'error') {
          const code =
            result.errorCode === ErrorCode.PRODUCER_FENCED && apiVersion < PRODUCER_FENCED_MIN_VERSION
              ? ErrorCode.INVALID_PRODUCER_EPOCH
              : result.errorCode;
          return refuse(code);
        }
        env.log.info('initialized transactional producer', {
          transactionalId,
          producerId: String(result.producerId),
          producerEpoch: result.producerEpoch,
        });
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          producerId: result.producerId,
          producerEpoch: result.producerEpoch,
        };
      }
      return refuse(ErrorCode.CONCURRENT_TRANSACTIONS);
    } catch (e) {
      storageFailure(env, e, 'init-producer-id');
      return refuse(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  },
});
