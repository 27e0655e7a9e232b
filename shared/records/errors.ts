/**
 * Typed failures for record parsing and validation.
 *
 * Bad input from a client is not exceptional: decoders return a {@link Result}
 * whose error carries the Kafka error code a handler puts in its response.
 */

import { ErrorCode } from '../protocol/generated/error-codes.js';

/** The Kafka error codes record parsing and validation answer with. */
export type RecordsErrorCode =
  | typeof ErrorCode.CORRUPT_MESSAGE
  | typeof ErrorCode.MESSAGE_TOO_LARGE
  | typeof ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT
  | typeof ErrorCode.UNSUPPORTED_COMPRESSION_TYPE
  | typeof ErrorCode.INVALID_RECORD;

/** Machine-readable cause, finer than the Kafka code, for logs and tests. */
export type RecordsErrorReason =
  | 'truncated'
  | 'size-mismatch'
  | 'bad-magic'
  | 'crc-mismatch'
  | 'bad-compression-codec'
  | 'codec-unavailable'
  | 'decompression-failed'
  | 'decompressed-too-large'
  | 'batch-too-large'
  | 'bad-record-count'
  | 'bad-offset-delta'
  | 'bad-record'
  | 'bad-sequence'
  | 'control-batch-from-client'
  | 'too-many-batches'
  | 'no-batch'
  | 'nested-compression'
  | 'unsupported-for-format';

/** A typed failure; `code` is the Kafka error code to answer with. */
export class RecordsError extends Error {
  override readonly name = 'RecordsError';

  constructor(
    readonly code: RecordsErrorCode,
    readonly reason: RecordsErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RecordsError };

/** A successful {@link Result}. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** A failed {@link Result}. */
export function fail<T>(code: RecordsErrorCode, reason: RecordsErrorReason, message: string): Result<T> {
  return { ok: false, error: new RecordsError(code, reason, message) };
}

/** Bytes that do not follow the format: CORRUPT_MESSAGE. */
export function corrupt(reason: RecordsErrorReason, message: string): RecordsError {
  return new RecordsError(ErrorCode.CORRUPT_MESSAGE, reason, message);
}

/** Well-framed bytes whose records break Kafka's rules: INVALID_RECORD. */
export function invalidRecord(reason: RecordsErrorReason, message: string): RecordsError {
  return new RecordsError(ErrorCode.INVALID_RECORD, reason, message);
}

/** Decompressed output would exceed the caller's bound (a decompression bomb or an oversized batch). */
export function tooLarge(what: string, maxSize: number): RecordsError {
  return new RecordsError(
    ErrorCode.MESSAGE_TOO_LARGE,
    'decompressed-too-large',
    `${what}: output exceeds ${maxSize} bytes`,
  );
}

/**
 * Runs a decoder that signals bad input by throwing {@link RecordsError} and
 * turns that into a {@link Result}. Any other exception is a bug and propagates.
 */
export function capture<T>(fn: () => T): Result<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof RecordsError) return { ok: false, error: e };
    throw e;
  }
}
