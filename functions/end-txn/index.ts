/**
 * EndTxn (API key 26), versions 0-5.
 *
 * Version notes (Kafka's TransactionCoordinator.endTransaction):
 * - The state moves to PrepareCommit/PrepareAbort (saved), then the markers
 *   go out (one control batch per partition of the transaction), the staged
 *   offsets of every group in it are committed or dropped, and the state
 *   moves to CompleteCommit/CompleteAbort — all before the answer, so a
 *   client that is answered can rely on the outcome. A crash part way leaves
 *   Prepare*, which the next request for the id, or the sweep, completes.
 * - Errors: empty id INVALID_REQUEST; no state or another producer id
 *   INVALID_PRODUCER_ID_MAPPING; another epoch PRODUCER_FENCED (before v2
 *   INVALID_PRODUCER_EPOCH); Empty, or the other outcome already chosen,
 *   INVALID_TXN_STATE. A retry of a completed EndTxn with the same outcome is NONE.
 * - v5 (KIP-890 part 2, transaction version 2): every EndTxn bumps the epoch
 *   (an exhausted epoch moves to a new producer id once the markers are
 *   written), and the answer carries the producer id and epoch to use next.
 * - v3+ flexible; v4+ may see TRANSACTION_ABORTABLE (not produced here).
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { endTransaction } from '../../shared/transactions/index.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { storageFailure } from '../storage-failure.js';
import { completePrepared, stepTransaction } from '../transaction-state.js';

/** The first version that knows PRODUCER_FENCED. */
const PRODUCER_FENCED_MIN_VERSION = 2;
/** The first version of transaction version 2 (epoch bump per transaction). */
const TV2_MIN_VERSION = 5;

export default defineFunction({
  apiKey: ApiKey.EndTxn,
  versions: [0, 5],
  blobs: ['write'],
  async handle({ apiVersion, body, env, ctx }) {
    const answer = (errorCode: number, producerId = -1n, producerEpoch = -1) => ({
      throttleTimeMs: 0,
      errorCode,
      producerId,
      producerEpoch,
    });
    if (!(await access(env, ctx)).allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.transactionalId)) {
      return answer(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    if (body.transactionalId === '') return answer(ErrorCode.INVALID_REQUEST);
    try {
      const { result, stored } = await stepTransaction(env, body.transactionalId, (current, now, newProducerId) =>
        endTransaction(
          current,
          {
            producerId: body.producerId,
            producerEpoch: body.producerEpoch,
            commit: body.committed,
            transactionVersion: apiVersion >= TV2_MIN_VERSION ? 2 : 0,
          },
          now,
          newProducerId,
        ),
      );
      if (result.kind === 'error') {
        const code =
          result.errorCode === ErrorCode.PRODUCER_FENCED && apiVersion < PRODUCER_FENCED_MIN_VERSION
            ? ErrorCode.INVALID_PRODUCER_EPOCH
            : result.errorCode;
        return answer(code);
      }
      if (result.kind === 'done') return answer(ErrorCode.NONE, result.producerId, result.producerEpoch);
      const completed = await completePrepared(env, body.transactionalId, stored);
      const s = completed.state;
      if (s === null) return answer(ErrorCode.NONE);
      return answer(ErrorCode.NONE, s.producerId, s.producerEpoch);
    } catch (e) {
      storageFailure(env, e, 'end-txn');
      return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  },
});
