/** Log rules both MetaStores share. */

import { checkBatchProducer } from './producer-rules.js';
import type { AppendBatch, PartitionOffsets, PartitionRef } from './types.js';

/** What a partition never written to reports. */
export const EMPTY_OFFSETS: PartitionOffsets = Object.freeze({
  logStartOffset: 0n,
  highWatermark: 0n,
  maxTimestamp: -1n,
  maxTimestampBatchOffset: -1n,
  lastStableOffset: 0n,
});

export function checkPartition(ref: PartitionRef): void {
  if (!/^[A-Za-z0-9_-]+$/.test(ref.topicId))
    throw new TypeError(`topic id ${JSON.stringify(ref.topicId)} is not base64url`);
  if (!Number.isSafeInteger(ref.partition) || ref.partition < 0) {
    throw new TypeError(`partition ${ref.partition} is not an index`);
  }
}

export function checkBatches(batches: readonly AppendBatch[]): void {
  for (const b of batches) {
    if (!Number.isSafeInteger(b.offsetCount) || b.offsetCount < 1) {
      throw new TypeError(`a batch takes at least one offset, not ${b.offsetCount}`);
    }
    if (!Number.isSafeInteger(b.position) || b.position < 0 || !Number.isSafeInteger(b.size) || b.size < 0) {
      throw new TypeError(`byte range ${b.position}+${b.size} is not a range`);
    }
    if (b.object.length === 0) throw new TypeError('object key is empty');
    if (b.producer !== undefined) checkBatchProducer(b.producer, b.offsetCount);
  }
}
