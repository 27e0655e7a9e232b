/**
 * Reading stored batches back: one ranged GET per run of index entries that
 * sit next to each other in one object, a check that each batch is what the
 * index says, and the base offsets patched in place (the batch keeps the
 * producer's bytes; the base offset field lies outside the CRC).
 */

import { concat } from '../shared/protocol/primitives.js';
import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD, setBaseOffset } from '../shared/records/batch.js';
import type { IndexEntry } from '../shared/storage/types.js';
import type { FunctionEnv } from './define.js';

/** The index and the stored object disagree: the object does not hold the batch the index names. */
export class IndexMismatchError extends Error {
  override name = 'IndexMismatchError';
  constructor(readonly entry: IndexEntry) {
    super(`object ${entry.object} holds no ${entry.size}-byte batch at ${entry.position}`);
  }
}

/** Groups entries (in offset order) into runs stored back to back in one object. */
function contiguousRuns(entries: readonly IndexEntry[]): IndexEntry[][] {
  const runs: IndexEntry[][] = [];
  for (const e of entries) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (
      run !== undefined &&
      last !== undefined &&
      last.object === e.object &&
      last.position + last.size === e.position
    ) {
      run.push(e);
    } else {
      runs.push([e]);
    }
  }
  return runs;
}

/**
 * The entries' batches, back to back, with final base offsets. GETs run in
 * parallel. Throws StorageUnavailableError (from the store) or
 * {@link IndexMismatchError}.
 */
export async function readBatches(env: FunctionEnv, entries: readonly IndexEntry[]): Promise<Uint8Array> {
  const pieces = await Promise.all(
    contiguousRuns(entries).map(async (run) => {
      const first = run[0]!;
      const last = run[run.length - 1]!;
      const bytes = await env.blobs.getRange(first.object, first.position, last.position + last.size);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let at = 0;
      for (const e of run) {
        if (at + e.size > bytes.length || view.getInt32(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD !== e.size) {
          throw new IndexMismatchError(e);
        }
        setBaseOffset(bytes, e.baseOffset, at);
        at += e.size;
      }
      return bytes;
    }),
  );
  return concat(pieces);
}
