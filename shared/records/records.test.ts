import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { RecordBatchHeader, TimestampType, writeBatchCrc } from './batch.js';
import { CompressionCodec } from './compression/index.js';
import type { Result } from './errors.js';
import { type BatchInput, type DecodedBatch, decodeBatch, decodeBatches, encodeBatch } from './records.js';
import { codecArb, recordArb } from './testing/arbitraries.js';
import { writeInt32BE } from './varint.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function decoded(r: Result<DecodedBatch>): DecodedBatch {
  if (!r.ok) throw r.error;
  return r.value;
}

/** A valid header around hand-written record bytes, claiming `count` records. */
function rawBatch(recordBytes: number[], count: number, compression: number = CompressionCodec.NONE): Uint8Array {
  const header = encodeBatch({ records: [] });
  const out = new Uint8Array(header.length + recordBytes.length);
  out.set(header);
  out.set(recordBytes, header.length);
  writeInt32BE(out, 8, out.length - 12);
  out[22] = compression;
  writeInt32BE(out, 23, count - 1);
  writeInt32BE(out, 57, count);
  writeBatchCrc(out);
  return out;
}

describe('record batches', () => {
  it('round-trip random records through encode and decode for every codec', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 20 }),
        codecArb,
        fc.bigInt({ min: 0n, max: 2n ** 62n }),
        (records, compression, baseOffset) => {
          const batch = decoded(decodeBatch(encodeBatch({ records, compression, baseOffset })));
          expect(batch.header.compression).toBe(compression);
          expect(batch.header.recordCount).toBe(records.length);
          expect(batch.header.lastOffsetDelta).toBe(records.length - 1);
          expect(batch.header.baseTimestamp).toBe(records[0]!.timestamp);
          const sorted = records.map((r) => r.timestamp!).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          expect(batch.header.maxTimestamp).toBe(sorted.at(-1));
          expect(
            batch.records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
          ).toEqual(records);
          expect(batch.records.map((r) => r.offset)).toEqual(records.map((_, i) => baseOffset + BigInt(i)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps header fields and explicit deltas', () => {
    const input: BatchInput = {
      baseOffset: 100n,
      partitionLeaderEpoch: 4,
      transactional: true,
      producerId: 123456789012n,
      producerEpoch: 77,
      baseSequence: 1000,
      baseTimestamp: 5000n,
      records: [
        { value: ascii('a'), timestamp: 4000n, offsetDelta: 0 },
        { value: ascii('b'), timestamp: 6000n, offsetDelta: 3, attributes: 0 },
      ],
    };
    const batch = decoded(decodeBatch(encodeBatch(input)));
    const h = batch.header;
    expect([
      h.baseOffset,
      h.partitionLeaderEpoch,
      h.isTransactional,
      h.producerId,
      h.producerEpoch,
      h.baseSequence,
    ]).toEqual([100n, 4, true, 123456789012n, 77, 1000]);
    expect([h.baseTimestamp, h.maxTimestamp, h.lastOffsetDelta]).toEqual([5000n, 6000n, 3]);
    expect(batch.records.map((r) => [r.offset, r.timestampDelta, r.timestamp])).toEqual([
      [100n, -1000n, 4000n],
      [103n, 1000n, 6000n],
    ]);
  });

  it('represents extreme int64 timestamps and deltas exactly', () => {
    const records = [{ timestamp: -(2n ** 62n) }, { timestamp: 2n ** 62n - 1n }, { timestamp: 0n }];
    const batch = decoded(decodeBatch(encodeBatch({ records })));
    expect(batch.records.map((r) => r.timestamp)).toEqual([-(2n ** 62n), 2n ** 62n - 1n, 0n]);
    expect(batch.records[1]!.timestampDelta).toBe(2n ** 63n - 1n);
    expect(() => encodeBatch({ records: [{ timestamp: -(2n ** 62n) }, { timestamp: 2n ** 62n }] })).toThrow(RangeError);
  });

  it('gives every record the append time under LogAppendTime', () => {
    const batch = decoded(
      decodeBatch(
        encodeBatch({
          timestampType: TimestampType.LOG_APPEND_TIME,
          maxTimestamp: 999n,
          records: [{ timestamp: 1n }, { timestamp: 2n }],
        }),
      ),
    );
    expect(batch.records.map((r) => r.timestamp)).toEqual([999n, 999n]);
  });

  it('decodes an empty batch, as compaction may leave', () => {
    const batch = decoded(decodeBatch(encodeBatch({ records: [], lastOffsetDelta: 4 })));
    expect([batch.header.recordCount, batch.header.lastOffsetDelta, batch.records.length]).toEqual([0, 4, 0]);
  });

  it('decodes several batches and returns a trailing partial batch apart', () => {
    const a = encodeBatch({ records: [{ value: ascii('1') }] });
    const b = encodeBatch({ baseOffset: 1n, compression: CompressionCodec.ZSTD, records: [{ value: ascii('2') }] });
    const r = decodeBatches(new Uint8Array(Buffer.concat([a, b, a.subarray(0, 30)])));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.batches.map((x) => x.records[0]!.value)).toEqual([ascii('1'), ascii('2')]);
    expect(r.value.partial?.length).toBe(30);
  });

  it('replaces invalid UTF-8 in header keys instead of failing, as the Java client does', () => {
    // key "", value null, one header with key bytes ff fe and a null value.
    const body = [0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x04, 0xff, 0xfe, 0x01];
    const batch = decoded(decodeBatch(rawBatch([body.length * 2, ...body], 1)));
    expect(batch.records[0]!.headers).toEqual([{ key: '\ufffd\ufffd', value: null }]);
  });
});

describe('record decoding bounds', () => {
  const expectError = (r: Result<unknown>, code: number, reason?: string): void => {
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    if (reason !== undefined) expect(r.error.reason).toBe(reason);
  };
  // attributes, timestampDelta, offsetDelta, key null, value "v", no headers
  const valid = [0x0e, 0x00, 0x00, 0x00, 0x01, 0x02, 0x76, 0x00];

  it('accepts the hand-written valid record', () => {
    expect(decoded(decodeBatch(rawBatch(valid, 1))).records[0]!.value).toEqual(ascii('v'));
  });

  it('rejects a key length past the end of the record without allocating', () => {
    // key length 2^30: far larger than the batch.
    const r = decodeBatch(rawBatch([0x12, 0x00, 0x00, 0x00, 0x80, 0x80, 0x80, 0x80, 0x08, 0x01, 0x00], 1));
    expectError(r, ErrorCode.INVALID_RECORD, 'truncated');
  });

  it('rejects a record length past the end of the batch', () => {
    expectError(decodeBatch(rawBatch([0x7e, ...valid.slice(1)], 1)), ErrorCode.INVALID_RECORD);
  });

  it('rejects a record whose fields do not fill its declared length', () => {
    expectError(decodeBatch(rawBatch([0x10, ...valid.slice(1), 0x00], 1)), ErrorCode.INVALID_RECORD, 'bad-record');
  });

  it('rejects more or fewer records than the count says', () => {
    expectError(decodeBatch(rawBatch([...valid, ...valid], 1)), ErrorCode.INVALID_RECORD, 'bad-record');
    expectError(decodeBatch(rawBatch([...valid, ...valid], 3)), ErrorCode.INVALID_RECORD);
    expectError(decodeBatch(rawBatch(valid, -1)), ErrorCode.INVALID_RECORD, 'bad-record-count');
  });

  it('rejects an impossible record count before allocating for it', () => {
    const started = performance.now();
    expectError(decodeBatch(rawBatch(valid, 0x7fffffff)), ErrorCode.INVALID_RECORD, 'bad-record-count');
    const compressed = encodeBatch({ compression: CompressionCodec.LZ4, records: [{ value: ascii('v') }] });
    writeInt32BE(compressed, 57, 0x7fffffff);
    writeBatchCrc(compressed);
    expectError(decodeBatch(compressed), ErrorCode.INVALID_RECORD, 'bad-record-count');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('rejects negative header counts and header key lengths', () => {
    const negativeCount = [0x00, 0x00, 0x00, 0x01, 0x01, 0x01];
    expectError(decodeBatch(rawBatch([negativeCount.length * 2, ...negativeCount], 1)), ErrorCode.INVALID_RECORD);
    const negativeKey = [0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01, 0x01];
    expectError(decodeBatch(rawBatch([negativeKey.length * 2, ...negativeKey], 1)), ErrorCode.INVALID_RECORD);
  });

  it('rejects a CRC mismatch, a length mismatch and an unknown codec as CORRUPT_MESSAGE', () => {
    const batch = encodeBatch({ records: [{ value: ascii('v') }] });
    const flipped = batch.slice();
    flipped[flipped.length - 1]! ^= 1;
    expectError(decodeBatch(flipped), ErrorCode.CORRUPT_MESSAGE, 'crc-mismatch');
    expectError(decodeBatch(Buffer.concat([batch, Buffer.alloc(1)])), ErrorCode.CORRUPT_MESSAGE, 'size-mismatch');
    expectError(decodeBatch(rawBatch(valid, 1, 5)), ErrorCode.CORRUPT_MESSAGE, 'bad-compression-codec');
    expectError(
      decodeBatch(rawBatch(valid, 1, CompressionCodec.GZIP)),
      ErrorCode.CORRUPT_MESSAGE,
      'decompression-failed',
    );
  });

  it('bounds decompression by maxDecompressedBytes', () => {
    const batch = encodeBatch({ compression: CompressionCodec.GZIP, records: [{ value: new Uint8Array(1 << 20) }] });
    expectError(
      decodeBatch(batch, { maxDecompressedBytes: 64 * 1024 }),
      ErrorCode.MESSAGE_TOO_LARGE,
      'decompressed-too-large',
    );
    expect(decodeBatch(batch, { maxDecompressedBytes: 2 << 20 }).ok).toBe(true);
  });

  it('can skip the CRC check for bytes already validated', () => {
    const batch = encodeBatch({ records: [{ value: ascii('v') }] });
    batch[17]! ^= 0xff;
    expect(decodeBatch(batch, { verifyCrc: false }).ok).toBe(true);
    expect(new RecordBatchHeader(batch).isCrcValid()).toBe(false);
  });
});
