/**
 * Invokes functions over HTTP: POST `<base>/kafka` with the frame as the body,
 * the connection context in headers, signed with the shared secret.
 *
 * Uses Node's own http client with a keep-alive agent, so invocations reuse
 * warm connections and no dependency is needed (`bench/proxy.ts` measures it
 * against fetch). The deadline covers the whole answer, body included.
 */

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { Header, type InvocationContext, signInvocation, writeContext } from '../shared/invocation.js';
import type { Logger } from '../shared/log.js';
import { apis } from '../shared/protocol/generated/api-keys.js';
import { outcomeFrom } from '../shared/sasl-invocation.js';
import { asksToClose, InvocationError, type InvokeResult, type Invoker, invokeUrl, remaining } from './invoker.js';

export interface HttpInvokerOptions {
  /**
   * Base URL of the all-in-one function app (`/kafka` is appended), or the
   * URLs of several instances of it, which invocations take in turn.
   */
  readonly baseUrl?: string | readonly string[];
  /**
   * Base URLs of separately deployed functions, by API name (`Produce`) or
   * key (`0`), each one URL or several instances taken in turn. APIs without
   * a route go to `baseUrl`; with neither, the client connection is closed,
   * as Kafka does for an API it does not serve.
   */
  readonly routes?: Readonly<Record<string, string | readonly string[]>>;
  /** Shared secret to sign with; without one invocations go unsigned. */
  readonly secret?: string;
  /** Most sockets per function origin (default 256); past it invocations queue in the agent. */
  readonly maxSockets?: number;
  readonly log?: Logger;
}

const API_KEYS_BY_NAME = new Map([...apis.values()].map((a) => [a.name.toLowerCase(), a.key as number]));

function apiKeyOf(route: string): number {
  const byName = API_KEYS_BY_NAME.get(route.toLowerCase());
  if (byName !== undefined) return byName;
  const key = /^\d+$/.test(route) ? Number(route) : Number.NaN;
  if ([...apis.keys()].some((k) => k === key)) return key;
  throw new Error(`route for unknown API '${route}'`);
}

function checkedUrl(base: string): URL {
  const url = invokeUrl(base);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported function URL ${url.href}`);
  return url;
}

/**
 * The instances serving one route. Functions keep no state between
 * invocations, so any instance may serve any request; a connection's
 * requests take the instances in turn, starting from a point of the
 * connection's own (see {@link spreadOf}).
 */
class Target {
  constructor(private readonly urls: readonly URL[]) {
    if (urls.length === 0) throw new Error('a route needs at least one URL');
  }

  static of(bases: string | readonly string[]): Target {
    return new Target((typeof bases === 'string' ? [bases] : bases).map(checkedUrl));
  }

  pick(spread: number): URL {
    return this.urls[spread % this.urls.length]!;
  }
}

/**
 * Where among a route's instances this request goes: its correlation id
 * (which clients count up per connection) plus a hash of the connection id.
 * Consecutive requests of one connection go to different instances, and
 * connections do not march in step, with no state kept per connection.
 */
function spreadOf(frame: Uint8Array, connectionId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < connectionId.length; i++) hash = Math.imul(hash ^ connectionId.charCodeAt(i), 0x01000193);
  const correlationId =
    frame.length >= 8 ? new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(4) : 0;
  return (hash + correlationId) >>> 0;
}

const noDelaySockets = new WeakSet<Socket>();

interface Attempt {
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly frame: Uint8Array;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
}

export class HttpInvoker implements Invoker {
  private readonly byKey = new Map<number, Target>();
  private readonly fallback: Target | undefined;
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly options: HttpInvokerOptions) {
    for (const [api, bases] of Object.entries(options.routes ?? {})) this.byKey.set(apiKeyOf(api), Target.of(bases));
    this.fallback = options.baseUrl === undefined ? undefined : Target.of(options.baseUrl);
    if (this.fallback === undefined && this.byKey.size === 0)
      throw new Error('an HTTP invoker needs a baseUrl or routes');
    if (options.secret === undefined) {
      options.log?.warn('function invocations are not signed; functions must not require signatures');
    }
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 256, scheduling: 'lifo' as const };
    this.httpAgent = new HttpAgent(agentOptions);
    this.httpsAgent = new HttpsAgent(agentOptions);
  }

  /** Where an invocation of `apiKey` goes, if anywhere; `spread` picks among a route's instances. */
  urlFor(apiKey: number, spread = 0): URL | undefined {
    return (this.byKey.get(apiKey) ?? this.fallback)?.pick(spread);
  }

  async invoke(apiKey: number, frame: Uint8Array, ctx: InvocationContext, signal?: AbortSignal): Promise<InvokeResult> {
    const url = this.urlFor(apiKey, spreadOf(frame, ctx.connectionId));
    if (url === undefined) {
      return { status: 404, body: [new TextEncoder().encode(`no route for API key ${apiKey}`)], close: true };
    }
    if (signal?.aborted) throw new InvocationError('aborted', 'invocation aborted');
    const headers = new Headers({
      'content-type': 'application/octet-stream',
      'content-length': String(frame.length),
    });
    writeContext(headers, ctx, apiKey);
    if (this.options.secret !== undefined) await signInvocation(headers, frame, this.options.secret);
    const plain: Record<string, string> = {};
    headers.forEach((value, name) => {
      plain[name] = value;
    });
    return this.post({ url, headers: plain, frame, deadline: ctx.deadline, signal }, false);
  }

  async close(): Promise<void> {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private post(a: Attempt, retried: boolean): Promise<InvokeResult> {
    return new Promise<InvokeResult>((resolve, reject) => {
      const https = a.url.protocol === 'https:';
      const req = (https ? httpsRequest : httpRequest)({
        protocol: a.url.protocol,
        hostname: a.url.hostname.replace(/^\[|\]$/g, ''),
        port: a.url.port,
        path: a.url.pathname + a.url.search,
        method: 'POST',
        headers: a.headers,
        // A retry goes over a connection of its own: the pool's other idle ones may be closing too.
        agent: retried ? false : https ? this.httpsAgent : this.httpAgent,
      });
      let settled = false;
      let answered = false;
      const detach = (): void => {
        settled = true;
        clearTimeout(timer);
        a.signal?.removeEventListener('abort', onAbort);
      };
      const settle = (outcome: InvokeResult | InvocationError): void => {
        if (settled) return;
        detach();
        if (outcome instanceof InvocationError) {
          req.destroy();
          reject(outcome);
        } else resolve(outcome);
      };
      const budget = remaining(a.deadline);
      const timer = setTimeout(() => settle(new InvocationError('timeout', `no answer within ${budget} ms`)), budget);
      const onAbort = (): void => settle(new InvocationError('aborted', 'invocation aborted'));
      a.signal?.addEventListener('abort', onAbort, { once: true });

      req.on('socket', (socket: Socket) => {
        if (noDelaySockets.has(socket)) return;
        noDelaySockets.add(socket);
        socket.setNoDelay(true);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        // A pooled connection the function's server closed while idle: nothing was processed; try a fresh one.
        if (!answered && !retried && req.reusedSocket && e.code === 'ECONNRESET') {
          detach();
          this.post(a, true).then(resolve, reject);
          return;
        }
        settle(new InvocationError('unreachable', `${a.url.origin}: ${e.code ?? e.message}`, { cause: e }));
      });
      req.on('response', (res: IncomingMessage) => {
        answered = true;
        const body: Uint8Array[] = [];
        res.on('data', (chunk: Buffer) => body.push(chunk));
        res.on('end', () =>
          settle({
            status: res.statusCode ?? 0,
            body,
            close: asksToClose(res.headers[Header.action]),
            sasl: outcomeFrom((name) => res.headers[name]),
          }),
        );
        res.on('error', (e: Error) =>
          settle(new InvocationError('unreachable', `${a.url.origin}: answer broke off: ${e.message}`, { cause: e })),
        );
        res.on('close', () => {
          if (!res.complete) settle(new InvocationError('unreachable', `${a.url.origin}: answer broke off`));
        });
      });
      req.end(a.frame);
    });
  }
}
