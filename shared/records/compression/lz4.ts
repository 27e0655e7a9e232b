/**
 * LZ4 (codec 3): the LZ4 frame format around LZ4 blocks.
 *
 * Writing follows Kafka's Java `Lz4BlockOutputStream`: FLG version 01 with the
 * block-independence bit (Java rejects frames without it), no block checksums,
 * no content size, no content checksum, 64 KiB maximum block size, and a block
 * stored uncompressed when compressing does not make it smaller. librdkafka
 * writes the same shape through liblz4's frame API.
 *
 * The block codec is our own, not lz4js: lz4js's compressor may start a match
 * in the last 12 bytes of a block, which the reference decoder (and so
 * lz4-java) rejects for full blocks, and its decompressor does no bounds checks.
 *
 * Kafka before 0.10 (magic 0 messages) computed the header checksum over the
 * magic number too (KAFKA-3160). The Java client still writes that broken
 * checksum for magic 0 and skips the check when reading magic 0;
 * `legacyHeaderChecksum` does the same here for the legacy message codec.
 */
import { corrupt, tooLarge } from '../errors.js';
import { copyMatch } from './match-copy.js';
import { xxhash32 } from './xxhash32.js';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
const BD_64KB = 4 << 4;
const BLOCK_UNCOMPRESSED = 0x80000000;
/** Kafka's Java client uses 64 KiB blocks (`BLOCKSIZE_64KB`). */
export const LZ4_BLOCK_SIZE = 64 * 1024;

const MIN_MATCH = 4;
/** The last match must start at least 12 bytes before the end of a block. */
const MF_LIMIT = 12;
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5;
const MAX_OFFSET = 65535;
const HASH_LOG = 16;
const SKIP_TRIGGER = 6;

export interface Lz4Options {
  /** Write, or also accept, the pre-0.10 header checksum that covers the magic number (magic 0 only). */
  readonly legacyHeaderChecksum?: boolean;
}

// Stale entries are harmless: a candidate is used only if it lies inside the
// current block, before the cursor, and its four bytes really match.
const hashTable = new Int32Array(1 << HASH_LOG);

function read32(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

function write32LE(b: Uint8Array, p: number, v: number): void {
  b[p] = v;
  b[p + 1] = v >>> 8;
  b[p + 2] = v >>> 16;
  b[p + 3] = v >>> 24;
}

function hash(seq: number): number {
  return Math.imul(seq, -1640531535) >>> (32 - HASH_LOG);
}

/** Worst-case size of one compressed block of `n` bytes. */
export function lz4BlockBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

function writeLength(dst: Uint8Array, d: number, n: number): number {
  let rest = n - 15;
  while (rest >= 255) {
    dst[d++] = 255;
    rest -= 255;
  }
  dst[d++] = rest;
  return d;
}

function writeLiterals(dst: Uint8Array, d: number, src: Uint8Array, from: number, to: number): number {
  const n = to - from;
  if (n > 16) dst.set(src.subarray(from, to), d);
  else for (let i = 0; i < n; i++) dst[d + i] = src[from + i]!;
  return d + n;
}

/**
 * Compresses `src[start, end)` as one independent LZ4 block into `dst` at
 * `dstStart` (which needs {@link lz4BlockBound} bytes); returns bytes written.
 */
export function lz4CompressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dstStart: number,
): number {
  let d = dstStart;
  let anchor = start;
  if (end - start > MF_LIMIT) {
    const matchEndLimit = end - LAST_LITERALS;
    const matchStartLimit = end - MF_LIMIT;
    let ip = start;
    let attempts = 1 << SKIP_TRIGGER;
    while (ip <= matchStartLimit) {
      const seq = read32(src, ip);
      const h = hash(seq);
      const ref = hashTable[h]!;
      hashTable[h] = ip;
      if (ref < start || ref >= ip || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
        // Skip faster through incompressible stretches, as the reference compressor does.
        ip += attempts++ >> SKIP_TRIGGER;
        continue;
      }
      let mStart = ip;
      let r = ref;
      while (mStart > anchor && r > start && src[mStart - 1] === src[r - 1]) {
        mStart--;
        r--;
      }
      let mEnd = ip + MIN_MATCH;
      let rEnd = ref + MIN_MATCH;
      while (mEnd < matchEndLimit && src[mEnd] === src[rEnd]) {
        mEnd++;
        rEnd++;
      }
      const litLen = mStart - anchor;
      const matchLen = mEnd - mStart - MIN_MATCH;
      const offset = mStart - r;
      dst[d++] = (Math.min(litLen, 15) << 4) | Math.min(matchLen, 15);
      if (litLen >= 15) d = writeLength(dst, d, litLen);
      d = writeLiterals(dst, d, src, anchor, mStart);
      dst[d++] = offset;
      dst[d++] = offset >>> 8;
      if (matchLen >= 15) d = writeLength(dst, d, matchLen);
      anchor = mEnd;
      ip = mEnd;
      if (ip - 2 > start) hashTable[hash(read32(src, ip - 2))] = ip - 2;
      attempts = 1 << SKIP_TRIGGER;
    }
  }
  const litLen = end - anchor;
  dst[d++] = Math.min(litLen, 15) << 4;
  if (litLen >= 15) d = writeLength(dst, d, litLen);
  d = writeLiterals(dst, d, src, anchor, end);
  return d - dstStart;
}

/**
 * Decodes one LZ4 block `src[start, end)` into `dst` from `d`, writing no
 * further than `dLimit` and referring back no further than `windowStart`.
 * Returns the new output position, or -1 if the output would pass `dLimit`.
 * Malformed input throws `RecordsError`.
 */
export function lz4DecompressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  d: number,
  dLimit: number,
  windowStart: number,
): number {
  let s = start;
  for (;;) {
    if (s >= end) throw corrupt('decompression-failed', 'lz4: block ends without its final literals');
    const token = src[s++]!;
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (s >= end) throw corrupt('decompression-failed', 'lz4: truncated literal length');
        b = src[s++]!;
        litLen += b;
      } while (b === 255);
    }
    if (litLen > end - s) throw corrupt('decompression-failed', 'lz4: literals overrun block');
    if (litLen > dLimit - d) return -1;
    if (litLen > 16) dst.set(src.subarray(s, s + litLen), d);
    else for (let i = 0; i < litLen; i++) dst[d + i] = src[s + i]!;
    s += litLen;
    d += litLen;
    if (s === end) return d;
    if (end - s < 2) throw corrupt('decompression-failed', 'lz4: truncated match offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d - windowStart)
      throw corrupt('decompression-failed', 'lz4: match offset out of range');
    let matchLen = token & 15;
    if (matchLen === 15) {
      let b: number;
      do {
        if (s >= end) throw corrupt('decompression-failed', 'lz4: truncated match length');
        b = src[s++]!;
        matchLen += b;
      } while (b === 255);
    }
    matchLen += MIN_MATCH;
    if (matchLen > dLimit - d) return -1;
    copyMatch(dst, d, offset, matchLen);
    d += matchLen;
  }
}

function headerChecksum(data: Uint8Array, from: number, to: number): number {
  return (xxhash32(data, from, to) >>> 8) & 0xff;
}

/** Compresses `data` into one LZ4 frame shaped like the Java client's. */
export function lz4Compress(data: Uint8Array, options: Lz4Options = {}): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / LZ4_BLOCK_SIZE));
  const out = new Uint8Array(7 + lz4BlockBound(data.length) + blocks * (4 + 16) + 4);
  write32LE(out, 0, FRAME_MAGIC);
  out[4] = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENCE;
  out[5] = BD_64KB;
  out[6] = options.legacyHeaderChecksum === true ? headerChecksum(out, 0, 6) : headerChecksum(out, 4, 6);
  let p = 7;
  for (let s = 0; s < data.length; s += LZ4_BLOCK_SIZE) {
    const e = Math.min(s + LZ4_BLOCK_SIZE, data.length);
    const n = lz4CompressBlock(data, s, e, out, p + 4);
    if (n >= e - s) {
      write32LE(out, p, (e - s) | BLOCK_UNCOMPRESSED);
      out.set(data.subarray(s, e), p + 4);
      p += 4 + (e - s);
    } else {
      write32LE(out, p, n);
      p += 4 + n;
    }
  }
  write32LE(out, p, 0);
  return out.slice(0, p + 4);
}

/**
 * Decompresses one or more concatenated LZ4 frames (skippable frames are
 * skipped). Header, block and content checksums are verified when present;
 * output larger than `maxSize` is an error.
 */
export function lz4Decompress(data: Uint8Array, maxSize: number, options: Lz4Options = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let p = 0;
  do {
    const frame = decodeFrame(data, p, maxSize - total, options.legacyHeaderChecksum === true);
    if (frame.out.length > 0) parts.push(frame.out);
    total += frame.out.length;
    p = frame.end;
  } while (p < data.length);
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

function need(data: Uint8Array, p: number, n: number, what: string): void {
  if (data.length - p < n) throw corrupt('decompression-failed', `lz4: truncated ${what}`);
}

function decodeFrame(
  data: Uint8Array,
  frameStart: number,
  budget: number,
  legacyHeaderChecksum: boolean,
): { out: Uint8Array; end: number } {
  need(data, frameStart, 4, 'frame magic');
  const magic = read32(data, frameStart) >>> 0;
  if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
    need(data, frameStart + 4, 4, 'skippable frame size');
    const size = read32(data, frameStart + 4) >>> 0;
    need(data, frameStart + 8, size, 'skippable frame');
    return { out: new Uint8Array(0), end: frameStart + 8 + size };
  }
  if (magic !== FRAME_MAGIC) throw corrupt('decompression-failed', 'lz4: bad frame magic');
  let p = frameStart + 4;
  need(data, p, 2, 'frame descriptor');
  const flg = data[p]!;
  const bd = data[p + 1]!;
  if ((flg & 0xc0) !== FLG_VERSION_01) throw corrupt('decompression-failed', 'lz4: unsupported frame version');
  if ((flg & FLG_RESERVED) !== 0 || (bd & 0x8f) !== 0) throw corrupt('decompression-failed', 'lz4: reserved bits set');
  if ((flg & FLG_DICT_ID) !== 0) throw corrupt('decompression-failed', 'lz4: dictionaries are not supported');
  const blockSizeId = (bd >>> 4) & 7;
  if (blockSizeId < 4) throw corrupt('decompression-failed', 'lz4: bad block maximum size');
  const blockMax = 1 << (2 * blockSizeId + 8);
  const independent = (flg & FLG_BLOCK_INDEPENDENCE) !== 0;
  const blockChecksums = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  const contentChecksum = (flg & FLG_CONTENT_CHECKSUM) !== 0;
  p += 2;
  let contentSize = -1;
  if ((flg & FLG_CONTENT_SIZE) !== 0) {
    need(data, p, 8, 'content size');
    contentSize = (read32(data, p) >>> 0) + (read32(data, p + 4) >>> 0) * 2 ** 32;
    if (contentSize > budget) throw tooLarge('lz4', budget);
    p += 8;
  }
  need(data, p, 1, 'header checksum');
  const hc = data[p]!;
  if (hc !== headerChecksum(data, frameStart + 4, p)) {
    if (!legacyHeaderChecksum || hc !== headerChecksum(data, frameStart, p)) {
      throw corrupt('decompression-failed', 'lz4: frame descriptor checksum mismatch');
    }
  }
  p++;

  // Pass 1: walk the block headers and verify block checksums, bounding the output before allocating.
  const blocksStart = p;
  let bound = 0;
  for (;;) {
    need(data, p, 4, 'block size');
    const raw = read32(data, p) >>> 0;
    p += 4;
    const size = raw & 0x7fffffff;
    if (size === 0) break;
    if (size > blockMax) throw corrupt('decompression-failed', `lz4: block of ${size} bytes exceeds ${blockMax}`);
    need(data, p, size + (blockChecksums ? 4 : 0), 'block');
    if (blockChecksums && xxhash32(data, p, p + size) !== read32(data, p + size) >>> 0) {
      throw corrupt('decompression-failed', 'lz4: block checksum mismatch');
    }
    bound += raw & BLOCK_UNCOMPRESSED ? size : blockMax;
    p += size + (blockChecksums ? 4 : 0);
  }
  let expectedContentChecksum = 0;
  if (contentChecksum) {
    need(data, p, 4, 'content checksum');
    expectedContentChecksum = read32(data, p) >>> 0;
    p += 4;
  }
  const frameEnd = p;

  // Pass 2: decode into one buffer; linked blocks may refer back into earlier blocks of the frame.
  const capacity = contentSize >= 0 ? contentSize : Math.min(bound, budget);
  const cappedByBudget = contentSize < 0 && bound > budget;
  const out = new Uint8Array(capacity);
  let d = 0;
  p = blocksStart;
  for (;;) {
    const raw = read32(data, p) >>> 0;
    p += 4;
    const size = raw & 0x7fffffff;
    if (size === 0) break;
    let next: number;
    if (raw & BLOCK_UNCOMPRESSED) {
      if (size > capacity - d) next = -1;
      else {
        out.set(data.subarray(p, p + size), d);
        next = d + size;
      }
    } else {
      next = lz4DecompressBlock(data, p, p + size, out, d, Math.min(d + blockMax, capacity), independent ? d : 0);
    }
    if (next < 0) {
      if (cappedByBudget) throw tooLarge('lz4', budget);
      throw corrupt('decompression-failed', 'lz4: block decodes past its declared size');
    }
    d = next;
    p += size + (blockChecksums ? 4 : 0);
  }
  if (contentSize >= 0 && d !== contentSize) {
    throw corrupt('decompression-failed', `lz4: frame decoded to ${d} bytes, header says ${contentSize}`);
  }
  if (contentChecksum && xxhash32(out, 0, d) !== expectedContentChecksum) {
    throw corrupt('decompression-failed', 'lz4: content checksum mismatch');
  }
  return { out: d === capacity ? out : out.subarray(0, d), end: frameEnd };
}
