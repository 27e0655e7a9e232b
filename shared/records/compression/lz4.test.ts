import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordsError } from '../errors.js';
import { LZ4_BLOCK_SIZE, lz4BlockBound, lz4Compress, lz4CompressBlock, lz4Decompress } from './lz4.js';
import { byteDiff, fixture, randomBytes, sameAs, sample } from './testdata/sample.js';
import { xxhash32 } from './xxhash32.js';

const MAX = 64 * 1024 * 1024;

function expectCorrupt(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RecordsError);
    return;
  }
  throw new Error('expected a RecordsError');
}

/** Positions where each sequence's match starts, parsed from a raw block. */
function matchStarts(block: Uint8Array): number[] {
  const starts: number[] = [];
  let s = 0;
  let out = 0;
  while (s < block.length) {
    const token = block[s++]!;
    let lit = token >>> 4;
    if (lit === 15) for (let b = 255; b === 255; lit += b) b = block[s++]!;
    s += lit;
    out += lit;
    if (s >= block.length) break;
    s += 2;
    let ml = token & 15;
    if (ml === 15) for (let b = 255; b === 255; ml += b) b = block[s++]!;
    starts.push(out);
    out += ml + 4;
  }
  return starts;
}

describe('lz4 frame', () => {
  it('writes the Java client frame header: version 01, independent blocks, 64 KiB, no checksums', () => {
    const frame = lz4Compress(new Uint8Array(0));
    expect([...frame]).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 0, 0, 0, 0]);
  });

  it('round-trips any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat({ max: 40 }), (noise, repeat) => {
        // Repetition makes matches likely; noise keeps literals.
        const data = new Uint8Array(noise.length * (repeat + 1));
        for (let i = 0; i <= repeat; i++) data.set(noise, i * noise.length);
        expect(byteDiff(lz4Decompress(lz4Compress(data), MAX), data)).toEqual(sameAs(data));
      }),
    );
  });

  it('round-trips across block boundaries', () => {
    for (const n of [1, 12, 13, 14, LZ4_BLOCK_SIZE - 1, LZ4_BLOCK_SIZE, LZ4_BLOCK_SIZE + 1, 200_000]) {
      const data = sample(n);
      expect(byteDiff(lz4Decompress(lz4Compress(data), MAX), data)).toEqual(sameAs(data));
    }
  });

  it('stores an incompressible block uncompressed, flagged by the high bit', () => {
    const data = randomBytes(1000);
    const frame = lz4Compress(data);
    expect(frame[10]! & 0x80).toBe(0x80);
    expect(frame.subarray(11, 1011)).toEqual(data);
    expect(byteDiff(lz4Decompress(frame, MAX), data)).toEqual(sameAs(data));
  });

  it('never starts a match in the last 12 bytes nor ends one in the last 5 of a block', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 13, maxLength: 400 }), fc.nat({ max: 8 }), (noise, repeat) => {
        const data = new Uint8Array(noise.length * (repeat + 1));
        for (let i = 0; i <= repeat; i++) data.set(noise, i * noise.length);
        const block = new Uint8Array(lz4BlockBound(data.length));
        const n = lz4CompressBlock(data, 0, data.length, block, 0);
        for (const start of matchStarts(block.subarray(0, n))) expect(start).toBeLessThanOrEqual(data.length - 12);
      }),
    );
  });

  it('decodes frames written by the reference lz4 tool', () => {
    // Default CLI frame: content checksum on.
    expect(byteDiff(lz4Decompress(fixture('cli-default.lz4'), MAX), sample(1000))).toEqual(sameAs(sample(1000)));
    expect(byteDiff(lz4Decompress(fixture('cli-64k-independent.lz4'), MAX), sample(200_000))).toEqual(
      sameAs(sample(200_000)),
    );
    // Linked blocks, block checksums and a content size.
    expect(byteDiff(lz4Decompress(fixture('linked-blockcrc-contentsize.lz4'), MAX), sample(200_000))).toEqual(
      sameAs(sample(200_000)),
    );
  });

  it('rejects any single flipped byte in a frame with block and content checksums', () => {
    const frame = fixture('linked-blockcrc-contentsize.lz4');
    const positions = [4, 5, 6, 7, 14, 15, 20, 100, 5000, frame.length - 9, frame.length - 5, frame.length - 1];
    for (const p of positions) {
      const bad = frame.slice();
      bad[p]! ^= 0x01;
      expectCorrupt(() => lz4Decompress(bad, MAX));
    }
  });

  it('rejects flipped data and content checksum in a frame with only a content checksum', () => {
    const frame = fixture('cli-default.lz4');
    for (let p = 7; p < frame.length; p++) {
      const bad = frame.slice();
      bad[p]! ^= 0x40;
      let out: Uint8Array | undefined;
      try {
        out = lz4Decompress(bad, MAX);
      } catch (e) {
        expect(e).toBeInstanceOf(RecordsError);
      }
      expect(out).toBeUndefined();
    }
  });

  it('rejects every truncation', () => {
    const frame = lz4Compress(sample(70_000));
    for (let n = 0; n < frame.length; n += 97) expectCorrupt(() => lz4Decompress(frame.subarray(0, n), MAX));
    expectCorrupt(() => lz4Decompress(frame.subarray(0, frame.length - 1), MAX));
  });

  it('rejects a wrong header checksum and frames without the version bits', () => {
    const frame = lz4Compress(sample(100));
    const badHc = frame.slice();
    badHc[6]! ^= 0xff;
    expectCorrupt(() => lz4Decompress(badHc, MAX));
    const noVersion = frame.slice();
    noVersion[4] = 0x20;
    noVersion[6] = (xxhash32(noVersion, 4, 6) >>> 8) & 0xff;
    expectCorrupt(() => lz4Decompress(noVersion, MAX));
  });

  it('writes and, only when asked, accepts the pre-0.10 header checksum over the magic (KAFKA-3160)', () => {
    const data = sample(500);
    const legacy = lz4Compress(data, { legacyHeaderChecksum: true });
    expect(legacy[6]).toBe((xxhash32(legacy, 0, 6) >>> 8) & 0xff);
    expect(legacy[6]).not.toBe(0x82);
    expectCorrupt(() => lz4Decompress(legacy, MAX));
    expect(byteDiff(lz4Decompress(legacy, MAX, { legacyHeaderChecksum: true }), data)).toEqual(sameAs(data));
    // A correct checksum is still fine on the legacy path.
    expect(byteDiff(lz4Decompress(lz4Compress(data), MAX, { legacyHeaderChecksum: true }), data)).toEqual(sameAs(data));
  });

  it('lets linked blocks, and only those, refer back into earlier blocks', () => {
    // Block 2 copies "abcd" from block 1, then ends with the literal "a".
    const frame = (flg: number): Uint8Array => {
      const header = Uint8Array.of(0x04, 0x22, 0x4d, 0x18, flg, 0x40, 0);
      header[6] = (xxhash32(header, 4, 6) >>> 8) & 0xff;
      const blocks = [5, 0, 0, 0, 0x40, 0x61, 0x62, 0x63, 0x64, 5, 0, 0, 0, 0x00, 0x04, 0x00, 0x10, 0x61, 0, 0, 0, 0];
      return Uint8Array.from([...header, ...blocks]);
    };
    expectCorrupt(() => lz4Decompress(frame(0x60), MAX));
    expect(new TextDecoder().decode(lz4Decompress(frame(0x40), MAX))).toBe('abcdabcda');
  });

  it('enforces maxSize', () => {
    const zeros = lz4Compress(new Uint8Array(1 << 20));
    expect(() => lz4Decompress(zeros, 1000)).toThrow(/exceeds 1000/);
    expect(lz4Decompress(zeros, 1 << 20).length).toBe(1 << 20);
  });

  it('decodes concatenated frames', () => {
    const a = lz4Compress(sample(300));
    const b = lz4Compress(sample(70_000));
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const out = lz4Decompress(both, MAX);
    expect(out.subarray(0, 300)).toEqual(sample(300));
    expect(byteDiff(out.subarray(300), sample(70_000))).toEqual(sameAs(sample(70_000)));
  });

  it('writes frames the reference lz4 tool decodes', () => {
    for (const n of [0, 20, 65_536, 150_000]) {
      const data = sample(n);
      const run = spawnSync('lz4', ['-d', '-c'], { input: lz4Compress(data), maxBuffer: 1 << 24 });
      expect(run.status).toBe(0);
      expect(byteDiff(new Uint8Array(run.stdout), data)).toEqual(sameAs(data));
    }
  });
});
