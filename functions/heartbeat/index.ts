/**
 * Heartbeat (API key 12), versions 0-4: keeps a classic group member's
 * session alive and tells it when a rebalance started
 * (REBALANCE_IN_PROGRESS), its generation is stale (ILLEGAL_GENERATION) or
 * it is no longer a member (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID).
 *
 * Version notes:
 * - v3+ group.instance.id. Empty group id: INVALID_GROUP_ID, as Kafka.
 * - Due timers fire first, so a member whose session already passed is
 *   unknown even if no sweep ran yet.
 * - A KIP-848 (consumer) group under the id: UNKNOWN_MEMBER_ID.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE.
 */

import { heartbeat } from '../../shared/groups/classic/index.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { HeartbeatResponse } from '../../shared/protocol/generated/heartbeat.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { classicGroupConfig } from '../classic-group.js';
import { defineFunction } from '../define.js';
import { updateGroup } from '../group-state.js';
import { storageFailure } from '../storage-failure.js';

const answer = (errorCode: number): HeartbeatResponse => ({ throttleTimeMs: 0, errorCode });

export default defineFunction({
  apiKey: ApiKey.Heartbeat,
  versions: [0, 4],
  async handle({ apiVersion, body, env, ctx }): Promise<HeartbeatResponse> {
    if (!(await access(env, ctx)).allows(AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return answer(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    }
    if (body.groupId === '') return answer(ErrorCode.INVALID_GROUP_ID);
    const config = classicGroupConfig(env);
    const input = {
      memberId: body.memberId,
      groupInstanceId: apiVersion >= 3 ? body.groupInstanceId : null,
      generationId: body.generationId,
    };
    try {
      const { result } = await updateGroup(env, body.groupId, (current, now) => {
        const stored = current.stored;
        if (stored?.kind === 'consumer') return { next: stored, result: answer(ErrorCode.UNKNOWN_MEMBER_ID) };
        const step = heartbeat(stored?.group ?? null, input, now, config);
        return { next: step.state === null ? null : { kind: 'classic', group: step.state }, result: step.response };
      });
      return result;
    } catch (e) {
      storageFailure(env, e, 'heartbeat');
      return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  },
});
