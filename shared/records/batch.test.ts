import { describe, expect, it } from 'vitest';
import {
  applyLogAppendTime,
  iterateBatches,
  RecordBatchHeader,
  readBatchHeader,
  setBaseOffset,
  setPartitionLeaderEpoch,
  splitBatches,
  TimestampType,
} from './batch.js';
import { CompressionCodec } from './compression/index.js';
import { encodeMessageSet } from './legacy.js';
import { decodeBatch, encodeBatch } from './records.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * One record, key "k", value "v", timestamp 1000, derived field by field from
 * the format description. The CRC was computed with a separate bit-at-a-time
 * CRC-32C over the bytes after the CRC field.
 */
const GOLDEN = hex(
  `
  0000000000000000  // baseOffset 0
  0000003a          // batchLength 58
  ffffffff          // partitionLeaderEpoch -1
  02                // magic
  716a6189          // crc
  0000              // attributes
  00000000          // lastOffsetDelta 0
  00000000000003e8  // baseTimestamp 1000
  00000000000003e8  // maxTimestamp 1000
  ffffffffffffffff  // producerId -1
  ffff              // producerEpoch -1
  ffffffff          // baseSequence -1
  00000001          // recordCount 1
  10                // record length 8
  00                // attributes
  00                // timestampDelta 0
  00                // offsetDelta 0
  02 6b             // key "k"
  02 76             // value "v"
  00                // no headers
`.replace(/\/\/[^\n]*/g, ''),
);

describe('record batch header', () => {
  it('encodes the hand-derived golden batch byte for byte', () => {
    const encoded = encodeBatch({ records: [{ key: ascii('k'), value: ascii('v'), timestamp: 1000n }] });
    expect(Buffer.from(encoded).toString('hex')).toBe(Buffer.from(GOLDEN).toString('hex'));
  });

  it('reads every field of the golden batch', () => {
    const h = new RecordBatchHeader(GOLDEN);
    expect({
      baseOffset: h.baseOffset,
      batchLength: h.batchLength,
      partitionLeaderEpoch: h.partitionLeaderEpoch,
      magic: h.magic,
      crc: h.crc,
      attributes: h.attributes,
      lastOffsetDelta: h.lastOffsetDelta,
      baseTimestamp: h.baseTimestamp,
      maxTimestamp: h.maxTimestamp,
      producerId: h.producerId,
      producerEpoch: h.producerEpoch,
      baseSequence: h.baseSequence,
      recordCount: h.recordCount,
      sizeInBytes: h.sizeInBytes,
      crcValid: h.isCrcValid(),
    }).toEqual({
      baseOffset: 0n,
      batchLength: 58,
      partitionLeaderEpoch: -1,
      magic: 2,
      crc: 0x716a6189,
      attributes: 0,
      lastOffsetDelta: 0,
      baseTimestamp: 1000n,
      maxTimestamp: 1000n,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount: 1,
      sizeInBytes: 70,
      crcValid: true,
    });
    expect(h.recordsBytes).toEqual(hex('10 00 00 00 02 6b 02 76 00'));
  });

  it('reads a header at an offset inside a larger buffer without copying', () => {
    const batch = encodeBatch({
      baseOffset: 1234567890123n,
      partitionLeaderEpoch: 7,
      compression: CompressionCodec.LZ4,
      transactional: true,
      producerId: 99n,
      producerEpoch: 3,
      baseSequence: 2147483646,
      records: [{ value: ascii('a') }, { value: ascii('b') }, { value: ascii('c') }],
    });
    const buffer = new Uint8Array(batch.length + 20);
    buffer.set(batch, 13);
    const h = new RecordBatchHeader(buffer, 13);
    expect(h.baseOffset).toBe(1234567890123n);
    expect(h.partitionLeaderEpoch).toBe(7);
    expect(h.compression).toBe(CompressionCodec.LZ4);
    expect(h.isTransactional).toBe(true);
    expect(h.isControl).toBe(false);
    expect(h.hasDeleteHorizon).toBe(false);
    expect(h.timestampType).toBe(TimestampType.CREATE_TIME);
    expect(h.lastOffsetDelta).toBe(2);
    expect(h.lastOffset).toBe(1234567890125n);
    expect(h.hasProducerId).toBe(true);
    // Sequences wrap past int32 max to 0, as Kafka's DefaultRecordBatch.incrementSequence does.
    expect(h.lastSequence).toBe(0);
    expect(h.isCrcValid()).toBe(true);
    expect(h.bytes.buffer).toBe(buffer.buffer);
    expect(h.bytes).toEqual(batch);
  });

  it('refuses a short buffer or another magic', () => {
    expect(readBatchHeader(GOLDEN.subarray(0, 60)).ok).toBe(false);
    const legacy = encodeMessageSet({ magic: 1, messages: [{ value: new Uint8Array(60) }] });
    const r = readBatchHeader(legacy);
    expect(r.ok || r.error.reason).toBe('bad-magic');
  });
});

describe('iterating a records blob', () => {
  const a = encodeBatch({ records: [{ value: ascii('one') }] });
  const b = encodeBatch({ baseOffset: 1n, compression: CompressionCodec.GZIP, records: [{ value: ascii('two') }] });
  const legacy = encodeMessageSet({ magic: 1, baseOffset: 2n, messages: [{ value: ascii('three') }] });
  const blob = Buffer.concat([a, b, legacy, b.subarray(0, 40)]);

  it('yields views of each batch and legacy entry, then the trailing partial batch', () => {
    const slices = [...iterateBatches(blob)];
    expect(slices.map((s) => [s.kind, s.position, s.kind === 'batch' ? s.magic : -1])).toEqual([
      ['batch', 0, 2],
      ['batch', a.length, 2],
      ['batch', a.length + b.length, 1],
      ['partial', a.length + b.length + legacy.length, -1],
    ]);
    const first = slices[0]!;
    expect(first.kind === 'batch' && first.bytes.buffer).toBe(blob.buffer);
    const split = splitBatches(blob);
    expect(split.ok && split.value.partial?.length).toBe(40);
  });

  it('reports a partial batch shorter than the length field', () => {
    expect([...iterateBatches(a.subarray(0, 5))].map((s) => s.kind)).toEqual(['partial']);
    expect([...iterateBatches(new Uint8Array(0))]).toEqual([]);
  });

  it('stops at framing no reader could walk past', () => {
    const badLength = a.slice();
    badLength.set([0, 0, 0, 3], 8);
    expect([...iterateBatches(badLength)].map((s) => s.kind)).toEqual(['corrupt']);
    const badMagic = a.slice();
    badMagic[16] = 7;
    const slices = [...iterateBatches(Buffer.concat([a, badMagic]))];
    expect(slices.map((s) => s.kind)).toEqual(['batch', 'corrupt']);
    const corrupt = slices[1]!;
    expect(corrupt.kind === 'corrupt' && corrupt.error.code).toBe(2);
    expect(splitBatches(badMagic).ok).toBe(false);
  });
});

describe('in-place rewrites', () => {
  it('setBaseOffset changes the offsets and leaves the CRC valid', () => {
    const batch = encodeBatch({ records: [{ value: ascii('x') }, { value: ascii('y') }] });
    const crc = new RecordBatchHeader(batch).crc;
    setBaseOffset(batch, 5_000_000_000n);
    setPartitionLeaderEpoch(batch, 12);
    const h = new RecordBatchHeader(batch);
    expect([h.baseOffset, h.partitionLeaderEpoch, h.crc, h.isCrcValid()]).toEqual([5_000_000_000n, 12, crc, true]);
    const decoded = decodeBatch(batch);
    expect(decoded.ok && decoded.value.records.map((r) => r.offset)).toEqual([5_000_000_000n, 5_000_000_001n]);
  });

  it('setBaseOffset patches a batch inside a larger buffer', () => {
    const batch = encodeBatch({ records: [{ value: ascii('x') }] });
    const buffer = Buffer.concat([Buffer.alloc(3), batch]);
    setBaseOffset(buffer, 42n, 3);
    expect(new RecordBatchHeader(buffer, 3).baseOffset).toBe(42n);
    expect(buffer.subarray(0, 3)).toEqual(Buffer.alloc(3));
  });

  it('applyLogAppendTime sets the type bit and max timestamp, recomputes the CRC, and readers see the append time', () => {
    const batch = encodeBatch({
      compression: CompressionCodec.SNAPPY,
      records: [
        { value: ascii('x'), timestamp: 10n },
        { value: ascii('y'), timestamp: 20n },
      ],
    });
    applyLogAppendTime(batch, 1_700_000_000_000n);
    const h = new RecordBatchHeader(batch);
    expect([h.timestampType, h.maxTimestamp, h.baseTimestamp, h.isCrcValid()]).toEqual([
      TimestampType.LOG_APPEND_TIME,
      1_700_000_000_000n,
      10n,
      true,
    ]);
    expect(h.compression).toBe(CompressionCodec.SNAPPY);
    const decoded = decodeBatch(batch);
    expect(decoded.ok && decoded.value.records.map((r) => r.timestamp)).toEqual([
      1_700_000_000_000n,
      1_700_000_000_000n,
    ]);
  });
});
