import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xxhash32 } from './xxhash32.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

// lz4js carries an independent XXH32; it serves as a second opinion.
const lz4jsXxh32 = createRequire(import.meta.url)('lz4js/xxh32.js') as {
  hash(seed: number, data: Uint8Array, start: number, length: number): number;
};

describe('xxhash32', () => {
  it('matches published vectors', () => {
    expect(xxhash32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxhash32(ascii('a'))).toBe(0x550d7456);
    expect(xxhash32(ascii('abc'))).toBe(0x32d153ff);
    expect(xxhash32(ascii('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });

  it('gives the LZ4 header checksum Kafka writes for FLG 0x60 BD 0x40', () => {
    expect((xxhash32(Uint8Array.of(0x60, 0x40)) >>> 8) & 0xff).toBe(0x82);
  });

  it('agrees with an independent implementation on any range and seed', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffffffff }),
        (data, a, seed) => {
          const start = data.length === 0 ? 0 : a % data.length;
          expect(xxhash32(data, start, data.length, seed)).toBe(
            lz4jsXxh32.hash(seed, data, start, data.length - start) >>> 0,
          );
        },
      ),
    );
  });
});
