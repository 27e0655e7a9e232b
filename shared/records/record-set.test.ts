import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { setBaseOffset } from './batch.js';
import { CompressionCodec } from './compression/index.js';
import { encodeMessageSet } from './legacy.js';
import { decodeRecordSet } from './record-set.js';
import { encodeBatch } from './records.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

describe('decoding a records blob of any format', () => {
  const legacy = encodeMessageSet({
    magic: 1,
    compression: CompressionCodec.GZIP,
    messages: [{ value: ascii('m0') }, { value: ascii('m1') }],
  });
  const v2 = encodeBatch({
    compression: CompressionCodec.LZ4,
    records: [{ value: ascii('r2') }, { value: ascii('r3') }],
  });
  setBaseOffset(v2, 2n);

  it('decodes legacy entries and magic-2 batches in order, with a trailing partial apart', () => {
    const blob = new Uint8Array(Buffer.concat([legacy, v2, v2.subarray(0, 50)]));
    const r = decodeRecordSet(blob);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const seen = r.value.entries.flatMap((e) =>
      e.kind === 'batch'
        ? e.batch.records.map((x) => [x.offset, text(x.value)])
        : e.entry.messages.map((m) => [m.offset, text(m.value)]),
    );
    expect(seen).toEqual([
      [0n, 'm0'],
      [1n, 'm1'],
      [2n, 'r2'],
      [3n, 'r3'],
    ]);
    expect(r.value.entries.map((e) => [e.kind, e.position])).toEqual([
      ['legacy', 0],
      ['batch', legacy.length],
    ]);
    expect(r.value.partial?.length).toBe(50);
  });

  it('fails on the first bad entry with its error', () => {
    const bad = v2.slice();
    bad[bad.length - 1]! ^= 1;
    const r = decodeRecordSet(new Uint8Array(Buffer.concat([legacy, bad])));
    expect(r.ok ? 'ok' : [r.error.code, r.error.reason]).toEqual([ErrorCode.CORRUPT_MESSAGE, 'crc-mismatch']);
  });
});
