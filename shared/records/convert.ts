/**
 * Message format conversion, as a Kafka 3.x broker does it for old clients:
 * up-conversion of magic 0/1 message sets written by Produce v0-2 into one
 * magic-2 batch (LogValidator), and down-conversion of stored magic-2 batches
 * into magic 0/1 message sets for Fetch v0-3 (RecordsUtil.downConvert).
 */

import { ErrorCode } from '../protocol/generated/error-codes.js';
import { concat } from '../protocol/primitives.js';
import { CURRENT_MAGIC, LOG_OVERHEAD, TimestampType } from './batch.js';
import { CompressionCodec } from './compression/index.js';
import { capture, corrupt, invalidRecord, RecordsError, type Result } from './errors.js';
import { decodeMessageSet, encodeMessageSet, type LegacyMagic, type LegacyMessageInput } from './legacy.js';
import { type DecodedRecord, decodeBatches, encodeBatch, type RecordInput } from './records.js';

export interface UpConvertOptions {
  /** Largest legacy entry (a message, or a compressed wrapper) accepted, as `max.message.bytes`. */
  readonly maxEntryBytes?: number;
  /** Bound on a wrapper's decompressed value. */
  readonly maxDecompressedBytes?: number;
}

/**
 * Turns a legacy message set (every entry magic 0 or 1) into one magic-2
 * batch holding all its messages in order, as Kafka 3.x stores what Produce
 * v0-2 clients send. The batch keeps the producer's codec (the first
 * compressed wrapper's, as `compression.type=producer` does), CreateTime, the
 * messages' timestamps (-1 for magic 0), and no producer id. CRCs are checked;
 * a trailing partial entry is corruption.
 */
export function upConvertMessageSet(records: Uint8Array, options: UpConvertOptions = {}): Result<Uint8Array> {
  const decoded = decodeMessageSet(
    records,
    options.maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes: options.maxDecompressedBytes },
  );
  if (!decoded.ok) return decoded;
  return capture(() => {
    const { entries, partial } = decoded.value;
    if (partial !== null) throw corrupt('truncated', `${partial.length} trailing bytes do not form a message`);
    if (entries.length === 0) throw invalidRecord('no-batch', 'the message set holds no messages');
    let codec: CompressionCodec = CompressionCodec.NONE;
    const inputs: RecordInput[] = [];
    let position = 0;
    for (const entry of entries) {
      const size = entryByteLength(records, position);
      if (options.maxEntryBytes !== undefined && size > options.maxEntryBytes) {
        throw new RecordsError(
          ErrorCode.MESSAGE_TOO_LARGE,
          'batch-too-large',
          `message of ${size} bytes exceeds ${options.maxEntryBytes}`,
        );
      }
      position += size;
      if (codec === CompressionCodec.NONE) codec = entry.wrapper.compression;
      for (const m of entry.messages) {
        inputs.push({ key: m.key, value: m.value, timestamp: m.timestamp, offsetDelta: inputs.length });
      }
    }
    return encodeBatch({ records: inputs, compression: codec, timestampType: TimestampType.CREATE_TIME });
  });
}

function entryByteLength(records: Uint8Array, position: number): number {
  const view = new DataView(records.buffer, records.byteOffset + position, LOG_OVERHEAD);
  return LOG_OVERHEAD + view.getInt32(8);
}

export interface DownConvertOptions {
  /** Records below this offset are left out (the fetch offset), as Kafka does. */
  readonly fromOffset?: bigint;
  readonly maxDecompressedBytes?: number;
}

/**
 * Rewrites whole magic-2 batches (base offsets already final) as a magic 0 or
 * 1 message set for Fetch v0-3. Each batch keeps its codec (zstd cannot be
 * expressed: UNSUPPORTED_COMPRESSION_TYPE) and, for magic 1, its timestamps
 * and timestamp type; headers, producer ids and control batches have no
 * place in the old formats and are dropped.
 */
export function downConvertBatches(
  batches: Uint8Array,
  toMagic: LegacyMagic,
  options: DownConvertOptions = {},
): Result<Uint8Array> {
  const decoded = decodeBatches(
    batches,
    options.maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes: options.maxDecompressedBytes },
  );
  if (!decoded.ok) return decoded;
  return capture(() => {
    const from = options.fromOffset ?? -1n;
    const out: Uint8Array[] = [];
    for (const { header, records } of decoded.value.batches) {
      if (header.magic !== CURRENT_MAGIC || header.isControl) continue;
      const kept = records.filter((r) => r.offset >= from);
      if (kept.length === 0) continue;
      const codec = header.compression as CompressionCodec;
      if (codec === CompressionCodec.ZSTD) {
        throw new RecordsError(
          ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
          'unsupported-for-format',
          `zstd batches cannot be read with magic ${toMagic}`,
        );
      }
      const logAppendTime =
        header.timestampType === TimestampType.LOG_APPEND_TIME && toMagic === 1 ? header.maxTimestamp : undefined;
      for (const run of consecutiveRuns(kept)) {
        out.push(
          encodeMessageSet({
            magic: toMagic,
            compression: codec,
            baseOffset: run[0]!.offset,
            messages: run.map((r): LegacyMessageInput => ({ key: r.key, value: r.value, timestamp: r.timestamp })),
            ...(logAppendTime === undefined ? {} : { logAppendTime }),
          }),
        );
      }
    }
    return concat(out);
  });
}

/** Splits records into runs of consecutive offsets: a legacy wrapper can only number its messages densely. */
function consecutiveRuns(records: readonly DecodedRecord[]): DecodedRecord[][] {
  const runs: DecodedRecord[][] = [];
  let run: DecodedRecord[] = [];
  for (const r of records) {
    const last = run[run.length - 1];
    if (last !== undefined && r.offset !== last.offset + 1n) {
      runs.push(run);
      run = [];
    }
    run.push(r);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
