/**
 * Builds messages for a schema at a version from a seeded random source, for
 * round-trip, fuzz and oracle tests. Only fields the version carries get
 * values; the rest keep their defaults, so every message is encodable.
 */

import { uuidToString } from '../../shared/protocol/primitives.js';
import {
  defaultStruct,
  type FieldSchema,
  type FieldType,
  inRange,
  type MessageSchema,
  type PrimitiveType,
  type StructSchema,
} from '../../shared/protocol/schema.js';

/** Small, fast, seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * - `defaults`: every field at its default.
 * - `full`: every field the version carries set to a random value, arrays non-empty.
 * - `nulls`: like `full`, but every field nullable at this version is null.
 * - `edges`: like `full`, with extreme values (min/max integers, empty and multi-byte strings).
 */
export type Mode = 'defaults' | 'full' | 'nulls' | 'edges';

export const MODES: readonly Mode[] = ['defaults', 'full', 'nulls', 'edges'];

const isStruct = (t: FieldType): t is StructSchema => typeof t === 'object' && 'fields' in t;

const TEXT = ['', 'a', 'topic-1', 'ünïcödé', '𝄞 clef', 'x'.repeat(40), '中文字符'];

export function randomMessage(
  schema: MessageSchema,
  version: number,
  mode: Mode,
  seed: number,
): Record<string, unknown> {
  const next = rng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  const edge = mode === 'edges';

  const primitive = (t: PrimitiveType): unknown => {
    switch (t) {
      case 'bool':
        return next() < 0.5;
      case 'int8':
        return edge ? pick([-128, 127, 0, -1]) : int(-128, 127);
      case 'int16':
        return edge ? pick([-32768, 32767, 0, -1]) : int(-32768, 32767);
      case 'uint16':
        return edge ? pick([0, 65535]) : int(0, 65535);
      case 'int32':
        return edge ? pick([-2147483648, 2147483647, 0, -1]) : int(-2147483648, 2147483647);
      case 'uint32':
        return edge ? pick([0, 4294967295]) : int(0, 4294967295);
      case 'int64':
        return edge
          ? pick([-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n])
          : BigInt.asIntN(64, (BigInt(int(0, 0xffffffff)) << 32n) | BigInt(int(0, 0xffffffff)));
      case 'float64':
        return edge ? pick([0, -1.5, 1e300, 5e-324]) : Math.round((next() - 0.5) * 1e6) / 64;
      case 'string':
        return pick(TEXT);
      case 'uuid': {
        const b = new Uint8Array(16);
        for (let i = 0; i < 16; i++) b[i] = int(0, 255);
        return uuidToString(b);
      }
      case 'bytes':
      case 'records': {
        const b = new Uint8Array(edge ? pick([0, 1, 300]) : int(0, 24));
        for (let i = 0; i < b.length; i++) b[i] = int(0, 255);
        return b;
      }
    }
  };

  const value = (f: FieldSchema): unknown => {
    if (mode === 'nulls' && inRange(version, f.nullable)) return null;
    const t = f.type;
    if (typeof t === 'object' && 'array' in t) {
      const n = edge ? pick([0, 3]) : int(1, 3);
      const e = t.array;
      return Array.from({ length: n }, () => (isStruct(e) ? struct(e) : primitive(e)));
    }
    if (isStruct(t)) return struct(t);
    return primitive(t);
  };

  const struct = (s: StructSchema): Record<string, unknown> => {
    const o = defaultStruct(s);
    if (mode === 'defaults') return o;
    for (const f of s.fields) if (inRange(version, f.versions)) o[f.name] = value(f);
    return o;
  };

  return struct(schema);
}
