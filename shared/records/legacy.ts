/**
 * Legacy message sets, magic 0 (Kafka < 0.10) and magic 1 (0.10), per Kafka's
 * implementation docs, section 5.3.3:
 *
 *   offset int64, message_size int32, then the message:
 *   crc uint32 (CRC-32 IEEE of magic..end), magic int8, attributes int8,
 *   timestamp int64 (magic 1 only), key bytes, value bytes
 *   (bytes = int32 length, -1 for null).
 *
 * A compressed message is a wrapper whose value is a compressed message set.
 * Magic 1 inner offsets are relative (0..n-1) and the wrapper carries the
 * absolute offset of the last inner message; magic 0 inner offsets are absolute.
 * Under LogAppendTime (magic 1) the wrapper's timestamp stands for every inner message.
 */

import { ErrorCode } from '../protocol/generated/error-codes.js';
import { LOG_OVERHEAD, NO_TIMESTAMP, TimestampType } from './batch.js';
import { CompressionCodec, compress, decompressOrThrow } from './compression/index.js';
import { crc32 } from './crc32.js';
import { capture, corrupt, invalidRecord, RecordsError, type Result } from './errors.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './records.js';
import { ByteReader, ByteWriter, readInt32BE, writeInt32BE } from './varint.js';

export type LegacyMagic = 0 | 1;

const CRC_OFFSET = LOG_OVERHEAD;
const MAGIC_OFFSET = LOG_OVERHEAD + 4;
const COMPRESSION_MASK = 0x07;
const TIMESTAMP_TYPE_MASK = 0x08;
/** Smallest message body per magic (crc, magic, attributes, [timestamp], key and value lengths). */
const MIN_MESSAGE_SIZE = [14, 22] as const;

export interface LegacyMessage {
  readonly offset: bigint;
  readonly magic: LegacyMagic;
  readonly attributes: number;
  readonly compression: CompressionCodec;
  readonly timestampType: TimestampType;
  /** NO_TIMESTAMP (-1) for magic 0. */
  readonly timestamp: bigint;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly crc: number;
}

/** One log entry: the message as stored, and the messages a consumer sees in it. */
export interface LegacyEntry {
  readonly wrapper: LegacyMessage;
  /** `[wrapper]` when uncompressed, else the inner messages with absolute offsets. */
  readonly messages: readonly LegacyMessage[];
}

export interface LegacyDecodeOptions {
  /** Bound on a wrapper's decompressed value; default 64 MiB. */
  readonly maxDecompressedBytes?: number;
}

/** Reads one message occupying all of `entry` (offset and size fields included), verifying its CRC. */
function readMessage(entry: Uint8Array): LegacyMessage {
  const r = new ByteReader(entry, 0, entry.length, ErrorCode.CORRUPT_MESSAGE);
  const offset = r.int64();
  const size = r.int32();
  if (size !== entry.length - LOG_OVERHEAD)
    throw corrupt('size-mismatch', `message size ${size} does not fit its entry`);
  const crc = r.uint32();
  const magic = r.int8();
  if (magic !== 0 && magic !== 1) throw corrupt('bad-magic', `magic ${magic} in a legacy message set`);
  if (size < MIN_MESSAGE_SIZE[magic]) throw corrupt('truncated', `magic ${magic} message of ${size} bytes`);
  if (crc32(entry, MAGIC_OFFSET, entry.length) !== crc) throw corrupt('crc-mismatch', 'message CRC-32 mismatch');
  const attributes = r.int8() & 0xff;
  const timestamp = magic === 1 ? r.int64() : NO_TIMESTAMP;
  const keyLength = r.int32();
  const key = keyLength < 0 ? null : r.bytes(keyLength);
  const valueLength = r.int32();
  const value = valueLength < 0 ? null : r.bytes(valueLength);
  if (r.remaining !== 0) throw corrupt('size-mismatch', `${r.remaining} bytes follow the message value`);
  const codec = attributes & COMPRESSION_MASK;
  if (codec === CompressionCodec.ZSTD) {
    throw new RecordsError(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, 'unsupported-for-format', 'zstd needs magic 2');
  }
  if (codec > CompressionCodec.ZSTD) throw corrupt('bad-compression-codec', `unknown compression codec ${codec}`);
  return {
    offset,
    magic,
    attributes,
    compression: codec as CompressionCodec,
    timestampType:
      magic === 1 && attributes & TIMESTAMP_TYPE_MASK ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
    timestamp,
    key,
    value,
    crc,
  };
}

/** Splits a message set into complete entries; inside a wrapper a partial entry is corruption. */
function entries(set: Uint8Array, allowPartial: boolean): { list: Uint8Array[]; partial: Uint8Array | null } {
  const list: Uint8Array[] = [];
  let p = 0;
  while (p < set.length) {
    const remaining = set.length - p;
    const size = remaining < LOG_OVERHEAD ? -1 : LOG_OVERHEAD + readInt32BE(set, p + 8);
    if (size >= 0 && size < LOG_OVERHEAD + MIN_MESSAGE_SIZE[0])
      throw corrupt('size-mismatch', `entry size ${size} at ${p}`);
    if (size < 0 || size > remaining) {
      if (!allowPartial) throw corrupt('truncated', `message set ends inside an entry at ${p}`);
      return { list, partial: set.subarray(p) };
    }
    list.push(set.subarray(p, p + size));
    p += size;
  }
  return { list, partial: null };
}

function decodeEntryOrThrow(entry: Uint8Array, options: LegacyDecodeOptions): LegacyEntry {
  const wrapper = readMessage(entry);
  if (wrapper.compression === CompressionCodec.NONE) return { wrapper, messages: [wrapper] };
  if (wrapper.value === null) throw invalidRecord('bad-record', 'compressed wrapper message has a null value');
  const inner = decompressOrThrow(
    wrapper.compression,
    wrapper.value,
    options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    { legacyLz4HeaderChecksum: wrapper.magic === 0 },
  );
  const { list } = entries(inner, false);
  if (list.length === 0) throw invalidRecord('bad-record', 'compressed wrapper message holds no messages');
  const raw = list.map(readMessage);
  const lastRelative = raw[raw.length - 1]!.offset;
  const logAppendTime = wrapper.timestampType === TimestampType.LOG_APPEND_TIME;
  const messages = raw.map((m): LegacyMessage => {
    if (m.compression !== CompressionCodec.NONE) {
      throw invalidRecord('nested-compression', 'compressed message set holds a compressed message');
    }
    if (m.magic !== wrapper.magic) throw invalidRecord('bad-magic', 'inner message magic differs from its wrapper');
    if (wrapper.magic === 0) return m;
    return {
      ...m,
      offset: wrapper.offset - lastRelative + m.offset,
      timestamp: logAppendTime ? wrapper.timestamp : m.timestamp,
      timestampType: logAppendTime ? TimestampType.LOG_APPEND_TIME : m.timestampType,
    };
  });
  return { wrapper, messages };
}

/** Decodes one log entry (as yielded by `iterateBatches` for magic 0/1), decompressing a wrapper. */
export function decodeLegacyEntry(entry: Uint8Array, options: LegacyDecodeOptions = {}): Result<LegacyEntry> {
  return capture(() => decodeEntryOrThrow(entry, options));
}

/** Decodes a whole legacy message set; a trailing partial entry is returned apart. */
export function decodeMessageSet(
  records: Uint8Array,
  options: LegacyDecodeOptions = {},
): Result<{ entries: LegacyEntry[]; partial: Uint8Array | null }> {
  return capture(() => {
    const { list, partial } = entries(records, true);
    return { entries: list.map((e) => decodeEntryOrThrow(e, options)), partial };
  });
}

export interface LegacyMessageInput {
  readonly key?: Uint8Array | null;
  readonly value?: Uint8Array | null;
  /** Magic 1 only; defaults to NO_TIMESTAMP. */
  readonly timestamp?: bigint;
}

export interface MessageSetInput {
  readonly magic: LegacyMagic;
  readonly messages: readonly LegacyMessageInput[];
  /** NONE, GZIP, SNAPPY or LZ4; a compressed set becomes one wrapper message. */
  readonly compression?: CompressionCodec;
  /** Offset of the first message; default 0. */
  readonly baseOffset?: bigint;
  /** Magic 1: stamp messages (or the wrapper) with this LogAppendTime, as a broker does. */
  readonly logAppendTime?: bigint;
}

function messageSize(magic: LegacyMagic, key: Uint8Array | null, value: Uint8Array | null): number {
  return MIN_MESSAGE_SIZE[magic] + (key?.length ?? 0) + (value?.length ?? 0);
}

function writeMessage(
  w: ByteWriter,
  offset: bigint,
  magic: LegacyMagic,
  attributes: number,
  timestamp: bigint,
  key: Uint8Array | null,
  value: Uint8Array | null,
): void {
  const start = w.pos;
  w.int64(offset);
  w.int32(messageSize(magic, key, value));
  w.int32(0);
  w.int8(magic);
  w.int8(attributes);
  if (magic === 1) w.int64(timestamp);
  for (const b of [key, value]) {
    if (b === null) w.int32(-1);
    else {
      w.int32(b.length);
      w.bytes(b);
    }
  }
  writeInt32BE(w.buf, start + CRC_OFFSET, crc32(w.buf, start + MAGIC_OFFSET, w.pos));
}

function writeSet(
  magic: LegacyMagic,
  items: readonly {
    offset: bigint;
    attributes: number;
    timestamp: bigint;
    key: Uint8Array | null;
    value: Uint8Array | null;
  }[],
): Uint8Array {
  let size = 0;
  for (const m of items) size += LOG_OVERHEAD + messageSize(magic, m.key, m.value);
  const out = new Uint8Array(size);
  const w = new ByteWriter(out);
  for (const m of items) writeMessage(w, m.offset, magic, m.attributes, m.timestamp, m.key, m.value);
  return out;
}

/**
 * Encodes a legacy message set. Uncompressed messages get consecutive offsets
 * from `baseOffset`; a compressed set is one wrapper whose offset is the last
 * inner offset. Magic 0 LZ4 uses the pre-0.10 header checksum, as Java does.
 */
export function encodeMessageSet(input: MessageSetInput): Uint8Array {
  const { magic, messages } = input;
  const codec = input.compression ?? CompressionCodec.NONE;
  if (codec > CompressionCodec.LZ4) {
    throw new RecordsError(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, 'unsupported-for-format', 'zstd needs magic 2');
  }
  const base = input.baseOffset ?? 0n;
  const lat = magic === 1 ? input.logAppendTime : undefined;
  const latBit = lat === undefined ? 0 : TIMESTAMP_TYPE_MASK;
  const ts = (m: LegacyMessageInput): bigint => (magic === 1 ? (m.timestamp ?? NO_TIMESTAMP) : NO_TIMESTAMP);
  if (codec === CompressionCodec.NONE) {
    return writeSet(
      magic,
      messages.map((m, i) => ({
        offset: base + BigInt(i),
        attributes: latBit,
        timestamp: lat ?? ts(m),
        key: m.key ?? null,
        value: m.value ?? null,
      })),
    );
  }
  if (messages.length === 0) throw new RangeError('a compressed message set needs at least one message');
  const inner = writeSet(
    magic,
    messages.map((m, i) => ({
      offset: magic === 1 ? BigInt(i) : base + BigInt(i),
      attributes: 0,
      timestamp: ts(m),
      key: m.key ?? null,
      value: m.value ?? null,
    })),
  );
  let maxTimestamp = NO_TIMESTAMP;
  for (const m of messages) if (ts(m) > maxTimestamp) maxTimestamp = ts(m);
  return writeSet(magic, [
    {
      offset: base + BigInt(messages.length - 1),
      attributes: codec | latBit,
      timestamp: lat ?? maxTimestamp,
      key: null,
      value: compress(codec, inner, { legacyLz4HeaderChecksum: magic === 0 }),
    },
  ]);
}
