import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { batchOf, type Harness, harness } from '../test-harness.js';

async function endOffset(
  h: Harness,
  leaderEpoch: number,
  options: { version?: number; currentLeaderEpoch?: number; topic?: string } = {},
) {
  const res = await h.call(ApiKey.OffsetForLeaderEpoch, options.version ?? 4, {
    replicaId: -1,
    topics: [
      {
        topic: options.topic ?? 't',
        partitions: [{ partition: 0, leaderEpoch, currentLeaderEpoch: options.currentLeaderEpoch ?? -1 }],
      },
    ],
  });
  return res.topics[0]!.partitions[0]!;
}

describe('offset-for-leader-epoch', () => {
  async function seeded(): Promise<Harness> {
    const h = harness();
    await h.createTopic('t');
    await h.call(ApiKey.Produce, 11, {
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: batchOf(['a', 'b', 'c']) }] }],
    });
    return h;
  }

  it('answers epoch 0 with the high watermark as its end offset', async () => {
    const h = await seeded();
    expect(await endOffset(h, 0)).toEqual({ errorCode: 0, partition: 0, leaderEpoch: 0, endOffset: 3n });
  });

  it('answers an unknown (newer) or undefined epoch with -1/-1', async () => {
    const h = await seeded();
    expect(await endOffset(h, 1)).toMatchObject({ errorCode: 0, leaderEpoch: -1, endOffset: -1n });
    expect(await endOffset(h, -1)).toMatchObject({ errorCode: 0, leaderEpoch: -1, endOffset: -1n });
  });

  it('checks the current leader epoch from v2', async () => {
    const h = await seeded();
    expect((await endOffset(h, 0, { currentLeaderEpoch: 2 })).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await endOffset(h, 0, { currentLeaderEpoch: -2 })).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await endOffset(h, 0, { currentLeaderEpoch: 0 })).errorCode).toBe(0);
  });

  it('answers v0 without a leader epoch', async () => {
    const h = await seeded();
    expect(await endOffset(h, 0, { version: 0 })).toMatchObject({ errorCode: 0, endOffset: 3n, leaderEpoch: -1 });
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a missing topic', async () => {
    const h = await seeded();
    expect((await endOffset(h, 0, { topic: 'missing' })).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('answers at every version', async () => {
    const h = await seeded();
    for (let version = 0; version <= 4; version++) {
      expect((await endOffset(h, 0, { version, currentLeaderEpoch: 0 })).endOffset, `v${version}`).toBe(3n);
    }
  });
});
