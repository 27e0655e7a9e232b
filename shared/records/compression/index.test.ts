import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { type CompressionCodec as Codec, CompressionCodec, compress, decompress, isCompressionCodec } from './index.js';
import { sample } from './testdata/sample.js';

describe('codec dispatch', () => {
  it('round-trips every codec through compress and decompress', () => {
    const data = sample(100_000);
    for (const codec of [0, 1, 2, 3, 4] as const) {
      const r = decompress(codec, compress(codec, data), data.length);
      expect(r.ok && Buffer.from(r.value).equals(data)).toBe(true);
    }
  });

  it('passes NONE through without copying, still bounded by maxSize', () => {
    const data = sample(10);
    expect(compress(CompressionCodec.NONE, data)).toBe(data);
    const r = decompress(CompressionCodec.NONE, data, 10);
    expect(r.ok && r.value).toBe(data);
    const tooBig = decompress(CompressionCodec.NONE, data, 9);
    expect(tooBig.ok || tooBig.error.code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });

  it('reports a decompression failure as CORRUPT_MESSAGE and an unknown codec as typed', () => {
    for (const codec of [1, 2, 3, 4] as const) {
      const r = decompress(codec, sample(50), 1000);
      expect(r.ok || [r.error.code, r.error.reason]).toEqual([ErrorCode.CORRUPT_MESSAGE, 'decompression-failed']);
    }
    const r = decompress(7 as Codec, sample(5), 100);
    expect(r.ok || r.error.reason).toBe('bad-compression-codec');
    expect(isCompressionCodec(4)).toBe(true);
    expect(isCompressionCodec(5)).toBe(false);
  });
});
