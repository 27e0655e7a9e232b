/**
 * Magic-2 records: decoding a batch into its records and encoding a batch from
 * header fields and records.
 *
 * Record layout (Kafka implementation docs, section 5.3.2), varints zig-zag:
 * length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
 * keyLength varint + key, valueLength varint + value, headerCount varint, then
 * per header keyLength varint + UTF-8 key, valueLength varint + value.
 * A negative key or value length means null.
 */

import { ErrorCode } from '../protocol/generated/error-codes.js';
import {
  BATCH_OVERHEAD,
  CURRENT_MAGIC,
  encodeAttributes,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  RECORDS_OFFSET,
  type RecordBatchHeader,
  readBatchHeader,
  splitBatches,
  TimestampType,
  writeBatchCrc,
} from './batch.js';
import { CompressionCodec, compress, decompressOrThrow, isCompressionCodec } from './compression/index.js';
import { capture, corrupt, invalidRecord, type Result } from './errors.js';
import { ByteReader, ByteWriter, varintSize, varlongSize } from './varint.js';

/** Smallest possible record: length plus six one-byte fields. */
export const MIN_RECORD_SIZE = 7;

/** Default bound on a batch's decompressed records section. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export interface RecordHeader {
  readonly key: string;
  readonly value: Uint8Array | null;
}

export interface DecodedRecord {
  readonly attributes: number;
  readonly timestampDelta: bigint;
  readonly offsetDelta: number;
  /** baseOffset + offsetDelta. */
  readonly offset: bigint;
  /** baseTimestamp + timestampDelta, or the batch's maxTimestamp under LogAppendTime (as Kafka's consumer reads it). */
  readonly timestamp: bigint;
  /** Views into the batch (or its decompressed records); copy before keeping past the buffer's life. */
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
}

export interface DecodedBatch {
  readonly header: RecordBatchHeader;
  readonly records: readonly DecodedRecord[];
}

export interface DecodeOptions {
  /** Bound on the decompressed records section; default {@link DEFAULT_MAX_DECOMPRESSED_BYTES}. */
  readonly maxDecompressedBytes?: number;
  /** Check the CRC before decoding; default true. */
  readonly verifyCrc?: boolean;
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/**
 * Decodes one complete magic-2 batch (exactly `batch.length` bytes): checks
 * framing and CRC, decompresses, and parses every record with bounds checks.
 */
export function decodeBatch(batch: Uint8Array, options: DecodeOptions = {}): Result<DecodedBatch> {
  return capture(() => decodeBatchOrThrow(batch, options));
}

/**
 * Decodes every magic-2 batch of a records blob. A trailing partial batch is
 * returned apart, as Fetch responses may end with one.
 */
export function decodeBatches(
  records: Uint8Array,
  options: DecodeOptions = {},
): Result<{ batches: DecodedBatch[]; partial: Uint8Array | null }> {
  const split = splitBatches(records);
  if (!split.ok) return split;
  return capture(() => {
    const batches = split.value.batches.map((slice) => {
      if (slice.magic !== CURRENT_MAGIC) throw corrupt('bad-magic', `legacy magic ${slice.magic} at ${slice.position}`);
      return decodeBatchOrThrow(slice.bytes, options);
    });
    return { batches, partial: split.value.partial };
  });
}

function decodeBatchOrThrow(batch: Uint8Array, options: DecodeOptions): DecodedBatch {
  const read = readBatchHeader(batch);
  if (!read.ok) throw read.error;
  const header = read.value;
  if (header.sizeInBytes !== batch.length) {
    throw corrupt('size-mismatch', `batch length says ${header.sizeInBytes} bytes, buffer has ${batch.length}`);
  }
  if (options.verifyCrc !== false && !header.isCrcValid()) throw corrupt('crc-mismatch', 'batch CRC-32C mismatch');
  const codec = header.compression;
  if (!isCompressionCodec(codec)) throw corrupt('bad-compression-codec', `unknown compression codec ${codec}`);
  const count = header.recordCount;
  if (count < 0) throw invalidRecord('bad-record-count', `negative record count ${count}`);
  let payload = batch.subarray(RECORDS_OFFSET);
  if (codec !== CompressionCodec.NONE) {
    payload = decompressOrThrow(codec, payload, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  }
  return { header, records: decodeRecordsOrThrow(payload, header) };
}

/** Parses `header.recordCount` records filling `payload` exactly. */
function decodeRecordsOrThrow(payload: Uint8Array, header: RecordBatchHeader): DecodedRecord[] {
  const count = header.recordCount;
  // Checked before allocating anything per record: a count no payload could hold is a lie.
  if (count > payload.length / MIN_RECORD_SIZE) {
    throw invalidRecord('bad-record-count', `${count} records cannot fit in ${payload.length} bytes`);
  }
  const baseOffset = header.baseOffset;
  const baseTimestamp = header.baseTimestamp;
  const logAppendTime = header.timestampType === TimestampType.LOG_APPEND_TIME ? header.maxTimestamp : null;
  const r = new ByteReader(payload, 0, payload.length, ErrorCode.INVALID_RECORD);
  const records: DecodedRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    if (length < 0 || length > r.remaining) throw r.fail(`record ${i} length ${length} overruns the batch`);
    const end = r.pos + length;
    const body = new ByteReader(payload, r.pos, end, ErrorCode.INVALID_RECORD);
    const attributes = body.int8();
    const timestampDelta = body.varlong();
    const offsetDelta = body.varint();
    const keyLength = body.varint();
    const key = keyLength < 0 ? null : body.bytes(keyLength);
    const valueLength = body.varint();
    const value = valueLength < 0 ? null : body.bytes(valueLength);
    const headerCount = body.varint();
    if (headerCount < 0) throw body.fail(`record ${i} has ${headerCount} headers`);
    // Each header takes at least two bytes, so the count is bounded by what is left.
    if (headerCount > body.remaining / 2)
      throw body.fail(`record ${i} header count ${headerCount} overruns the record`);
    const headers: RecordHeader[] = new Array(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const hkLength = body.varint();
      if (hkLength < 0) throw body.fail(`record ${i} header ${h} has a negative key length`);
      const hk = utf8Decoder.decode(body.bytes(hkLength));
      const hvLength = body.varint();
      headers[h] = { key: hk, value: hvLength < 0 ? null : body.bytes(hvLength) };
    }
    if (body.pos !== end) throw body.fail(`record ${i} declares ${length} bytes but holds ${body.pos - r.pos}`);
    r.pos = end;
    records[i] = {
      attributes,
      timestampDelta,
      offsetDelta,
      offset: baseOffset + BigInt(offsetDelta),
      timestamp: logAppendTime ?? baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    };
  }
  if (r.remaining !== 0) throw invalidRecord('bad-record', `${r.remaining} bytes follow the last record`);
  return records;
}

export interface RecordInput {
  readonly key?: Uint8Array | null;
  readonly value?: Uint8Array | null;
  readonly headers?: readonly RecordHeader[];
  /** Absolute timestamp; defaults to the batch's base timestamp. */
  readonly timestamp?: bigint;
  /** Defaults to the record's index. */
  readonly offsetDelta?: number;
  readonly attributes?: number;
}

export interface BatchInput {
  readonly records: readonly RecordInput[];
  readonly baseOffset?: bigint;
  readonly partitionLeaderEpoch?: number;
  readonly compression?: CompressionCodec;
  readonly timestampType?: TimestampType;
  readonly transactional?: boolean;
  readonly control?: boolean;
  readonly deleteHorizon?: boolean;
  /** Defaults to the first record's timestamp, as the Java producer does. */
  readonly baseTimestamp?: bigint;
  /** Defaults to the largest record timestamp; give the append time for LogAppendTime. */
  readonly maxTimestamp?: bigint;
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  /** Defaults to the last record's offset delta. */
  readonly lastOffsetDelta?: number;
}

interface PreparedRecord {
  readonly size: number;
  readonly bodySize: number;
  readonly timestampDelta: bigint;
  readonly offsetDelta: number;
  readonly headerKeys: Uint8Array[];
  readonly input: RecordInput;
}

function prepare(input: RecordInput, index: number, baseTimestamp: bigint): PreparedRecord {
  const timestampDelta = (input.timestamp ?? baseTimestamp) - baseTimestamp;
  if (BigInt.asIntN(64, timestampDelta) !== timestampDelta) {
    throw new RangeError(`record ${index}: timestamp delta ${timestampDelta} does not fit in int64`);
  }
  const offsetDelta = input.offsetDelta ?? index;
  const key = input.key ?? null;
  const value = input.value ?? null;
  const headers = input.headers ?? [];
  let bodySize =
    1 +
    varlongSize(timestampDelta) +
    varintSize(offsetDelta) +
    (key === null ? 1 : varintSize(key.length) + key.length) +
    (value === null ? 1 : varintSize(value.length) + value.length) +
    varintSize(headers.length);
  const headerKeys: Uint8Array[] = [];
  for (const h of headers) {
    const k = utf8Encoder.encode(h.key);
    headerKeys.push(k);
    bodySize += varintSize(k.length) + k.length + (h.value === null ? 1 : varintSize(h.value.length) + h.value.length);
  }
  return { size: varintSize(bodySize) + bodySize, bodySize, timestampDelta, offsetDelta, headerKeys, input };
}

function writeRecord(w: ByteWriter, r: PreparedRecord): void {
  const { input } = r;
  w.varint(r.bodySize);
  w.int8(input.attributes ?? 0);
  w.varlong(r.timestampDelta);
  w.varint(r.offsetDelta);
  writeNullableBytes(w, input.key ?? null);
  writeNullableBytes(w, input.value ?? null);
  const headers = input.headers ?? [];
  w.varint(headers.length);
  for (let h = 0; h < headers.length; h++) {
    const k = r.headerKeys[h]!;
    w.varint(k.length);
    w.bytes(k);
    writeNullableBytes(w, headers[h]!.value);
  }
}

function writeNullableBytes(w: ByteWriter, b: Uint8Array | null): void {
  if (b === null) {
    w.varint(-1);
    return;
  }
  w.varint(b.length);
  w.bytes(b);
}

/** Builds a magic-2 batch, computing lastOffsetDelta, maxTimestamp and the CRC. */
export function encodeBatch(input: BatchInput): Uint8Array {
  const { records } = input;
  const baseTimestamp = input.baseTimestamp ?? records[0]?.timestamp ?? NO_TIMESTAMP;
  const prepared = records.map((r, i) => prepare(r, i, baseTimestamp));
  let recordsSize = 0;
  let maxTimestamp = NO_TIMESTAMP;
  for (const p of prepared) {
    recordsSize += p.size;
    const ts = baseTimestamp + p.timestampDelta;
    if (ts > maxTimestamp) maxTimestamp = ts;
  }
  const compression = input.compression ?? CompressionCodec.NONE;
  let out: Uint8Array;
  if (compression === CompressionCodec.NONE) {
    out = new Uint8Array(BATCH_OVERHEAD + recordsSize);
    const w = new ByteWriter(out, RECORDS_OFFSET);
    for (const p of prepared) writeRecord(w, p);
  } else {
    const raw = new Uint8Array(recordsSize);
    const w = new ByteWriter(raw);
    for (const p of prepared) writeRecord(w, p);
    const payload = compress(compression, raw);
    out = new Uint8Array(BATCH_OVERHEAD + payload.length);
    out.set(payload, RECORDS_OFFSET);
  }
  const last = prepared[prepared.length - 1];
  const w = new ByteWriter(out);
  w.int64(input.baseOffset ?? 0n);
  w.int32(out.length - LOG_OVERHEAD);
  w.int32(input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH);
  w.int8(CURRENT_MAGIC);
  w.int32(0);
  w.int16(
    encodeAttributes({
      compression,
      timestampType: input.timestampType ?? TimestampType.CREATE_TIME,
      transactional: input.transactional ?? false,
      control: input.control ?? false,
      deleteHorizon: input.deleteHorizon ?? false,
    }),
  );
  w.int32(input.lastOffsetDelta ?? (last === undefined ? -1 : last.offsetDelta));
  w.int64(baseTimestamp);
  w.int64(input.maxTimestamp ?? maxTimestamp);
  w.int64(input.producerId ?? NO_PRODUCER_ID);
  w.int16(input.producerEpoch ?? NO_PRODUCER_EPOCH);
  w.int32(input.baseSequence ?? NO_SEQUENCE);
  w.int32(records.length);
  writeBatchCrc(out);
  return out;
}
