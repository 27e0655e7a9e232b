/** Request builders and a topic catalogue for the consumer group tests. */

import type { ConsumerGroupHeartbeatRequest } from '../../protocol/generated/consumer-group-heartbeat.js';
import type { HeartbeatContext, TopicInfo } from './heartbeat.js';
import type { Assignment } from './state.js';

export const TOPIC_IDS: Record<string, string> = {
  foo: 'AAAAAAAAAAAAAAAAAAAAAQ',
  bar: 'AAAAAAAAAAAAAAAAAAAAAg',
  baz: 'AAAAAAAAAAAAAAAAAAAAAw',
  qux: 'AAAAAAAAAAAAAAAAAAAABA',
};

export function topics(counts: Record<string, number>): Map<string, TopicInfo> {
  return new Map(
    Object.entries(counts).map(([name, partitions]) => [name, { id: TOPIC_IDS[name] ?? name, partitions }]),
  );
}

export function context(
  topicCounts: Record<string, number>,
  overrides: Partial<HeartbeatContext> = {},
): HeartbeatContext {
  let next = 0;
  return {
    apiVersion: 1,
    clientId: 'client',
    clientHost: '/10.0.0.1',
    topics: topics(topicCounts),
    newMemberId: () => `generated-${++next}`,
    ...overrides,
  };
}

export function request(fields: Partial<ConsumerGroupHeartbeatRequest>): ConsumerGroupHeartbeatRequest {
  return {
    groupId: 'group',
    memberId: '',
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: -1,
    subscribedTopicNames: null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: null,
    ...fields,
  };
}

/** A first heartbeat: epoch 0, everything required set. */
export function joinRequest(
  memberId: string,
  subscribedTopicNames: string[],
  fields: Partial<ConsumerGroupHeartbeatRequest> = {},
): ConsumerGroupHeartbeatRequest {
  return request({
    memberId,
    memberEpoch: 0,
    rebalanceTimeoutMs: 30_000,
    subscribedTopicNames,
    topicPartitions: [],
    ...fields,
  });
}

/** Topic name → partitions, for readable expectations. */
export function byName(
  assignment: Assignment | readonly { topicId: string; partitions: readonly number[] }[],
): Record<string, number[]> {
  const names = new Map(Object.entries(TOPIC_IDS).map(([name, id]) => [id, name]));
  const out: Record<string, number[]> = {};
  for (const { topicId, partitions } of assignment)
    out[names.get(topicId) ?? topicId] = [...partitions].sort((a, b) => a - b);
  return out;
}

/** Topic name → partitions, as a request's or state's assignment. */
export function tp(assignment: Record<string, number[]>): { topicId: string; partitions: number[] }[] {
  return Object.entries(assignment)
    .filter(([, partitions]) => partitions.length > 0)
    .map(([name, partitions]) => ({ topicId: TOPIC_IDS[name] ?? name, partitions }));
}
