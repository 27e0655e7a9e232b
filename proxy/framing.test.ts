import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameReader, FrameSizeError, sizePrefix } from './framing.js';

function wire(frames: readonly Uint8Array[]): Uint8Array {
  const total = frames.reduce((n, f) => n + 4 + f.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of frames) {
    out.set(sizePrefix(f.length), at);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}

function drain(reader: FrameReader): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let f = reader.next(); f !== undefined; f = reader.next()) out.push(f);
  return out;
}

describe('FrameReader', () => {
  it('yields the same frames however the bytes are split into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 }),
        (frames, cuts) => {
          const bytes = wire(frames);
          const reader = new FrameReader(1000);
          const got: Uint8Array[] = [];
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const n = cuts[i % cuts.length]!;
            reader.push(bytes.subarray(at, at + n));
            at += n;
            got.push(...drain(reader));
          }
          expect(got.map((f) => [...f])).toEqual(frames.map((f) => [...f]));
          expect(reader.buffered).toBe(0);
        },
      ),
    );
  });

  it('hands out a frame inside one chunk as a view, without copying', () => {
    const bytes = wire([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])]);
    const reader = new FrameReader();
    reader.push(bytes);
    const [a, b] = drain(reader);
    expect(a!.buffer).toBe(bytes.buffer);
    expect(b!.buffer).toBe(bytes.buffer);
  });

  it('refuses a declared size above the limit from its prefix alone', () => {
    const reader = new FrameReader(1024);
    reader.push(sizePrefix(1025));
    expect(() => reader.next()).toThrow(FrameSizeError);
    const atLimit = new FrameReader(1024);
    atLimit.push(sizePrefix(1024));
    expect(atLimit.next()).toBeUndefined();
  });

  it('refuses a negative declared size', () => {
    const reader = new FrameReader();
    reader.push(new Uint8Array([0xff, 0xff, 0xff, 0xfe]));
    expect(() => reader.next()).toThrow(/negative frame size -2/);
  });

  it('refuses a huge declared size without allocating it', () => {
    const reader = new FrameReader();
    const before = process.memoryUsage().arrayBuffers;
    reader.push(new Uint8Array([0x7f, 0xff, 0xff, 0xff]));
    expect(() => reader.next()).toThrow(/2147483647 bytes exceeds/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });

  it('collects a large frame from many small chunks in linear time', () => {
    const size = 16 * 1024 * 1024;
    const chunk = 1024;
    const reader = new FrameReader();
    const started = performance.now();
    reader.push(sizePrefix(size));
    const piece = new Uint8Array(chunk).fill(7);
    for (let at = 0; at < size; at += chunk) {
      reader.push(piece);
      if (at + chunk < size) expect(reader.next()).toBeUndefined();
    }
    const frame = reader.next();
    expect(frame?.length).toBe(size);
    expect(frame![size - 1]).toBe(7);
    // 16k chunks; quadratic copying would take minutes.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('accepts empty frames', () => {
    const reader = new FrameReader();
    reader.push(wire([new Uint8Array(0), new Uint8Array([9])]));
    expect(drain(reader).map((f) => f.length)).toEqual([0, 1]);
  });
});
