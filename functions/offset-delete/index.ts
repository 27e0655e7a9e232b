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
import type { OffsetDeleteResponse } from '../../shared/protocol/generated/offset-delete.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { TopicPartitionRef } from '../../shared/storage/groups.js';
import { defineFunction } from '../define.js';
import { classicSubscribedTopics, consumerSubscribedTopics, currentGroup } from '../group-offsets.js';
import { storageFailure } from '../storage-failure.js';

export default defineFunction({
  apiKey: ApiKey.OffsetDelete,
  versions: [0, 0],
  async handle({ body, env }) {
    const failed = (errorCode: number): Init<OffsetDeleteResponse> => ({ errorCode, throttleTimeMs: 0, topics: [] });
    if (body.groupId === '') return failed(ErrorCode.INVALID_GROUP_ID);
    try {
      const { group } = await currentGroup(env, body.groupId);
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
      const response: Init<OffsetDeleteResponse> = { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics: [] };
      const remove: TopicPartitionRef[] = [];
      response.topics = body.topics.map((t) => {
        const record = topics.get(t.name) ?? null;
        return {
          name: t.name,
          partitions: t.partitions.map(({ partitionIndex }) => {
            let errorCode: number = ErrorCode.NONE;
            if (record === null || partitionIndex < 0 || partitionIndex >= record.partitions) {
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
      // GroupStore.deleteOffsets takes no expected version: a member subscribing between the check
      // and the deletion is not noticed (Kafka serializes the two; a version-conditional delete would).
      if (remove.length > 0) await env.meta.groups.deleteOffsets(body.groupId, remove);
      return response;
    } catch (e) {
      storageFailure(env, e, 'offset-delete');
      return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  },
});
