import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RecordsError } from '../errors.js';
import { byteDiff, fixture, randomBytes, sameAs, sample } from './testdata/sample.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

const MAX = 64 * 1024 * 1024;

describe('zstd', () => {
  it('round-trips', () => {
    for (const data of [new Uint8Array(0), sample(1), sample(300_000), randomBytes(70_000)]) {
      expect(byteDiff(zstdDecompress(zstdCompress(data), MAX), data)).toEqual(sameAs(data));
    }
  });

  it('decodes a streamed frame without a content size', () => {
    const frame = fixture('streamed-no-content-size.zst');
    // Frame header descriptor: no content-size field, checksum flag set.
    expect(frame[4]! & 0xc4).toBe(0x04);
    expect(byteDiff(zstdDecompress(frame, MAX), sample(200_000))).toEqual(sameAs(sample(200_000)));
  });

  it('enforces maxSize when the frame does not declare its size', () => {
    expect(() => zstdDecompress(fixture('streamed-no-content-size.zst'), 199_999)).toThrow(/exceeds/);
    expect(zstdDecompress(fixture('streamed-no-content-size.zst'), 200_000).length).toBe(200_000);
    expect(() => zstdDecompress(zstdCompress(new Uint8Array(10_000_000)), 1_000_000)).toThrow(/exceeds/);
  });

  it('rejects truncation and garbage, and recovers afterwards', () => {
    const frame = fixture('streamed-no-content-size.zst');
    for (const n of [0, 3, 10, 100, frame.length - 1]) {
      expect(() => zstdDecompress(frame.subarray(0, n), MAX)).toThrow(RecordsError);
    }
    expect(() => zstdDecompress(sample(100), MAX)).toThrow(RecordsError);
    const bad = frame.slice();
    bad[frame.length - 2]! ^= 0xff;
    expect(() => zstdDecompress(bad, MAX)).toThrow(RecordsError);
    expect(byteDiff(zstdDecompress(frame, MAX), sample(200_000))).toEqual(sameAs(sample(200_000)));
  });

  it('decodes concatenated frames', () => {
    const a = zstdCompress(sample(10));
    const b = zstdCompress(sample(20));
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const out = zstdDecompress(both, MAX);
    expect(out.length).toBe(30);
    expect(out.subarray(10)).toEqual(sample(20));
  });

  it('writes frames the reference zstd tool decodes', () => {
    const data = sample(150_000);
    const run = spawnSync('zstd', ['-d', '-c', '-q'], { input: zstdCompress(data), maxBuffer: 1 << 24 });
    expect(run.status).toBe(0);
    expect(byteDiff(new Uint8Array(run.stdout), data)).toEqual(sameAs(data));
  });
});
