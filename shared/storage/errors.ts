import { StorageUnavailableError } from './types.js';

/**
 * A BlobStore read named an object that does not exist. It is a kind of
 * unavailability (the index and the objects disagree, e.g. the sweeper raced a
 * reader), so handlers that only know StorageUnavailableError still answer
 * with a retriable error.
 */
export class BlobNotFoundError extends StorageUnavailableError {
  override name = 'BlobNotFoundError';
  constructor(readonly key: string) {
    super(`object ${key} not found`);
  }
}

/** Wraps a backend failure, keeping the original as `cause`. */
export function unavailable(what: string, cause: unknown): StorageUnavailableError {
  if (cause instanceof StorageUnavailableError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StorageUnavailableError(`${what}: ${detail}`, { cause });
}
