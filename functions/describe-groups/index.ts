/**
 * DescribeGroups (API key 15), versions 0-5.
 *
 * Version notes (Kafka 4.0's GroupMetadataManager.describeGroups):
 * - Classic groups through the classic state machine's `describe`, after
 *   their timers fire: member metadata and the protocol only when Stable.
 * - A group with committed offsets and no state (simple consumers) is an
 *   Empty classic group with no protocol type and no members, as the simple
 *   group Kafka creates for such commits.
 * - An unknown group, and a KIP-848 group (ConsumerGroupDescribe describes
 *   those), is reported Dead with NONE: v6 would say GROUP_ID_NOT_FOUND,
 *   v0-5 have no such answer.
 * - v3+ authorized operations: every group operation when asked for (no
 *   authorizer yet), otherwise Int.MinValue. v4+ group instance ids.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE per group.
 */

import { describe, newClassicGroup } from '../../shared/groups/classic/index.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { DescribeGroupsResponseDescribedGroup } from '../../shared/protocol/generated/describe-groups.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { expireStored } from '../group-offsets.js';
import { decodeStored } from '../group-state.js';
import { storageFailure } from '../storage-failure.js';

export default defineFunction({
  apiKey: ApiKey.DescribeGroups,
  versions: [0, 5],
  async handle({ apiVersion, body, env, ctx }) {
    const ids = body.groups;
    // KafkaApis.handleDescribeGroupsRequest: DESCRIBE per group.
    const checks = await access(env, ctx);
    const describable = (id: string): boolean => checks.allows(AclOperation.DESCRIBE, ResourceType.GROUP, id);
    let groups: DescribeGroupsResponseDescribedGroup[];
    try {
      const states = await env.meta.groups.getMany([...new Set(ids)]);
      const now = env.now();
      const stateless = [...new Set(ids.filter((id) => (states.get(id) ?? null) === null))];
      const offsets = await env.meta.groups.fetchOffsetsMany(stateless.map((groupId) => ({ groupId })));
      const hasOffsets = new Set(stateless.filter((_, i) => (offsets[i]?.length ?? 0) > 0));
      groups = ids.map((id) => {
        const stored = states.get(id) ?? null;
        if (stored === null) return describe(hasOffsets.has(id) ? newClassicGroup(id, now) : null, id);
        const group = expireStored(env, decodeStored(stored), now);
        return describe(group.kind === 'classic' ? group.group : null, id);
      });
    } catch (e) {
      storageFailure(env, e, 'describe-groups');
      groups = ids.map((id) => ({
        ...describe(null, id),
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        groupState: '',
      }));
    }
    groups = groups.map((g) =>
      describable(g.groupId)
        ? g
        : { ...describe(null, g.groupId), errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupState: '' },
    );
    if (apiVersion >= 3 && body.includeAuthorizedOperations) {
      for (const g of groups) {
        if (g.errorCode !== ErrorCode.GROUP_AUTHORIZATION_FAILED) {
          g.authorizedOperations = checks.operations(ResourceType.GROUP, g.groupId);
        }
      }
    }
    return { throttleTimeMs: 0, groups };
  },
});
