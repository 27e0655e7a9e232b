/**
 * Proxy throughput: pipelined no-op requests (Heartbeat v4, answered at once
 * by a `functionApp` of fake handlers) through the proxy, per invoker, and
 * for 1 and 8 client connections each keeping 32 requests in flight. Prints
 * requests/s and client-observed latency.
 *
 * Client, proxy and function app share this one process (and its one CPU
 * core), so the figures are the proxy's overhead plus one hop, not a
 * deployment. Two rows are bench-only invokers: one that answers without any
 * function (the proxy's own cost), and one over Node's built-in fetch, to
 * show what the HTTP invoker's plain keep-alive agent buys.
 * `npm run bench:proxy`. {@link noOpLatency} is the same measurement with one
 * request in flight, for the per-request figures in `npm run bench`.
 */

import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { sizePrefix } from '../proxy/framing.js';
import { HttpInvoker, InProcessInvoker, InvocationError, type Invoker, startProxy } from '../proxy/index.js';
import { invokeUrl } from '../proxy/invoker.js';
import { type InvocationContext, signInvocation, writeContext } from '../shared/invocation.js';
import { createLogger } from '../shared/log.js';
import { encodeRequest } from '../shared/protocol/frame.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { concat } from '../shared/protocol/primitives.js';
import { fakeApp, fakeControl, serveApp } from '../test/support/proxy/fake-functions.js';
import { WireClient } from '../test/support/proxy/kafka-wire.js';

const SECRET = 'bench-secret';
const DEPTH = 32;
const WARMUP_MS = 500;
const MEASURE_MS = 3000;

/** Bench-only: the same contract over Node's built-in fetch (undici inside, default global pool). */
class FetchInvoker implements Invoker {
  private readonly url: string;
  constructor(
    base: string,
    private readonly secret: string,
  ) {
    this.url = invokeUrl(base).href;
  }

  async invoke(apiKey: number, frame: Uint8Array, ctx: InvocationContext) {
    const headers = new Headers({ 'content-type': 'application/octet-stream' });
    writeContext(headers, ctx, apiKey);
    await signInvocation(headers, frame, this.secret);
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers,
        body: frame as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(Math.max(0, ctx.deadline - Date.now())),
      });
      const body: Uint8Array[] = [];
      if (res.body !== null) for await (const chunk of res.body) body.push(chunk);
      return { status: res.status, body, close: res.headers.get('x-kafkaless-action') === 'close' };
    } catch (e) {
      throw new InvocationError('unreachable', (e as Error).message);
    }
  }
}

/** Bench-only: answers at once, without Request or Response objects, to show the proxy's own cost. */
class NoFunctionInvoker implements Invoker {
  async invoke(_apiKey: number, frame: Uint8Array) {
    // A Heartbeat v4 response: correlation id, empty header tags, throttle time, error code, empty body tags.
    const response = new Uint8Array(12);
    response.set(frame.subarray(4, 8), 0);
    return { status: 200, body: [response], close: false };
  }
}

interface Result {
  requests: number;
  seconds: number;
  latencies: number[];
}

/** One connection keeping `depth` heartbeats in flight for `ms`. */
async function drive(port: number, ms: number, depth: number): Promise<Result> {
  const c = await WireClient.connect(port);
  const frame = encodeRequest(ApiKey.Heartbeat, 4, 0, 'bench', { groupId: 'g', generationId: 0, memberId: 'm' });
  const template = concat([sizePrefix(frame.length), frame]);
  let correlation = 0;
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const send = (): void => {
    const wire = template.slice();
    new DataView(wire.buffer).setInt32(8, ++correlation);
    sentAt.push(performance.now());
    c.sendRaw(wire);
  };
  const started = performance.now();
  const until = started + ms;
  for (let i = 0; i < depth; i++) send();
  while (sentAt.length > 0) {
    await c.next(10_000);
    const now = performance.now();
    latencies.push(now - sentAt.shift()!);
    if (now < until) send();
  }
  const seconds = (performance.now() - started) / 1000;
  c.close();
  return { requests: latencies.length, seconds, latencies };
}

export interface ProxyMeasurement {
  /** Requests per second over all connections. */
  readonly rate: number;
  /** Client-observed latency percentiles, in milliseconds. */
  readonly p50: number;
  readonly p99: number;
}

async function measure(invoker: Invoker, connections: number, depth = DEPTH): Promise<ProxyMeasurement> {
  const proxy = await startProxy({
    invoker,
    listen: { host: '127.0.0.1', port: 0 },
    log: createLogger('bench', () => {}),
  });
  try {
    const run = (ms: number): Promise<Result[]> =>
      Promise.all(Array.from({ length: connections }, () => drive(proxy.address.port, ms, depth)));
    await run(WARMUP_MS);
    const results = await run(MEASURE_MS);
    const requests = results.reduce((n, r) => n + r.requests, 0);
    const seconds = Math.max(...results.map((r) => r.seconds));
    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    return { rate: requests / seconds, p50: at(0.5), p99: at(0.99) };
  } finally {
    await proxy.close();
  }
}

/**
 * Per-request latency of a no-op request (one connection, one request in
 * flight) through the proxy alone, and through the proxy and the signed HTTP
 * invoker to a function that answers at once.
 */
export async function noOpLatency(): Promise<{ proxyAlone: ProxyMeasurement; httpFunction: ProxyMeasurement }> {
  const served = await serveApp(fakeApp(fakeControl(), { secrets: [SECRET] }));
  const http = new HttpInvoker({ baseUrl: served.url, secret: SECRET });
  try {
    return {
      proxyAlone: await measure(new NoFunctionInvoker(), 1, 1),
      httpFunction: await measure(http, 1, 1),
    };
  } finally {
    await http.close();
    await served.close();
  }
}

async function main(): Promise<void> {
  const signedApp = fakeApp(fakeControl(), { secrets: [SECRET] });
  const unsignedApp = fakeApp(fakeControl());
  const served = await serveApp(signedApp);
  const http = new HttpInvoker({ baseUrl: served.url, secret: SECRET });
  const invokers: [string, Invoker][] = [
    ['no function (the proxy alone)', new NoFunctionInvoker()],
    ['in-process, unsigned (kafkaless dev)', new InProcessInvoker(unsignedApp)],
    ['in-process, signed', new InProcessInvoker(signedApp, { secret: SECRET })],
    ['HTTP: HttpInvoker (node:http keep-alive), signed', http],
    ['HTTP: built-in fetch (bench only), signed', new FetchInvoker(served.url, SECRET)],
  ];
  const rows: string[][] = [];
  for (const [name, invoker] of invokers) {
    for (const connections of [1, 8]) {
      const r = await measure(invoker, connections);
      rows.push([
        name,
        String(connections),
        String(DEPTH),
        Math.round(r.rate).toLocaleString('en-US'),
        r.p50.toFixed(2),
        r.p99.toFixed(2),
      ]);
    }
  }
  await http.close();
  await served.close();

  const header = ['invoker', 'connections', 'in flight each', 'requests/s', 'p50 ms', 'p99 ms'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}; client, proxy and functions in one process`,
  );
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
