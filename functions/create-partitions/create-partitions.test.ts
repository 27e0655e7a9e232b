import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { type Harness as AdminHarness, adminHarness } from '../test-harness.js';

const OLDEST = 0;
const NEWEST = 3;

async function withTopic(name = 't', partitions = 2): Promise<AdminHarness> {
  const h = adminHarness();
  await h.call(ApiKey.CreateTopics, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1 }] });
  return h;
}

describe('CreatePartitions', () => {
  it('raises the partition count at the oldest and newest versions', async () => {
    const h = await withTopic('t', 2);
    const old = await h.call(ApiKey.CreatePartitions, OLDEST, {
      topics: [{ name: 't', count: 3, assignments: null }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(old.results).toEqual([{ name: 't', errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect((await h.meta.topics.getTopic('t'))!.partitions).toBe(3);
    const next = await h.call(ApiKey.CreatePartitions, NEWEST, {
      topics: [{ name: 't', count: 5, assignments: null }],
    });
    expect(next.results).toEqual([{ name: 't', errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect((await h.meta.topics.getTopic('t'))!.partitions).toBe(5);
  });

  it('refuses a count that is not an increase with INVALID_PARTITIONS and Kafka’s message', async () => {
    const h = await withTopic('t', 3);
    for (const version of [OLDEST, NEWEST]) {
      const same = await h.call(ApiKey.CreatePartitions, version, {
        topics: [{ name: 't', count: 3, assignments: null }],
      });
      expect(same.results[0]).toEqual({
        name: 't',
        errorCode: ErrorCode.INVALID_PARTITIONS,
        errorMessage: 'Topic already has 3 partition(s).',
      });
      const fewer = await h.call(ApiKey.CreatePartitions, version, {
        topics: [{ name: 't', count: 1, assignments: null }],
      });
      expect(fewer.results[0]).toEqual({
        name: 't',
        errorCode: ErrorCode.INVALID_PARTITIONS,
        errorMessage: 'The topic t currently has 3 partition(s); 1 would not be an increase.',
      });
    }
    expect((await h.meta.topics.getTopic('t'))!.partitions).toBe(3);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for an unknown topic', async () => {
    const h = adminHarness();
    const { results } = await h.call(ApiKey.CreatePartitions, NEWEST, {
      topics: [{ name: 'nope', count: 3, assignments: null }],
    });
    expect(results).toEqual([{ name: 'nope', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null }]);
  });

  it('changes nothing when validateOnly', async () => {
    const h = await withTopic('t', 1);
    const { results } = await h.call(ApiKey.CreatePartitions, OLDEST, {
      topics: [{ name: 't', count: 4, assignments: null }],
      validateOnly: true,
    });
    expect(results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await h.meta.topics.getTopic('t'))!.partitions).toBe(1);
  });

  it('accepts manual assignments for exactly the partitions added', async () => {
    const h = await withTopic('t', 1);
    const ok = await h.call(ApiKey.CreatePartitions, NEWEST, {
      topics: [{ name: 't', count: 3, assignments: [{ brokerIds: [0] }, { brokerIds: [0] }] }],
    });
    expect(ok.results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await h.meta.topics.getTopic('t'))!.partitions).toBe(3);

    const short = await h.call(ApiKey.CreatePartitions, NEWEST, {
      topics: [{ name: 't', count: 6, assignments: [{ brokerIds: [0] }] }],
    });
    expect(short.results[0]).toEqual({
      name: 't',
      errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      errorMessage: 'Attempted to add 3 additional partition(s), but only 1 assignment(s) were specified.',
    });
    const empty = await h.call(ApiKey.CreatePartitions, OLDEST, {
      topics: [{ name: 't', count: 4, assignments: [{ brokerIds: [] }] }],
    });
    expect(empty.results[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect((await h.meta.topics.getTopic('t'))!.partitions).toBe(3);
  });

  it('refuses a topic named twice with INVALID_REQUEST, and leaves it unchanged', async () => {
    const h = await withTopic('t', 1);
    await h.call(ApiKey.CreateTopics, 7, { topics: [{ name: 'u', numPartitions: 1, replicationFactor: 1 }] });
    for (const version of [OLDEST, NEWEST]) {
      const { results } = await h.call(ApiKey.CreatePartitions, version, {
        topics: [
          { name: 't', count: 2, assignments: null },
          { name: 'u', count: 2 + version, assignments: null },
          { name: 't', count: 3, assignments: null },
        ],
      });
      expect(results).toEqual([
        { name: 't', errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' },
        { name: 'u', errorCode: ErrorCode.NONE, errorMessage: null },
      ]);
    }
    expect((await h.meta.topics.getTopic('t'))!.partitions).toBe(1);
    expect((await h.meta.topics.getTopic('u'))!.partitions).toBe(5);
  });

  it('refuses adding more than 10,000 partitions in one request', async () => {
    const h = await withTopic('t', 1);
    const { results } = await h.call(ApiKey.CreatePartitions, NEWEST, {
      topics: [{ name: 't', count: 10_002, assignments: null }],
    });
    expect(results[0]!.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
  });

  it('answers REQUEST_TIMED_OUT when storage is unavailable', async () => {
    const h = await withTopic('t', 1);
    await h.meta.close();
    const { results } = await h.call(ApiKey.CreatePartitions, OLDEST, {
      topics: [{ name: 't', count: 2, assignments: null }],
    });
    expect(results[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });
});
