/** The in-memory BlobStore, for `kafkaless dev` and unit tests. */

import { BlobNotFoundError } from '../errors.js';
import { checkRange } from '../range.js';
import { type BlobStore, StorageUnavailableError } from '../types.js';

export class MemoryBlobStore implements BlobStore {
  private closed = false;

  /** Several stores may share one map of objects, like several clients of one bucket. */
  constructor(readonly objects: Map<string, Uint8Array> = new Map()) {}

  private open(): void {
    if (this.closed) throw new StorageUnavailableError('memory blob store is closed');
  }

  async put(key: string, chunks: readonly Uint8Array[]): Promise<void> {
    this.open();
    let size = 0;
    for (const c of chunks) size += c.byteLength;
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    this.objects.set(key, bytes);
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    this.open();
    checkRange(start, end);
    const bytes = this.objects.get(key);
    if (bytes === undefined) throw new BlobNotFoundError(key);
    return bytes.slice(start, end);
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.open();
    for (const key of keys) this.objects.delete(key);
  }

  async *list(prefix: string): AsyncIterable<string> {
    this.open();
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    yield* keys;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
