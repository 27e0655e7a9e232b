import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { CompressionCodec } from '../../shared/records/compression/index.js';
import { encodeBatch } from '../../shared/records/records.js';
import { type Harness, harness } from '../test-harness.js';

async function produce(
  h: Harness,
  topic: string,
  timestamps: readonly bigint[],
  compression: CompressionCodec = CompressionCodec.NONE,
) {
  const records = encodeBatch({
    records: timestamps.map((timestamp) => ({ value: new Uint8Array([1]), timestamp })),
    compression,
  });
  const res = await h.call(ApiKey.Produce, 11, {
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
}

async function listOffset(
  h: Harness,
  topic: string,
  timestamp: bigint,
  version = 10,
  extra: { isolationLevel?: number; currentLeaderEpoch?: number } = {},
) {
  const res = await h.call(ApiKey.ListOffsets, version, {
    replicaId: -1,
    isolationLevel: extra.isolationLevel ?? 0,
    topics: [
      {
        name: topic,
        partitions: [{ partitionIndex: 0, timestamp, currentLeaderEpoch: extra.currentLeaderEpoch ?? -1 }],
      },
    ],
  });
  return res.topics[0]!.partitions[0]!;
}

/** Offsets 0-2 in one batch, 3-5 in another, gzip; timestamps out of order within and across batches. */
async function seeded(): Promise<Harness> {
  const h = harness();
  await h.createTopic('t');
  await produce(h, 't', [100n, 300n, 200n]);
  await produce(h, 't', [150n, 500n, 500n], CompressionCodec.GZIP);
  await produce(h, 't', [400n]);
  return h;
}

describe('list-offsets', () => {
  it('answers latest (-1) with the high watermark, also under read_committed', async () => {
    const h = await seeded();
    expect(await listOffset(h, 't', -1n)).toMatchObject({ errorCode: 0, offset: 7n, timestamp: -1n, leaderEpoch: 0 });
    expect(await listOffset(h, 't', -1n, 10, { isolationLevel: 1 })).toMatchObject({ offset: 7n });
  });

  it('bounds latest and timestamp lookups by the last stable offset under read_committed, for consumers only', async () => {
    const h = await seeded();
    // Offsets 7-8: a transaction from producer 70, still open.
    const res = await h.call(ApiKey.Produce, 11, {
      transactionalId: 'tx',
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        {
          name: 't',
          partitionData: [
            {
              index: 0,
              records: encodeBatch({
                records: [
                  { value: new Uint8Array([1]), timestamp: 600n },
                  { value: new Uint8Array([2]), timestamp: 700n },
                ],
                producerId: 70n,
                producerEpoch: 0,
                baseSequence: 0,
                transactional: true,
              }),
            },
          ],
        },
      ],
    });
    expect(res.responses[0]!.partitionResponses[0]!.baseOffset).toBe(7n);
    const committed = { isolationLevel: 1 };
    expect(await listOffset(h, 't', -1n)).toMatchObject({ offset: 9n });
    expect(await listOffset(h, 't', -1n, 10, committed)).toMatchObject({ errorCode: 0, offset: 7n, timestamp: -1n });
    expect(await listOffset(h, 't', -1n, 2, committed)).toMatchObject({ offset: 7n });
    // Before v2 there is no isolation level.
    expect(await listOffset(h, 't', -1n, 1)).toMatchObject({ offset: 9n });
    expect(await listOffset(h, 't', 600n)).toMatchObject({ offset: 7n, timestamp: 600n });
    expect(await listOffset(h, 't', 600n, 10, committed)).toMatchObject({ errorCode: 0, offset: -1n, timestamp: -1n });
    expect(await listOffset(h, 't', 450n, 10, committed)).toMatchObject({ offset: 4n, timestamp: 500n });
    expect(await listOffset(h, 't', -3n)).toMatchObject({ offset: 8n, timestamp: 700n });
    expect(await listOffset(h, 't', -3n, 10, committed)).toMatchObject({ offset: -1n, timestamp: -1n });
    expect(await listOffset(h, 't', -2n, 10, committed)).toMatchObject({ offset: 0n });
    // A follower or debugging replica reads to the log end whatever its isolation level.
    const debug = await h.call(ApiKey.ListOffsets, 10, {
      replicaId: -2,
      isolationLevel: 1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n, currentLeaderEpoch: -1 }] }],
    });
    expect(debug.topics[0]!.partitions[0]!.offset).toBe(9n);

    // The commit marker at 9 makes it all stable.
    const marker = encodeBatch({
      records: [{ key: new Uint8Array([0, 0, 0, 1]), value: new Uint8Array(6), timestamp: 650n }],
      producerId: 70n,
      producerEpoch: 0,
      baseSequence: -1,
      transactional: true,
      control: true,
    });
    await h.blobs.put('markers/70', [marker]);
    const topic = (await h.meta.topics.getTopic('t'))!;
    await h.meta.log.writeMarkers([
      {
        partition: { topicId: topic.id, partition: 0 },
        marker: {
          producerId: 70n,
          producerEpoch: 0,
          commit: true,
          coordinatorEpoch: 0,
          batch: { offsetCount: 1, maxTimestamp: 650n, object: 'markers/70', position: 0, size: marker.length },
        },
      },
    ]);
    expect(await listOffset(h, 't', -1n, 10, committed)).toMatchObject({ offset: 10n });
    expect(await listOffset(h, 't', 600n, 10, committed)).toMatchObject({ offset: 7n, timestamp: 600n });
    expect(await listOffset(h, 't', -3n, 10, committed)).toMatchObject({ offset: 8n, timestamp: 700n });
  });

  it('answers earliest (-2) and earliest local (-4) with the log start offset', async () => {
    const h = await seeded();
    expect(await listOffset(h, 't', -2n)).toMatchObject({ errorCode: 0, offset: 0n, timestamp: -1n, leaderEpoch: 0 });
    expect(await listOffset(h, 't', -4n)).toMatchObject({ errorCode: 0, offset: 0n, leaderEpoch: 0 });
    await h.call(ApiKey.DeleteRecords, 1, {
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 4n }] }],
      timeoutMs: 0,
    });
    expect(await listOffset(h, 't', -2n)).toMatchObject({ offset: 4n });
  });

  it('answers max timestamp (-3) with the first record carrying the largest timestamp', async () => {
    const h = await seeded();
    expect(await listOffset(h, 't', -3n)).toMatchObject({ errorCode: 0, offset: 4n, timestamp: 500n, leaderEpoch: 0 });
  });

  it('answers latest tiered (-5) with -1 as Kafka does without remote storage', async () => {
    const h = await seeded();
    expect(await listOffset(h, 't', -5n)).toMatchObject({ errorCode: 0, offset: -1n, timestamp: -1n, leaderEpoch: -1 });
  });

  it('finds the first record in offset order with a timestamp at or after the target', async () => {
    const h = await seeded();
    const at = async (t: bigint) => {
      const p = await listOffset(h, 't', t);
      return [p.offset, p.timestamp];
    };
    expect(await at(0n)).toEqual([0n, 100n]);
    expect(await at(101n)).toEqual([1n, 300n]);
    expect(await at(300n)).toEqual([1n, 300n]);
    expect(await at(301n)).toEqual([4n, 500n]);
    expect(await at(450n)).toEqual([4n, 500n]);
    expect(await at(501n)).toEqual([-1n, -1n]);
  });

  it('skips records below the log start offset when searching by timestamp', async () => {
    const h = await seeded();
    await h.call(ApiKey.DeleteRecords, 1, {
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 2n }] }],
      timeoutMs: 0,
    });
    // Offset 1 (300) is gone; the live records in offset order are 2 (200), 3 (150), 4 (500), ...
    expect((await listOffset(h, 't', 160n)).offset).toBe(2n);
    expect((await listOffset(h, 't', 250n)).offset).toBe(4n);
  });

  it('answers -1/-1 on an empty partition for every lookup that needs a record', async () => {
    const h = harness();
    await h.createTopic('empty');
    expect(await listOffset(h, 'empty', -3n)).toMatchObject({ offset: -1n, timestamp: -1n });
    expect(await listOffset(h, 'empty', 0n)).toMatchObject({ offset: -1n, timestamp: -1n });
    expect(await listOffset(h, 'empty', -1n)).toMatchObject({ offset: 0n });
  });

  it('refuses special timestamps older versions do not know with UNSUPPORTED_VERSION', async () => {
    const h = await seeded();
    expect((await listOffset(h, 't', -3n, 6)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect((await listOffset(h, 't', -4n, 7)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect((await listOffset(h, 't', -5n, 8)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect((await listOffset(h, 't', -6n, 10)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect((await listOffset(h, 't', -3n, 7)).errorCode).toBe(0);
  });

  it('answers v0 in the old form, newest offset first', async () => {
    const h = await seeded();
    const v0 = async (timestamp: bigint, maxNumOffsets: number) => {
      const res = await h.call(ApiKey.ListOffsets, 0, {
        replicaId: -1,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp, maxNumOffsets }] }],
      });
      return res.topics[0]!.partitions[0]!;
    };
    expect(await v0(-1n, 1)).toMatchObject({ errorCode: 0, oldStyleOffsets: [7n] });
    expect(await v0(-1n, 10)).toMatchObject({ oldStyleOffsets: [7n, 0n] });
    expect(await v0(-2n, 10)).toMatchObject({ oldStyleOffsets: [0n] });
    expect((await v0(-3n, 1)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('checks the current leader epoch (v4+) and refuses a partition named twice (v1+)', async () => {
    const h = await seeded();
    expect((await listOffset(h, 't', -1n, 4, { currentLeaderEpoch: 1 })).errorCode).toBe(
      ErrorCode.UNKNOWN_LEADER_EPOCH,
    );
    expect((await listOffset(h, 't', -1n, 4, { currentLeaderEpoch: 0 })).errorCode).toBe(0);
    const res = await h.call(ApiKey.ListOffsets, 5, {
      replicaId: -1,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, timestamp: -1n },
            { partitionIndex: 0, timestamp: -2n },
          ],
        },
      ],
    });
    expect(res.topics[0]!.partitions).toEqual([
      expect.objectContaining({ partitionIndex: 0, errorCode: ErrorCode.INVALID_REQUEST, offset: -1n }),
    ]);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a missing topic or partition', async () => {
    const h = await seeded();
    expect((await listOffset(h, 'missing', -1n)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const res = await h.call(ApiKey.ListOffsets, 1, {
      replicaId: -1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 3, timestamp: -1n }] }],
    });
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('answers latest at every version', async () => {
    const h = await seeded();
    for (let version = 0; version <= 10; version++) {
      const res = await h.call(ApiKey.ListOffsets, version, {
        replicaId: -1,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n, maxNumOffsets: 1 }] }],
      });
      const p = res.topics[0]!.partitions[0]!;
      expect(p.errorCode, `v${version}`).toBe(0);
      expect(version === 0 ? p.oldStyleOffsets : [p.offset], `v${version}`).toEqual([7n]);
    }
  });
});
