/**
 * Kafka's framing: every request is a 4-byte big-endian size, then that many
 * bytes. {@link FrameReader} collects socket chunks by reference and hands out
 * whole frames: a view when a frame sits inside one chunk, else one copy into
 * a buffer of exactly the frame's size. Nothing is copied twice, so a large
 * frame arriving in many chunks costs linear time.
 */

export const SIZE_PREFIX_BYTES = 4;

/** Kafka's `socket.request.max.bytes` default. */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

/** A declared size that is negative or above the limit; the connection cannot continue. */
export class FrameSizeError extends Error {
  override name = 'FrameSizeError';
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(size < 0 ? `negative frame size ${size}` : `frame of ${size} bytes exceeds the ${max}-byte limit`);
  }
}

export class FrameReader {
  private chunks: Uint8Array[] = [];
  /** Index of the first chunk still holding unread bytes. */
  private first = 0;
  /** Offset of the first unread byte in `chunks[first]`. */
  private offset = 0;
  private available = 0;
  /** Size of the frame being collected, once its prefix is read; -1 before. */
  private size = -1;

  constructor(readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes received and not yet handed out. */
  get buffered(): number {
    return this.available;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.available += chunk.length;
  }

  /** The next whole frame (without its prefix), or undefined until one has arrived; throws {@link FrameSizeError}. */
  next(): Uint8Array | undefined {
    if (this.size < 0) {
      if (this.available < SIZE_PREFIX_BYTES) return undefined;
      const p = this.take(SIZE_PREFIX_BYTES);
      const size = (p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]! | 0;
      if (size < 0 || size > this.maxFrameBytes) throw new FrameSizeError(size, this.maxFrameBytes);
      this.size = size;
    }
    if (this.available < this.size) return undefined;
    const frame = this.take(this.size);
    this.size = -1;
    return frame;
  }

  /** Removes `n` buffered bytes (n ≤ available): a view if they sit in one chunk, else one copy. */
  private take(n: number): Uint8Array {
    this.available -= n;
    const head = this.chunks[this.first];
    if (n === 0 || head === undefined) return new Uint8Array(0);
    if (head.length - this.offset >= n) {
      const view = head.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === head.length) this.dropHead();
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.first]!;
      const count = Math.min(chunk.length - this.offset, n - filled);
      out.set(chunk.subarray(this.offset, this.offset + count), filled);
      filled += count;
      this.offset += count;
      if (this.offset === chunk.length) this.dropHead();
    }
    return out;
  }

  private dropHead(): void {
    this.first++;
    this.offset = 0;
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first >= 1024) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}

/** The 4-byte size prefix for a frame of `size` bytes. */
export function sizePrefix(size: number): Uint8Array {
  const p = new Uint8Array(SIZE_PREFIX_BYTES);
  new DataView(p.buffer).setInt32(0, size);
  return p;
}
