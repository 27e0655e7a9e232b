import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { TOPIC_AUTHORIZED_OPERATIONS } from '../cluster.js';
import { type Harness, harness } from '../test-harness.js';

async function describeTopics(
  h: Harness,
  names: string[],
  limit: number,
  cursor: { topicName: string; partitionIndex: number } | null = null,
) {
  return h.call(ApiKey.DescribeTopicPartitions, 0, {
    topics: names.map((name) => ({ name })),
    responsePartitionLimit: limit,
    cursor,
  });
}

const shape = (res: Awaited<ReturnType<typeof describeTopics>>) =>
  res.topics.map((t) => [t.name, t.errorCode, t.partitions.map((p) => p.partitionIndex)]);

describe('describe-topic-partitions', () => {
  it('pages through every topic in name order with the cursor', async () => {
    const h = harness();
    await h.createTopic('b', 3);
    await h.createTopic('a', 2);
    await h.createTopic('c', 1);
    const first = await describeTopics(h, [], 2);
    expect(shape(first)).toEqual([['a', 0, [0, 1]]]);
    expect(first.nextCursor).toEqual({ topicName: 'b', partitionIndex: 0 });
    const second = await describeTopics(h, [], 2, first.nextCursor);
    expect(shape(second)).toEqual([['b', 0, [0, 1]]]);
    expect(second.nextCursor).toEqual({ topicName: 'b', partitionIndex: 2 });
    const third = await describeTopics(h, [], 2, second.nextCursor);
    expect(shape(third)).toEqual([
      ['b', 0, [2]],
      ['c', 0, [0]],
    ]);
    expect(third.nextCursor).toBeNull();
    expect(third.topics[0]!.topicAuthorizedOperations).toBe(TOPIC_AUTHORIZED_OPERATIONS);
    expect(third.topics[0]!.partitions[0]).toMatchObject({
      leaderId: 7,
      leaderEpoch: 0,
      replicaNodes: [7],
      isrNodes: [7],
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: [],
    });
  });

  it('reports missing and invalid names when topics are named', async () => {
    const h = harness();
    await h.createTopic('real');
    const res = await describeTopics(h, ['real', 'ghost', 'bad name'], 100);
    expect(shape(res)).toEqual([
      ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION, []],
      ['ghost', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []],
      ['real', 0, [0]],
    ]);
  });

  it('refuses a cursor naming a topic outside the list, or a negative partition', async () => {
    const h = harness();
    await h.createTopic('a');
    const outside = await describeTopics(h, ['a'], 10, { topicName: 'z', partitionIndex: 0 });
    expect(shape(outside)).toEqual([['a', ErrorCode.INVALID_REQUEST, []]]);
    const negative = await describeTopics(h, ['a'], 10, { topicName: 'a', partitionIndex: -1 });
    expect(negative.topics[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('returns at least one partition whatever the limit', async () => {
    const h = harness();
    await h.createTopic('a', 2);
    const res = await describeTopics(h, [], 0);
    expect(shape(res)).toEqual([['a', 0, [0]]]);
    expect(res.nextCursor).toEqual({ topicName: 'a', partitionIndex: 1 });
  });
});
