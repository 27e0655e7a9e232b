/**
 * Hostile bytes: random and mutated frames for every message at every version.
 * Decoding either succeeds or throws a DecodeError naming the message, version
 * and field; it never throws anything else, never hangs, and never builds more
 * than the frame holds (a declared length beyond the bytes left is an error).
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../shared/protocol/frame.js';
import { allMessages } from '../../shared/protocol/generated/index.js';
import { DecodeError } from '../../shared/protocol/primitives.js';
import type { Message } from '../../shared/protocol/schema.js';
import { randomMessage } from '../support/messages.js';

/**
 * Array elements in a decoded value: what a hostile length could make decoding
 * build. Each element reads at least one byte, so they cannot outnumber the
 * frame's bytes. (Strings and bytes are bounded by their own length checks;
 * bytes are views, not copies.)
 */
function built(v: unknown): number {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return 0;
  if (Array.isArray(v)) return v.reduce((n: number, e) => n + 1 + built(e), 0);
  return Object.values(v).reduce((n: number, e) => n + built(e), 0);
}

function checkDecode(m: Message<unknown>, version: number, frame: Uint8Array): void {
  const started = performance.now();
  try {
    const decoded = m.decode(frame, version);
    expect(built(decoded)).toBeLessThanOrEqual(frame.length);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`${m.schema.name} v${version} threw ${String(e)}`);
    expect(e.messageName).toBe(m.schema.name);
    expect(e.version).toBe(version);
    expect(e.message).toContain(`${m.schema.name} v${version}`);
    // Only "bytes follow the message" has no field: everything was read.
    if (e.field === '') expect(e.reason).toMatch(/bytes follow the message/);
  }
  expect(performance.now() - started).toBeLessThan(1000);
}

const versionsOf = (m: Message<unknown>): number[] => {
  const [lo, hi] = m.schema.validVersions;
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
};

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('splice' as const),
      at: fc.nat(),
      bytes: fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        fc.constantFrom(
          new Uint8Array([0x7f, 0xff, 0xff, 0xff]),
          new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]),
          new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80]),
        ),
      ),
    }),
  ),
  { minLength: 1, maxLength: 4 },
);

function mutate(frame: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = frame.slice();
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip' && b.length > 0) b[at] = m.value;
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'splice') {
      const out = new Uint8Array(b.length + m.bytes.length);
      out.set(b.subarray(0, at));
      out.set(m.bytes, at);
      out.set(b.subarray(at), at + m.bytes.length);
      b = out;
    }
  }
  return b;
}

describe('hostile frames', () => {
  it('mutated valid messages of every API and version decode or fail with a located DecodeError', () => {
    let cases = 0;
    for (const m of allMessages) {
      for (const v of versionsOf(m)) {
        const valid = m.encode(randomMessage(m.schema, v, 'full', v), v);
        fc.assert(
          fc.property(mutation, (ms) => {
            checkDecode(m, v, mutate(valid, ms));
            cases++;
          }),
          { numRuns: 30, seed: m.schema.apiKey * 100 + v },
        );
      }
    }
    expect(cases).toBeGreaterThan(10_000);
  });

  it('random bytes decode or fail with a located DecodeError', () => {
    for (const m of allMessages) {
      for (const v of versionsOf(m)) {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 64 }), (b) => checkDecode(m, v, b)),
          { numRuns: 8, seed: v },
        );
      }
    }
  });

  it('whole request frames with random headers fail only with DecodeError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2, max: 90 }),
        fc.integer({ min: -1, max: 20 }),
        fc.uint8Array({ maxLength: 80 }),
        (key, version, rest) => {
          const frame = new Uint8Array(4 + rest.length);
          new DataView(frame.buffer).setInt16(0, key);
          new DataView(frame.buffer).setInt16(2, version);
          frame.set(rest, 4);
          try {
            decodeRequest(frame);
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
          }
        },
      ),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('a declared length of 2^31-1 does not allocate: it fails at once', () => {
    for (const m of allMessages) {
      for (const v of versionsOf(m)) {
        checkDecode(m, v, new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]));
        checkDecode(m, v, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x07, 0xff, 0xff, 0xff, 0xff, 0x07]));
      }
    }
  });
});
