import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Portable } from './crc32.js';
import { bitwiseCrc } from './testing/bitwise-crc.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crc32 (IEEE)', () => {
  it('matches the check values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32Portable(ascii('123456789'))).toBe(0xcbf43926);
  });

  it('agrees between the native and portable paths and a bitwise reference', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (data, a) => {
        const start = data.length === 0 ? 0 : a % data.length;
        const expected = bitwiseCrc(0xedb88320, data.subarray(start));
        expect(crc32(data, start)).toBe(expected);
        expect(crc32Portable(data, start)).toBe(expected);
      }),
    );
  });
});
