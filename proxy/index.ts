/**
 * The Kafkaless proxy: a TCP listener that speaks Kafka's framing to clients
 * and hands every request to a function through the invoker it is given.
 *
 * `startProxy` listens, serves metrics if asked, and returns a handle the
 * command line drives: `drain` on SIGTERM (stop accepting, finish what is in
 * flight, then close), `close` on a second signal.
 *
 * Security, as a Kafka listener's: TLS (`tls`, SSL/SASL_SSL) with client
 * certificates none, requested or required (`ssl.client.auth`); with a
 * verified client certificate the principal is `User:<subject DN>` in RFC
 * 2253 form, Kafka's default SSL principal. SASL (`sasl`, SASL_PLAINTEXT or
 * SASL_SSL) replaces it with the authenticated user (sasl.ts).
 */

import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { createLogger, type Logger } from '../shared/log.js';
import { Connection, type InvocationTimeouts } from './connection.js';
import { DEFAULT_MAX_FRAME_BYTES } from './framing.js';
import type { Invoker } from './invoker.js';
import { type MetricsServer, ProxyMetrics, serveMetrics } from './metrics.js';
import { checkMechanisms, type SaslListenerOptions } from './sasl.js';
import { certificatePrincipal } from './tls-principal.js';

export type { InvocationTimeouts } from './connection.js';
export { type FailureKind, failureCode } from './error-response.js';
export { HttpInvoker, type HttpInvokerOptions } from './http-invoker.js';
export { type FetchApp, InProcessInvoker, type InProcessInvokerOptions } from './in-process-invoker.js';
export { InvocationError, type InvocationFailure, type InvokeResult, type Invoker } from './invoker.js';
export { ProxyMetrics } from './metrics.js';
export { SASL_MECHANISMS, type SaslListenerOptions } from './sasl.js';

/** TLS on the listener, as Kafka's `ssl.*` settings. */
export interface TlsListenerOptions {
  /** PEM certificate chain of the listener. */
  readonly cert: string | Buffer;
  /** PEM private key. */
  readonly key: string | Buffer;
  /** PEM CA certificates that client certificates must chain to. */
  readonly ca?: string | Buffer;
  /** `ssl.client.auth`: `none` (default), `requested` or `required`. */
  readonly clientAuth?: 'none' | 'requested' | 'required';
}

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
  /**
   * Every proxy in front of the same functions, this one included, as
   * clients reach them (`--advertised-proxies`): Metadata lists them all as
   * brokers and spreads partition leadership over them. Absent: this proxy
   * alone. Every proxy of a fleet must be given the same list.
   */
  readonly advertisedProxies?: readonly HostPort[];
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
  /** TLS on the listener (SSL, SASL_SSL); plaintext when absent. */
  readonly tls?: TlsListenerOptions;
  /** SASL on the listener (SASL_PLAINTEXT, SASL_SSL); none when absent. */
  readonly sasl?: SaslListenerOptions;
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

/** Kafka's anonymous principal; a client certificate or SASL replaces it per connection. */
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

  if (options.sasl !== undefined) checkMechanisms(options.sasl.mechanisms);
  const clientAuth = options.tls?.clientAuth ?? 'none';
  const accept = (socket: Socket, principal: string): void => {
    if (!accepting) {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, {
      id: `${instance}-${++sequence}`,
      invoker: options.invoker,
      listener: advertised,
      ...(options.advertisedProxies?.length ? { brokers: options.advertisedProxies } : {}),
      principal,
      ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
      maxFrameBytes,
      maxInFlight,
      timeouts,
      idleTimeoutMs,
      metrics,
      log,
    });
    connections.add(connection);
    void connection.finished.then(() => connections.delete(connection));
  };
  let server: Server;
  if (options.tls === undefined) {
    server = createServer((socket: Socket) => accept(socket, ANONYMOUS));
  } else {
    const tls = options.tls;
    server = createTlsServer(
      {
        cert: tls.cert,
        key: tls.key,
        ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
        requestCert: clientAuth !== 'none',
        rejectUnauthorized: clientAuth === 'required',
      },
      (socket: TLSSocket) => {
        const peer = clientAuth === 'none' ? undefined : socket.getPeerX509Certificate();
        // `requested`: no certificate is fine, an untrusted one fails the handshake (as a JSSE engine with wantClientAuth).
        if (peer !== undefined && !socket.authorized) {
          log.info('refused an untrusted client certificate', { error: String(socket.authorizationError) });
          socket.destroy();
          return;
        }
        accept(socket, peer === undefined ? ANONYMOUS : certificatePrincipal(peer));
      },
    );
    server.on('tlsClientError', (e: Error) => log.debug('TLS handshake failed', { error: e.message }));
  }

  const address = await listen(
    server,
    options.listen?.host ?? DEFAULT_LISTEN_HOST,
    options.listen?.port ?? DEFAULT_PORT,
  );
  advertised = advertisedAddress(options, address);
  const fleet = options.advertisedProxies ?? [];
  if (fleet.length > 0 && !fleet.some((p) => p.host === advertised.host && p.port === advertised.port)) {
    server.close();
    throw new Error(
      `the advertised proxies (${fleet.map((p) => `${p.host}:${p.port}`).join(',')}) must include this proxy's advertised address ${advertised.host}:${advertised.port}`,
    );
  }
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
    security: `${options.sasl ? 'SASL_' : ''}${options.tls ? 'SSL' : 'PLAINTEXT'}`,
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
