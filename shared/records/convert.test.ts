import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { RecordBatchHeader, setBaseOffset, TimestampType } from './batch.js';
import { CompressionCodec } from './compression/index.js';
import { ControlRecordType, encodeTransactionMarkerBatch } from './control.js';
import { downConvertBatches, upConvertMessageSet } from './convert.js';
import { decodeMessageSet, encodeMessageSet } from './legacy.js';
import { type BatchInput, decodeBatch, encodeBatch } from './records.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('upConvertMessageSet', () => {
  it('turns every entry of a magic-0/1 set into one CreateTime magic-2 batch, keeping the codec', () => {
    const set = concat(
      encodeMessageSet({ magic: 1, messages: [{ key: enc.encode('a'), value: enc.encode('1'), timestamp: 10n }] }),
      encodeMessageSet({
        magic: 1,
        compression: CompressionCodec.SNAPPY,
        baseOffset: 1n,
        messages: [
          { value: enc.encode('2'), timestamp: 5n },
          { value: null, timestamp: 20n },
        ],
      }),
    );
    const result = upConvertMessageSet(set);
    if (!result.ok) throw result.error;
    const decoded = decodeBatch(result.value);
    if (!decoded.ok) throw decoded.error;
    const { header, records } = decoded.value;
    expect([header.magic, header.compression, header.timestampType, header.producerId]).toEqual([
      2,
      CompressionCodec.SNAPPY,
      TimestampType.CREATE_TIME,
      -1n,
    ]);
    expect(header.maxTimestamp).toBe(20n);
    expect(
      records.map((r) => [r.offsetDelta, r.key && dec.decode(r.key), r.value && dec.decode(r.value), r.timestamp]),
    ).toEqual([
      [0, 'a', '1', 10n],
      [1, null, '2', 5n],
      [2, null, null, 20n],
    ]);
  });

  it('gives magic-0 messages no timestamp', () => {
    const result = upConvertMessageSet(encodeMessageSet({ magic: 0, messages: [{ value: enc.encode('x') }] }));
    if (!result.ok) throw result.error;
    expect(new RecordBatchHeader(result.value).maxTimestamp).toBe(-1n);
  });

  it('refuses an entry over the size limit, a truncated set and an empty one', () => {
    const set = encodeMessageSet({ magic: 1, messages: [{ value: new Uint8Array(100) }] });
    const tooLarge = upConvertMessageSet(set, { maxEntryBytes: 50 });
    expect(!tooLarge.ok && tooLarge.error.code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    const truncated = upConvertMessageSet(set.subarray(0, set.length - 1));
    expect(!truncated.ok && truncated.error.code).toBe(ErrorCode.CORRUPT_MESSAGE);
    const empty = upConvertMessageSet(new Uint8Array(0));
    expect(empty.ok).toBe(false);
  });
});

describe('downConvertBatches', () => {
  function stored(baseOffset: bigint, values: string[], options: Omit<BatchInput, 'records'> = {}) {
    const batch = encodeBatch({
      records: values.map((v, i) => ({ value: enc.encode(v), timestamp: 1000n + BigInt(i) })),
      ...options,
    });
    setBaseOffset(batch, baseOffset);
    return batch;
  }

  it('writes magic-1 sets with absolute offsets, from the given offset on, keeping codec and timestamps', () => {
    const batches = concat(stored(10n, ['a', 'b']), stored(12n, ['c', 'd'], { compression: CompressionCodec.LZ4 }));
    const result = downConvertBatches(batches, 1, { fromOffset: 11n });
    if (!result.ok) throw result.error;
    const set = decodeMessageSet(result.value);
    if (!set.ok) throw set.error;
    expect(set.value.entries.map((e) => e.wrapper.compression)).toEqual([CompressionCodec.NONE, CompressionCodec.LZ4]);
    const messages = set.value.entries.flatMap((e) => e.messages);
    expect(messages.map((m) => [m.magic, m.offset, dec.decode(m.value!), m.timestamp])).toEqual([
      [1, 11n, 'b', 1001n],
      [1, 12n, 'c', 1000n],
      [1, 13n, 'd', 1001n],
    ]);
  });

  it('drops control batches and refuses zstd', () => {
    const control = encodeTransactionMarkerBatch({
      type: ControlRecordType.COMMIT,
      producerId: 1n,
      producerEpoch: 0,
      coordinatorEpoch: 0,
      timestamp: 5n,
      baseOffset: 1n,
    });
    const result = downConvertBatches(concat(stored(0n, ['a']), control), 0);
    if (!result.ok) throw result.error;
    const set = decodeMessageSet(result.value);
    if (!set.ok) throw set.error;
    expect(set.value.entries.map((e) => e.wrapper.magic)).toEqual([0]);
    const zstd = downConvertBatches(stored(0n, ['a'], { compression: CompressionCodec.ZSTD }), 1);
    expect(!zstd.ok && zstd.error.code).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });

  it('splits a batch whose offsets are not dense into runs a legacy wrapper can number', () => {
    const batch = encodeBatch({
      records: [
        { value: enc.encode('a'), offsetDelta: 0 },
        { value: enc.encode('b'), offsetDelta: 2 },
      ],
      compression: CompressionCodec.GZIP,
    });
    const result = downConvertBatches(batch, 1);
    if (!result.ok) throw result.error;
    const set = decodeMessageSet(result.value);
    if (!set.ok) throw set.error;
    expect(set.value.entries.flatMap((e) => e.messages.map((m) => m.offset))).toEqual([0n, 2n]);
  });
});
