/**
 * Kafka wire primitives: a bounds-checked reader and a growable writer.
 *
 * Pure and portable (no Node Buffer): the same code runs in every FaaS runtime.
 * Every length read from the wire is checked against the bytes that remain
 * before anything is allocated, so a hostile frame cannot make us allocate more
 * than its own size.
 */

/** Thrown by {@link Reader} when the bytes do not hold what the schema says. */
export class DecodeError extends Error {
  override name = 'DecodeError';
  /** What was wrong, without the location. */
  readonly reason: string;
  /** Path of the field being read when decoding failed, e.g. `topics[0].partitions[3].records`. */
  field = '';
  /** The message and version being decoded, once known. */
  messageName: string | undefined;
  version: number | undefined;

  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }

  /** Adds the enclosing field to the path as the error travels up the struct tree. */
  within(name: string): this {
    this.field = this.field === '' ? name : this.field.startsWith('[') ? name + this.field : `${name}.${this.field}`;
    return this;
  }

  /** Names the message and version so the error says what failed where. */
  locate(messageName: string, version: number): this {
    this.messageName = messageName;
    this.version = version;
    this.message = `${messageName} v${version}${this.field ? ` at ${this.field}` : ''}: ${this.reason}`;
    return this;
  }
}

/** Thrown when a message cannot be written at the requested version. */
export class EncodeError extends Error {
  override name = 'EncodeError';
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });
const textEncoder = new TextEncoder();

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64URL.length; i++) BASE64URL_INDEX[BASE64URL.charCodeAt(i)] = i;

/** Kafka's textual form of a UUID: 16 bytes in unpadded base64url (22 characters), as `Uuid.toString()`. */
export function uuidToString(b: Uint8Array, at = 0): string {
  let s = '';
  for (let i = 0; i < 15; i += 3) {
    const n = (b[at + i]! << 16) | (b[at + i + 1]! << 8) | b[at + i + 2]!;
    s += BASE64URL[n >>> 18]! + BASE64URL[(n >>> 12) & 63]! + BASE64URL[(n >>> 6) & 63]! + BASE64URL[n & 63]!;
  }
  const last = b[at + 15]!;
  return s + BASE64URL[last >>> 2]! + BASE64URL[(last & 3) << 4]!;
}

/** Parses Kafka's textual UUID; throws on anything that is not 22 base64url characters. */
export function uuidFromString(s: string, out: Uint8Array = new Uint8Array(16), at = 0): Uint8Array {
  if (s.length !== 22) throw new EncodeError(`invalid uuid ${JSON.stringify(s)}`);
  const digit = (i: number): number => {
    const c = s.charCodeAt(i);
    const d = c < 128 ? BASE64URL_INDEX[c]! : -1;
    if (d < 0) throw new EncodeError(`invalid uuid ${JSON.stringify(s)}`);
    return d;
  };
  for (let i = 0, j = 0; i < 15; i += 3, j += 4) {
    const n = (digit(j) << 18) | (digit(j + 1) << 12) | (digit(j + 2) << 6) | digit(j + 3);
    out[at + i] = n >>> 16;
    out[at + i + 1] = (n >>> 8) & 255;
    out[at + i + 2] = n & 255;
  }
  out[at + 15] = (digit(20) << 2) | (digit(21) >>> 4);
  return out;
}

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Sequential reader over a byte range. Slices of bytes are views, never copies. */
export class Reader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;
  end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    const at = this.pos;
    if (n > this.end - at) throw new DecodeError(`needs ${n} bytes, ${this.end - at} remain`);
    this.pos = at + n;
    return at;
  }

  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }
  int8(): number {
    return this.view.getInt8(this.need(1));
  }
  int16(): number {
    return this.view.getInt16(this.need(2));
  }
  uint16(): number {
    return this.view.getUint16(this.need(2));
  }
  int32(): number {
    return this.view.getInt32(this.need(4));
  }
  uint32(): number {
    return this.view.getUint32(this.need(4));
  }
  int64(): bigint {
    return this.view.getBigInt64(this.need(8));
  }
  float64(): number {
    return this.view.getFloat64(this.need(8));
  }

  uuid(): string {
    return uuidToString(this.buf, this.need(16));
  }

  /** Unsigned LEB128 varint of at most 32 bits, as Kafka's `readUnsignedVarint`. */
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw new DecodeError('varint runs past the end');
      const b = this.buf[this.pos++]!;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
    }
    throw new DecodeError('varint longer than 5 bytes');
  }

  /** Zig-zag signed varint (32 bits). */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zig-zag signed varlong (64 bits). */
  varlong(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new DecodeError('varlong runs past the end');
      const b = this.buf[this.pos++]!;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (value >> 1n) ^ -(value & 1n);
    }
    throw new DecodeError('varlong longer than 10 bytes');
  }

  /** A view of the next `n` bytes. */
  bytes(n: number): Uint8Array {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  /** UTF-8 text of the next `n` bytes. */
  text(n: number): string {
    const at = this.need(n);
    const b = this.buf;
    if (n <= 32) {
      // Short ASCII strings dominate (topic names, client ids); skip the decoder call.
      let s = '';
      for (let i = at; i < at + n; i++) {
        const c = b[i]!;
        if (c >= 0x80) return textDecoder.decode(b.subarray(at, at + n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return textDecoder.decode(b.subarray(at, at + n));
  }

  skip(n: number): void {
    this.need(n);
  }
}

/** Large byte fields (record batches) are kept by reference instead of copied. */
const REFERENCE_THRESHOLD = 4096;

/**
 * Growable writer. Byte fields at or above 4 KiB are held by reference, so a
 * Fetch response built from stored batches is written without copying them
 * until (and unless) one contiguous buffer is asked for.
 */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private start = 0;
  private chunks: Uint8Array[] = [];
  private chunkBytes = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.chunkBytes + (this.pos - this.start);
  }

  /** Makes room for `n` bytes and returns where they go; call it before reading `this.buf`, which it may replace. */
  private ensure(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) {
      this.grow(n);
      return this.pos;
    }
    return at;
  }

  private grow(n: number): void {
    const used = this.pos - this.start;
    const size = Math.max(this.buf.length * 2, used + n, 256);
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(this.start, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.start = 0;
    this.pos = used;
  }

  bool(v: boolean): void {
    const at = this.ensure(1);
    this.buf[at] = v ? 1 : 0;
    this.pos = at + 1;
  }
  int8(v: number): void {
    const at = this.ensure(1);
    this.view.setInt8(at, v);
    this.pos = at + 1;
  }
  int16(v: number): void {
    const at = this.ensure(2);
    this.view.setInt16(at, v);
    this.pos = at + 2;
  }
  uint16(v: number): void {
    const at = this.ensure(2);
    this.view.setUint16(at, v);
    this.pos = at + 2;
  }
  int32(v: number): void {
    const at = this.ensure(4);
    this.view.setInt32(at, v);
    this.pos = at + 4;
  }
  uint32(v: number): void {
    const at = this.ensure(4);
    this.view.setUint32(at, v);
    this.pos = at + 4;
  }
  int64(v: bigint): void {
    const at = this.ensure(8);
    this.view.setBigInt64(at, v);
    this.pos = at + 8;
  }
  float64(v: number): void {
    const at = this.ensure(8);
    this.view.setFloat64(at, v);
    this.pos = at + 8;
  }

  uuid(v: string): void {
    const at = this.ensure(16);
    uuidFromString(v, this.buf, at);
    this.pos = at + 16;
  }

  uvarint(v: number): void {
    let at = this.ensure(5);
    let u = v >>> 0;
    while (u >= 0x80) {
      this.buf[at++] = (u & 0x7f) | 0x80;
      u >>>= 7;
    }
    this.buf[at++] = u;
    this.pos = at;
  }

  varint(v: number): void {
    this.uvarint((v << 1) ^ (v >> 31));
  }

  varlong(v: bigint): void {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    let at = this.ensure(10);
    while (u >= 0x80n) {
      this.buf[at++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[at++] = Number(u);
    this.pos = at;
  }

  bytes(v: Uint8Array): void {
    if (v.length >= REFERENCE_THRESHOLD) {
      this.flushChunk();
      this.chunks.push(v);
      this.chunkBytes += v.length;
      return;
    }
    const at = this.ensure(v.length);
    this.buf.set(v, at);
    this.pos = at + v.length;
  }

  /** Encoded UTF-8 length of `s`, to write a length prefix before the text. */
  static textLength(s: string): number {
    let n = s.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) continue;
      if (c < 0x800) n += 1;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          n += 2;
          i++;
        } else n += 2;
      } else n += 2;
    }
    return n;
  }

  /** Writes UTF-8 text whose encoded length the caller has computed with {@link Writer.textLength}. */
  text(s: string, byteLength: number): void {
    const at = this.ensure(byteLength);
    if (byteLength === s.length) {
      const b = this.buf;
      for (let i = 0; i < byteLength; i++) b[at + i] = s.charCodeAt(i);
    } else {
      textEncoder.encodeInto(s, this.buf.subarray(at, at + byteLength));
    }
    this.pos += byteLength;
  }

  private flushChunk(): void {
    if (this.pos > this.start) {
      const piece = this.buf.subarray(this.start, this.pos);
      this.chunks.push(piece);
      this.chunkBytes += piece.length;
      this.start = this.pos;
    }
  }

  /** The written bytes as a list of chunks, large byte fields by reference. */
  finishChunks(): Uint8Array[] {
    this.flushChunk();
    const out = this.chunks;
    this.chunks = [];
    this.chunkBytes = 0;
    return out;
  }

  /** The written bytes as one contiguous array. */
  finish(): Uint8Array {
    if (this.chunks.length === 0) {
      const out = this.buf.subarray(this.start, this.pos);
      this.start = this.pos;
      return out;
    }
    return concat(this.finishChunks());
  }
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
