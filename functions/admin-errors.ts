/**
 * Errors the admin functions (topics and configs) share. A store that cannot
 * be reached answers REQUEST_TIMED_OUT: Kafka's error when its controller does
 * not complete an operation in time. Clients see a TimeoutException, which is
 * retriable, and the operation either happened wholly or not at all (every
 * store change is one atomic step). Anything else is a bug and propagates,
 * so the proxy answers with this API's error response.
 */

import { ErrorCode, errorInfo } from '../shared/protocol/generated/error-codes.js';
import type { FunctionEnv } from './define.js';
import { storageFailure } from './storage-failure.js';

export interface KafkaError {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export function kafkaError(errorCode: number, errorMessage?: string | null): KafkaError {
  return { errorCode, errorMessage: errorMessage === undefined ? defaultMessage(errorCode) : errorMessage };
}

/** Kafka's own message for a code, as `ApiError(Errors)` carries it. */
export function defaultMessage(errorCode: number): string | null {
  return errorInfo.get(errorCode)?.message ?? null;
}

/** Maps a store failure to a retriable error, after logging it; rethrows anything else. */
export function storageError(env: FunctionEnv, e: unknown, what: string): KafkaError {
  const failure = storageFailure(env, e, what);
  return kafkaError(ErrorCode.REQUEST_TIMED_OUT, `Storage unavailable: ${failure.message}`);
}
