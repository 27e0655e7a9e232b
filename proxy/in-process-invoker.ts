/**
 * Calls a function app's `fetch` directly: the same request, headers and
 * signature as over HTTP, without a socket. `kafkaless dev` and tests use it.
 */

import { Header, type InvocationContext, signInvocation, writeContext } from '../shared/invocation.js';
import { outcomeFrom } from '../shared/sasl-invocation.js';
import { asksToClose, InvocationError, type InvokeResult, type Invoker, invokeUrl, remaining } from './invoker.js';

/** Anything with a WHATWG `fetch` handler, such as a Hono app. */
export interface FetchApp {
  fetch(request: Request): Response | Promise<Response>;
}

export interface InProcessInvokerOptions {
  /** Shared secret to sign with; without one invocations go unsigned (the app must not require signatures). */
  readonly secret?: string;
}

/** The URL in-process requests carry; nothing listens on it. */
const IN_PROCESS_URL = invokeUrl('http://in-process.kafkaless.invalid').href;

async function readBody(response: Response): Promise<Uint8Array[]> {
  if (response.body === null) return [];
  const chunks: Uint8Array[] = [];
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    if (value.length > 0) chunks.push(value);
  }
}

export class InProcessInvoker implements Invoker {
  constructor(
    private readonly app: FetchApp,
    private readonly options: InProcessInvokerOptions = {},
  ) {}

  invoke(apiKey: number, frame: Uint8Array, ctx: InvocationContext, signal?: AbortSignal): Promise<InvokeResult> {
    if (signal?.aborted) return Promise.reject(new InvocationError('aborted', 'invocation aborted'));
    const controller = new AbortController();
    return new Promise<InvokeResult>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (error: InvocationError): void => {
        finish();
        controller.abort(error);
        reject(error);
      };
      const onAbort = (): void => fail(new InvocationError('aborted', 'invocation aborted'));
      // A handler cannot be cancelled from outside; the deadline only ends the wait for it.
      const budget = remaining(ctx.deadline);
      const timer = setTimeout(() => fail(new InvocationError('timeout', `no answer within ${budget} ms`)), budget);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.call(apiKey, frame, ctx, controller.signal).then(
        (result) => {
          finish();
          resolve(result);
        },
        (e: unknown) =>
          fail(
            e instanceof InvocationError
              ? e
              : new InvocationError('unreachable', `function threw: ${(e as Error).message}`, { cause: e }),
          ),
      );
    });
  }

  private async call(
    apiKey: number,
    frame: Uint8Array,
    ctx: InvocationContext,
    signal: AbortSignal,
  ): Promise<InvokeResult> {
    const headers = new Headers({ 'content-type': 'application/octet-stream' });
    writeContext(headers, ctx, apiKey);
    if (this.options.secret !== undefined) await signInvocation(headers, frame, this.options.secret);
    const request = new Request(IN_PROCESS_URL, {
      method: 'POST',
      headers,
      body: frame as Uint8Array<ArrayBuffer>,
      signal,
    });
    const response = await this.app.fetch(request);
    const body = await readBody(response);
    return {
      status: response.status,
      body,
      close: asksToClose(response.headers.get(Header.action)),
      sasl: outcomeFrom((name) => response.headers.get(name)),
    };
  }
}
