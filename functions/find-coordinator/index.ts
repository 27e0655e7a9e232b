/**
 * FindCoordinator (API key 10), versions 0-6.
 *
 * Version notes:
 * - Every proxy is the coordinator of every group and transactional id: the
 *   answer is the configured node id at the address of the listener the
 *   client connected to, as Metadata advertises it. Group state lives in the
 *   MetaStore, so any function instance behind any proxy serves it.
 * - v0 has no key type (GROUP). v1+ key types GROUP (0) and TRANSACTION (1);
 *   any other (SHARE included: no share groups here) is INVALID_REQUEST, as
 *   Kafka answers an unknown coordinator type.
 * - v0-3 answer one key in the top-level fields; v4+ answer each of
 *   `coordinatorKeys` in `coordinators`, each with its own error.
 * - An empty key is answered like any other: Kafka checks only the key type
 *   here (JoinGroup and the other group APIs refuse an empty group id).
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type {
  FindCoordinatorResponse,
  FindCoordinatorResponseCoordinator,
} from '../../shared/protocol/generated/find-coordinator.js';
import type { Init } from '../../shared/protocol/schema.js';
import { defineFunction } from '../define.js';

/** CoordinatorType ids a coordinator here serves. */
const CoordinatorType = { GROUP: 0, TRANSACTION: 1 } as const;

const SERVED_KEY_TYPES: ReadonlySet<number> = new Set([CoordinatorType.GROUP, CoordinatorType.TRANSACTION]);

export default defineFunction({
  apiKey: ApiKey.FindCoordinator,
  versions: [0, 6],
  async handle({ apiVersion, body, env, ctx }) {
    const keyType = apiVersion >= 1 ? body.keyType : CoordinatorType.GROUP;
    const served = SERVED_KEY_TYPES.has(keyType);
    const coordinator = (key: string): Init<FindCoordinatorResponseCoordinator> =>
      served
        ? {
            key,
            nodeId: env.config.nodeId,
            host: ctx.listener.host,
            port: ctx.listener.port,
            errorCode: ErrorCode.NONE,
            errorMessage: null,
          }
        : {
            key,
            nodeId: -1,
            host: '',
            port: -1,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: `Unknown coordinator type ${keyType} in FindCoordinator request`,
          };
    const response: Init<FindCoordinatorResponse> = { throttleTimeMs: 0 };
    if (apiVersion >= 4) {
      response.coordinators = body.coordinatorKeys.map(coordinator);
      return response;
    }
    const one = coordinator(body.key);
    return {
      ...response,
      errorCode: one.errorCode,
      errorMessage: apiVersion >= 1 ? one.errorMessage : null,
      nodeId: one.nodeId,
      host: one.host,
      port: one.port,
    };
  },
});
