/**
 * GZIP (codec 1) via fflate.
 *
 * Java writes one member with `GZIPOutputStream` (deflate level 6); Java's
 * reader accepts concatenated members, so we do too. fflate checks neither the
 * CRC-32 nor the length in each member's trailer, so we check both: a damaged
 * stream is an error, never different bytes.
 */
import { Gunzip, gzipSync } from 'fflate';
import { concat } from '../../protocol/primitives.js';
import { crc32 } from '../crc32.js';
import { corrupt, RecordsError, tooLarge } from '../errors.js';

/** Java's `Deflater.DEFAULT_COMPRESSION` resolves to level 6. */
const DEFAULT_LEVEL = 6;
/** Deflate expands at most ~1032:1, so this bounds memory per push to ~16 MiB before the size check. */
const PUSH_CHUNK = 16 * 1024;
const MIN_MEMBER = 18;

/** One gzip member at Java's default level; mtime 0 keeps the bytes reproducible. */
export function gzipCompress(data: Uint8Array): Uint8Array {
  return gzipSync(data, { level: DEFAULT_LEVEL, mtime: 0 });
}

/** Decompresses one or more gzip members, verifying each trailer; output beyond `maxSize` is an error. */
export function gzipDecompress(data: Uint8Array, maxSize: number): Uint8Array {
  if (data.length < MIN_MEMBER) {
    throw corrupt('decompression-failed', `gzip: ${data.length} bytes is shorter than a member`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  let memberCrc = 0;
  let memberSize = 0;
  const checkTrailer = (trailerEnd: number): void => {
    if (trailerEnd < MIN_MEMBER) throw corrupt('decompression-failed', 'gzip: member too short');
    const p = trailerEnd - 8;
    const crc = (data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16) | (data[p + 3]! << 24)) >>> 0;
    const isize = (data[p + 4]! | (data[p + 5]! << 8) | (data[p + 6]! << 16) | (data[p + 7]! << 24)) >>> 0;
    if (crc !== memberCrc || isize !== memberSize % 2 ** 32) {
      throw corrupt('decompression-failed', 'gzip: member trailer does not match its content');
    }
    memberCrc = 0;
    memberSize = 0;
  };
  const gunzip = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > maxSize) throw tooLarge('gzip', maxSize);
    if (chunk.length > 0) {
      chunks.push(chunk);
      memberCrc = crc32(chunk, 0, chunk.length, memberCrc);
      memberSize += chunk.length;
    }
  });
  // fflate reports where each further member starts; the previous member's trailer ends there.
  gunzip.onmember = (offset) => checkTrailer(offset);
  try {
    for (let p = 0; p < data.length; p += PUSH_CHUNK) {
      const end = Math.min(p + PUSH_CHUNK, data.length);
      gunzip.push(data.subarray(p, end), end === data.length);
    }
  } catch (e) {
    if (e instanceof RecordsError) throw e;
    throw corrupt('decompression-failed', `gzip: ${e instanceof Error ? e.message : String(e)}`);
  }
  checkTrailer(data.length);
  return concat(chunks);
}
