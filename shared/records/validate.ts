/**
 * What a broker checks in a Produce request's records before appending them,
 * following Kafka's `ProduceRequest.validateRecords` and `LogValidator`.
 *
 * Shallow validation reads only the header and the CRC (no copy, no
 * decompression); deep validation also decodes every record, as Kafka does for
 * compressed batches.
 */

import { ErrorCode } from '../protocol/generated/error-codes.js';
import {
  BATCH_LENGTH_OFFSET,
  BATCH_OVERHEAD,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  RecordBatchHeader,
  splitBatches,
} from './batch.js';
import { CompressionCodec, isCompressionCodec } from './compression/index.js';
import { fail, ok, type Result } from './errors.js';
import { decodeBatch, MIN_RECORD_SIZE } from './records.js';
import { readInt32BE } from './varint.js';

/** Produce v3 (Kafka 0.11) is the first to carry magic-2 batches only. */
const FIRST_PRODUCE_VERSION_MAGIC_2 = 3;
/** Produce v7 (Kafka 2.1) is the first that may carry zstd. */
const FIRST_PRODUCE_VERSION_ZSTD = 7;

export interface ProduceValidationOptions {
  /** Produce request version; decides the magic and codec rules. Default: latest. */
  readonly produceVersion?: number;
  /** The topic's `max.message.bytes`: larger batches get MESSAGE_TOO_LARGE. */
  readonly maxBatchBytes?: number;
  /**
   * Who writes: a client (default) or the broker itself (transaction markers).
   * As in Kafka's `AppendOrigin`, the count, control and sequence checks apply to clients only.
   */
  readonly origin?: 'client' | 'internal';
  /** Also decode every record (decompressing), bounded by this many decompressed bytes. */
  readonly deep?: { readonly maxDecompressedBytes: number };
}

/**
 * Validates one magic-2 batch occupying all of `batch`: framing, size limit,
 * CRC, codec, and for client writes the record count against lastOffsetDelta,
 * the control bit and the base sequence. Record timestamps and keys (for
 * compacted topics) depend on topic config and are the caller's to check on
 * the decoded records.
 */
export function validateBatch(batch: Uint8Array, options: ProduceValidationOptions = {}): Result<RecordBatchHeader> {
  if (batch.length <= MAGIC_OFFSET) {
    return fail(ErrorCode.CORRUPT_MESSAGE, 'truncated', `${batch.length} bytes end before the magic byte`);
  }
  const magic = (batch[MAGIC_OFFSET]! << 24) >> 24;
  if (magic !== CURRENT_MAGIC) {
    if (magic === 0 || magic === 1) {
      const version = options.produceVersion ?? Number.MAX_SAFE_INTEGER;
      // Like Kafka 4, we do not take writes in the old message formats at all.
      return version >= FIRST_PRODUCE_VERSION_MAGIC_2
        ? fail(ErrorCode.INVALID_RECORD, 'bad-magic', `produce v${version} requires magic 2, got ${magic}`)
        : fail(
            ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
            'unsupported-for-format',
            `magic ${magic} writes are not supported`,
          );
    }
    return fail(ErrorCode.CORRUPT_MESSAGE, 'bad-magic', `invalid magic ${magic}`);
  }
  if (batch.length < BATCH_OVERHEAD) {
    return fail(ErrorCode.CORRUPT_MESSAGE, 'truncated', `batch of ${batch.length} bytes is shorter than a header`);
  }
  const size = readInt32BE(batch, BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  if (size !== batch.length) {
    return fail(ErrorCode.CORRUPT_MESSAGE, 'size-mismatch', `batch length says ${size} bytes, have ${batch.length}`);
  }
  if (options.maxBatchBytes !== undefined && batch.length > options.maxBatchBytes) {
    return fail(
      ErrorCode.MESSAGE_TOO_LARGE,
      'batch-too-large',
      `batch of ${batch.length} bytes exceeds ${options.maxBatchBytes}`,
    );
  }
  const header = new RecordBatchHeader(batch);
  if (!header.isCrcValid()) return fail(ErrorCode.CORRUPT_MESSAGE, 'crc-mismatch', 'batch CRC-32C mismatch');
  const codec = header.compression;
  if (!isCompressionCodec(codec)) {
    return fail(ErrorCode.CORRUPT_MESSAGE, 'bad-compression-codec', `unknown compression codec ${codec}`);
  }
  if (
    codec === CompressionCodec.ZSTD &&
    (options.produceVersion ?? FIRST_PRODUCE_VERSION_ZSTD) < FIRST_PRODUCE_VERSION_ZSTD
  ) {
    return fail(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      'bad-compression-codec',
      `zstd needs produce v${FIRST_PRODUCE_VERSION_ZSTD}+`,
    );
  }
  if (options.origin !== 'internal') {
    const count = header.recordCount;
    if (count <= 0) return fail(ErrorCode.INVALID_RECORD, 'bad-record-count', `invalid record count ${count}`);
    if (header.lastOffsetDelta + 1 !== count) {
      return fail(
        ErrorCode.INVALID_RECORD,
        'bad-offset-delta',
        `lastOffsetDelta ${header.lastOffsetDelta} does not match ${count} records`,
      );
    }
    if (header.isControl) {
      return fail(ErrorCode.INVALID_RECORD, 'control-batch-from-client', 'clients may not write control batches');
    }
    if (header.hasProducerId && header.baseSequence < 0) {
      return fail(ErrorCode.INVALID_RECORD, 'bad-sequence', `invalid base sequence ${header.baseSequence}`);
    }
  }
  if (codec === CompressionCodec.NONE && header.recordCount > (batch.length - BATCH_OVERHEAD) / MIN_RECORD_SIZE) {
    return fail(ErrorCode.INVALID_RECORD, 'bad-record-count', `${header.recordCount} records cannot fit in the batch`);
  }
  if (options.deep !== undefined) {
    const decoded = decodeBatch(batch, { maxDecompressedBytes: options.deep.maxDecompressedBytes, verifyCrc: false });
    if (!decoded.ok) return decoded;
    const { records } = decoded.value;
    for (let i = 0; i < records.length; i++) {
      if (records[i]!.offsetDelta !== i) {
        return fail(
          ErrorCode.INVALID_RECORD,
          'bad-offset-delta',
          `record ${i} has offset delta ${records[i]!.offsetDelta}`,
        );
      }
    }
  }
  return ok(header);
}

/**
 * Validates the `records` of one partition in a Produce request: exactly one
 * complete batch (Produce v3+), then {@link validateBatch}. Unlike Kafka, which
 * trims trailing bytes it cannot parse, a partial batch is CORRUPT_MESSAGE.
 */
export function validateProduceRecords(
  records: Uint8Array | null,
  options: ProduceValidationOptions = {},
): Result<RecordBatchHeader> {
  if (records === null || records.length === 0) {
    return fail(ErrorCode.INVALID_RECORD, 'no-batch', 'produce request has no record batch for the partition');
  }
  const split = splitBatches(records);
  if (!split.ok) return split;
  const { batches, partial } = split.value;
  if (partial !== null) {
    return fail(ErrorCode.CORRUPT_MESSAGE, 'truncated', `${partial.length} trailing bytes do not form a batch`);
  }
  if (batches.length !== 1) {
    return fail(ErrorCode.INVALID_RECORD, 'too-many-batches', `expected one batch, got ${batches.length}`);
  }
  return validateBatch(batches[0]!.bytes, options);
}
