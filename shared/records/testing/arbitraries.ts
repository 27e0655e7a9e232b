/** fast-check generators shared by the record tests. */
import fc from 'fast-check';
import { CompressionCodec } from '../compression/index.js';
import type { RecordInput } from '../records.js';

export const recordArb: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 30 }), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
  headers: fc.array(
    fc.record({
      key: fc.string({ unit: 'grapheme', maxLength: 8 }),
      value: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: null }),
    }),
    { maxLength: 3 },
  ),
  timestamp: fc.bigInt({ min: 0n, max: 2n ** 62n }),
});

export const codecArb = fc.constantFrom(
  CompressionCodec.NONE,
  CompressionCodec.GZIP,
  CompressionCodec.SNAPPY,
  CompressionCodec.LZ4,
  CompressionCodec.ZSTD,
);
