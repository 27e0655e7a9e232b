/**
 * LeaveGroup (API key 13), versions 0-5: members leave a classic group,
 * which rebalances the others at once.
 *
 * Version notes:
 * - v0-2: one member, its error the top-level error. v3+ (KIP-345): a batch
 *   of members, static ones also by group.instance.id alone (administrative
 *   removal), each with its own error; v5+ a reason per member.
 * - Empty group id: INVALID_GROUP_ID, as Kafka.
 * - A KIP-848 (consumer) group under the id: every member UNKNOWN_MEMBER_ID.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE at the top level.
 */

import { leave } from '../../shared/groups/classic/index.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { LeaveGroupResponse } from '../../shared/protocol/generated/leave-group.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { classicGroupConfig } from '../classic-group.js';
import { defineFunction } from '../define.js';
import { updateGroup } from '../group-state.js';
import { storageFailure } from '../storage-failure.js';

const failed = (errorCode: number): LeaveGroupResponse => ({ throttleTimeMs: 0, errorCode, members: [] });

export default defineFunction({
  apiKey: ApiKey.LeaveGroup,
  versions: [0, 5],
  async handle({ apiVersion, body, env, ctx }): Promise<LeaveGroupResponse> {
    if (!(await access(env, ctx)).allows(AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return failed(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    }
    if (body.groupId === '') return failed(ErrorCode.INVALID_GROUP_ID);
    const config = classicGroupConfig(env);
    const input = {
      requestVersion: apiVersion,
      memberId: apiVersion < 3 ? body.memberId : '',
      members:
        apiVersion >= 3
          ? body.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              reason: apiVersion >= 5 ? m.reason : null,
            }))
          : [],
    };
    try {
      const { result } = await updateGroup(env, body.groupId, (current, now) => {
        const stored = current.stored;
        if (stored?.kind === 'consumer') {
          const response: LeaveGroupResponse =
            apiVersion < 3
              ? failed(ErrorCode.UNKNOWN_MEMBER_ID)
              : {
                  throttleTimeMs: 0,
                  errorCode: ErrorCode.NONE,
                  members: input.members.map((m) => ({
                    memberId: m.memberId,
                    groupInstanceId: m.groupInstanceId,
                    errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
                  })),
                };
          return { next: stored, result: response };
        }
        const step = leave(stored?.group ?? null, input, now, config);
        return { next: step.state === null ? null : { kind: 'classic', group: step.state }, result: step.response };
      });
      return result;
    } catch (e) {
      storageFailure(env, e, 'leave-group');
      return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  },
});
