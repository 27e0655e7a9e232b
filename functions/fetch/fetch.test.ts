import { describe, expect, it, vi } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { FetchRequest } from '../../shared/protocol/generated/fetch.js';
import type { Init } from '../../shared/protocol/schema.js';
import { TimestampType } from '../../shared/records/batch.js';
import { CompressionCodec } from '../../shared/records/compression/index.js';
import { decodeMessageSet, encodeMessageSet } from '../../shared/records/legacy.js';
import { decodeRecordSet } from '../../shared/records/record-set.js';
import { decodeBatches, encodeBatch } from '../../shared/records/records.js';
import { batchOf, type Harness, harness } from '../test-harness.js';

const text = new TextDecoder();

async function produce(h: Harness, topic: string, records: Uint8Array, partition = 0) {
  const res = await h.call(ApiKey.Produce, 11, {
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  const p = res.responses[0]!.partitionResponses[0]!;
  if (p.errorCode !== 0) throw new Error(`produce failed with ${p.errorCode}`);
  return p.baseOffset;
}

function fetchRequest(
  partitions: { topic: string; partition?: number; offset?: bigint; max?: number; epoch?: number }[],
  options: Partial<Init<FetchRequest>> = {},
): Init<FetchRequest> {
  const list: NonNullable<Init<FetchRequest>['topics']> = [];
  for (const p of partitions) {
    let t = list.find((x) => x.topic === p.topic);
    if (t === undefined) {
      t = { topic: p.topic, partitions: [] };
      list.push(t);
    }
    t.partitions!.push({
      partition: p.partition ?? 0,
      fetchOffset: p.offset ?? 0n,
      partitionMaxBytes: p.max ?? 1 << 20,
      currentLeaderEpoch: p.epoch ?? -1,
    });
  }
  return { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, topics: list, ...options };
}

function values(records: Uint8Array | null): string[] {
  const decoded = decodeBatches(records ?? new Uint8Array(0));
  if (!decoded.ok) throw decoded.error;
  return decoded.value.batches.flatMap((b) => b.records.map((r) => text.decode(r.value!)));
}

describe('fetch', () => {
  it('returns nothing and no error at the high watermark, and OFFSET_OUT_OF_RANGE beyond it', async () => {
    const h = harness();
    await h.createTopic('t');
    await produce(h, 't', batchOf(['a', 'b']));
    const at = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't', offset: 2n }]));
    expect(at.responses[0]!.partitions[0]).toMatchObject({
      errorCode: 0,
      highWatermark: 2n,
      records: new Uint8Array(),
    });
    const beyond = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't', offset: 3n }]));
    expect(beyond.responses[0]!.partitions[0]).toMatchObject({
      errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
      highWatermark: -1n,
      logStartOffset: -1n,
    });
  });

  it('returns the whole batch holding the fetch offset and skips batches wholly below it', async () => {
    const h = harness();
    await h.createTopic('t');
    await produce(h, 't', batchOf(['a', 'b']));
    await produce(h, 't', batchOf(['c', 'd']));
    await produce(h, 't', batchOf(['e']));
    const res = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't', offset: 3n }]));
    expect(values(res.responses[0]!.partitions[0]!.records)).toEqual(['c', 'd', 'e']);
  });

  it("reads an object holding several partitions' batches with one ranged GET", async () => {
    const h = harness();
    await h.createTopic('t', 3);
    for (let i = 0; i < 2; i++) {
      const res = await h.call(ApiKey.Produce, 11, {
        acks: -1,
        timeoutMs: 1000,
        topicData: [
          { name: 't', partitionData: [0, 1, 2].map((index) => ({ index, records: batchOf([`${index}-${i}`]) })) },
        ],
      });
      expect(res.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([0, 0, 0]);
    }
    const getRange = vi.spyOn(h.blobs, 'getRange');
    const res = await h.call(ApiKey.Fetch, 12, fetchRequest([0, 1, 2].map((partition) => ({ topic: 't', partition }))));
    expect(res.responses[0]!.partitions.map((p) => values(p.records))).toEqual([
      ['0-0', '0-1'],
      ['1-0', '1-1'],
      ['2-0', '2-1'],
    ]);
    const baseOffsets = res.responses[0]!.partitions.map((p) => {
      const decoded = decodeBatches(p.records!);
      return decoded.ok ? decoded.value.batches.map((b) => b.header.baseOffset) : decoded.error;
    });
    expect(baseOffsets).toEqual([
      [0n, 1n],
      [0n, 1n],
      [0n, 1n],
    ]);
    expect(getRange).toHaveBeenCalledTimes(2);
  });

  it('honours partition_max_bytes and max_bytes in request order', async () => {
    const h = harness();
    await h.createTopic('t', 3);
    const batch = batchOf(['0123456789']);
    const size = batch.length;
    for (let p = 0; p < 3; p++) for (let i = 0; i < 3; i++) await produce(h, 't', batchOf(['0123456789']), p);
    // Two batches fit the partition limit; the response limit leaves room for three in all.
    const res = await h.call(
      1,
      12,
      fetchRequest(
        [0, 1, 2].map((partition) => ({ topic: 't', partition, max: size * 2 + 1 })),
        { maxBytes: size * 3 },
      ),
    );
    expect(res.responses[0]!.partitions.map((p) => p.records!.length / size)).toEqual([2, 1, 0]);
  });

  it('returns the first batch of the first partition with data even past every limit (KIP-74), and only that', async () => {
    const h = harness();
    await h.createTopic('t', 2);
    const big = batchOf(['x'.repeat(500)]);
    await produce(h, 't', big.slice(), 0);
    await produce(h, 't', batchOf(['y']), 0);
    await produce(h, 't', batchOf(['z']), 1);
    const res = await h.call(
      1,
      12,
      fetchRequest(
        [
          { topic: 't', partition: 0, max: 100 },
          { topic: 't', partition: 1, max: 100 },
        ],
        { maxBytes: 100 },
      ),
    );
    const [p0, p1] = res.responses[0]!.partitions;
    expect(values(p0!.records)).toEqual(['x'.repeat(500)]);
    expect(p1!.records).toEqual(new Uint8Array());
    expect(p1!.errorCode).toBe(0);
  });

  it('treats partition_max_bytes as a hard limit for v0-2 clients', async () => {
    const h = harness();
    await h.createTopic('t');
    await produce(h, 't', batchOf(['x'.repeat(500)]));
    const res = await h.call(ApiKey.Fetch, 2, fetchRequest([{ topic: 't', max: 100 }]));
    expect(res.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, records: new Uint8Array() });
  });

  it('waits for an append when min_bytes is not met, and wakes as soon as it lands', async () => {
    const h = harness();
    await h.createTopic('t');
    const started = Date.now();
    const pending = h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't' }], { minBytes: 1, maxWaitMs: 10_000 }));
    await new Promise((r) => setTimeout(r, 50));
    await produce(h, 't', batchOf(['late']));
    const res = await pending;
    expect(values(res.responses[0]!.partitions[0]!.records)).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers empty after max_wait_ms when nothing arrives', async () => {
    const h = harness();
    await h.createTopic('t');
    const started = Date.now();
    const res = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't' }], { minBytes: 1, maxWaitMs: 150 }));
    const waited = Date.now() - started;
    expect(res.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, records: new Uint8Array() });
    expect(waited).toBeGreaterThanOrEqual(100);
    expect(waited).toBeLessThan(2_000);
  });

  it('waits no longer than the invocation deadline allows', async () => {
    const h = harness();
    await h.createTopic('t');
    const started = Date.now();
    await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't' }], { minBytes: 1, maxWaitMs: 60_000 }), {
      'x-kafkaless-deadline': String(h.env.now() + 250),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not wait when a partition has an error', async () => {
    const h = harness();
    await h.createTopic('t');
    const started = Date.now();
    const res = await h.call(
      ApiKey.Fetch,
      12,
      fetchRequest([{ topic: 't', offset: 5n }], { minBytes: 1, maxWaitMs: 10_000 }),
    );
    expect(res.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers OFFSET_OUT_OF_RANGE below the log start offset after DeleteRecords', async () => {
    const h = harness();
    await h.createTopic('t');
    await produce(h, 't', batchOf(['a', 'b']));
    await produce(h, 't', batchOf(['c']));
    const deleted = await h.call(ApiKey.DeleteRecords, 2, {
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 2n }] }],
      timeoutMs: 1000,
    });
    expect(deleted.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, lowWatermark: 2n });
    const below = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't', offset: 1n }]));
    expect(below.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const from = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't', offset: 2n }]));
    expect(from.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, logStartOffset: 2n });
    expect(values(from.responses[0]!.partitions[0]!.records)).toEqual(['c']);
  });

  it('down-converts to magic 1 for v2-3 and magic 0 for v0-1, from the fetch offset on', async () => {
    const h = harness();
    await h.createTopic('t');
    await produce(
      h,
      't',
      encodeBatch({
        records: ['a', 'b', 'c'].map((v, i) => ({ value: new TextEncoder().encode(v), timestamp: 100n + BigInt(i) })),
        compression: CompressionCodec.GZIP,
      }),
    );
    const v3 = await h.call(ApiKey.Fetch, 3, fetchRequest([{ topic: 't', offset: 1n }]));
    const set1 = decodeMessageSet(v3.responses[0]!.partitions[0]!.records!);
    if (!set1.ok) throw set1.error;
    const m1 = set1.value.entries.flatMap((e) => e.messages);
    expect(set1.value.entries[0]!.wrapper).toMatchObject({ magic: 1, compression: CompressionCodec.GZIP, offset: 2n });
    expect(m1.map((m) => [m.offset, text.decode(m.value!), m.timestamp])).toEqual([
      [1n, 'b', 101n],
      [2n, 'c', 102n],
    ]);

    const v1 = await h.call(ApiKey.Fetch, 1, fetchRequest([{ topic: 't' }]));
    const set0 = decodeMessageSet(v1.responses[0]!.partitions[0]!.records!);
    if (!set0.ok) throw set0.error;
    const m0 = set0.value.entries.flatMap((e) => e.messages);
    expect(m0.map((m) => [m.magic, m.offset, text.decode(m.value!)])).toEqual([
      [0, 0n, 'a'],
      [0, 1n, 'b'],
      [0, 2n, 'c'],
    ]);
  });

  it('keeps LogAppendTime through down-conversion to magic 1', async () => {
    const h = harness();
    await h.createTopic('lat', 1, { 'message.timestamp.type': 'LogAppendTime' });
    const produced = await h.call(ApiKey.Produce, 8, {
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 'lat', partitionData: [{ index: 0, records: batchOf(['a']) }] }],
    });
    const appended = produced.responses[0]!.partitionResponses[0]!.logAppendTimeMs;
    const res = await h.call(ApiKey.Fetch, 2, fetchRequest([{ topic: 'lat' }]));
    const set = decodeMessageSet(res.responses[0]!.partitions[0]!.records!);
    if (!set.ok) throw set.error;
    expect(set.value.entries[0]!.messages[0]).toMatchObject({
      timestampType: TimestampType.LOG_APPEND_TIME,
      timestamp: appended,
    });
  });

  it('refuses down-conversion when the topic disables it', async () => {
    const h = harness();
    await h.createTopic('t', 1, { 'message.downconversion.enable': 'false' });
    await produce(h, 't', batchOf(['a']));
    const res = await h.call(ApiKey.Fetch, 3, fetchRequest([{ topic: 't' }]));
    expect(res.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('addresses topics by id from v13 and answers UNKNOWN_TOPIC_ID for an unknown one', async () => {
    const h = harness();
    const topic = await h.createTopic('t');
    await produce(h, 't', batchOf(['a']));
    const res = await h.call(ApiKey.Fetch, 13, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      topics: [
        { topicId: topic.id, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] },
        { topicId: 'AAAAAAAAAAAAAAAAAAAABQ', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 }] },
      ],
    });
    expect(res.responses.map((t) => [t.topicId, t.partitions[0]!.errorCode])).toEqual([
      [topic.id, 0],
      ['AAAAAAAAAAAAAAAAAAAABQ', ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    expect(values(res.responses[0]!.partitions[0]!.records)).toEqual(['a']);
  });

  it('creates no fetch session and refuses incremental fetches with FETCH_SESSION_ID_NOT_FOUND', async () => {
    const h = harness();
    await h.createTopic('t');
    const full = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't' }], { sessionId: 0, sessionEpoch: 0 }));
    expect([full.errorCode, full.sessionId]).toEqual([0, 0]);
    const closing = await h.call(
      ApiKey.Fetch,
      12,
      fetchRequest([{ topic: 't' }], { sessionId: 123, sessionEpoch: -1 }),
    );
    expect([closing.errorCode, closing.sessionId]).toEqual([0, 0]);
    const incremental = await h.call(ApiKey.Fetch, 12, fetchRequest([], { sessionId: 123, sessionEpoch: 1 }));
    expect(incremental).toMatchObject({ errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] });
  });

  it('checks the current leader epoch: 0 is current, newer is UNKNOWN_LEADER_EPOCH', async () => {
    const h = harness();
    await h.createTopic('t');
    const res = await h.call(
      1,
      12,
      fetchRequest([
        { topic: 't', epoch: 0 },
        { topic: 't', epoch: 3 },
      ]),
    );
    expect(res.responses[0]!.partitions.map((p) => p.errorCode)).toEqual([0, ErrorCode.UNKNOWN_LEADER_EPOCH]);
  });

  it('reports the last stable offset and an empty aborted list under read_committed', async () => {
    const h = harness();
    await h.createTopic('t');
    await produce(h, 't', batchOf(['a', 'b']));
    const committed = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't' }], { isolationLevel: 1 }));
    expect(committed.responses[0]!.partitions[0]).toMatchObject({
      highWatermark: 2n,
      lastStableOffset: 2n,
      logStartOffset: 0n,
      abortedTransactions: [],
      preferredReadReplica: -1,
    });
    const uncommitted = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't' }]));
    expect(uncommitted.responses[0]!.partitions[0]!.abortedTransactions).toBeNull();
  });

  describe('read_committed', () => {
    function txnBatch(values: readonly string[], producerId: bigint, baseSequence: number): Uint8Array {
      return encodeBatch({
        records: values.map((v) => ({ value: new TextEncoder().encode(v), timestamp: 1_000n })),
        producerId,
        producerEpoch: 0,
        baseSequence,
        transactional: true,
      });
    }

    async function produceTxn(h: Harness, topic: string, records: Uint8Array) {
      const res = await h.call(ApiKey.Produce, 11, {
        transactionalId: 'tx',
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
      });
      expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    }

    /** Writes a commit or abort marker as the transaction coordinator does: a control batch, then writeMarkers. */
    async function writeMarker(h: Harness, topic: string, producerId: bigint, commit: boolean): Promise<void> {
      const key = new Uint8Array(4);
      new DataView(key.buffer).setInt16(2, commit ? 1 : 0);
      const bytes = encodeBatch({
        records: [{ key, value: new Uint8Array(6), timestamp: 2_000n }],
        producerId,
        producerEpoch: 0,
        baseSequence: -1,
        transactional: true,
        control: true,
      });
      const object = `markers/${producerId}-${Math.random()}`;
      await h.blobs.put(object, [bytes]);
      const t = (await h.meta.topics.getTopic(topic))!;
      const [outcome] = await h.meta.log.writeMarkers([
        {
          partition: { topicId: t.id, partition: 0 },
          marker: {
            producerId,
            producerEpoch: 0,
            commit,
            coordinatorEpoch: 0,
            batch: { offsetCount: 1, maxTimestamp: 2_000n, object, position: 0, size: bytes.length },
          },
        },
      ]);
      expect(outcome!.kind).toBe('written');
    }

    /** Values of data records, control batches (markers) left out. */
    function dataValues(records: Uint8Array | null | undefined): string[] {
      const decoded = decodeBatches(records ?? new Uint8Array(0));
      if (!decoded.ok) throw decoded.error;
      return decoded.value.batches
        .filter((b) => !b.header.isControl)
        .flatMap((b) => b.records.map((r) => text.decode(r.value!)));
    }

    function batchBases(records: Uint8Array | null | undefined): bigint[] {
      const decoded = decodeBatches(records ?? new Uint8Array(0));
      if (!decoded.ok) throw decoded.error;
      return decoded.value.batches.map((b) => b.header.baseOffset);
    }

    it('reads only below the last stable offset while a transaction is open; read_uncommitted reads on', async () => {
      const h = harness();
      await h.createTopic('t');
      await produce(h, 't', batchOf(['a']));
      await produceTxn(h, 't', txnBatch(['t1', 't2'], 30n, 0));
      await produce(h, 't', batchOf(['b']));
      const committed = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't' }], { isolationLevel: 1 }));
      expect(committed.responses[0]!.partitions[0]).toMatchObject({
        errorCode: 0,
        highWatermark: 4n,
        lastStableOffset: 1n,
        abortedTransactions: [],
      });
      expect(values(committed.responses[0]!.partitions[0]!.records)).toEqual(['a']);
      // Between the last stable offset and the high watermark: nothing yet, no error.
      const waiting = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't', offset: 2n }], { isolationLevel: 1 }));
      expect(waiting.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, records: new Uint8Array() });
      const uncommitted = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't' }]));
      expect(uncommitted.responses[0]!.partitions[0]).toMatchObject({
        lastStableOffset: 1n,
        abortedTransactions: null,
      });
      expect(values(uncommitted.responses[0]!.partitions[0]!.records)).toEqual(['a', 't1', 't2', 'b']);
      // v4 is the first version with the field.
      const v4 = await h.call(ApiKey.Fetch, 4, fetchRequest([{ topic: 't' }], { isolationLevel: 1 }));
      expect(v4.responses[0]!.partitions[0]).toMatchObject({ highWatermark: 4n, lastStableOffset: 1n });
    });

    it('returns the aborted transactions overlapping what it returns after an abort', async () => {
      const h = harness();
      await h.createTopic('t');
      await produce(h, 't', batchOf(['a']));
      await produceTxn(h, 't', txnBatch(['t1', 't2'], 31n, 0));
      await produce(h, 't', batchOf(['b']));
      await writeMarker(h, 't', 31n, false);
      await produce(h, 't', batchOf(['c']));
      const all = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't' }], { isolationLevel: 1 }));
      const p = all.responses[0]!.partitions[0]!;
      expect(p).toMatchObject({
        highWatermark: 6n,
        lastStableOffset: 6n,
        abortedTransactions: [{ producerId: 31n, firstOffset: 1n }],
      });
      expect(batchBases(p.records)).toEqual([0n, 1n, 3n, 4n, 5n]);
      // Data that ends before the transaction began, or begins after its marker, carries none.
      const before = await h.call(
        ApiKey.Fetch,
        12,
        fetchRequest([{ topic: 't', max: 1 }], { isolationLevel: 1, maxBytes: 1 }),
      );
      expect(batchBases(before.responses[0]!.partitions[0]!.records)).toEqual([0n]);
      expect(before.responses[0]!.partitions[0]!.abortedTransactions).toEqual([]);
      const after = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't', offset: 5n }], { isolationLevel: 1 }));
      expect(after.responses[0]!.partitions[0]!.abortedTransactions).toEqual([]);
      const marker = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't', offset: 4n }], { isolationLevel: 1 }));
      expect(marker.responses[0]!.partitions[0]!.abortedTransactions).toEqual([{ producerId: 31n, firstOffset: 1n }]);
    });

    it('reports no aborted transaction after a commit', async () => {
      const h = harness();
      await h.createTopic('t');
      await produceTxn(h, 't', txnBatch(['t1'], 32n, 0));
      await writeMarker(h, 't', 32n, true);
      const res = await h.call(ApiKey.Fetch, 12, fetchRequest([{ topic: 't' }], { isolationLevel: 1 }));
      expect(res.responses[0]!.partitions[0]).toMatchObject({ lastStableOffset: 2n, abortedTransactions: [] });
      expect(batchBases(res.responses[0]!.partitions[0]!.records)).toEqual([0n, 1n]);
      expect(dataValues(res.responses[0]!.partitions[0]!.records)).toEqual(['t1']);
    });

    it('keeps waiting while only uncommitted data arrives, and wakes when the transaction ends', async () => {
      const h = harness();
      await h.createTopic('t');
      await produceTxn(h, 't', txnBatch(['t1'], 33n, 0));
      const started = Date.now();
      const pending = h.call(
        ApiKey.Fetch,
        12,
        fetchRequest([{ topic: 't' }], { isolationLevel: 1, minBytes: 1, maxWaitMs: 10_000 }),
      );
      await new Promise((r) => setTimeout(r, 100));
      await produceTxn(h, 't', txnBatch(['t2'], 33n, 1));
      await new Promise((r) => setTimeout(r, 300));
      await writeMarker(h, 't', 33n, true);
      const res = await pending;
      const waited = Date.now() - started;
      expect(dataValues(res.responses[0]!.partitions[0]!.records)).toEqual(['t1', 't2']);
      expect(res.responses[0]!.partitions[0]!.lastStableOffset).toBe(3n);
      expect(waited).toBeGreaterThanOrEqual(350);
      expect(waited).toBeLessThan(5_000);
    });
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a missing topic or partition', async () => {
    const h = harness();
    await h.createTopic('t');
    const res = await h.call(ApiKey.Fetch, 11, fetchRequest([{ topic: 't', partition: 4 }, { topic: 'missing' }]));
    expect(res.responses.map((t) => t.partitions[0]!.errorCode)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
  });

  it('answers NOT_LEADER_OR_FOLLOWER with the leader (v16+) when an object cannot be read', async () => {
    const h = harness();
    const topic = await h.createTopic('t');
    await produce(h, 't', batchOf(['a']));
    h.blobs.objects.clear();
    const res = await h.call(ApiKey.Fetch, 16, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1000,
      topics: [{ topicId: topic.id, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000 }] }],
    });
    expect(res.responses[0]!.partitions[0]).toMatchObject({
      errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
      currentLeader: { leaderId: 7, leaderEpoch: 0 },
    });
    expect(res.nodeEndpoints).toHaveLength(1);
  });

  it('reports a diverging epoch for a fetch past the end of epoch 0 (v12+ last fetched epoch)', async () => {
    const h = harness();
    await h.createTopic('t');
    await produce(h, 't', batchOf(['a']));
    const res = await h.call(ApiKey.Fetch, 12, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1000,
      topics: [
        {
          topic: 't',
          partitions: [
            { partition: 0, fetchOffset: 1n, lastFetchedEpoch: 0, partitionMaxBytes: 1000 },
            { partition: 0, fetchOffset: 0n, lastFetchedEpoch: 2, partitionMaxBytes: 1000 },
            { partition: 0, fetchOffset: 2n, lastFetchedEpoch: 0, partitionMaxBytes: 1000 },
          ],
        },
      ],
    });
    const [ok, unknown, diverging] = res.responses[0]!.partitions;
    expect(ok!.errorCode).toBe(0);
    expect(ok!.divergingEpoch).toEqual({ epoch: -1, endOffset: -1n });
    expect(unknown!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(diverging).toMatchObject({ errorCode: 0, divergingEpoch: { epoch: 0, endOffset: 1n } });
  });

  it('round-trips through every Produce version and reads back at every Fetch version', async () => {
    const h = harness();
    const topic = await h.createTopic('all');
    const enc = new TextEncoder();
    for (let version = 0; version <= 11; version++) {
      const value = enc.encode(`v${version}`);
      const records =
        version <= 2
          ? encodeMessageSet({ magic: version <= 1 ? 0 : 1, messages: [{ value, timestamp: 1000n }] })
          : encodeBatch({ records: [{ value, timestamp: 1000n }] });
      const res = await h.call(ApiKey.Produce, version, {
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: 'all', partitionData: [{ index: 0, records }] }],
      });
      expect(res.responses[0]!.partitionResponses[0], `produce v${version}`).toMatchObject({
        errorCode: 0,
        baseOffset: BigInt(version),
      });
    }
    const expected = Array.from({ length: 12 }, (_, v) => `v${v}`);
    for (let version = 0; version <= 17; version++) {
      const partitions = [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }];
      const res = await h.call(ApiKey.Fetch, version, {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        topics: [version >= 13 ? { topicId: topic.id, partitions } : { topic: 'all', partitions }],
      });
      const p = res.responses[0]!.partitions[0]!;
      expect(p.errorCode, `fetch v${version}`).toBe(0);
      const decoded = decodeRecordSet(p.records!);
      if (!decoded.ok) throw decoded.error;
      const got = decoded.value.entries.flatMap((e) =>
        e.kind === 'batch'
          ? e.batch.records.map((r) => text.decode(r.value!))
          : e.entry.messages.map((m) => text.decode(m.value!)),
      );
      expect(got, `fetch v${version}`).toEqual(expected);
      const magics = new Set(decoded.value.entries.map((e) => (e.kind === 'batch' ? 2 : e.entry.wrapper.magic)));
      expect([...magics], `fetch v${version}`).toEqual([version <= 1 ? 0 : version <= 3 ? 1 : 2]);
    }
  });
});
