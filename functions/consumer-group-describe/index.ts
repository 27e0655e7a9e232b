/**
 * ConsumerGroupDescribe (API key 69), version 0: KIP-848 groups through
 * shared/groups/consumer's `describe` (Kafka 4.0's
 * ConsumerGroup.asDescribedGroup), after their timers fire.
 *
 * - Unknown groups, and groups that are not KIP-848 groups (classic, or
 *   only committed offsets): GROUP_ID_NOT_FOUND with Kafka's message.
 * - Authorized operations: every group operation when asked for (no
 *   authorizer yet), otherwise Int.MinValue.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE per group.
 */

import { describe, describeMissing, expire } from '../../shared/groups/consumer/index.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { ConsumerGroupDescribeResponseDescribedGroup } from '../../shared/protocol/generated/consumer-group-describe.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { decodeStored } from '../group-state.js';
import { storageFailure } from '../storage-failure.js';

export default defineFunction({
  apiKey: ApiKey.ConsumerGroupDescribe,
  versions: [0, 0],
  async handle({ body, env, ctx }) {
    // KafkaApis.handleConsumerGroupDescribe: DESCRIBE per group.
    const checks = await access(env, ctx);
    let groups: ConsumerGroupDescribeResponseDescribedGroup[];
    try {
      const states = await env.meta.groups.getMany([...new Set(body.groupIds)]);
      const names = new Map((await env.meta.topics.listTopics()).map((t) => [t.id, t.name]));
      const now = env.now();
      groups = body.groupIds.map((id) => {
        const stored = states.get(id) ?? null;
        if (stored === null) return describeMissing(id);
        const group = decodeStored(stored);
        if (group.kind === 'classic') {
          return { ...describeMissing(id), errorMessage: `Group ${id} is not a consumer group.` };
        }
        return describe(expire(group.group, now).state, names);
      });
    } catch (e) {
      storageFailure(env, e, 'consumer-group-describe');
      groups = body.groupIds.map((id) => ({
        ...describeMissing(id),
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        errorMessage: 'The coordinator is not available.',
      }));
    }
    groups = groups.map((g) =>
      checks.allows(AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId)
        ? g
        : {
            ...describeMissing(g.groupId),
            errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
            errorMessage: 'Group authorization failed.',
          },
    );
    if (body.includeAuthorizedOperations) {
      for (const g of groups) {
        if (g.errorCode === ErrorCode.NONE) g.authorizedOperations = checks.operations(ResourceType.GROUP, g.groupId);
      }
    }
    return { throttleTimeMs: 0, groups };
  },
});
