/**
 * Snappy (codec 2).
 *
 * The Java client writes snappy-java's stream framing ("xerial"): the 8-byte
 * magic `82 'SNAPPY' 00`, version and compatible-version int32s (both 1), then
 * blocks of at most 32 KiB input, each a big-endian int32 length followed by a
 * raw snappy block. librdkafka writes one raw snappy block and reads both, so
 * we read both too.
 *
 * Compression uses snappyjs. Decompression is our own: snappyjs pads truncated
 * input with zeros instead of failing, which would hand out wrong bytes.
 */
import { compress as snappyjsCompress } from 'snappyjs';
import { corrupt, tooLarge } from '../errors.js';
import { readInt32BE, writeInt32BE } from '../varint.js';
import { copyMatch } from './match-copy.js';

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00] as const;
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's `SnappyOutputStream` default block size, which Kafka's Java client uses. */
export const XERIAL_BLOCK_SIZE = 32 * 1024;

/** Whether `data` starts, at `at`, with snappy-java's stream header. */
export function isXerialFramed(data: Uint8Array, at = 0): boolean {
  if (data.length - at < XERIAL_HEADER_SIZE) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[at + i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** Compresses into snappy-java's stream framing, as the Java producer does. */
export function snappyCompress(data: Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = [];
  let size = XERIAL_HEADER_SIZE;
  for (let p = 0; p < data.length; p += XERIAL_BLOCK_SIZE) {
    const block = snappyjsCompress(data.subarray(p, Math.min(p + XERIAL_BLOCK_SIZE, data.length)));
    blocks.push(block);
    size += 4 + block.length;
  }
  const out = new Uint8Array(size);
  out.set(XERIAL_MAGIC, 0);
  writeInt32BE(out, 8, XERIAL_VERSION);
  writeInt32BE(out, 12, XERIAL_COMPATIBLE_VERSION);
  let p = XERIAL_HEADER_SIZE;
  for (const block of blocks) {
    writeInt32BE(out, p, block.length);
    out.set(block, p + 4);
    p += 4 + block.length;
  }
  return out;
}

/** Compresses into one raw snappy block, as librdkafka does. */
export function snappyCompressRaw(data: Uint8Array): Uint8Array {
  return snappyjsCompress(data);
}

/** Decompresses xerial-framed or raw snappy; output larger than `maxSize` is an error. */
export function snappyDecompress(data: Uint8Array, maxSize: number): Uint8Array {
  if (!isXerialFramed(data)) {
    const { length, start } = rawLength(data, 0, data.length);
    if (length > maxSize) throw tooLarge('snappy', maxSize);
    const out = new Uint8Array(length);
    decodeRawBlock(data, start, data.length, out, 0, length);
    return out;
  }
  // First pass validates framing and sums declared sizes so we allocate once, and never beyond maxSize.
  const blocks: number[] = [];
  let total = 0;
  let p = XERIAL_HEADER_SIZE;
  while (p < data.length) {
    // snappy-java's reader accepts concatenated streams, each with its own header.
    if (isXerialFramed(data, p)) {
      p += XERIAL_HEADER_SIZE;
      continue;
    }
    if (data.length - p < 4) throw corrupt('decompression-failed', 'snappy: truncated block length');
    const len = readInt32BE(data, p);
    const start = p + 4;
    if (len < 0 || len > data.length - start)
      throw corrupt('decompression-failed', `snappy: block length ${len} overruns input`);
    const end = start + len;
    const { length, start: body } = rawLength(data, start, end);
    total += length;
    if (total > maxSize) throw tooLarge('snappy', maxSize);
    blocks.push(body, end, length);
    p = end;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i < blocks.length; i += 3) {
    const length = blocks[i + 2]!;
    decodeRawBlock(data, blocks[i]!, blocks[i + 1]!, out, o, length);
    o += length;
  }
  return out;
}

/** Reads the little-endian varint uncompressed length that opens a raw block. */
function rawLength(src: Uint8Array, start: number, end: number): { length: number; start: number } {
  let length = 0;
  let p = start;
  for (let shift = 0; shift < 35; shift += 7) {
    if (p >= end) throw corrupt('decompression-failed', 'snappy: truncated length preamble');
    const b = src[p++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      if (length > 0xffffffff) break;
      return { length, start: p };
    }
  }
  throw corrupt('decompression-failed', 'snappy: bad length preamble');
}

function decodeRawBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dstStart: number,
  length: number,
): void {
  const dstEnd = dstStart + length;
  let s = start;
  let d = dstStart;
  while (s < end) {
    const tag = src[s++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (end - s < extra) throw corrupt('decompression-failed', 'snappy: truncated literal length');
        len = 0;
        for (let i = 0; i < extra; i++) len += src[s + i]! * 2 ** (8 * i);
        s += extra;
      }
      len += 1;
      if (len > end - s || len > dstEnd - d) throw corrupt('decompression-failed', 'snappy: literal overruns block');
      if (len > 16) {
        dst.set(src.subarray(s, s + len), d);
      } else {
        for (let i = 0; i < len; i++) dst[d + i] = src[s + i]!;
      }
      s += len;
      d += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (end - s < 1) throw corrupt('decompression-failed', 'snappy: truncated copy');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[s++]!;
    } else if (kind === 2) {
      if (end - s < 2) throw corrupt('decompression-failed', 'snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = src[s]! | (src[s + 1]! << 8);
      s += 2;
    } else {
      if (end - s < 4) throw corrupt('decompression-failed', 'snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = (src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16) | (src[s + 3]! << 24)) >>> 0;
      s += 4;
    }
    if (offset === 0 || offset > d - dstStart)
      throw corrupt('decompression-failed', 'snappy: copy offset out of range');
    if (len > dstEnd - d) throw corrupt('decompression-failed', 'snappy: copy overruns output');
    copyMatch(dst, d, offset, len);
    d += len;
  }
  if (d !== dstEnd) throw corrupt('decompression-failed', `snappy: block produced ${d - dstStart} of ${length} bytes`);
}
