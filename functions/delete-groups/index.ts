/**
 * DeleteGroups (API key 42), versions 0-2.
 *
 * Version notes (Kafka 4.0's Group.validateDeleteGroup):
 * - Only an Empty group is deleted, with its committed offsets, in one step
 *   conditional on the group state version checked (retried when it moved).
 *   A group with only committed offsets (simple consumers) is Empty.
 * - Classic groups with members, and KIP-848 groups not Empty (after their
 *   timers fire): NON_EMPTY_GROUP. Neither state nor offsets, or a Dead
 *   classic group: GROUP_ID_NOT_FOUND.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE for that group.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction, type FunctionEnv } from '../define.js';
import { currentGroup } from '../group-offsets.js';
import { storageFailure } from '../storage-failure.js';

const MAX_ATTEMPTS = 20;

async function deleteOne(env: FunctionEnv, groupId: string): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { version, group } = await currentGroup(env, groupId);
    if (group === null) {
      if ((await env.meta.groups.fetchOffsets(groupId)).length === 0) return ErrorCode.GROUP_ID_NOT_FOUND;
    } else if (group.kind === 'classic') {
      if (group.group.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
      if (group.group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    } else if (group.group.state !== 'EMPTY') {
      return ErrorCode.NON_EMPTY_GROUP;
    }
    if (await env.meta.groups.deleteGroup(groupId, version)) return ErrorCode.NONE;
  }
  throw new Error(`group ${groupId}: delete gave up after ${MAX_ATTEMPTS} conflicting writes`);
}

export default defineFunction({
  apiKey: ApiKey.DeleteGroups,
  versions: [0, 2],
  async handle({ body, env, ctx }) {
    // KafkaApis.handleDeleteGroupsRequest: DELETE per group.
    const checks = await access(env, ctx);
    const results: { groupId: string; errorCode: number }[] = [];
    for (const groupId of new Set(body.groupsNames)) {
      let errorCode: number;
      if (!checks.allows(AclOperation.DELETE, ResourceType.GROUP, groupId)) {
        results.push({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED });
        continue;
      }
      try {
        errorCode = await deleteOne(env, groupId);
      } catch (e) {
        storageFailure(env, e, 'delete-groups');
        errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
      results.push({ groupId, errorCode });
    }
    return { throttleTimeMs: 0, results };
  },
});
