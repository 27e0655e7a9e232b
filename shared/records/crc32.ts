/**
 * CRC-32 (IEEE 802.3, zlib's), the checksum of legacy magic-0/1 messages.
 *
 * Node has a native `zlib.crc32` from 20.15/22.2; older Node 20 releases and
 * other runtimes fall back to slicing-by-8 in JavaScript.
 */
import * as zlib from 'node:zlib';
import { buildCrcTables, crcSlicingBy8 } from './crc32c.js';

const POLY_REFLECTED = 0xedb88320;

let tables: Int32Array | undefined;

/** The JavaScript implementation, exported so tests can compare it with the native one. */
export function crc32Portable(data: Uint8Array, start = 0, end: number = data.length, seed = 0): number {
  tables ??= buildCrcTables(POLY_REFLECTED);
  return crcSlicingBy8(tables, data, start, end, seed);
}

type Crc32Fn = (data: Uint8Array, value?: number) => number;

const nativeCrc32: Crc32Fn | undefined = typeof zlib.crc32 === 'function' ? zlib.crc32 : undefined;

/** CRC-32 of `data[start, end)` as an unsigned 32-bit integer, without copying. */
export function crc32(data: Uint8Array, start = 0, end: number = data.length, seed = 0): number {
  if (start < 0 || end > data.length || start > end) {
    throw new RangeError(`crc32 range [${start}, ${end}) outside buffer of ${data.length}`);
  }
  if (nativeCrc32 !== undefined) return nativeCrc32(data.subarray(start, end), seed) >>> 0;
  return crc32Portable(data, start, end, seed);
}
