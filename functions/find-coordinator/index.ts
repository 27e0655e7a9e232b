/**
 * FindCoordinator (API key 10), versions 0-6.
 *
 * Version notes:
 * - Every proxy is the coordinator of every group and transactional id: the
 *   answer is the node of the proxy the client is connected to, as Metadata
 *   lists it (its entry in the `--advertised-proxies` fleet, or the
 *   configured node id at the listener's address). Group state lives in the
 *   MetaStore, so any function instance behind any proxy serves it, and the
 *   client needs no second connection for its coordinator.
 * - v0 has no key type (GROUP). v1+ key types GROUP (0) and TRANSACTION (1);
 *   any other (SHARE included: no share groups here) is INVALID_REQUEST, as
 *   Kafka answers an unknown coordinator type.
 * - v0-3 answer one key in the top-level fields; v4+ answer each of
 *   `coordinatorKeys` in `coordinators`, each with its own error.
 * - Authorization (KafkaApis.getCoordinator): DESCRIBE on the group
 *   (GROUP_AUTHORIZATION_FAILED) or the transactional id
 *   (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), with no node.
 * - An empty key is answered like any other: Kafka checks only the key type
 *   here (JoinGroup and the other group APIs refuse an empty group id).
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode, errorInfo } from '../../shared/protocol/generated/error-codes.js';
import type {
  FindCoordinatorResponse,
  FindCoordinatorResponseCoordinator,
} from '../../shared/protocol/generated/find-coordinator.js';
import type { Init } from '../../shared/protocol/schema.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { brokerNode } from '../cluster.js';
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
    const node = brokerNode(env, ctx);
    const checks = await access(env, ctx);
    const refusal = (key: string): number | null => {
      if (keyType === CoordinatorType.GROUP && !checks.allows(AclOperation.DESCRIBE, ResourceType.GROUP, key)) {
        return ErrorCode.GROUP_AUTHORIZATION_FAILED;
      }
      if (
        keyType === CoordinatorType.TRANSACTION &&
        !checks.allows(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)
      ) {
        return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      }
      return null;
    };
    const coordinator = (key: string): Init<FindCoordinatorResponseCoordinator> => {
      const refused = refusal(key);
      if (refused !== null) {
        return {
          key,
          nodeId: -1,
          host: '',
          port: -1,
          errorCode: refused,
          errorMessage: errorInfo.get(refused)!.message,
        };
      }
      return served
        ? {
            key,
            nodeId: node.nodeId,
            host: node.host,
            port: node.port,
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
