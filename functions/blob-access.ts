/**
 * What a function may do with batch objects. Each function declares it
 * (`blobs` in its definition) and sees a BlobStore that allows exactly that,
 * on every runtime and in every test; the per-function deployment grants the
 * same and no more (infra/aws/per-function.ts writes the S3 policies from
 * it). Deleting and listing objects is the sweepers' alone: no function does.
 */

import type { BlobStore } from '../shared/storage/types.js';

/** `read`: byte ranges of objects (getRange); `write`: new objects (put). */
export type BlobAccess = 'read' | 'write';

/** A failure no retry mends: the function used the store beyond what it declares. */
export class UndeclaredBlobAccessError extends Error {
  override name = 'UndeclaredBlobAccessError';
}

/** `blobs` as a function declaring `access` sees it: every other operation fails with UndeclaredBlobAccessError. */
export function scopedBlobs(blobs: BlobStore, api: string, access: readonly BlobAccess[]): BlobStore {
  const refuse = (operation: string): Promise<never> =>
    Promise.reject(
      new UndeclaredBlobAccessError(
        `${api} may not ${operation} batch objects (it declares ${access.length > 0 ? access.join(' and ') : 'no access'})`,
      ),
    );
  return {
    put: access.includes('write') ? (key, chunks) => blobs.put(key, chunks) : () => refuse('write'),
    getRange: access.includes('read') ? (key, start, end) => blobs.getRange(key, start, end) : () => refuse('read'),
    delete: () => refuse('delete'),
    list: () => ({ [Symbol.asyncIterator]: () => ({ next: () => refuse('list') }) }),
    close: () => refuse('close'),
  };
}
