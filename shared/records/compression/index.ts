/**
 * Kafka's compression codecs by attribute id.
 *
 * Every decompressor takes `maxSize`: output beyond it is a typed error, so a
 * small hostile batch cannot make a function allocate without bound.
 */
import { capture, corrupt, type RecordsError, type Result, tooLarge } from '../errors.js';
import { gzipCompress, gzipDecompress } from './gzip.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { snappyCompress, snappyDecompress } from './snappy.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

/** Codec ids as stored in the low three attribute bits of batches and legacy messages. */
export const CompressionCodec = {
  NONE: 0,
  GZIP: 1,
  SNAPPY: 2,
  LZ4: 3,
  ZSTD: 4,
} as const;

export type CompressionCodec = (typeof CompressionCodec)[keyof typeof CompressionCodec];

/** Whether attribute bits 0-2 name a codec Kafka defines (5-7 do not). */
export function isCompressionCodec(id: number): id is CompressionCodec {
  return id >= 0 && id <= 4 && Number.isInteger(id);
}

export interface CodecOptions {
  /** LZ4 only: the pre-0.10 frame header checksum of magic-0 messages (KAFKA-3160). */
  readonly legacyLz4HeaderChecksum?: boolean;
}

/** Compresses `data` as Kafka's Java producer would for `codec`; NONE returns `data` itself. */
export function compress(codec: CompressionCodec, data: Uint8Array, options: CodecOptions = {}): Uint8Array {
  switch (codec) {
    case CompressionCodec.NONE:
      return data;
    case CompressionCodec.GZIP:
      return gzipCompress(data);
    case CompressionCodec.SNAPPY:
      return snappyCompress(data);
    case CompressionCodec.LZ4:
      return lz4Compress(data, { legacyHeaderChecksum: options.legacyLz4HeaderChecksum === true });
    case CompressionCodec.ZSTD:
      return zstdCompress(data);
    default:
      throw unknownCodec(codec);
  }
}

/**
 * Decompresses `data`; bad input or output longer than `maxSize` bytes yields a
 * typed error, never an exception or wrong bytes (where the codec can tell).
 */
export function decompress(
  codec: CompressionCodec,
  data: Uint8Array,
  maxSize: number,
  options: CodecOptions = {},
): Result<Uint8Array> {
  return capture(() => decompressOrThrow(codec, data, maxSize, options));
}

/** As {@link decompress}, throwing {@link RecordsError}; for callers already inside a decoder. */
export function decompressOrThrow(
  codec: CompressionCodec,
  data: Uint8Array,
  maxSize: number,
  options: CodecOptions = {},
): Uint8Array {
  switch (codec) {
    case CompressionCodec.NONE:
      if (data.length > maxSize) throw tooLarge('none', maxSize);
      return data;
    case CompressionCodec.GZIP:
      return gzipDecompress(data, maxSize);
    case CompressionCodec.SNAPPY:
      return snappyDecompress(data, maxSize);
    case CompressionCodec.LZ4:
      return lz4Decompress(data, maxSize, { legacyHeaderChecksum: options.legacyLz4HeaderChecksum === true });
    case CompressionCodec.ZSTD:
      return zstdDecompress(data, maxSize);
    default:
      throw unknownCodec(codec);
  }
}

function unknownCodec(codec: number): RecordsError {
  return corrupt('bad-compression-codec', `unknown compression codec ${codec}`);
}
