import fc from 'fast-check';
import { compress as snappyjsCompress, uncompress as snappyjsUncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { RecordsError } from '../errors.js';
import { snappyCompress, snappyCompressRaw, snappyDecompress, XERIAL_BLOCK_SIZE } from './snappy.js';
import { byteDiff, randomBytes, sameAs, sample } from './testdata/sample.js';

const MAX = 64 * 1024 * 1024;
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const XERIAL_HEADER = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1];

function expectCorrupt(fn: () => unknown): void {
  expect(fn).toThrow(RecordsError);
}

describe('snappy', () => {
  // Raw blocks built by hand from the snappy format description.
  const helloRaw = [0x05, 0x10, 0x68, 0x65, 0x6c, 0x6c, 0x6f]; // length 5, one 5-byte literal
  const abcRaw = [0x09, 0x08, 0x61, 0x62, 0x63, 0x09, 0x03]; // "abc" then copy 6 from offset 3

  it('decodes a raw block, as librdkafka sends', () => {
    expect(text(snappyDecompress(Uint8Array.from(helloRaw), MAX))).toBe('hello');
    expect(text(snappyDecompress(Uint8Array.from(abcRaw), MAX))).toBe('abcabcabc');
  });

  it('decodes xerial framing, as the Java client sends', () => {
    const framed = Uint8Array.from([...XERIAL_HEADER, 0, 0, 0, 7, ...helloRaw, 0, 0, 0, 7, ...abcRaw]);
    expect(text(snappyDecompress(framed, MAX))).toBe('helloabcabcabc');
    // snappy-java's reader also takes streams concatenated with their headers.
    const concatenated = Uint8Array.from([
      ...XERIAL_HEADER,
      0,
      0,
      0,
      7,
      ...helloRaw,
      ...XERIAL_HEADER,
      0,
      0,
      0,
      7,
      ...abcRaw,
    ]);
    expect(text(snappyDecompress(concatenated, MAX))).toBe('helloabcabcabc');
    expect(snappyDecompress(Uint8Array.from(XERIAL_HEADER), MAX)).toEqual(new Uint8Array(0));
  });

  it('writes xerial framing with 32 KiB blocks', () => {
    const data = sample(XERIAL_BLOCK_SIZE * 2 + 5);
    const framed = snappyCompress(data);
    expect([...framed.subarray(0, 16)]).toEqual(XERIAL_HEADER);
    const view = new DataView(framed.buffer, framed.byteOffset);
    let p = 16;
    const sizes: number[] = [];
    while (p < framed.length) {
      const len = view.getInt32(p);
      sizes.push(snappyjsUncompress(framed.subarray(p + 4, p + 4 + len)).length);
      p += 4 + len;
    }
    expect(sizes).toEqual([XERIAL_BLOCK_SIZE, XERIAL_BLOCK_SIZE, 5]);
    expect(byteDiff(snappyDecompress(framed, MAX), data)).toEqual(sameAs(data));
  });

  it('round-trips any input, framed and raw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat({ max: 40 }), (noise, repeat) => {
        const data = new Uint8Array(noise.length * (repeat + 1));
        for (let i = 0; i <= repeat; i++) data.set(noise, i * noise.length);
        expect(byteDiff(snappyDecompress(snappyCompress(data), MAX), data)).toEqual(sameAs(data));
        expect(byteDiff(snappyDecompress(snappyCompressRaw(data), MAX), data)).toEqual(sameAs(data));
      }),
      { numRuns: 50 },
    );
  });

  it('rejects a truncated block that snappyjs would pad with zeros', () => {
    const block = snappyjsCompress(new TextEncoder().encode('hello hello hello hello hello world world world world'));
    for (let n = 0; n < block.length; n++) expectCorrupt(() => snappyDecompress(block.subarray(0, n), MAX));
  });

  it('rejects copies before the start of output and zero offsets', () => {
    expectCorrupt(() => snappyDecompress(Uint8Array.of(0x04, 0x01, 0x01), MAX));
    expectCorrupt(() => snappyDecompress(Uint8Array.of(0x05, 0x00, 0x61, 0x01, 0x00), MAX));
  });

  it('rejects bad xerial block lengths', () => {
    expectCorrupt(() => snappyDecompress(Uint8Array.from([...XERIAL_HEADER, 0, 0, 0, 9, ...helloRaw]), MAX));
    expectCorrupt(() => snappyDecompress(Uint8Array.from([...XERIAL_HEADER, 0xff, 0xff, 0xff, 0xff]), MAX));
    expectCorrupt(() => snappyDecompress(Uint8Array.from([...XERIAL_HEADER, 0, 0]), MAX));
  });

  it('enforces maxSize from the declared lengths before allocating', () => {
    expect(() => snappyDecompress(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f), 1 << 20)).toThrow(/exceeds/);
    const framed = snappyCompress(randomBytes(100_000));
    expect(() => snappyDecompress(framed, 50_000)).toThrow(/exceeds/);
  });
});
