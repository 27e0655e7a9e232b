import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { batchOf, type Harness, harness } from '../test-harness.js';

async function produce(h: Harness, topic: string, values: string[]) {
  await h.call(ApiKey.Produce, 11, {
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batchOf(values) }] }],
  });
}

async function deleteTo(h: Harness, topic: string, offset: bigint, partitionIndex = 0) {
  const res = await h.call(ApiKey.DeleteRecords, 2, {
    topics: [{ name: topic, partitions: [{ partitionIndex, offset }] }],
    timeoutMs: 0,
  });
  return res.topics[0]!.partitions[0]!;
}

async function fetchFrom(h: Harness, topic: string, fetchOffset: bigint) {
  const res = await h.call(ApiKey.Fetch, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
  });
  return res.responses[0]!.partitions[0]!;
}

describe('delete-records', () => {
  it('raises the log start offset; fetching below it is OFFSET_OUT_OF_RANGE', async () => {
    const h = harness();
    await h.createTopic('t');
    await produce(h, 't', ['a', 'b', 'c']);
    await produce(h, 't', ['d']);
    expect(await deleteTo(h, 't', 3n)).toEqual({ partitionIndex: 0, lowWatermark: 3n, errorCode: 0 });
    expect((await fetchFrom(h, 't', 0n)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await fetchFrom(h, 't', 2n)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(await fetchFrom(h, 't', 3n)).toMatchObject({ errorCode: 0, logStartOffset: 3n, highWatermark: 4n });
  });

  it('takes -1 as the high watermark and never lowers the log start', async () => {
    const h = harness();
    await h.createTopic('t');
    await produce(h, 't', ['a', 'b']);
    expect(await deleteTo(h, 't', -1n)).toMatchObject({ errorCode: 0, lowWatermark: 2n });
    expect(await deleteTo(h, 't', 1n)).toMatchObject({ errorCode: 0, lowWatermark: 2n });
  });

  it('answers OFFSET_OUT_OF_RANGE beyond the high watermark or for other negative offsets', async () => {
    const h = harness();
    await h.createTopic('t');
    await produce(h, 't', ['a']);
    expect(await deleteTo(h, 't', 2n)).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1n });
    expect(await deleteTo(h, 't', -2n)).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
  });

  it('refuses unknown partitions and topics whose cleanup policy is compact only', async () => {
    const h = harness();
    await h.createTopic('t');
    await h.createTopic('compacted', 1, { 'cleanup.policy': 'compact' });
    await h.createTopic('both', 1, { 'cleanup.policy': 'compact,delete' });
    expect((await deleteTo(h, 't', 0n, 1)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await deleteTo(h, 'missing', 0n)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await deleteTo(h, 'compacted', 0n)).errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    expect((await deleteTo(h, 'both', 0n)).errorCode).toBe(0);
  });

  it('answers at every version', async () => {
    const h = harness();
    await h.createTopic('t');
    await produce(h, 't', ['a', 'b', 'c']);
    for (let version = 0; version <= 2; version++) {
      const res = await h.call(ApiKey.DeleteRecords, version, {
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: BigInt(version) }] }],
        timeoutMs: 0,
      });
      expect(res.topics[0]!.partitions[0], `v${version}`).toMatchObject({
        errorCode: 0,
        lowWatermark: BigInt(version),
      });
    }
  });
});
