import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { writeBatchCrc } from './batch.js';
import { CompressionCodec } from './compression/index.js';
import { encodeTransactionMarkerBatch } from './control.js';
import type { RecordsErrorReason, Result } from './errors.js';
import { encodeMessageSet } from './legacy.js';
import { encodeBatch } from './records.js';
import { validateBatch, validateProduceRecords } from './validate.js';
import { writeInt32BE } from './varint.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const batchOf = (n: number, compression: CompressionCodec = CompressionCodec.NONE): Uint8Array =>
  encodeBatch({
    compression,
    producerId: 5n,
    producerEpoch: 0,
    baseSequence: 0,
    records: Array.from({ length: n }, (_, i) => ({ value: ascii(`v${i}`), timestamp: 1000n })),
  });

function expectError(r: Result<unknown>, code: number, reason: RecordsErrorReason): void {
  expect(r.ok ? 'ok' : [r.error.code, r.error.reason]).toEqual([code, reason]);
}

describe('produce validation', () => {
  it('accepts a well-formed batch and returns its header', () => {
    for (const codec of [0, 1, 2, 3, 4] as const) {
      const r = validateProduceRecords(batchOf(3, codec), {
        produceVersion: 9,
        deep: { maxDecompressedBytes: 1 << 20 },
      });
      expect(r.ok && r.value.recordCount).toBe(3);
    }
  });

  it('reads the batch in place: the header it returns views the request bytes', () => {
    const batch = batchOf(2);
    const r = validateBatch(batch);
    expect(r.ok && r.value.buffer).toBe(batch);
  });

  it('rejects a bad CRC, a wrong batch length and a truncated batch as CORRUPT_MESSAGE', () => {
    const bad = batchOf(2);
    bad[bad.length - 1]! ^= 1;
    expectError(validateBatch(bad), ErrorCode.CORRUPT_MESSAGE, 'crc-mismatch');
    const long = batchOf(2);
    writeInt32BE(long, 8, long.length - 11);
    expectError(validateBatch(long), ErrorCode.CORRUPT_MESSAGE, 'size-mismatch');
    expectError(validateProduceRecords(batchOf(2).subarray(0, 70)), ErrorCode.CORRUPT_MESSAGE, 'truncated');
    expectError(validateBatch(batchOf(2).subarray(0, 40)), ErrorCode.CORRUPT_MESSAGE, 'truncated');
  });

  it('rejects old message formats: INVALID_RECORD on Produce v3+, UNSUPPORTED_FOR_MESSAGE_FORMAT before', () => {
    const legacy = encodeMessageSet({ magic: 1, messages: [{ value: ascii('x'), timestamp: 1n }] });
    expectError(validateProduceRecords(legacy, { produceVersion: 3 }), ErrorCode.INVALID_RECORD, 'bad-magic');
    expectError(
      validateProduceRecords(legacy, { produceVersion: 2 }),
      ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
      'unsupported-for-format',
    );
    const magic3 = batchOf(1);
    magic3[16] = 3;
    expectError(validateProduceRecords(magic3), ErrorCode.CORRUPT_MESSAGE, 'bad-magic');
  });

  it('rejects batches over max.message.bytes with MESSAGE_TOO_LARGE', () => {
    const batch = batchOf(10);
    expectError(
      validateBatch(batch, { maxBatchBytes: batch.length - 1 }),
      ErrorCode.MESSAGE_TOO_LARGE,
      'batch-too-large',
    );
    expect(validateBatch(batch, { maxBatchBytes: batch.length }).ok).toBe(true);
  });

  it('requires exactly one batch per partition', () => {
    expectError(
      validateProduceRecords(Buffer.concat([batchOf(1), batchOf(1)])),
      ErrorCode.INVALID_RECORD,
      'too-many-batches',
    );
    expectError(validateProduceRecords(null), ErrorCode.INVALID_RECORD, 'no-batch');
    expectError(validateProduceRecords(new Uint8Array(0)), ErrorCode.INVALID_RECORD, 'no-batch');
  });

  it('checks the record count against lastOffsetDelta', () => {
    const batch = batchOf(3);
    writeInt32BE(batch, 23, 5);
    writeBatchCrc(batch);
    expectError(validateBatch(batch), ErrorCode.INVALID_RECORD, 'bad-offset-delta');
    const empty = encodeBatch({ records: [] });
    expectError(validateBatch(empty), ErrorCode.INVALID_RECORD, 'bad-record-count');
    const tooMany = batchOf(1);
    writeInt32BE(tooMany, 23, 99);
    writeInt32BE(tooMany, 57, 100);
    writeBatchCrc(tooMany);
    expectError(validateBatch(tooMany), ErrorCode.INVALID_RECORD, 'bad-record-count');
  });

  it('rejects zstd before Produce v7 with UNSUPPORTED_COMPRESSION_TYPE', () => {
    const batch = batchOf(2, CompressionCodec.ZSTD);
    expectError(
      validateBatch(batch, { produceVersion: 6 }),
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      'bad-compression-codec',
    );
    expect(validateBatch(batch, { produceVersion: 7 }).ok).toBe(true);
  });

  it('rejects an unknown codec as CORRUPT_MESSAGE', () => {
    const batch = batchOf(2);
    batch[22] = 6;
    writeBatchCrc(batch);
    expectError(validateBatch(batch), ErrorCode.CORRUPT_MESSAGE, 'bad-compression-codec');
  });

  it('refuses control batches from clients but not from internal writers', () => {
    const marker = encodeTransactionMarkerBatch({
      type: 1,
      producerId: 5n,
      producerEpoch: 1,
      coordinatorEpoch: 0,
      timestamp: 1n,
    });
    expectError(validateBatch(marker), ErrorCode.INVALID_RECORD, 'control-batch-from-client');
    expect(validateBatch(marker, { origin: 'internal' }).ok).toBe(true);
  });

  it('requires a base sequence when a producer id is set', () => {
    const batch = encodeBatch({ producerId: 1n, producerEpoch: 0, baseSequence: -1, records: [{ value: ascii('x') }] });
    expectError(validateBatch(batch), ErrorCode.INVALID_RECORD, 'bad-sequence');
  });

  it('deep validation decodes records and checks offset deltas', () => {
    const gapped = encodeBatch({
      records: [{ value: ascii('a') }, { value: ascii('b'), offsetDelta: 2 }],
      lastOffsetDelta: 1,
    });
    expect(validateBatch(gapped).ok).toBe(true);
    expectError(
      validateBatch(gapped, { deep: { maxDecompressedBytes: 1 << 20 } }),
      ErrorCode.INVALID_RECORD,
      'bad-offset-delta',
    );
    const bomb = encodeBatch({ compression: CompressionCodec.LZ4, records: [{ value: new Uint8Array(1 << 20) }] });
    expectError(
      validateBatch(bomb, { deep: { maxDecompressedBytes: 1000 } }),
      ErrorCode.MESSAGE_TOO_LARGE,
      'decompressed-too-large',
    );
  });
});
