/**
 * ConsumerGroupHeartbeat (API key 68), versions 0-1: KIP-848 consumer groups
 * through the pure transition in shared/groups/consumer (Kafka 4.0's
 * GroupMetadataManager.consumerGroupHeartbeat), saved with compare-and-set
 * and re-applied to the fresher state on a conflict.
 *
 * Version notes:
 * - v0: a joining member without an id gets one from the coordinator, a
 *   random UUID in Kafka's 22-character base64url form. v1: the client
 *   generates it (KIP-1082); an empty one is INVALID_REQUEST. v1 adds the
 *   topic regex.
 * - The cluster's topics (name → id, partition count) are read on every
 *   heartbeat, so partition additions and new regex matches bump the group
 *   epoch as in Kafka.
 * - A classic group under the id: Kafka replaces a simple (empty, memberless)
 *   classic group and converts a consumer-protocol one online; conversion is
 *   not supported here, so an Empty memberless classic group is replaced by
 *   the consumer group and any other is GROUP_ID_NOT_FOUND ("not a consumer
 *   group"), Kafka's answer when conversion is not possible.
 * - Timers (session and revocation deadlines) fire on load.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE.
 */

import { type ConsumerGroupState, heartbeat, type TopicInfo } from '../../shared/groups/consumer/index.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { ConsumerGroupHeartbeatResponse } from '../../shared/protocol/generated/consumer-group-heartbeat.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { uuidToString, ZERO_UUID } from '../../shared/protocol/primitives.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { clientHostOf, type StoredGroup, updateGroup } from '../group-state.js';
import { storageFailure } from '../storage-failure.js';

function errorResponse(errorCode: number, errorMessage: string): ConsumerGroupHeartbeatResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    memberId: null,
    memberEpoch: 0,
    heartbeatIntervalMs: 0,
    assignment: null,
  };
}

/** Kafka's `Uuid.randomUuid().toString()`: never the zero id, never starting with '-'. */
export function newMemberId(): string {
  for (;;) {
    const hex = crypto.randomUUID().replaceAll('-', '');
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    const id = uuidToString(bytes);
    if (id !== ZERO_UUID && !id.startsWith('-')) return id;
  }
}

export default defineFunction({
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  versions: [0, 1],
  async handle({ apiVersion, body, clientId, ctx, env }) {
    if (!(await access(env, ctx)).allows(AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return errorResponse(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.');
    }
    try {
      const topics = new Map<string, TopicInfo>(
        (await env.meta.topics.listTopics()).map((t) => [t.name, { id: t.id, partitions: t.partitions }]),
      );
      const context = {
        apiVersion,
        clientId: clientId ?? '',
        clientHost: clientHostOf(ctx.clientAddress),
        topics,
        newMemberId,
      };
      const request = apiVersion >= 1 ? body : { ...body, subscribedTopicRegex: null };
      const { result } = await updateGroup(env, body.groupId, (current, now) => {
        let state: ConsumerGroupState | null = null;
        if (current.stored?.kind === 'consumer') {
          state = current.stored.group;
        } else if (current.stored?.kind === 'classic') {
          const classic = current.stored.group;
          if (classic.state !== 'Empty' || classic.members.length > 0) {
            return {
              next: current.stored,
              result: errorResponse(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${body.groupId} is not a consumer group.`),
            };
          }
        }
        const step = heartbeat(state, request, now, context);
        const next: StoredGroup | null = step.state === null ? current.stored : { kind: 'consumer', group: step.state };
        return { next, result: step.response };
      });
      return result;
    } catch (e) {
      storageFailure(env, e, 'consumer-group-heartbeat');
      return errorResponse(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
    }
  },
});
