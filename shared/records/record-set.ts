/**
 * Decoding a records blob whatever its message format: Fetch responses from a
 * store written over time may hold magic-2 batches and legacy entries alike.
 */
import { CURRENT_MAGIC, iterateBatches } from './batch.js';
import { capture, type Result } from './errors.js';
import { decodeLegacyEntry, type LegacyDecodeOptions, type LegacyEntry } from './legacy.js';
import { type DecodedBatch, type DecodeOptions, decodeBatch } from './records.js';

export type DecodedEntry =
  | { readonly kind: 'batch'; readonly position: number; readonly batch: DecodedBatch }
  | { readonly kind: 'legacy'; readonly position: number; readonly entry: LegacyEntry };

export interface DecodedRecordSet {
  readonly entries: readonly DecodedEntry[];
  /** Trailing incomplete entry, if any (Fetch responses may end with one). */
  readonly partial: Uint8Array | null;
}

/**
 * Decodes every batch and legacy entry of a records blob, with CRC checks,
 * decompression and record parsing; the first bad entry fails the whole set.
 */
export function decodeRecordSet(
  records: Uint8Array,
  options: DecodeOptions & LegacyDecodeOptions = {},
): Result<DecodedRecordSet> {
  return capture(() => {
    const entries: DecodedEntry[] = [];
    for (const slice of iterateBatches(records)) {
      if (slice.kind === 'corrupt') throw slice.error;
      if (slice.kind === 'partial') return { entries, partial: slice.bytes };
      if (slice.magic === CURRENT_MAGIC) {
        const decoded = decodeBatch(slice.bytes, options);
        if (!decoded.ok) throw decoded.error;
        entries.push({ kind: 'batch', position: slice.position, batch: decoded.value });
      } else {
        const decoded = decodeLegacyEntry(slice.bytes, options);
        if (!decoded.ok) throw decoded.error;
        entries.push({ kind: 'legacy', position: slice.position, entry: decoded.value });
      }
    }
    return { entries, partial: null };
  });
}
