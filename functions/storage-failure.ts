/**
 * Storage failures are not Kafka errors: a handler that catches one answers
 * the affected partitions with an error clients retry, and lets anything
 * else (a bug) propagate to become a failed invocation.
 *
 * The codes chosen:
 * - NOT_LEADER_OR_FOLLOWER when nothing was changed (a read failed, or a
 *   write failed before anything was committed). Every client retries it
 *   after refreshing metadata, which points back at the same node. Kafka
 *   itself answers a broken log directory this way to Fetch v0-5 clients.
 * - REQUEST_TIMED_OUT when a write may or may not have been committed (the
 *   atomic append's answer was lost). Clients retry it too, and it tells
 *   them the truth: the outcome is unknown, as with Kafka's own timeouts.
 */

import { StorageUnavailableError } from '../shared/storage/types.js';
import type { FunctionEnv } from './define.js';

export function isStorageFailure(e: unknown): e is StorageUnavailableError {
  return e instanceof StorageUnavailableError;
}

/** Returns the storage failure for the caller to map, after logging it; rethrows anything else. */
export function storageFailure(env: FunctionEnv, e: unknown, what: string): StorageUnavailableError {
  if (!isStorageFailure(e)) throw e;
  env.log.warn('storage unavailable', { what, error: e.message });
  return e;
}
