/**
 * Hostile input: mutated, truncated or random bytes must decode to the same
 * content or fail with a typed error; never throw anything else, never hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { iterateBatches } from './batch.js';
import { type CompressionCodec as Codec, CompressionCodec, compress, decompress } from './compression/index.js';
import { crc32c } from './crc32c.js';
import { RecordsError, type Result } from './errors.js';
import { decodeMessageSet, encodeMessageSet } from './legacy.js';
import { decodeRecordSet } from './record-set.js';
import { type DecodedBatch, decodeBatch, encodeBatch } from './records.js';
import { codecArb, recordArb } from './testing/arbitraries.js';
import { validateProduceRecords } from './validate.js';
import { writeInt32BE } from './varint.js';

const LIMIT = { maxDecompressedBytes: 1 << 20 };
const mutationsArb = fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), {
  minLength: 1,
  maxLength: 4,
});

function mutate(bytes: Uint8Array, mutations: readonly { at: number; xor: number }[]): Uint8Array {
  const out = bytes.slice();
  for (const m of mutations) out[m.at % out.length]! ^= m.xor;
  return out;
}

/** The CRC-protected content of a batch; offsets are not covered by the CRC. */
function content(batch: DecodedBatch): unknown {
  return batch.records.map((r) => [r.attributes, r.offsetDelta, r.timestamp, r.key, r.value, r.headers]);
}

function expectTyped(r: Result<unknown>): void {
  if (!r.ok) expect(r.error).toBeInstanceOf(RecordsError);
}

const batchArb = fc
  .record({ records: fc.array(recordArb, { minLength: 1, maxLength: 6 }), compression: codecArb })
  .map((input) => encodeBatch(input));

describe('hostile batches', () => {
  it('a mutated batch decodes to the same content or fails with a typed error', () => {
    fc.assert(
      fc.property(batchArb, mutationsArb, (batch, mutations) => {
        const original = decodeBatch(batch, LIMIT);
        if (!original.ok) throw original.error;
        const r = decodeBatch(mutate(batch, mutations), LIMIT);
        if (r.ok) expect(content(r.value)).toEqual(content(original.value));
        else expect(r.error).toBeInstanceOf(RecordsError);
        expectTyped(validateProduceRecords(mutate(batch, mutations), { deep: LIMIT }));
      }),
      { numRuns: 300 },
    );
  });

  it('a mutated batch with a recomputed CRC still never throws', () => {
    fc.assert(
      fc.property(batchArb, mutationsArb, (batch, mutations) => {
        const bad = mutate(batch, mutations);
        // Reach the record and codec parsers by making the CRC agree with the damage.
        writeInt32BE(bad, 17, crc32c(bad, 21, bad.length));
        expectTyped(decodeBatch(bad, LIMIT));
        expectTyped(validateProduceRecords(bad, { deep: LIMIT }));
      }),
      { numRuns: 500 },
    );
  });

  it('a truncated batch fails with a typed error', () => {
    fc.assert(
      fc.property(batchArb, fc.nat(), (batch, n) => {
        const r = decodeBatch(batch.subarray(0, n % batch.length), LIMIT);
        expect(r.ok).toBe(false);
        expectTyped(r);
      }),
    );
  });

  it('random bytes never make the record set decoder throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        expectTyped(decodeRecordSet(bytes, LIMIT));
        for (const slice of iterateBatches(bytes)) expect(['batch', 'partial', 'corrupt']).toContain(slice.kind);
      }),
    );
  });
});

describe('hostile legacy message sets', () => {
  const legacyArb = fc
    .record({
      magic: fc.constantFrom(0 as const, 1 as const),
      compression: fc.constantFrom(
        CompressionCodec.NONE,
        CompressionCodec.GZIP,
        CompressionCodec.SNAPPY,
        CompressionCodec.LZ4,
      ),
      messages: fc.array(
        fc.record({
          key: fc.option(fc.uint8Array({ maxLength: 10 }), { nil: null }),
          value: fc.option(fc.uint8Array({ maxLength: 50 }), { nil: null }),
          timestamp: fc.bigInt({ min: 0n, max: 2n ** 50n }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    })
    .map((input) => encodeMessageSet(input));

  it('a mutated set decodes to the same messages or fails with a typed error', () => {
    fc.assert(
      fc.property(legacyArb, mutationsArb, (set, mutations) => {
        const original = decodeMessageSet(set, LIMIT);
        if (!original.ok) throw original.error;
        const r = decodeMessageSet(mutate(set, mutations), LIMIT);
        expectTyped(r);
        if (r.ok && r.value.partial === null && r.value.entries.length === original.value.entries.length) {
          const values = (x: typeof r.value) => x.entries.flatMap((e) => e.messages.map((m) => [m.key, m.value]));
          expect(values(r.value)).toEqual(values(original.value));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('hostile compressed payloads', () => {
  const codecs: Codec[] = [CompressionCodec.GZIP, CompressionCodec.SNAPPY, CompressionCodec.LZ4, CompressionCodec.ZSTD];

  it('mutated frames never make a decompressor throw or exceed its bound', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...codecs),
        fc.uint8Array({ maxLength: 500 }),
        fc.nat({ max: 20 }),
        mutationsArb,
        (codec, noise, repeat, mutations) => {
          const data = new Uint8Array(noise.length * (repeat + 1));
          for (let i = 0; i <= repeat; i++) data.set(noise, i * noise.length);
          const frame = compress(codec, data);
          const r = decompress(codec, mutate(frame, mutations), 20_000);
          expectTyped(r);
          if (r.ok) expect(r.value.length).toBeLessThanOrEqual(20_000);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('random bytes never make a decompressor throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(...codecs), fc.uint8Array({ maxLength: 300 }), (codec, bytes) => {
        expectTyped(decompress(codec, bytes, 1 << 20));
      }),
      { numRuns: 400 },
    );
  });
});
