import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { RecordsError } from '../errors.js';
import { gzipCompress, gzipDecompress } from './gzip.js';
import { byteDiff, fixture, randomBytes, sameAs, sample } from './testdata/sample.js';

const MAX = 64 * 1024 * 1024;

describe('gzip', () => {
  it('round-trips', () => {
    for (const data of [new Uint8Array(0), sample(1), sample(100_000), randomBytes(70_000)]) {
      expect(byteDiff(gzipDecompress(gzipCompress(data), MAX), data)).toEqual(sameAs(data));
    }
  });

  it('decodes concatenated members written by gzip(1)', () => {
    const out = gzipDecompress(fixture('two-members.gz'), MAX);
    expect(out.subarray(0, 1000)).toEqual(sample(1000));
    expect(out.subarray(1000)).toEqual(sample(500));
  });

  it('rejects a member whose trailer CRC or length does not match', () => {
    const good = gzipCompress(sample(5000));
    for (const p of [good.length - 8, good.length - 1]) {
      const bad = good.slice();
      bad[p]! ^= 1;
      expect(() => gzipDecompress(bad, MAX)).toThrow(RecordsError);
    }
    const members = fixture('two-members.gz');
    const badFirst = members.slice();
    // The first member's CRC sits just before the second member's header.
    const second = members.indexOf(0x1f, 20);
    badFirst[second - 8]! ^= 1;
    expect(() => gzipDecompress(badFirst, MAX)).toThrow(RecordsError);
  });

  it('rejects truncation and garbage', () => {
    const good = gzipCompress(sample(5000));
    for (let n = 0; n < good.length; n += 7)
      expect(() => gzipDecompress(good.subarray(0, n), MAX)).toThrow(RecordsError);
    expect(() => gzipDecompress(sample(100), MAX)).toThrow(RecordsError);
  });

  it('stops a decompression bomb at maxSize', () => {
    const bomb = gzipSync(new Uint8Array(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(40_000);
    expect(() => gzipDecompress(bomb, 1024 * 1024)).toThrow(/exceeds/);
  });
});
