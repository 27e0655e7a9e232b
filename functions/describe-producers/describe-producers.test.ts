import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { encodeBatch } from '../../shared/records/records.js';
import { batchOf, type Harness, harness } from '../test-harness.js';

async function produce(h: Harness, topic: string, records: Uint8Array, partition = 0, transactionalId?: string) {
  const res = await h.call(ApiKey.Produce, 11, {
    transactionalId: transactionalId ?? null,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
}

function pbatch(count: number, producerId: bigint, epoch: number, seq: number, transactional = false): Uint8Array {
  return encodeBatch({
    records: Array.from({ length: count }, (_, i) => ({ value: new Uint8Array([i]), timestamp: 5_000n + BigInt(i) })),
    producerId,
    producerEpoch: epoch,
    baseSequence: seq,
    transactional,
  });
}

describe('describe-producers', () => {
  it('lists the producers each partition holds state for', async () => {
    const h = harness();
    await h.createTopic('t', 2);
    await produce(h, 't', pbatch(3, 11n, 2, 0));
    await produce(h, 't', batchOf(['plain']));
    await produce(h, 't', pbatch(2, 12n, 0, 0, true), 0, 'tx');
    await produce(h, 't', pbatch(1, 11n, 2, 3));
    const res = await h.call(ApiKey.DescribeProducers, 0, { topics: [{ name: 't', partitionIndexes: [0, 1] }] });
    expect(res).toEqual({
      throttleTimeMs: 0,
      topics: [
        {
          name: 't',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              errorMessage: null,
              activeProducers: [
                {
                  producerId: 11n,
                  producerEpoch: 2,
                  lastSequence: 3,
                  lastTimestamp: 5_000n,
                  coordinatorEpoch: -1,
                  currentTxnStartOffset: -1n,
                },
                {
                  producerId: 12n,
                  producerEpoch: 0,
                  lastSequence: 1,
                  lastTimestamp: 5_001n,
                  coordinatorEpoch: -1,
                  currentTxnStartOffset: 4n,
                },
              ],
            },
            { partitionIndex: 1, errorCode: 0, errorMessage: null, activeProducers: [] },
          ],
        },
      ],
    });
  });

  it('answers Kafka’s errors for illegal names, unknown topics and partitions', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    const res = await h.call(ApiKey.DescribeProducers, 0, {
      topics: [
        { name: 'missing', partitionIndexes: [0, 1] },
        { name: 't', partitionIndexes: [1, 0] },
        { name: 'bad name!', partitionIndexes: [0] },
      ],
    });
    const [missing, t, bad] = res.topics;
    expect(missing!.partitions).toEqual([
      {
        partitionIndex: 0,
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: 'This server does not host this topic-partition.',
        activeProducers: [],
      },
      {
        partitionIndex: 1,
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: 'This server does not host this topic-partition.',
        activeProducers: [],
      },
    ]);
    expect(t!.partitions).toEqual([
      { partitionIndex: 1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] },
      { partitionIndex: 0, errorCode: 0, errorMessage: null, activeProducers: [] },
    ]);
    expect(bad!.partitions[0]).toMatchObject({
      partitionIndex: 0,
      errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION,
      errorMessage: expect.stringContaining('bad name!'),
    });
  });

  it('answers NOT_LEADER_OR_FOLLOWER when storage is down', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    await h.meta.close();
    const res = await h.call(ApiKey.DescribeProducers, 0, { topics: [{ name: 't', partitionIndexes: [0] }] });
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });
});
