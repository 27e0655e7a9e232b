/**
 * JoinGroup (API key 11), versions 0-9: the classic group protocol's join
 * phase (shared/groups/classic), applied with compare-and-set, then parked
 * until the group's join phase completes.
 *
 * Version notes:
 * - v0 has no rebalance timeout (the session timeout serves); v1+ carry it.
 * - v4+ (KIP-394): a member without an id is handed one with
 *   MEMBER_ID_REQUIRED and joins again with it. v0-3 join at once.
 * - v5+ static membership (group.instance.id); v7+ protocol type and name in
 *   the response (protocol name nullable); v8+ join reason; v9+ skip
 *   assignment for a static leader rejoining without a rebalance.
 * - Waiting: the request is parked on the group's change notifications and
 *   its next timer (the initial rebalance delay, the rebalance timeout), firing
 *   due timers on each wake-up, so it completes on whichever instance is
 *   waiting. The proxy gives JoinGroup its rebalance timeout plus the default
 *   budget, so the join phase normally completes first. If the invocation's
 *   own deadline comes first, the answer is REBALANCE_IN_PROGRESS: clients
 *   (Java, librdkafka) rejoin at once with the same member id, which simply
 *   parks again, or receives the completed generation.
 * - A KIP-848 (consumer) group under the id: an empty one is replaced by a
 *   classic group, as Kafka does; a non-empty one answers
 *   INCONSISTENT_GROUP_PROTOCOL (joining it through the classic protocol,
 *   which Kafka 4.0 supports by converting the group, is not done here).
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE; clients find the
 *   coordinator again and rejoin.
 */

import { join, joinResult } from '../../shared/groups/classic/index.js';
import { joinErrorResponse } from '../../shared/groups/classic/responses.js';
import type { JoinOutcome } from '../../shared/groups/classic/transitions.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { JoinGroupResponse } from '../../shared/protocol/generated/join-group.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { awaitClassicAnswer, classicGroupConfig, waitLimit } from '../classic-group.js';
import { defineFunction } from '../define.js';
import { clientHostOf, updateGroup } from '../group-state.js';
import { storageFailure } from '../storage-failure.js';

export default defineFunction({
  apiKey: ApiKey.JoinGroup,
  versions: [0, 9],
  async handle({ apiVersion, body, clientId, ctx, env }): Promise<JoinGroupResponse> {
    if (!(await access(env, ctx)).allows(AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return joinErrorResponse(ErrorCode.GROUP_AUTHORIZATION_FAILED, '', apiVersion);
    }
    const config = classicGroupConfig(env);
    const input = {
      requestVersion: apiVersion,
      groupId: body.groupId,
      memberId: body.memberId,
      groupInstanceId: apiVersion >= 5 ? body.groupInstanceId : null,
      clientId: clientId ?? '',
      clientHost: clientHostOf(ctx.clientAddress),
      sessionTimeoutMs: body.sessionTimeoutMs,
      rebalanceTimeoutMs: apiVersion >= 1 ? body.rebalanceTimeoutMs : -1,
      protocolType: body.protocolType,
      protocols: body.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      reason: apiVersion >= 8 ? body.reason : null,
    };
    try {
      const { result: outcome } = await updateGroup<JoinOutcome>(env, body.groupId, (current, now) => {
        const stored = current.stored;
        if (stored?.kind === 'consumer' && stored.group.members.length > 0) {
          const response = joinErrorResponse(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, body.memberId, apiVersion);
          return { next: stored, result: { kind: 'reply', response } };
        }
        // An empty consumer group is replaced by a classic one (its offsets stay).
        const step = join(stored?.kind === 'classic' ? stored.group : null, input, now, config);
        return { next: step.state === null ? stored : { kind: 'classic', group: step.state }, result: step.outcome };
      });
      if (outcome.kind === 'reply') return outcome.response;
      const { memberId } = outcome;
      return await awaitClassicAnswer(
        env,
        body.groupId,
        waitLimit(ctx),
        (group) => joinResult(group, memberId, apiVersion, input.groupInstanceId),
        () => joinErrorResponse(ErrorCode.REBALANCE_IN_PROGRESS, memberId, apiVersion),
      );
    } catch (e) {
      storageFailure(env, e, 'join-group');
      return joinErrorResponse(ErrorCode.COORDINATOR_NOT_AVAILABLE, body.memberId, apiVersion);
    }
  },
});
