import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { RecordsError } from './errors.js';
import { ByteReader, ByteWriter, varintSize, varlongSize } from './varint.js';

function encodeVarint(n: number): number[] {
  const buf = new Uint8Array(varintSize(n));
  new ByteWriter(buf).varint(n);
  return [...buf];
}

function encodeVarlong(n: bigint): number[] {
  const buf = new Uint8Array(varlongSize(n));
  const w = new ByteWriter(buf);
  w.varlong(n);
  expect(w.pos).toBe(buf.length);
  return [...buf];
}

const reader = (bytes: number[]): ByteReader =>
  new ByteReader(Uint8Array.from(bytes), 0, bytes.length, ErrorCode.INVALID_RECORD);

describe('zig-zag varints', () => {
  it('encode as protobuf sint32/sint64 do', () => {
    expect(encodeVarint(0)).toEqual([0x00]);
    expect(encodeVarint(-1)).toEqual([0x01]);
    expect(encodeVarint(1)).toEqual([0x02]);
    expect(encodeVarint(-64)).toEqual([0x7f]);
    expect(encodeVarint(64)).toEqual([0x80, 0x01]);
    expect(encodeVarint(2147483647)).toEqual([0xfe, 0xff, 0xff, 0xff, 0x0f]);
    expect(encodeVarint(-2147483648)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(encodeVarlong(0n)).toEqual([0x00]);
    expect(encodeVarlong(-1n)).toEqual([0x01]);
    expect(encodeVarlong(300n)).toEqual([0xd8, 0x04]);
    expect(encodeVarlong(9223372036854775807n)).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(encodeVarlong(-9223372036854775808n)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('round-trip every int32 and int64', () => {
    fc.assert(
      fc.property(fc.integer(), (n) => {
        expect(reader(encodeVarint(n)).varint()).toBe(n);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        expect(reader(encodeVarlong(n)).varlong()).toBe(n);
      }),
    );
    for (const n of [2n ** 52n, -(2n ** 52n), 2n ** 52n + 1n, 2n ** 49n - 1n, 2n ** 49n, -(2n ** 48n) - 1n]) {
      expect(reader(encodeVarlong(n)).varlong()).toBe(n);
    }
  });

  it('reject overlong and truncated encodings with a typed error', () => {
    expect(() => reader([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).varint()).toThrow(RecordsError);
    expect(() => reader([0x80, 0x80]).varint()).toThrow(RecordsError);
    expect(() => reader(Array(10).fill(0xff)).varlong()).toThrow(RecordsError);
    expect(() => reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).varlong()).toThrow(RecordsError);
    expect(() => reader([1, 2, 3]).bytes(4)).toThrow(RecordsError);
  });
});
