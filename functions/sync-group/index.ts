/**
 * SyncGroup (API key 14), versions 0-5: the classic group protocol's sync
 * phase (shared/groups/classic). The leader's assignment completes the
 * rebalance; a follower is parked until it is there.
 *
 * Version notes:
 * - v3+ group.instance.id; v5+ protocol type and name, checked against the
 *   group's (INCONSISTENT_GROUP_PROTOCOL) and returned.
 * - Empty group id: INVALID_GROUP_ID, as Kafka.
 * - Waiting: a follower is parked on the group's change notifications and
 *   its next timer (the sync deadline: members that never synced are removed
 *   and the group rebalances), firing due timers on each wake-up. If the
 *   invocation's own deadline comes first (the proxy gives SyncGroup only its
 *   default budget, the leader may take up to the rebalance timeout), the
 *   answer is REBALANCE_IN_PROGRESS: clients rejoin, get the current
 *   generation back at once (same metadata) and sync again.
 * - A KIP-848 (consumer) group under the id: UNKNOWN_MEMBER_ID, as Kafka
 *   answers for a member the consumer group does not know.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE.
 */

import { sync, syncResult } from '../../shared/groups/classic/index.js';
import { syncErrorResponse } from '../../shared/groups/classic/responses.js';
import type { SyncOutcome } from '../../shared/groups/classic/transitions.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { SyncGroupResponse } from '../../shared/protocol/generated/sync-group.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { awaitClassicAnswer, classicGroupConfig, waitLimit } from '../classic-group.js';
import { defineFunction } from '../define.js';
import { updateGroup } from '../group-state.js';
import { storageFailure } from '../storage-failure.js';

export default defineFunction({
  apiKey: ApiKey.SyncGroup,
  versions: [0, 5],
  async handle({ apiVersion, body, ctx, env }): Promise<SyncGroupResponse> {
    if (!(await access(env, ctx)).allows(AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return syncErrorResponse(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    }
    if (body.groupId === '') return syncErrorResponse(ErrorCode.INVALID_GROUP_ID);
    const config = classicGroupConfig(env);
    const input = {
      requestVersion: apiVersion,
      memberId: body.memberId,
      groupInstanceId: apiVersion >= 3 ? body.groupInstanceId : null,
      generationId: body.generationId,
      protocolType: apiVersion >= 5 ? body.protocolType : null,
      protocolName: apiVersion >= 5 ? body.protocolName : null,
      assignments: body.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    };
    try {
      const { result: outcome } = await updateGroup<SyncOutcome>(env, body.groupId, (current, now) => {
        const stored = current.stored;
        if (stored?.kind === 'consumer') {
          return { next: stored, result: { kind: 'reply', response: syncErrorResponse(ErrorCode.UNKNOWN_MEMBER_ID) } };
        }
        const step = sync(stored?.group ?? null, input, now, config);
        return { next: step.state === null ? null : { kind: 'classic', group: step.state }, result: step.outcome };
      });
      if (outcome.kind === 'reply') return outcome.response;
      const { memberId, generationId } = outcome;
      return await awaitClassicAnswer(
        env,
        body.groupId,
        waitLimit(ctx),
        (group) => syncResult(group, memberId, generationId, input.groupInstanceId),
        () => syncErrorResponse(ErrorCode.REBALANCE_IN_PROGRESS),
      );
    } catch (e) {
      storageFailure(env, e, 'sync-group');
      return syncErrorResponse(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  },
});
