/**
 * ListGroups (API key 16), versions 0-5.
 *
 * Version notes (Kafka 4.0's GroupMetadataManager.listGroups):
 * - Every group: classic groups (after their timers fire; Dead ones are
 *   gone) through the classic state machine's `listing`; KIP-848 groups with
 *   protocol type "consumer", their state's display name and type "consumer";
 *   a group that only has committed offsets (simple consumers) as an Empty
 *   classic group with an empty protocol type, as Kafka lists the simple
 *   group it creates.
 * - v4+ states filter and v5+ types filter, case-insensitive; empty filters
 *   match every group.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE, no groups.
 */

import { listing, newClassicGroup } from '../../shared/groups/classic/index.js';
import { GROUP_STATE_NAMES } from '../../shared/groups/consumer/index.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { ListGroupsResponseListedGroup } from '../../shared/protocol/generated/list-groups.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { expireStored } from '../group-offsets.js';
import { decodeStored } from '../group-state.js';
import { storageFailure } from '../storage-failure.js';

const lower = (values: readonly string[]): string[] => values.map((v) => v.trim().toLowerCase());

export default defineFunction({
  apiKey: ApiKey.ListGroups,
  versions: [0, 5],
  async handle({ apiVersion, body, env, ctx }) {
    // KafkaApis.handleListGroupsRequest: every group with DESCRIBE on the cluster, else those with DESCRIBE on each.
    const checks = await access(env, ctx);
    const clusterDescribe = checks.allowsCluster(AclOperation.DESCRIBE);
    const statesFilter = apiVersion >= 4 ? body.statesFilter : [];
    const typesFilter = apiVersion >= 5 ? body.typesFilter : [];
    const states = lower(statesFilter);
    const types = lower(typesFilter);
    const groups: ListGroupsResponseListedGroup[] = [];
    try {
      const ids = await env.meta.groups.list();
      const stored = await env.meta.groups.getMany(ids);
      const now = env.now();
      for (const id of ids) {
        const value = stored.get(id) ?? null;
        if (value === null) {
          const entry = listing(newClassicGroup(id, now), { statesFilter, typesFilter });
          if (entry !== null) groups.push(entry);
          continue;
        }
        const group = expireStored(env, decodeStored(value), now);
        if (group.kind === 'classic') {
          if (group.group.state === 'Dead') continue;
          const entry = listing(group.group, { statesFilter, typesFilter });
          if (entry !== null) groups.push(entry);
          continue;
        }
        const state = GROUP_STATE_NAMES[group.group.state];
        if (states.length > 0 && !states.includes(state.toLowerCase())) continue;
        if (types.length > 0 && !types.includes('consumer')) continue;
        groups.push({ groupId: id, protocolType: 'consumer', groupState: state, groupType: 'consumer' });
      }
    } catch (e) {
      storageFailure(env, e, 'list-groups');
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    }
    if (clusterDescribe) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      groups: groups.filter((g) => checks.allows(AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId)),
    };
  },
});
