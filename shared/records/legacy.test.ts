import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { TimestampType } from './batch.js';
import { CompressionCodec, compress, decompress } from './compression/index.js';
import { lz4Decompress } from './compression/lz4.js';
import { crc32 } from './crc32.js';
import { RecordsError, type Result } from './errors.js';
import { decodeLegacyEntry, decodeMessageSet, encodeMessageSet, type LegacyEntry } from './legacy.js';

const hex = (s: string): Uint8Array =>
  Uint8Array.from(Buffer.from(s.replace(/\/\/[^\n]*/g, '').replace(/\s+/g, ''), 'hex'));
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function entry(r: Result<LegacyEntry>): LegacyEntry {
  if (!r.ok) throw r.error;
  return r.value;
}

/** A legacy log entry built by hand, CRC included. */
function message(
  magic: 0 | 1,
  attributes: number,
  offset: bigint,
  value: Uint8Array | null,
  timestamp = -1n,
): Uint8Array {
  const body = Buffer.alloc(2 + (magic === 1 ? 8 : 0) + 4 + 4 + (value?.length ?? 0));
  body[0] = magic;
  body[1] = attributes;
  let p = 2;
  if (magic === 1) p = body.writeBigInt64BE(timestamp, p);
  p = body.writeInt32BE(-1, p);
  p = body.writeInt32BE(value === null ? -1 : value.length, p);
  if (value !== null) body.set(value, p);
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(offset, 0);
  head.writeInt32BE(body.length + 4, 8);
  head.writeUInt32BE(crc32(body), 12);
  return new Uint8Array(Buffer.concat([head, body]));
}

// Derived field by field from the message set format; CRC-32 computed separately with zlib.
const GOLDEN_V0 = hex(`
  0000000000000000  // offset 0
  00000010          // message size 16
  fd6ebddb          // crc
  00                // magic 0
  00                // attributes
  ffffffff          // key null
  00000002 6869     // value "hi"
`);
const GOLDEN_V1 = hex(`
  0000000000000005  // offset 5
  00000018          // message size 24
  e4e321bc          // crc
  01                // magic 1
  00                // attributes
  00000000000003e8  // timestamp 1000
  00000001 6b       // key "k"
  00000001 76       // value "v"
`);

describe('legacy message sets', () => {
  it('encode the hand-derived golden messages byte for byte', () => {
    expect(encodeMessageSet({ magic: 0, messages: [{ value: ascii('hi') }] })).toEqual(GOLDEN_V0);
    expect(
      encodeMessageSet({
        magic: 1,
        baseOffset: 5n,
        messages: [{ key: ascii('k'), value: ascii('v'), timestamp: 1000n }],
      }),
    ).toEqual(GOLDEN_V1);
  });

  it('decode the golden messages', () => {
    expect(entry(decodeLegacyEntry(GOLDEN_V0)).messages).toEqual([
      {
        offset: 0n,
        magic: 0,
        attributes: 0,
        compression: 0,
        timestampType: TimestampType.CREATE_TIME,
        timestamp: -1n,
        key: null,
        value: ascii('hi'),
        crc: 0xfd6ebddb,
      },
    ]);
    const v1 = entry(decodeLegacyEntry(GOLDEN_V1)).messages[0]!;
    expect([v1.offset, v1.timestamp, v1.key, v1.value]).toEqual([5n, 1000n, ascii('k'), ascii('v')]);
  });

  for (const magic of [0, 1] as const) {
    for (const codec of [CompressionCodec.GZIP, CompressionCodec.SNAPPY, CompressionCodec.LZ4]) {
      it(`round-trip a magic ${magic} set compressed with codec ${codec}`, () => {
        const messages = [
          { key: ascii('a'), value: ascii('one'), timestamp: 10n },
          { key: null, value: null, timestamp: 30n },
          { value: ascii('three'), timestamp: 20n },
        ];
        const set = encodeMessageSet({ magic, compression: codec, baseOffset: 40n, messages });
        const decoded = decodeMessageSet(set);
        expect(decoded.ok).toBe(true);
        if (!decoded.ok) return;
        const [e] = decoded.value.entries;
        expect(decoded.value.entries.length).toBe(1);
        expect(e!.wrapper.offset).toBe(42n);
        expect(e!.wrapper.compression).toBe(codec);
        expect(e!.messages.map((m) => [m.offset, m.key, m.value])).toEqual([
          [40n, ascii('a'), ascii('one')],
          [41n, null, null],
          [42n, null, ascii('three')],
        ]);
        if (magic === 1) {
          expect(e!.wrapper.timestamp).toBe(30n);
          expect(e!.messages.map((m) => m.timestamp)).toEqual([10n, 30n, 20n]);
        }
        // Stored inner offsets: relative for magic 1, absolute for magic 0.
        const inner = decompress(codec, e!.wrapper.value!, 1 << 20, { legacyLz4HeaderChecksum: magic === 0 });
        const view = inner.ok ? Buffer.from(inner.value) : Buffer.alloc(0);
        expect(view.readBigInt64BE(0)).toBe(magic === 1 ? 0n : 40n);
      });
    }
  }

  it('computes magic 1 absolute offsets from the wrapper and the last relative offset', () => {
    const set = encodeMessageSet({ magic: 1, compression: CompressionCodec.GZIP, messages: [{}, {}, {}] });
    Buffer.from(set.buffer, set.byteOffset).writeBigInt64BE(100n, 0);
    expect(entry(decodeLegacyEntry(set)).messages.map((m) => m.offset)).toEqual([98n, 99n, 100n]);
  });

  it('gives inner messages the wrapper timestamp under LogAppendTime', () => {
    const set = encodeMessageSet({
      magic: 1,
      compression: CompressionCodec.SNAPPY,
      logAppendTime: 777n,
      messages: [{ timestamp: 1n }, { timestamp: 2n }],
    });
    const e = entry(decodeLegacyEntry(set));
    expect(e.wrapper.timestampType).toBe(TimestampType.LOG_APPEND_TIME);
    expect(e.messages.map((m) => [m.timestamp, m.timestampType])).toEqual([
      [777n, TimestampType.LOG_APPEND_TIME],
      [777n, TimestampType.LOG_APPEND_TIME],
    ]);
  });

  it('writes the pre-0.10 LZ4 header checksum for magic 0 and reads it back (KAFKA-3160)', () => {
    const set = encodeMessageSet({ magic: 0, compression: CompressionCodec.LZ4, messages: [{ value: ascii('x') }] });
    const wrapper = entry(decodeLegacyEntry(set)).wrapper;
    expect(() => lz4Decompress(wrapper.value!, 1 << 20)).toThrow(RecordsError);
    expect(entry(decodeLegacyEntry(set)).messages[0]!.value).toEqual(ascii('x'));
    // A magic 1 wrapper must carry a correct checksum.
    const v1 = message(1, CompressionCodec.LZ4, 0n, wrapper.value);
    expect(decodeLegacyEntry(v1).ok).toBe(false);
  });

  it('decodes several uncompressed messages and returns a trailing partial entry', () => {
    const set = encodeMessageSet({
      magic: 1,
      baseOffset: 7n,
      messages: [{ value: ascii('a') }, { value: ascii('b') }],
    });
    const r = decodeMessageSet(new Uint8Array(Buffer.concat([set, set.subarray(0, 20)])));
    expect(r.ok && r.value.entries.map((e) => e.messages[0]!.offset)).toEqual([7n, 8n]);
    expect(r.ok && r.value.partial?.length).toBe(20);
  });

  describe('rejects', () => {
    const code = (r: Result<unknown>): number | 'ok' => (r.ok ? 'ok' : r.error.code);

    it('a CRC mismatch as CORRUPT_MESSAGE', () => {
      const bad = GOLDEN_V1.slice();
      bad[bad.length - 1]! ^= 1;
      expect(code(decodeLegacyEntry(bad))).toBe(ErrorCode.CORRUPT_MESSAGE);
    });

    it('key or value lengths that overrun the message', () => {
      const bad = message(0, 0, 0n, ascii('abc'));
      bad[bad.length - 5] = 9;
      Buffer.from(bad.buffer).writeUInt32BE(crc32(bad, 16), 12);
      expect(code(decodeLegacyEntry(bad))).toBe(ErrorCode.CORRUPT_MESSAGE);
    });

    it('a compressed message inside a compressed set', () => {
      const inner = message(
        1,
        CompressionCodec.GZIP,
        0n,
        compress(CompressionCodec.GZIP, message(1, 0, 0n, ascii('x'))),
      );
      const outer = message(1, CompressionCodec.GZIP, 0n, compress(CompressionCodec.GZIP, inner));
      const r = decodeLegacyEntry(outer);
      expect(r.ok ? 'ok' : [r.error.code, r.error.reason]).toEqual([ErrorCode.INVALID_RECORD, 'nested-compression']);
    });

    it('an inner message whose magic differs from its wrapper', () => {
      const outer = message(
        1,
        CompressionCodec.GZIP,
        0n,
        compress(CompressionCodec.GZIP, message(0, 0, 0n, ascii('x'))),
      );
      expect(code(decodeLegacyEntry(outer))).toBe(ErrorCode.INVALID_RECORD);
    });

    it('wrappers with a null value or no inner messages', () => {
      expect(code(decodeLegacyEntry(message(1, CompressionCodec.GZIP, 0n, null)))).toBe(ErrorCode.INVALID_RECORD);
      const empty = message(1, CompressionCodec.GZIP, 0n, compress(CompressionCodec.GZIP, new Uint8Array(0)));
      expect(code(decodeLegacyEntry(empty))).toBe(ErrorCode.INVALID_RECORD);
    });

    it('a truncated inner set as CORRUPT_MESSAGE', () => {
      const inner = message(1, 0, 0n, ascii('hello'));
      const outer = message(1, CompressionCodec.GZIP, 0n, compress(CompressionCodec.GZIP, inner.subarray(0, 20)));
      expect(code(decodeLegacyEntry(outer))).toBe(ErrorCode.CORRUPT_MESSAGE);
    });

    it('zstd, which magic 0 and 1 cannot carry, as UNSUPPORTED_FOR_MESSAGE_FORMAT', () => {
      const zstd = message(
        1,
        CompressionCodec.ZSTD,
        0n,
        compress(CompressionCodec.ZSTD, message(1, 0, 0n, ascii('x'))),
      );
      expect(code(decodeLegacyEntry(zstd))).toBe(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
      expect(() => encodeMessageSet({ magic: 1, compression: CompressionCodec.ZSTD, messages: [{}] })).toThrow(
        RecordsError,
      );
    });

    it('a decompressed wrapper larger than the bound', () => {
      const set = encodeMessageSet({
        magic: 1,
        compression: CompressionCodec.GZIP,
        messages: [{ value: new Uint8Array(100_000) }],
      });
      expect(code(decodeLegacyEntry(set, { maxDecompressedBytes: 10_000 }))).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    });
  });
});
