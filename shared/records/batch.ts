/**
 * Magic-2 record batch framing: a zero-copy header view, splitting a records
 * blob into batches, and the two in-place rewrites a broker makes (base offset
 * on fetch, LogAppendTime on produce).
 *
 * Layout (big-endian), from Kafka's implementation docs, section 5.3.1:
 *
 * | offset | field                | type   |
 * |-------:|----------------------|--------|
 * |      0 | baseOffset           | int64  |
 * |      8 | batchLength          | int32  |
 * |     12 | partitionLeaderEpoch | int32  |
 * |     16 | magic                | int8   |
 * |     17 | crc                  | uint32 |
 * |     21 | attributes           | int16  |
 * |     23 | lastOffsetDelta      | int32  |
 * |     27 | baseTimestamp        | int64  |
 * |     35 | maxTimestamp         | int64  |
 * |     43 | producerId           | int64  |
 * |     51 | producerEpoch        | int16  |
 * |     53 | baseSequence         | int32  |
 * |     57 | recordCount          | int32  |
 * |     61 | records              |        |
 *
 * The CRC-32C covers attributes to the end, so base offset, batch length and
 * partition leader epoch can be rewritten without recomputing it.
 */
import { crc32c } from './crc32c.js';
import { corrupt, ok, type RecordsError, type Result } from './errors.js';
import { readInt32BE, writeInt32BE, writeInt64BE } from './varint.js';

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORD_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** Offset and size fields that precede every batch or legacy message in a log. */
export const LOG_OVERHEAD = 12;
/** Size of a magic-2 batch with no records. */
export const BATCH_OVERHEAD = RECORDS_OFFSET;
/** Smallest legacy (magic 0) message, as Kafka's `RECORD_OVERHEAD_V0`. */
export const LEGACY_MIN_MESSAGE_SIZE = 14;

export const CURRENT_MAGIC = 2;

const COMPRESSION_MASK = 0x07;
const TIMESTAMP_TYPE_MASK = 0x08;
const TRANSACTIONAL_MASK = 0x10;
const CONTROL_MASK = 0x20;
const DELETE_HORIZON_MASK = 0x40;

export const TimestampType = {
  CREATE_TIME: 0,
  LOG_APPEND_TIME: 1,
} as const;

export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1n;

export interface BatchAttributes {
  readonly compression?: number;
  readonly timestampType?: TimestampType;
  readonly transactional?: boolean;
  readonly control?: boolean;
  readonly deleteHorizon?: boolean;
}

/** Packs attribute bits; the inverse of the header view's attribute getters. */
export function encodeAttributes(a: BatchAttributes): number {
  return (
    ((a.compression ?? 0) & COMPRESSION_MASK) |
    (a.timestampType === TimestampType.LOG_APPEND_TIME ? TIMESTAMP_TYPE_MASK : 0) |
    (a.transactional === true ? TRANSACTIONAL_MASK : 0) |
    (a.control === true ? CONTROL_MASK : 0) |
    (a.deleteHorizon === true ? DELETE_HORIZON_MASK : 0)
  );
}

/**
 * Reads the header fields of the magic-2 batch at `position` in `buffer`
 * on demand, without copying. The constructor assumes at least
 * {@link BATCH_OVERHEAD} bytes there; {@link readBatchHeader} checks that.
 */
export class RecordBatchHeader {
  private readonly view: DataView;

  constructor(
    readonly buffer: Uint8Array,
    readonly position = 0,
  ) {
    this.view = new DataView(buffer.buffer, buffer.byteOffset + position, BATCH_OVERHEAD);
  }

  get baseOffset(): bigint {
    return this.view.getBigInt64(BASE_OFFSET_OFFSET);
  }
  get batchLength(): number {
    return this.view.getInt32(BATCH_LENGTH_OFFSET);
  }
  get partitionLeaderEpoch(): number {
    return this.view.getInt32(PARTITION_LEADER_EPOCH_OFFSET);
  }
  get magic(): number {
    return this.view.getInt8(MAGIC_OFFSET);
  }
  get crc(): number {
    return this.view.getUint32(CRC_OFFSET);
  }
  get attributes(): number {
    return this.view.getInt16(ATTRIBUTES_OFFSET);
  }
  /** Codec id from attribute bits 0-2 (may be an invalid 5-7 in hostile input). */
  get compression(): number {
    return this.attributes & COMPRESSION_MASK;
  }
  get timestampType(): TimestampType {
    return this.attributes & TIMESTAMP_TYPE_MASK ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
  }
  get isTransactional(): boolean {
    return (this.attributes & TRANSACTIONAL_MASK) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & CONTROL_MASK) !== 0;
  }
  /** Compaction stored the delete horizon in baseTimestamp. */
  get hasDeleteHorizon(): boolean {
    return (this.attributes & DELETE_HORIZON_MASK) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.view.getInt32(LAST_OFFSET_DELTA_OFFSET);
  }
  get baseTimestamp(): bigint {
    return this.view.getBigInt64(BASE_TIMESTAMP_OFFSET);
  }
  get maxTimestamp(): bigint {
    return this.view.getBigInt64(MAX_TIMESTAMP_OFFSET);
  }
  get producerId(): bigint {
    return this.view.getBigInt64(PRODUCER_ID_OFFSET);
  }
  get producerEpoch(): number {
    return this.view.getInt16(PRODUCER_EPOCH_OFFSET);
  }
  get baseSequence(): number {
    return this.view.getInt32(BASE_SEQUENCE_OFFSET);
  }
  get recordCount(): number {
    return this.view.getInt32(RECORD_COUNT_OFFSET);
  }

  /** Whole batch size including the offset and length fields. */
  get sizeInBytes(): number {
    return this.batchLength + LOG_OVERHEAD;
  }
  get lastOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta);
  }
  get nextOffset(): bigint {
    return this.lastOffset + 1n;
  }
  get hasProducerId(): boolean {
    return this.producerId > NO_PRODUCER_ID;
  }
  /** Sequence of the last record, wrapping past int32 max to 0 as Kafka does. */
  get lastSequence(): number {
    const base = this.baseSequence;
    if (base === NO_SEQUENCE) return NO_SEQUENCE;
    const delta = this.lastOffsetDelta;
    return base > 0x7fffffff - delta ? delta - (0x7fffffff - base) - 1 : base + delta;
  }
  /** The batch bytes (a view; shorter than {@link sizeInBytes} if the buffer is). */
  get bytes(): Uint8Array {
    return this.buffer.subarray(this.position, this.position + this.sizeInBytes);
  }
  /** The records section, compressed or not (a view). */
  get recordsBytes(): Uint8Array {
    return this.buffer.subarray(this.position + RECORDS_OFFSET, this.position + this.sizeInBytes);
  }

  /** CRC-32C of attributes..end as it should be stored. */
  computeCrc(): number {
    const end = this.position + this.sizeInBytes;
    if (end > this.buffer.length) throw new RangeError('batch extends past its buffer');
    return crc32c(this.buffer, this.position + ATTRIBUTES_OFFSET, end);
  }

  isCrcValid(): boolean {
    return this.position + this.sizeInBytes <= this.buffer.length && this.computeCrc() === this.crc;
  }
}

/** A header view over a magic-2 batch at `position`, after checking it has a full header. */
export function readBatchHeader(buffer: Uint8Array, position = 0): Result<RecordBatchHeader> {
  if (buffer.length - position < BATCH_OVERHEAD) {
    return { ok: false, error: corrupt('truncated', `batch header needs ${BATCH_OVERHEAD} bytes`) };
  }
  const magic = (buffer[position + MAGIC_OFFSET]! << 24) >> 24;
  if (magic !== CURRENT_MAGIC) return { ok: false, error: corrupt('bad-magic', `magic ${magic} is not 2`) };
  return ok(new RecordBatchHeader(buffer, position));
}

/** One entry of a records blob, found by {@link iterateBatches}. */
export type BatchSlice =
  /** A complete batch (magic 2) or legacy message (magic 0/1); `bytes` is a view. */
  | { readonly kind: 'batch'; readonly position: number; readonly magic: number; readonly bytes: Uint8Array }
  /** Trailing bytes too short for the entry they start; Fetch responses may end with one. */
  | { readonly kind: 'partial'; readonly position: number; readonly bytes: Uint8Array }
  /** Framing that cannot be walked past; iteration stops here. */
  | { readonly kind: 'corrupt'; readonly position: number; readonly error: RecordsError };

/**
 * Walks a records blob (the `records` of a Produce or Fetch partition) entry by
 * entry, yielding views; checks framing only, not CRCs or contents.
 */
export function* iterateBatches(records: Uint8Array): Generator<BatchSlice, void, undefined> {
  let p = 0;
  while (p < records.length) {
    const remaining = records.length - p;
    if (remaining < LOG_OVERHEAD) {
      yield { kind: 'partial', position: p, bytes: records.subarray(p) };
      return;
    }
    const length = readInt32BE(records, p + BATCH_LENGTH_OFFSET);
    if (length < LEGACY_MIN_MESSAGE_SIZE) {
      yield { kind: 'corrupt', position: p, error: corrupt('size-mismatch', `entry length ${length} at ${p}`) };
      return;
    }
    const size = LOG_OVERHEAD + length;
    if (remaining < size) {
      yield { kind: 'partial', position: p, bytes: records.subarray(p) };
      return;
    }
    const magic = (records[p + MAGIC_OFFSET]! << 24) >> 24;
    if (magic < 0 || magic > CURRENT_MAGIC) {
      yield { kind: 'corrupt', position: p, error: corrupt('bad-magic', `magic ${magic} at ${p}`) };
      return;
    }
    if (magic === CURRENT_MAGIC && size < BATCH_OVERHEAD) {
      yield { kind: 'corrupt', position: p, error: corrupt('size-mismatch', `batch length ${length} at ${p}`) };
      return;
    }
    yield { kind: 'batch', position: p, magic, bytes: records.subarray(p, p + size) };
    p += size;
  }
}

export interface SplitRecords {
  readonly batches: readonly Extract<BatchSlice, { kind: 'batch' }>[];
  /** Trailing incomplete entry, if any. */
  readonly partial: Uint8Array | null;
}

/** {@link iterateBatches} collected; framing corruption is an error. */
export function splitBatches(records: Uint8Array): Result<SplitRecords> {
  const batches: Extract<BatchSlice, { kind: 'batch' }>[] = [];
  for (const slice of iterateBatches(records)) {
    if (slice.kind === 'corrupt') return { ok: false, error: slice.error };
    if (slice.kind === 'partial') return ok({ batches, partial: slice.bytes });
    batches.push(slice);
  }
  return ok({ batches, partial: null });
}

/**
 * Rewrites the base offset of the batch at `position` in place. The field is
 * outside the CRC, so this is all Fetch needs to serve stored producer bytes.
 */
export function setBaseOffset(buffer: Uint8Array, baseOffset: bigint, position = 0): void {
  if (position < 0 || buffer.length - position < 8) throw new RangeError('no base offset field at position');
  writeInt64BE(buffer, position + BASE_OFFSET_OFFSET, baseOffset);
}

/** Rewrites the partition leader epoch in place; also outside the CRC. */
export function setPartitionLeaderEpoch(buffer: Uint8Array, epoch: number, position = 0): void {
  if (position < 0 || buffer.length - position < BATCH_OVERHEAD) throw new RangeError('no batch header at position');
  writeInt32BE(buffer, position + PARTITION_LEADER_EPOCH_OFFSET, epoch);
}

/**
 * Marks the batch at `position` as LogAppendTime with `logAppendTime` as its
 * max timestamp, in place, and recomputes the CRC, as a broker does for
 * `message.timestamp.type=LogAppendTime`. Record timestamps are left alone;
 * readers take every record's timestamp from maxTimestamp in such batches.
 */
export function applyLogAppendTime(buffer: Uint8Array, logAppendTime: bigint, position = 0): void {
  const header = new RecordBatchHeader(buffer, position);
  const end = position + header.sizeInBytes;
  if (header.sizeInBytes < BATCH_OVERHEAD || end > buffer.length) throw new RangeError('batch extends past its buffer');
  const attributes = header.attributes | TIMESTAMP_TYPE_MASK;
  buffer[position + ATTRIBUTES_OFFSET] = attributes >>> 8;
  buffer[position + ATTRIBUTES_OFFSET + 1] = attributes;
  writeInt64BE(buffer, position + MAX_TIMESTAMP_OFFSET, logAppendTime);
  writeBatchCrc(buffer, position);
}

/** Recomputes and stores the CRC of the batch at `position`, after a change to the bytes it covers. */
export function writeBatchCrc(buffer: Uint8Array, position = 0): void {
  const header = new RecordBatchHeader(buffer, position);
  const end = position + header.sizeInBytes;
  if (header.sizeInBytes < BATCH_OVERHEAD || end > buffer.length) throw new RangeError('batch extends past its buffer');
  writeInt32BE(buffer, position + CRC_OFFSET, crc32c(buffer, position + ATTRIBUTES_OFFSET, end));
}
