/**
 * AddOffsetsToTxn (API key 25), versions 0-4.
 *
 * Version notes (Kafka's KafkaApis.handleAddOffsetsToTxnRequest, which adds
 * the group's __consumer_offsets partition to the transaction): here the
 * group itself joins the transaction, so EndTxn completes the offsets
 * TxnOffsetCommit staged in it.
 * - An empty transactional id is INVALID_REQUEST; no state or another
 *   producer id INVALID_PRODUCER_ID_MAPPING; another epoch PRODUCER_FENCED
 *   (before v2 INVALID_PRODUCER_EPOCH). A PrepareCommit/PrepareAbort left
 *   by a crash is completed first.
 * - v3+ flexible; v4 may see TRANSACTION_ABORTABLE (not produced here).
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { addGroup } from '../../shared/transactions/index.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { storageFailure } from '../storage-failure.js';
import { stepTransaction } from '../transaction-state.js';

/** The first version that knows PRODUCER_FENCED. */
const PRODUCER_FENCED_MIN_VERSION = 2;

export default defineFunction({
  apiKey: ApiKey.AddOffsetsToTxn,
  versions: [0, 4],
  blobs: ['write'],
  async handle({ apiVersion, body, env, ctx }) {
    const answer = (errorCode: number) => ({ throttleTimeMs: 0, errorCode });
    // KafkaApis.handleAddOffsetsToTxnRequest: WRITE on the transactional id, then READ on the group.
    const checks = await access(env, ctx);
    if (!checks.allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.transactionalId)) {
      return answer(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    if (!checks.allows(AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return answer(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    }
    if (body.transactionalId === '') return answer(ErrorCode.INVALID_REQUEST);
    try {
      const { result } = await stepTransaction(env, body.transactionalId, (current, now) =>
        addGroup(current, body.producerId, body.producerEpoch, body.groupId, now),
      );
      if (result.kind !== 'error') return answer(ErrorCode.NONE);
      if (result.errorCode === ErrorCode.PRODUCER_FENCED && apiVersion < PRODUCER_FENCED_MIN_VERSION) {
        return answer(ErrorCode.INVALID_PRODUCER_EPOCH);
      }
      return answer(result.errorCode);
    } catch (e) {
      storageFailure(env, e, 'add-offsets-to-txn');
      return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  },
});
