import { describe, expect, it } from 'vitest';
import {
  ControlRecordType,
  decodeControlRecordKey,
  decodeEndTxnMarkerValue,
  encodeControlRecordKey,
  encodeEndTxnMarkerValue,
  encodeTransactionMarkerBatch,
} from './control.js';
import { decodeBatch } from './records.js';

describe('control records', () => {
  it('encode keys and end-transaction markers as the spec lays them out', () => {
    expect([...encodeControlRecordKey(ControlRecordType.COMMIT)]).toEqual([0, 0, 0, 1]);
    expect([...encodeControlRecordKey(ControlRecordType.ABORT)]).toEqual([0, 0, 0, 0]);
    expect([...encodeEndTxnMarkerValue(0x01020304)]).toEqual([0, 0, 1, 2, 3, 4]);
  });

  it('decode what they encode, and tolerate longer future versions', () => {
    expect(decodeControlRecordKey(encodeControlRecordKey(ControlRecordType.ABORT))).toEqual({
      ok: true,
      value: { version: 0, type: 0 },
    });
    expect(decodeEndTxnMarkerValue(encodeEndTxnMarkerValue(-7))).toEqual({
      ok: true,
      value: { version: 0, coordinatorEpoch: -7 },
    });
    expect(decodeControlRecordKey(Uint8Array.of(0, 1, 0, 1, 9, 9))).toEqual({
      ok: true,
      value: { version: 1, type: 1 },
    });
  });

  it('reject short, null or negative-version control data', () => {
    expect(decodeControlRecordKey(Uint8Array.of(0, 0, 1)).ok).toBe(false);
    expect(decodeControlRecordKey(null).ok).toBe(false);
    expect(decodeControlRecordKey(Uint8Array.of(0xff, 0xff, 0, 1)).ok).toBe(false);
    expect(decodeEndTxnMarkerValue(Uint8Array.of(0, 0, 0, 0, 0)).ok).toBe(false);
  });

  it('build a transaction marker batch shaped like Kafka writes it', () => {
    const batch = decodeBatch(
      encodeTransactionMarkerBatch({
        type: ControlRecordType.COMMIT,
        producerId: 42n,
        producerEpoch: 3,
        coordinatorEpoch: 9,
        timestamp: 1_700_000_000_000n,
        baseOffset: 10n,
      }),
    );
    expect(batch.ok).toBe(true);
    if (!batch.ok) return;
    const { header, records } = batch.value;
    expect([
      header.isControl,
      header.isTransactional,
      header.producerId,
      header.producerEpoch,
      header.baseSequence,
    ]).toEqual([true, true, 42n, 3, -1]);
    expect([header.baseOffset, header.recordCount, header.compression]).toEqual([10n, 1, 0]);
    expect(decodeControlRecordKey(records[0]!.key)).toEqual({ ok: true, value: { version: 0, type: 1 } });
    expect(decodeEndTxnMarkerValue(records[0]!.value)).toEqual({
      ok: true,
      value: { version: 0, coordinatorEpoch: 9 },
    });
    expect(records[0]!.timestamp).toBe(1_700_000_000_000n);
  });
});
