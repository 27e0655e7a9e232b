/**
 * How the proxy reaches functions: an {@link Invoker} takes one request frame
 * (header and body, no size prefix) with its connection context and returns
 * what the function answered, in the terms of the contract in
 * `shared/invocation.ts`. The proxy knows nothing else about functions.
 *
 * Two implementations: `httpInvoker` (POST to deployed functions, signed) and
 * `inProcessInvoker` (calls a Hono app's `fetch` directly, for `kafkaless dev`
 * and tests). Both enforce the context's deadline.
 */

import { INVOKE_PATH, type InvocationContext } from '../shared/invocation.js';
import type { SaslOutcomeHeaders } from '../shared/sasl-invocation.js';

/** What a function answered. */
export interface InvokeResult {
  /** 200: `body` is the response frame; 204: Kafka sends no response; anything else: a failed invocation. */
  readonly status: number;
  /** The body as it arrived, chunk by chunk, never concatenated; on a failure, the function's reason. */
  readonly body: readonly Uint8Array[];
  /** The function asked for the client connection to be closed (`x-kafkaless-action: close`). */
  readonly close: boolean;
  /** SaslAuthenticate's outcome headers, when the function sent them (shared/sasl-invocation.ts). */
  readonly sasl?: SaslOutcomeHeaders;
}

/**
 * Why an invocation produced no answer: `timeout` when the deadline passed,
 * `unreachable` when the function could not be called or its answer broke off,
 * `aborted` when the caller gave up (the client connection went away).
 */
export type InvocationFailure = 'timeout' | 'unreachable' | 'aborted';

/** The only error an {@link Invoker} rejects with. */
export class InvocationError extends Error {
  override name = 'InvocationError';
  constructor(
    readonly kind: InvocationFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Invoker {
  /**
   * Invokes the function serving `apiKey` and waits for its whole answer, or
   * rejects with an {@link InvocationError} no later than `ctx.deadline`.
   */
  invoke(apiKey: number, frame: Uint8Array, ctx: InvocationContext, signal?: AbortSignal): Promise<InvokeResult>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}

/** `<base>/kafka` for a function's base URL, with or without a trailing slash. */
export function invokeUrl(base: string | URL): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${INVOKE_PATH}`;
  return url;
}

/** Whether the value of a function's `x-kafkaless-action` header asks for the connection to be closed. */
export function asksToClose(action: string | string[] | null | undefined): boolean {
  return typeof action === 'string' && action.trim().toLowerCase() === 'close';
}

/** Milliseconds left until `deadline`, at least 0. */
export function remaining(deadline: number, now = Date.now()): number {
  return Math.max(0, deadline - now);
}

const textDecoder = new TextDecoder();

/** The start of a failure body as text, for log lines. */
export function bodyText(body: readonly Uint8Array[], max = 300): string {
  let s = '';
  for (const chunk of body) {
    s += textDecoder.decode(chunk.subarray(0, max - s.length));
    if (s.length >= max) break;
  }
  return s;
}
