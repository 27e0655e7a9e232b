/**
 * The Kafkaless proxy: a TCP listener that speaks Kafka's framing to clients
 * and hands every request to a function through the invoker it is given.
 *
 * `startProxy` listens, serves metrics if asked, and returns a handle the
 * command line drives: `drain` on SIGTERM (stop accepting, finish what is in
 * flight, then close), `close` on a second signal.
 */

import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { createLogger, type Logger } from '../shared/log.js';
import { Connection, type InvocationTimeouts } from './connection.js';
import { DEFAULT_MAX_FRAME_BYTES } from './framing.js';
import type { Invoker } from './invoker.js';
import { type MetricsServer, ProxyMetrics, serveMetrics } from './metrics.js';

export type { InvocationTimeouts } from './connection.js';
export { type FailureKind, failureCode } from './error-response.js';
export { HttpInvoker, type HttpInvokerOptions } from './http-invoker.js';
export { type FetchApp, InProcessInvoker, type InProcessInvokerOptions } from './in-process-invoker.js';
export { InvocationError, type InvocationFailure, type InvokeResult, type Invoker } from './invoker.js';
export { ProxyMetrics } from './metrics.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ProxyOptions {
  /** How requests reach functions. The proxy does not close it; its owner does. */
  readonly invoker: Invoker;
  /** Where to listen; default 127.0.0.1:9092. Port 0 picks a free port. */
  readonly listen?: { readonly host?: string; readonly port?: number };
  /**
   * The address clients are told to connect to (Metadata, FindCoordinator).
   * Default: the listen address; a wildcard listen host (0.0.0.0, ::) is
   * replaced by this machine's host name, as Kafka does.
   */
  readonly advertise?: { readonly host?: string; readonly port?: number };
  /** Largest request frame accepted; larger or negative sizes close the connection. Default 100 MiB. */
  readonly maxFrameBytes?: number;
  /** Requests in flight per connection before the proxy stops reading from it. Default 32. */
  readonly maxInFlightPerConnection?: number;
  /** Budget of a request with no timeout of its own (ms). Default 30 s. */
  readonly invocationTimeoutMs?: number;
  /** Ceiling on any request's budget (ms), however long it asks to wait. Default 10 min. */
  readonly maxInvocationTimeoutMs?: number;
  /** Idle connections are closed after this long (ms), as Kafka's `connections.max.idle.ms`. Default 10 min. */
  readonly idleTimeoutMs?: number;
  /** Serve Prometheus metrics on `GET /metrics` here; off when absent. */
  readonly metricsListen?: { readonly host?: string; readonly port: number };
  readonly log?: Logger;
}

export interface Proxy {
  /** The bound listen address. */
  readonly address: HostPort;
  /** What functions advertise to clients. */
  readonly advertised: HostPort;
  /** The bound metrics address, when metrics are served. */
  readonly metricsAddress: HostPort | undefined;
  readonly metrics: ProxyMetrics;
  /** Connections open now. */
  readonly connections: number;
  /**
   * Stops accepting connections, lets requests in flight finish and their
   * responses be written, closes connections as they go idle, then closes
   * everything; what is still open after `timeoutMs` is dropped.
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Drops every connection and stops listening now. */
  close(): Promise<void>;
}

const DEFAULT_LISTEN_HOST = '127.0.0.1';
const DEFAULT_PORT = 9092;
const DEFAULT_DRAIN_MS = 30_000;
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** Kafka's anonymous principal; SASL will replace it per connection. */
const ANONYMOUS = 'User:ANONYMOUS';

function advertisedAddress(options: ProxyOptions, bound: HostPort): HostPort {
  const host = options.advertise?.host;
  if (host !== undefined && WILDCARD_HOSTS.has(host)) {
    throw new Error(`cannot advertise the non-routable address '${host}'; set an advertised host clients can reach`);
  }
  const listenHost = options.listen?.host ?? DEFAULT_LISTEN_HOST;
  return {
    host: host ?? (WILDCARD_HOSTS.has(listenHost) ? hostname() : listenHost),
    port: options.advertise?.port ?? bound.port,
  };
}

function listen(server: Server, host: string, port: number): Promise<HostPort> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      if (a === null || typeof a === 'string') reject(new Error('listener has no TCP address'));
      else resolve({ host: a.address, port: a.port });
    });
  });
}

export async function startProxy(options: ProxyOptions): Promise<Proxy> {
  const log = options.log ?? createLogger('proxy');
  const metrics = new ProxyMetrics();
  const timeouts: InvocationTimeouts = {
    defaultMs: options.invocationTimeoutMs ?? 30_000,
    maxMs: options.maxInvocationTimeoutMs ?? 600_000,
  };
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const maxInFlight = options.maxInFlightPerConnection ?? 32;
  const idleTimeoutMs = options.idleTimeoutMs ?? 600_000;
  if (!(maxInFlight >= 1)) throw new Error('maxInFlightPerConnection must be at least 1');
  if (!(maxFrameBytes >= 0 && maxFrameBytes <= 0x7fffffff)) throw new Error('maxFrameBytes must fit in an int32');

  // Connection ids: unique in this process, and unlikely to repeat across proxies.
  const instance = randomBytes(4).toString('hex');
  let sequence = 0;
  const connections = new Set<Connection>();
  let accepting = true;
  let advertised: HostPort = { host: '', port: 0 };

  const server = createServer((socket: Socket) => {
    if (!accepting) {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, {
      id: `${instance}-${++sequence}`,
      invoker: options.invoker,
      listener: advertised,
      principal: ANONYMOUS,
      maxFrameBytes,
      maxInFlight,
      timeouts,
      idleTimeoutMs,
      metrics,
      log,
    });
    connections.add(connection);
    void connection.finished.then(() => connections.delete(connection));
  });

  const address = await listen(
    server,
    options.listen?.host ?? DEFAULT_LISTEN_HOST,
    options.listen?.port ?? DEFAULT_PORT,
  );
  advertised = advertisedAddress(options, address);
  let metricsServer: MetricsServer | undefined;
  try {
    if (options.metricsListen !== undefined) {
      const { host = DEFAULT_LISTEN_HOST, port } = options.metricsListen;
      metricsServer = await serveMetrics(metrics, host, port);
    }
  } catch (e) {
    server.close();
    throw e;
  }
  log.info('proxy listening', {
    address: `${address.host}:${address.port}`,
    advertised: `${advertised.host}:${advertised.port}`,
    metrics: metricsServer ? `${metricsServer.address.host}:${metricsServer.address.port}` : undefined,
  });

  const stopListening = (): Promise<void> => {
    accepting = false;
    return new Promise((resolve) => server.close(() => resolve()));
  };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const listening = stopListening();
      for (const c of connections) c.destroy();
      await Promise.all([listening, metricsServer?.close()]);
    })();
    return closing;
  };
  let draining: Promise<void> | undefined;

  return {
    address,
    advertised,
    metricsAddress: metricsServer?.address,
    metrics,
    get connections() {
      let open = 0;
      for (const c of connections) if (c.isOpen) open++;
      return open;
    },
    drain(timeoutMs = DEFAULT_DRAIN_MS) {
      draining ??= (async () => {
        const listening = stopListening();
        const inFlight = [...connections].reduce((n, c) => n + c.inFlight, 0);
        log.info('draining', { connections: connections.size, inFlight });
        for (const c of connections) c.drain();
        // Connections whose client already left may still have invocations running: wait for those too.
        const settled = Promise.all([...connections].map((c) => c.finished));
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<'expired'>((resolve) => {
          timer = setTimeout(() => resolve('expired'), timeoutMs);
        });
        const outcome = await Promise.race([settled, expired]);
        clearTimeout(timer);
        if (outcome === 'expired') {
          log.warn('drain timed out; dropping connections', { connections: connections.size });
        }
        await close();
        await listening;
        log.info('proxy closed');
      })();
      return draining;
    },
    close,
  };
}
