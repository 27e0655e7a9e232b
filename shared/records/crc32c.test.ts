import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';
import { bitwiseCrc } from './testing/bitwise-crc.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crc32c', () => {
  it('matches the RFC 3720 B.4 vectors and the check value', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('equals a bitwise reference over any range of a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (data, a, b) => {
        const start = data.length === 0 ? 0 : a % data.length;
        const end = start + (data.length === 0 ? 0 : b % (data.length - start + 1));
        expect(crc32c(data, start, end)).toBe(bitwiseCrc(0x82f63b78, data.subarray(start, end)));
      }),
    );
  });

  it('continues across ranges through the seed', () => {
    const data = ascii('the quick brown fox jumps over the lazy dog');
    expect(crc32c(data, 10, data.length, crc32c(data, 0, 10))).toBe(crc32c(data));
  });

  it('rejects a range outside the buffer', () => {
    expect(() => crc32c(new Uint8Array(4), 2, 5)).toThrow(RangeError);
  });

  it('checksums 1 MiB at hundreds of MB/s', () => {
    const mib = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 131) & 0xff);
    crc32c(mib);
    const rounds = 40;
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) crc32c(mib);
    const mbPerSecond = rounds / ((performance.now() - t0) / 1000);
    // Typically 700-900 MB/s; the bound leaves room for a loaded CI machine.
    expect(mbPerSecond).toBeGreaterThan(150);
  });
});
