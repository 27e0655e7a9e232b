/**
 * Reading stored batches back: one ranged GET per run of index entries that
 * sit next to each other in one object, a check that each batch is what the
 * index says, and the base offsets patched in place (the batch keeps the
 * producer's bytes; the base offset field lies outside the CRC).
 *
 * Runs are formed across all the entry lists of one read: a Produce request
 * stores every partition's batch back to back in one object, so a Fetch of
 * those partitions reads each such object with one GET, not one per
 * partition.
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

const spanKey = (e: IndexEntry): string => `${e.position}:${e.object}`;

/** Groups distinct entries into runs stored back to back in one object, each in position order. */
function contiguousRuns(entries: Iterable<IndexEntry>): IndexEntry[][] {
  const byObject = new Map<string, IndexEntry[]>();
  for (const e of entries) {
    const list = byObject.get(e.object);
    if (list === undefined) byObject.set(e.object, [e]);
    else list.push(e);
  }
  const runs: IndexEntry[][] = [];
  for (const list of byObject.values()) {
    list.sort((a, b) => a.position - b.position);
    let run: IndexEntry[] = [];
    for (const e of list) {
      const last = run[run.length - 1];
      if (last !== undefined && last.position + last.size !== e.position) {
        runs.push(run);
        run = [];
      }
      run.push(e);
    }
    runs.push(run);
  }
  return runs;
}

/** Adjacent views of one buffer joined into one view, so bytes read together are not copied apart. */
function joinAdjacent(pieces: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last !== undefined && last.buffer === p.buffer && last.byteOffset + last.byteLength === p.byteOffset) {
      out[out.length - 1] = new Uint8Array(last.buffer, last.byteOffset, last.byteLength + p.byteLength);
    } else {
      out.push(p);
    }
  }
  return out;
}

/**
 * Each list's batches (entries in offset order), back to back, with final
 * base offsets; or the error that stopped that list: StorageUnavailableError
 * (from the store) or {@link IndexMismatchError}. GETs run in parallel.
 */
export async function readBatchLists(
  env: FunctionEnv,
  lists: readonly (readonly IndexEntry[])[],
): Promise<PromiseSettledResult<Uint8Array>[]> {
  const distinct = new Map<string, IndexEntry>();
  for (const list of lists) for (const e of list) if (!distinct.has(spanKey(e))) distinct.set(spanKey(e), e);
  const read = new Map<string, Uint8Array | { error: unknown }>();
  await Promise.all(
    contiguousRuns(distinct.values()).map(async (run) => {
      const first = run[0]!;
      const last = run[run.length - 1]!;
      let bytes: Uint8Array;
      try {
        bytes = await env.blobs.getRange(first.object, first.position, last.position + last.size);
      } catch (error) {
        for (const e of run) read.set(spanKey(e), { error });
        return;
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let at = 0;
      for (const e of run) {
        if (at + e.size > bytes.length || view.getInt32(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD !== e.size) {
          read.set(spanKey(e), { error: new IndexMismatchError(e) });
        } else {
          setBaseOffset(bytes, e.baseOffset, at);
          read.set(spanKey(e), bytes.subarray(at, at + e.size));
        }
        at += e.size;
      }
    }),
  );
  return lists.map((list): PromiseSettledResult<Uint8Array> => {
    const pieces: Uint8Array[] = [];
    for (const e of list) {
      const got = read.get(spanKey(e))!;
      if (!(got instanceof Uint8Array)) return { status: 'rejected', reason: got.error };
      pieces.push(got);
    }
    return { status: 'fulfilled', value: concat(joinAdjacent(pieces)) };
  });
}

/** One list's batches; see {@link readBatchLists}. Throws what stopped it. */
export async function readBatches(env: FunctionEnv, entries: readonly IndexEntry[]): Promise<Uint8Array> {
  const [result] = await readBatchLists(env, [entries]);
  if (result!.status === 'rejected') throw result!.reason;
  return result!.value;
}
