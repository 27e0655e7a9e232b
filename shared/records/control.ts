/**
 * Control records: the transaction markers a coordinator writes into data
 * partitions (Kafka implementation docs, section 5.3.1.1).
 *
 * Key: version int16 (0) + type int16. Value of an end-transaction marker:
 * version int16 (0) + coordinatorEpoch int32. Later versions may append
 * fields, so decoding reads the known prefix and ignores the rest, as Kafka does.
 */

import { ErrorCode } from '../protocol/generated/error-codes.js';
import { CompressionCodec } from './compression/index.js';
import { capture, invalidRecord, type Result } from './errors.js';
import { encodeBatch } from './records.js';
import { ByteReader, ByteWriter } from './varint.js';

export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
} as const;

export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

const CONTROL_KEY_SIZE = 4;
const END_TXN_MARKER_SIZE = 6;

export interface ControlRecordKey {
  readonly version: number;
  /** 0 abort, 1 commit; KRaft uses further types in its own partitions. */
  readonly type: number;
}

export interface EndTxnMarkerValue {
  readonly version: number;
  readonly coordinatorEpoch: number;
}

/** The 4-byte key of a control record. */
export function encodeControlRecordKey(type: number, version = 0): Uint8Array {
  const out = new Uint8Array(CONTROL_KEY_SIZE);
  const w = new ByteWriter(out);
  w.int16(version);
  w.int16(type);
  return out;
}

/** Reads a control record key; shorter than 4 bytes or a negative version is INVALID_RECORD. */
export function decodeControlRecordKey(key: Uint8Array | null): Result<ControlRecordKey> {
  return capture(() => {
    if (key === null || key.length < CONTROL_KEY_SIZE) {
      throw invalidRecord('bad-record', `control record key of ${key?.length ?? 'null'} bytes`);
    }
    const r = new ByteReader(key, 0, key.length, ErrorCode.INVALID_RECORD);
    const version = r.int16();
    if (version < 0) throw invalidRecord('bad-record', `negative control record key version ${version}`);
    return { version, type: r.int16() };
  });
}

/** The 6-byte value of a commit or abort marker. */
export function encodeEndTxnMarkerValue(coordinatorEpoch: number, version = 0): Uint8Array {
  const out = new Uint8Array(END_TXN_MARKER_SIZE);
  const w = new ByteWriter(out);
  w.int16(version);
  w.int32(coordinatorEpoch);
  return out;
}

/** Reads a commit or abort marker value; shorter than 6 bytes or a negative version is INVALID_RECORD. */
export function decodeEndTxnMarkerValue(value: Uint8Array | null): Result<EndTxnMarkerValue> {
  return capture(() => {
    if (value === null || value.length < END_TXN_MARKER_SIZE) {
      throw invalidRecord('bad-record', `end transaction marker of ${value?.length ?? 'null'} bytes`);
    }
    const r = new ByteReader(value, 0, value.length, ErrorCode.INVALID_RECORD);
    const version = r.int16();
    if (version < 0) throw invalidRecord('bad-record', `negative end transaction marker version ${version}`);
    return { version, coordinatorEpoch: r.int32() };
  });
}

export interface TransactionMarkerInput {
  readonly type: ControlRecordType;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly timestamp: bigint;
  readonly baseOffset?: bigint;
  readonly partitionLeaderEpoch?: number;
}

/**
 * A control batch holding one commit or abort marker, shaped as Kafka's
 * `MemoryRecords.withEndTransactionMarker`: transactional and control bits
 * set, no sequence, uncompressed.
 */
export function encodeTransactionMarkerBatch(input: TransactionMarkerInput): Uint8Array {
  return encodeBatch({
    baseOffset: input.baseOffset ?? 0n,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? -1,
    compression: CompressionCodec.NONE,
    transactional: true,
    control: true,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    baseSequence: -1,
    records: [
      {
        timestamp: input.timestamp,
        key: encodeControlRecordKey(input.type),
        value: encodeEndTxnMarkerValue(input.coordinatorEpoch),
      },
    ],
  });
}
