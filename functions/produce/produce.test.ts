import { describe, expect, it } from 'vitest';
import { Header } from '../../shared/invocation.js';
import { encodeRequest } from '../../shared/protocol/frame.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import {
  BASE_OFFSET_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  RecordBatchHeader,
  TimestampType,
} from '../../shared/records/batch.js';
import { CompressionCodec } from '../../shared/records/compression/index.js';
import { encodeMessageSet } from '../../shared/records/legacy.js';
import { decodeBatches, encodeBatch } from '../../shared/records/records.js';
import { batchOf, type Harness, harness } from '../test-harness.js';
import { batchObjectKey } from './index.js';

const text = new TextDecoder();

async function produce(
  h: Harness,
  topic: string,
  records: Uint8Array,
  options: { version?: number; partition?: number; acks?: number } = {},
) {
  const res = await h.call(ApiKey.Produce, options.version ?? 11, {
    acks: options.acks ?? -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: options.partition ?? 0, records }] }],
  });
  return res.responses[0]!.partitionResponses[0]!;
}

async function fetchAll(h: Harness, topic: string, offset = 0n, version = 12, partition = 0) {
  const res = await h.call(ApiKey.Fetch, version, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
  });
  return res.responses[0]!.partitions[0]!;
}

/** The bytes a stored batch must have when fetched: the producer's, with the base offset and leader epoch set. */
function asFetched(sent: Uint8Array, baseOffset: bigint): Uint8Array {
  const out = sent.slice();
  const view = new DataView(out.buffer);
  view.setBigInt64(BASE_OFFSET_OFFSET, baseOffset);
  view.setInt32(PARTITION_LEADER_EPOCH_OFFSET, 0);
  return out;
}

describe('produce', () => {
  it('stores a batch that fetch returns byte for byte, apart from the base offset and leader epoch', async () => {
    const h = harness();
    await h.createTopic('orders');
    const first = batchOf(['a', 'b', 'c']);
    const second = batchOf(['d', 'e']);
    const r1 = await produce(h, 'orders', first.slice());
    const r2 = await produce(h, 'orders', second.slice());
    expect(r1).toMatchObject({ errorCode: 0, baseOffset: 0n, logStartOffset: 0n, logAppendTimeMs: -1n });
    expect(r2).toMatchObject({ errorCode: 0, baseOffset: 3n });

    const fetched = await fetchAll(h, 'orders');
    expect(fetched.errorCode).toBe(0);
    expect(fetched.highWatermark).toBe(5n);
    const expected = new Uint8Array([...asFetched(first, 0n), ...asFetched(second, 3n)]);
    expect(fetched.records).toEqual(expected);
    // The CRC is the producer's: the rewritten fields lie outside it.
    expect(new RecordBatchHeader(fetched.records!).isCrcValid()).toBe(true);
  });

  it('writes one object for a whole request and appends every partition', async () => {
    const h = harness();
    await h.createTopic('a', 2);
    await h.createTopic('b');
    const res = await h.call(ApiKey.Produce, 9, {
      acks: 1,
      timeoutMs: 1000,
      topicData: [
        {
          name: 'a',
          partitionData: [
            { index: 0, records: batchOf(['x']) },
            { index: 1, records: batchOf(['y', 'z']) },
          ],
        },
        { name: 'b', partitionData: [{ index: 0, records: batchOf(['w']) }] },
      ],
    });
    expect(res.responses.map((t) => t.partitionResponses.map((p) => [p.errorCode, p.baseOffset]))).toEqual([
      [
        [0, 0n],
        [0, 0n],
      ],
      [[0, 0n]],
    ]);
    expect(h.blobs.objects.size).toBe(1);
    const [key] = [...h.blobs.objects.keys()];
    expect(key).toMatch(/^batches\/20241124\/\d{15}-[0-9a-f]{16}$/);
  });

  it('appends both batches, in order, when a request names a partition twice', async () => {
    const h = harness();
    await h.createTopic('twice');
    const res = await h.call(ApiKey.Produce, 11, {
      acks: 1,
      timeoutMs: 1000,
      topicData: [
        {
          name: 'twice',
          partitionData: [
            { index: 0, records: batchOf(['a', 'b']) },
            { index: 0, records: batchOf(['c']) },
          ],
        },
      ],
    });
    expect(res.responses[0]!.partitionResponses.map((p) => p.baseOffset)).toEqual([0n, 2n]);
    expect((await fetchAll(h, 'twice')).highWatermark).toBe(3n);
  });

  it('refuses a batch with a bad CRC and stores nothing of it, while the rest of the request proceeds', async () => {
    const h = harness();
    await h.createTopic('t', 2);
    const bad = batchOf(['one', 'two']);
    bad[bad.length - 1]! ^= 0xff;
    const res = await h.call(ApiKey.Produce, 11, {
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        {
          name: 't',
          partitionData: [
            { index: 0, records: bad },
            { index: 1, records: batchOf(['fine']) },
          ],
        },
      ],
    });
    const [p0, p1] = res.responses[0]!.partitionResponses;
    expect(p0).toMatchObject({ errorCode: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1n });
    expect(p1).toMatchObject({ errorCode: 0, baseOffset: 0n });
    const topic = (await h.meta.topics.getTopic('t'))!;
    const [o0, o1] = await h.meta.log.offsets([
      { topicId: topic.id, partition: 0 },
      { topicId: topic.id, partition: 1 },
    ]);
    expect(o0!.highWatermark).toBe(0n);
    expect(o1!.highWatermark).toBe(1n);
    // The one object holds only the good batch.
    const [object] = [...h.blobs.objects.values()];
    expect(object!.length).toBe(batchOf(['fine']).length);
  });

  it('answers MESSAGE_TOO_LARGE for a batch over the topic max.message.bytes', async () => {
    const h = harness();
    await h.createTopic('small', 1, { 'max.message.bytes': '100' });
    const res = await produce(h, 'small', batchOf(['x'.repeat(200)]));
    expect(res.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(h.blobs.objects.size).toBe(0);
    expect((await produce(h, 'small', batchOf(['ok']))).errorCode).toBe(0);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a missing topic or partition and never creates topics', async () => {
    const h = harness();
    await h.createTopic('one');
    expect((await produce(h, 'nope', batchOf(['x']))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await produce(h, 'one', batchOf(['x']), { partition: 1 })).errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    expect(await h.meta.topics.getTopic('nope')).toBeNull();
  });

  it('rewrites batches of a LogAppendTime topic and reports the append time', async () => {
    const h = harness();
    await h.createTopic('lat', 1, { 'message.timestamp.type': 'LogAppendTime' });
    const before = BigInt(h.env.now());
    const res = await produce(h, 'lat', batchOf(['a', 'b'], { baseTimestamp: 5n }));
    const appended = res.logAppendTimeMs;
    expect(res.errorCode).toBe(0);
    expect(appended).toBeGreaterThanOrEqual(before);
    expect(appended).toBeLessThanOrEqual(BigInt(h.env.now()));
    const fetched = await fetchAll(h, 'lat');
    const decoded = decodeBatches(fetched.records!);
    if (!decoded.ok) throw decoded.error;
    const [batch] = decoded.value.batches;
    expect(batch!.header.timestampType).toBe(TimestampType.LOG_APPEND_TIME);
    expect(batch!.header.maxTimestamp).toBe(appended);
    expect(batch!.records.map((r) => r.timestamp)).toEqual([appended, appended]);
  });

  it('refuses a producer-set LogAppendTime batch on a CreateTime topic with INVALID_TIMESTAMP', async () => {
    const h = harness();
    await h.createTopic('ct');
    const batch = encodeBatch({
      records: [{ value: new Uint8Array([1]) }],
      timestampType: TimestampType.LOG_APPEND_TIME,
      baseTimestamp: 1n,
    });
    const res = await produce(h, 'ct', batch);
    expect(res.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(res.recordErrors).toHaveLength(1);
  });

  it('refuses keyless records on a compacted topic with INVALID_RECORD and record errors', async () => {
    const h = harness();
    await h.createTopic('compacted', 1, { 'cleanup.policy': 'compact' });
    const batch = encodeBatch({ records: [{ key: new Uint8Array([1]), value: null }, { value: new Uint8Array([2]) }] });
    const res = await produce(h, 'compacted', batch);
    expect(res.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(res.recordErrors.map((e) => e.batchIndex)).toEqual([1]);
    expect(res.recordErrors[0]!.batchIndexErrorMessage).toMatch(/in topic partition compacted-0$/);
    // As Kafka: the rejected partition's log start offset, not -1.
    expect(res.logStartOffset).toBe(0n);
  });

  it('refuses CreateTime records outside the topic timestamp bounds with INVALID_TIMESTAMP', async () => {
    const h = harness();
    await h.createTopic('bounded', 1, { 'message.timestamp.before.max.ms': '1000' });
    await h.createTopic('legacy-bound', 1, { 'message.timestamp.difference.max.ms': '1000' });
    const now = BigInt(h.env.now());
    for (const topic of ['bounded', 'legacy-bound']) {
      const batch = encodeBatch({
        records: [
          { value: new Uint8Array([1]), timestamp: now },
          { value: new Uint8Array([2]), timestamp: now - 60_000n },
        ],
      });
      const res = await produce(h, topic, batch);
      expect(res.errorCode, topic).toBe(ErrorCode.INVALID_TIMESTAMP);
      expect(
        res.recordErrors.map((e) => e.batchIndex),
        topic,
      ).toEqual([1]);
    }
    const fresh = encodeBatch({ records: [{ value: new Uint8Array([1]), timestamp: now + 60_000n }] });
    expect((await produce(h, 'bounded', fresh)).errorCode).toBe(0);
  });

  it('answers nothing (204) for acks=0 after storing, and closes the connection when a partition failed', async () => {
    const h = harness();
    await h.createTopic('fire');
    const ok = await h.send(
      encodeRequest(ApiKey.Produce, 11, 1, 'p', {
        acks: 0,
        timeoutMs: 1000,
        topicData: [{ name: 'fire', partitionData: [{ index: 0, records: batchOf(['x']) }] }],
      }),
    );
    expect(ok.status).toBe(204);
    expect((await fetchAll(h, 'fire')).highWatermark).toBe(1n);
    const failed = await h.send(
      encodeRequest(ApiKey.Produce, 11, 2, 'p', {
        acks: 0,
        timeoutMs: 1000,
        topicData: [{ name: 'missing', partitionData: [{ index: 0, records: batchOf(['x']) }] }],
      }),
    );
    expect(failed.status).toBe(400);
    expect(failed.headers.get(Header.action)).toBe('close');
  });

  it('answers INVALID_REQUIRED_ACKS for acks other than 0, 1 and -1 and stores nothing', async () => {
    const h = harness();
    await h.createTopic('acks');
    const res = await produce(h, 'acks', batchOf(['x']), { acks: 2 });
    expect(res.errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    expect(h.blobs.objects.size).toBe(0);
  });

  it('up-converts a Produce v2 magic-1 message set to one magic-2 batch', async () => {
    const h = harness();
    await h.createTopic('old');
    const enc = new TextEncoder();
    for (const compression of [CompressionCodec.NONE, CompressionCodec.GZIP]) {
      const set = encodeMessageSet({
        magic: 1,
        compression,
        messages: [
          { key: enc.encode('k1'), value: enc.encode('v1'), timestamp: 1000n },
          { key: null, value: enc.encode('v2'), timestamp: 900n },
        ],
      });
      const res = await produce(h, 'old', set, { version: 2 });
      expect(res.errorCode).toBe(0);
    }
    const fetched = await fetchAll(h, 'old');
    const decoded = decodeBatches(fetched.records!);
    if (!decoded.ok) throw decoded.error;
    expect(decoded.value.batches.map((b) => [b.header.magic, b.header.compression, b.header.baseOffset])).toEqual([
      [2, CompressionCodec.NONE, 0n],
      [2, CompressionCodec.GZIP, 2n],
    ]);
    for (const b of decoded.value.batches) {
      expect(b.records.map((r) => [r.key && text.decode(r.key), text.decode(r.value!), r.timestamp])).toEqual([
        ['k1', 'v1', 1000n],
        [null, 'v2', 900n],
      ]);
    }
  });

  it('refuses a message set with a bad CRC from a v0 client with CORRUPT_MESSAGE', async () => {
    const h = harness();
    await h.createTopic('old');
    const set = encodeMessageSet({ magic: 0, messages: [{ value: new Uint8Array([1, 2, 3]) }] });
    set[12]! ^= 1; // the first byte of the message CRC, after offset and size
    const res = await produce(h, 'old', set, { version: 0 });
    expect(res.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('stores idempotent batches, and refuses transactional ones sent without a transactional id', async () => {
    const h = harness();
    await h.createTopic('idem');
    const idempotent = encodeBatch({
      records: [{ value: new Uint8Array([1]) }],
      producerId: 5n,
      producerEpoch: 0,
      baseSequence: 0,
    });
    expect((await produce(h, 'idem', idempotent)).errorCode).toBe(0);
    const transactional = encodeBatch({
      records: [{ value: new Uint8Array([1]) }],
      producerId: 5n,
      producerEpoch: 0,
      baseSequence: 1,
      transactional: true,
    });
    expect((await produce(h, 'idem', transactional)).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  describe('idempotent and transactional producers', () => {
    function pbatch(
      values: readonly number[],
      producerId: bigint,
      producerEpoch: number,
      baseSequence: number,
      options: { transactional?: boolean; timestamp?: bigint } = {},
    ): Uint8Array {
      return encodeBatch({
        records: values.map((v) => ({ value: new Uint8Array([v]), timestamp: options.timestamp ?? 1_000n })),
        producerId,
        producerEpoch,
        baseSequence,
        transactional: options.transactional ?? false,
      });
    }

    async function produceTxn(h: Harness, topic: string, records: Uint8Array, transactionalId = 'tx') {
      const res = await h.call(ApiKey.Produce, 11, {
        transactionalId,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
      });
      return res.responses[0]!.partitionResponses[0]!;
    }

    it('answers a retried batch NONE with its first offset and timestamp, and stores it once', async () => {
      const h = harness();
      await h.createTopic('idem');
      const first = pbatch([1, 2], 5n, 0, 0, { timestamp: 1_234n });
      expect(await produce(h, 'idem', first.slice())).toMatchObject({
        errorCode: 0,
        baseOffset: 0n,
        logAppendTimeMs: -1n,
      });
      expect((await produce(h, 'idem', pbatch([3], 5n, 0, 2))).baseOffset).toBe(2n);
      const retried = await produce(h, 'idem', first.slice());
      // UnifiedLog.append: a duplicate gets the stored batch's offset, and its timestamp as the append time.
      expect(retried).toMatchObject({
        errorCode: 0,
        baseOffset: 0n,
        logAppendTimeMs: 1_234n,
        logStartOffset: 0n,
        errorMessage: null,
      });
      const fetched = await fetchAll(h, 'idem');
      expect(fetched.highWatermark).toBe(3n);
      const decoded = decodeBatches(fetched.records!);
      expect(decoded.ok && decoded.value.batches.map((b) => b.header.baseOffset)).toEqual([0n, 2n]);
    });

    it('answers OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH as Kafka does, storing nothing', async () => {
      const h = harness();
      await h.createTopic('idem');
      await produce(h, 'idem', pbatch([1, 2], 6n, 3, 0));
      await h.call(ApiKey.DeleteRecords, 1, {
        topics: [{ name: 'idem', partitions: [{ partitionIndex: 0, offset: 1n }] }],
        timeoutMs: 0,
      });
      const gap = await produce(h, 'idem', pbatch([3], 6n, 3, 5));
      expect(gap).toEqual({
        index: 0,
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        baseOffset: -1n,
        logAppendTimeMs: -1n,
        logStartOffset: 1n,
        recordErrors: [],
        errorMessage: null,
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
      });
      expect(await produce(h, 'idem', pbatch([3], 6n, 2, 2))).toMatchObject({
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        baseOffset: -1n,
        logStartOffset: 1n,
        errorMessage: null,
      });
      expect(await produce(h, 'idem', pbatch([3], 6n, 4, 1))).toMatchObject({
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      });
      expect((await fetchAll(h, 'idem', 1n)).highWatermark).toBe(2n);
      expect(await produce(h, 'idem', pbatch([3], 6n, 4, 0))).toMatchObject({ errorCode: 0, baseOffset: 2n });
    });

    it('closes the connection for acks=0 when a batch is refused, and answers nothing for a duplicate', async () => {
      const h = harness();
      await h.createTopic('idem');
      const b = pbatch([1], 7n, 0, 0);
      expect(await produce(h, 'idem', b.slice())).toMatchObject({ errorCode: 0 });
      const send = (records: Uint8Array) =>
        h.send(
          encodeRequest(ApiKey.Produce, 11, 1, 'c', {
            acks: 0,
            timeoutMs: 1000,
            topicData: [{ name: 'idem', partitionData: [{ index: 0, records }] }],
          }),
        );
      expect((await send(b.slice())).status).toBe(204);
      const refused = await send(pbatch([1], 7n, 0, 9));
      expect(refused.status).toBe(400);
      expect(refused.headers.get(Header.action)).toBe('close');
    });

    it('opens a transaction that holds back the last stable offset, and refuses non-transactional writes meanwhile', async () => {
      const h = harness();
      const topic = await h.createTopic('txn');
      await produce(h, 'txn', batchOf(['a']));
      expect(await produceTxn(h, 'txn', pbatch([1, 2], 8n, 0, 0, { transactional: true }))).toMatchObject({
        errorCode: 0,
        baseOffset: 1n,
      });
      const [offsets] = await h.meta.log.offsets([{ topicId: topic.id, partition: 0 }]);
      expect(offsets).toMatchObject({ highWatermark: 3n, lastStableOffset: 1n });
      expect(await produce(h, 'txn', pbatch([3], 8n, 0, 2))).toMatchObject({
        errorCode: ErrorCode.INVALID_TXN_STATE,
        baseOffset: -1n,
        logStartOffset: 0n,
      });
      expect(await produceTxn(h, 'txn', pbatch([3], 8n, 0, 2, { transactional: true }))).toMatchObject({
        errorCode: 0,
        baseOffset: 3n,
      });
      expect((await h.meta.log.producerStates({ topicId: topic.id, partition: 0 }))[0]).toMatchObject({
        producerId: 8n,
        currentTxnStartOffset: 1n,
        lastSequence: 2,
      });
    });

    it('refuses transactional batches of two producers in one request with INVALID_PRODUCER_ID_MAPPING', async () => {
      const h = harness();
      await h.createTopic('txn', 2);
      const res = await h.call(ApiKey.Produce, 11, {
        transactionalId: 'tx',
        acks: -1,
        timeoutMs: 1000,
        topicData: [
          {
            name: 'txn',
            partitionData: [
              { index: 0, records: pbatch([1], 9n, 0, 0, { transactional: true }) },
              { index: 1, records: pbatch([1], 10n, 0, 0, { transactional: true }) },
            ],
          },
        ],
      });
      expect(res.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([
        ErrorCode.INVALID_PRODUCER_ID_MAPPING,
        ErrorCode.INVALID_PRODUCER_ID_MAPPING,
      ]);
      expect((await fetchAll(h, 'txn')).highWatermark).toBe(0n);
      // One producer over several partitions is fine.
      const ok = await h.call(ApiKey.Produce, 11, {
        transactionalId: 'tx',
        acks: -1,
        timeoutMs: 1000,
        topicData: [
          {
            name: 'txn',
            partitionData: [
              { index: 0, records: pbatch([1], 9n, 0, 0, { transactional: true }) },
              { index: 1, records: pbatch([1], 9n, 0, 0, { transactional: true }) },
            ],
          },
        ],
      });
      expect(ok.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([0, 0]);
    });

    it('stores a batch without a producer id as sent, keeping no producer state', async () => {
      const h = harness();
      const topic = await h.createTopic('plain');
      const b = batchOf(['a']);
      expect((await produce(h, 'plain', b.slice())).baseOffset).toBe(0n);
      expect((await produce(h, 'plain', b.slice())).baseOffset).toBe(1n);
      expect(await h.meta.log.producerStates({ topicId: topic.id, partition: 0 })).toEqual([]);
    });
  });

  it('answers NOT_LEADER_OR_FOLLOWER with the current leader (v10+) when the object store is down', async () => {
    const h = harness();
    await h.createTopic('down');
    await h.blobs.close();
    const res = await h.call(ApiKey.Produce, 10, {
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 'down', partitionData: [{ index: 0, records: batchOf(['x']) }] }],
    });
    expect(res.responses[0]!.partitionResponses[0]).toMatchObject({
      errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
      currentLeader: { leaderId: 7, leaderEpoch: 0 },
    });
    expect(res.nodeEndpoints).toEqual([{ nodeId: 7, host: '127.0.0.1', port: 9092, rack: null }]);
  });

  it('answers REQUEST_TIMED_OUT when the append outcome is unknown', async () => {
    const h = harness();
    await h.createTopic('meta-down');
    const append = h.meta.log.append.bind(h.meta.log);
    h.meta.log.append = async () => {
      await h.meta.close();
      return append([]);
    };
    expect((await produce(h, 'meta-down', batchOf(['x']))).errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });

  it('names objects by day and time, zero-padded, unique', () => {
    const t = Date.UTC(2030, 0, 2, 3, 4, 5, 6);
    const a = batchObjectKey(t);
    expect(a).toMatch(new RegExp(`^batches/20300102/0{2}${t}-[0-9a-f]{16}$`));
    expect(batchObjectKey(t)).not.toBe(a);
  });
});
