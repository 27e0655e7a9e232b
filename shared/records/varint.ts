/**
 * Bounded big-endian and zig-zag varint reading and writing over Uint8Array.
 *
 * Every read checks the remaining bytes first, so a lying length can never make
 * a decoder allocate or read past its input.
 */
import { RecordsError, type RecordsErrorCode } from './errors.js';

const TWO_POW_52_N = 2n ** 52n;

/** Cursor over `buf[pos, end)` that throws {@link RecordsError} with `code` on malformed input. */
export class ByteReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
    readonly code: RecordsErrorCode,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string): RecordsError {
    return new RecordsError(this.code, 'bad-record', message);
  }

  need(n: number): void {
    if (n > this.end - this.pos) {
      throw new RecordsError(this.code, 'truncated', `need ${n} bytes at ${this.pos}, ${this.end - this.pos} left`);
    }
  }

  int8(): number {
    this.need(1);
    return (this.buf[this.pos++]! << 24) >> 24;
  }

  int16(): number {
    this.need(2);
    const b = this.buf;
    const v = ((b[this.pos]! << 24) | (b[this.pos + 1]! << 16)) >> 16;
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  uint32(): number {
    return this.int32() >>> 0;
  }

  int64(): bigint {
    const hi = this.int32();
    const lo = this.uint32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Zig-zag varint as Kafka's `ByteUtils.readVarint`: at most 5 bytes, truncated to 32 bits. */
  varint(): number {
    const b = this.buf;
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      if (this.pos >= this.end) throw new RecordsError(this.code, 'truncated', 'varint runs past the end');
      const byte = b[this.pos++]!;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return (value >>> 1) ^ -(value & 1);
    }
    throw this.fail('varint longer than 5 bytes');
  }

  /** Zig-zag varlong as Kafka's `ByteUtils.readVarlong`: at most 10 bytes. */
  varlong(): bigint {
    const b = this.buf;
    const start = this.pos;
    // Up to 7 bytes (49 bits) accumulate exactly in a double; longer values take the bigint path.
    let zz = 0;
    let mult = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) throw new RecordsError(this.code, 'truncated', 'varlong runs past the end');
      const byte = b[this.pos++]!;
      zz += (byte & 0x7f) * mult;
      if (byte < 0x80) return BigInt(zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2);
      mult *= 128;
    }
    this.pos = start;
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RecordsError(this.code, 'truncated', 'varlong runs past the end');
      const byte = b[this.pos++]!;
      value |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if (byte < 0x80) {
        const u = BigInt.asUintN(64, value);
        return BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
      }
    }
    throw this.fail('varlong longer than 10 bytes');
  }

  /** A view of the next `n` bytes (no copy). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const p = this.pos;
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }
}

function zigzag32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

/** Encoded size of `n` as a zig-zag varint. */
export function varintSize(n: number): number {
  const v = zigzag32(n);
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** Encoded size of `v` as a zig-zag varlong. */
export function varlongSize(v: bigint): number {
  if (v >= -TWO_POW_52_N && v <= TWO_POW_52_N) {
    let zz = zigzagNumber(Number(v));
    let size = 1;
    while (zz >= 128) {
      zz = Math.floor(zz / 128);
      size++;
    }
    return size;
  }
  let u = zigzagBig(v);
  let size = 1;
  while (u >= 128n) {
    u >>= 7n;
    size++;
  }
  return size;
}

function zigzagNumber(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function zigzagBig(v: bigint): bigint {
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
}

/** Cursor writing into a buffer the caller sized exactly. */
export class ByteWriter {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
  }

  int8(v: number): void {
    this.buf[this.pos++] = v;
  }

  int16(v: number): void {
    const b = this.buf;
    b[this.pos] = v >>> 8;
    b[this.pos + 1] = v;
    this.pos += 2;
  }

  int32(v: number): void {
    writeInt32BE(this.buf, this.pos, v);
    this.pos += 4;
  }

  int64(v: bigint): void {
    writeInt64BE(this.buf, this.pos, v);
    this.pos += 8;
  }

  varint(n: number): void {
    let v = zigzag32(n);
    const b = this.buf;
    while (v >= 0x80) {
      b[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[this.pos++] = v;
  }

  varlong(v: bigint): void {
    const b = this.buf;
    if (v >= -TWO_POW_52_N && v <= TWO_POW_52_N) {
      let zz = zigzagNumber(Number(v));
      while (zz >= 128) {
        b[this.pos++] = (zz % 128) | 0x80;
        zz = Math.floor(zz / 128);
      }
      b[this.pos++] = zz;
      return;
    }
    let u = zigzagBig(v);
    while (u >= 128n) {
      b[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    b[this.pos++] = Number(u);
  }

  bytes(src: Uint8Array): void {
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }
}

/** Unchecked big-endian int32 read; callers bound `p` themselves. */
export function readInt32BE(b: Uint8Array, p: number): number {
  return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
}

/** Big-endian int32 write. */
export function writeInt32BE(b: Uint8Array, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

/** Big-endian int64 write (two's complement). */
export function writeInt64BE(b: Uint8Array, p: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  writeInt32BE(b, p, Number(u >> 32n));
  writeInt32BE(b, p + 4, Number(u & 0xffffffffn));
}
