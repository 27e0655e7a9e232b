/**
 * OffsetDelete (API key 47), version 0.
 *
 * Version notes (Kafka 4.0's OffsetMetadataManager.deleteOffsets):
 * - Empty group id: INVALID_GROUP_ID. A group with neither state nor offsets,
 *   or a Dead one: GROUP_ID_NOT_FOUND. A classic group with members that does
 *   not use the consumer protocol: NON_EMPTY_GROUP. These are top-level
 *   errors, with no topics.
 * - A partition of a topic that does not exist, or beyond its partition
 *   count: UNKNOWN_TOPIC_OR_PARTITION.
 * - A topic the group subscribes to is GROUP_SUBSCRIBED_TO_TOPIC for each of
 *   its partitions: for a classic consumer-protocol group, the topics in its
 *   members' subscriptions (decoded from their metadata for the selected
 *   protocol; none when one cannot be read); for a KIP-848 group, its
 *   members' topic names and regex matches.
 * - Any other partition is NONE, whether or not it had an offset.
 * - Storage unreachable: COORDINATOR_NOT_AVAILABLE.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../shared/protocol/generated/offset-delete.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { TopicPartitionRef } from '../../shared/storage/groups.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction, type FunctionEnv } from '../define.js';
import { classicSubscribedTopics, consumerSubscribedTopics, currentGroup } from '../group-offsets.js';
import { storageFailure } from '../storage-failure.js';

/** Attempts before a group that keeps changing under the deletion gives up. */
const MAX_ATTEMPTS = 50;

type Answer = Init<OffsetDeleteResponse>;

const failed = (errorCode: number): Answer => ({ errorCode, throttleTimeMs: 0, topics: [] });

export default defineFunction({
  apiKey: ApiKey.OffsetDelete,
  versions: [0, 0],
  async handle({ body, env, ctx }) {
    // KafkaApis.handleOffsetDeleteRequest: DELETE on the group, READ per topic.
    const checks = await access(env, ctx);
    if (!checks.allows(AclOperation.DELETE, ResourceType.GROUP, body.groupId)) {
      return failed(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    }
    const readable = checks.allowed(AclOperation.READ, ResourceType.TOPIC, new Set(body.topics.map((t) => t.name)));
    if (body.groupId === '') return failed(ErrorCode.INVALID_GROUP_ID);
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const answer = await deleteOnce(env, body, readable);
        if (answer !== null) return answer;
      }
      throw new Error(`group ${body.groupId}: gave up after ${MAX_ATTEMPTS} conflicting changes`);
    } catch (e) {
      storageFailure(env, e, 'offset-delete');
      return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  },
});

/**
 * One attempt: checks the group as it is now, and deletes the offsets on the
 * condition that it has not changed since (a member may just have subscribed
 * to one of the topics); null when it did.
 */
async function deleteOnce(
  env: FunctionEnv,
  body: OffsetDeleteRequest,
  readable: ReadonlySet<string>,
): Promise<Answer | null> {
  const { version, group } = await currentGroup(env, body.groupId);
  let subscribed: ReadonlySet<string> = new Set();
  if (group === null) {
    if ((await env.meta.groups.fetchOffsets(body.groupId)).length === 0) {
      return failed(ErrorCode.GROUP_ID_NOT_FOUND);
    }
  } else if (group.kind === 'classic') {
    const g = group.group;
    if (g.state === 'Dead') return failed(ErrorCode.GROUP_ID_NOT_FOUND);
    if (g.state !== 'Empty' && g.protocolType !== 'consumer') return failed(ErrorCode.NON_EMPTY_GROUP);
    subscribed = classicSubscribedTopics(g) ?? new Set();
  } else {
    const names = (await env.meta.topics.listTopics()).map((t) => t.name);
    subscribed = consumerSubscribedTopics(group.group, names);
  }
  const topics = await env.meta.topics.getTopics([...new Set(body.topics.map((t) => t.name))]);
  const response: Answer = { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics: [] };
  const remove: TopicPartitionRef[] = [];
  response.topics = body.topics.map((t) => {
    const record = topics.get(t.name) ?? null;
    return {
      name: t.name,
      partitions: t.partitions.map(({ partitionIndex }) => {
        let errorCode: number = ErrorCode.NONE;
        if (!readable.has(t.name)) {
          errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        } else if (record === null || partitionIndex < 0 || partitionIndex >= record.partitions) {
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        } else if (subscribed.has(t.name)) {
          errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        } else {
          remove.push({ topic: t.name, partition: partitionIndex });
        }
        return { partitionIndex, errorCode };
      }),
    };
  });
  if (remove.length > 0 && !(await env.meta.groups.deleteOffsets(body.groupId, remove, version))) return null;
  return response;
}
