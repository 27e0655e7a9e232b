/**
 * The input behind the CLI-made fixtures in this folder: mostly text with a
 * little pseudo-random noise. The fixtures were made with
 * `lz4 -B4 -BD -BX --content-size`, `lz4` (defaults), `lz4 -B4`, `zstd` reading
 * stdin (so no content size), and two `gzip -n` members concatenated.
 */
import { readFileSync } from 'node:fs';

export function sample(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = i % 64 < 62 ? 97 + ((i >> 6) % 26) : x >>> 24;
  }
  return out;
}

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, import.meta.url)));
}

/** Incompressible bytes from a fixed xorshift sequence. */
export function randomBytes(n: number, seed = 0x9e3779b9): Uint8Array {
  let x = seed | 0;
  return Uint8Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
}

/**
 * Byte equality that stays fast on large arrays (deep-equal walks typed arrays
 * element by element) and still says where they differ.
 */
export function byteDiff(actual: Uint8Array, expected: Uint8Array): { length: number; firstDifference: number } {
  const n = Math.min(actual.length, expected.length);
  let firstDifference = -1;
  if (!Buffer.from(actual.buffer, actual.byteOffset, n).equals(Buffer.from(expected.buffer, expected.byteOffset, n))) {
    firstDifference = actual.findIndex((b, i) => b !== expected[i]);
  }
  return { length: actual.length, firstDifference };
}

/** What {@link byteDiff} returns for equal arrays. */
export function sameAs(expected: Uint8Array): { length: number; firstDifference: number } {
  return { length: expected.length, firstDifference: -1 };
}
