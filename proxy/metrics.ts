/**
 * The proxy's Prometheus metrics, kept as plain counters and written in the
 * text exposition format (version 0.0.4) on `GET /metrics` of a separate port.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Invocation latency buckets, in seconds: a warm in-region call to a slow long-poll. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
] as const;

/** How a request ended, from the client's point of view. */
export type Outcome =
  /** The function's response (or its silence, for acks=0) went to the client. */
  | 'ok'
  /** The function timed out; the client got an error response. */
  | 'timeout'
  /** The function was unreachable or failed; the client got an error response. */
  | 'unavailable'
  /** The connection was closed instead of answering. */
  | 'closed'
  /** The client went away first. */
  | 'abandoned';

/** Why a frame was refused and its connection closed. */
export type RejectReason = 'size' | 'header' | 'unknown_api' | 'body' | 'sasl';

class Histogram {
  readonly counts = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function number(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  return String(n);
}

export class ProxyMetrics {
  private readonly requests = new Map<string, number>();
  private readonly outcomes = new Map<string, Map<Outcome, number>>();
  private readonly latency = new Map<string, Histogram>();
  private readonly rejected = new Map<RejectReason, number>();
  connectionsOpen = 0;
  connectionsTotal = 0;
  inFlight = 0;

  requestStarted(api: string): void {
    this.requests.set(api, (this.requests.get(api) ?? 0) + 1);
    this.inFlight++;
  }

  /** A request left the proxy's hands; `seconds` is the invocation's duration, when there was one. */
  requestFinished(api: string, outcome: Outcome, seconds: number | undefined): void {
    this.inFlight--;
    let byOutcome = this.outcomes.get(api);
    if (byOutcome === undefined) {
      byOutcome = new Map();
      this.outcomes.set(api, byOutcome);
    }
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    if (seconds === undefined) return;
    let h = this.latency.get(api);
    if (h === undefined) {
      h = new Histogram();
      this.latency.set(api, h);
    }
    h.observe(seconds);
  }

  frameRejected(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  connectionOpened(): void {
    this.connectionsOpen++;
    this.connectionsTotal++;
  }

  connectionClosed(): void {
    this.connectionsOpen--;
  }

  /** Requests that did not end `ok`, per API. */
  errors(api: string): number {
    let n = 0;
    for (const [outcome, count] of this.outcomes.get(api) ?? []) if (outcome !== 'ok') n += count;
    return n;
  }

  /** The exposition text. */
  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    family('kafkaless_proxy_requests_total', 'counter', 'Kafka requests received, per API.');
    for (const [api, n] of this.requests) out.push(`kafkaless_proxy_requests_total${labels({ api })} ${n}`);
    family(
      'kafkaless_proxy_request_errors_total',
      'counter',
      'Kafka requests not answered by their function, per API and outcome (timeout, unavailable, closed, abandoned).',
    );
    for (const [api, byOutcome] of this.outcomes) {
      for (const [outcome, n] of byOutcome) {
        if (outcome !== 'ok') out.push(`kafkaless_proxy_request_errors_total${labels({ api, outcome })} ${n}`);
      }
    }
    family('kafkaless_proxy_invocation_duration_seconds', 'histogram', 'Function invocation time, per API.');
    for (const [api, h] of this.latency) {
      let cumulative = 0;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        cumulative += h.counts[i]!;
        out.push(
          `kafkaless_proxy_invocation_duration_seconds_bucket${labels({ api, le: number(LATENCY_BUCKETS[i]!) })} ${cumulative}`,
        );
      }
      out.push(`kafkaless_proxy_invocation_duration_seconds_bucket${labels({ api, le: '+Inf' })} ${h.count}`);
      out.push(`kafkaless_proxy_invocation_duration_seconds_sum${labels({ api })} ${h.sum}`);
      out.push(`kafkaless_proxy_invocation_duration_seconds_count${labels({ api })} ${h.count}`);
    }
    family('kafkaless_proxy_connections_open', 'gauge', 'Client connections open now.');
    out.push(`kafkaless_proxy_connections_open ${this.connectionsOpen}`);
    family('kafkaless_proxy_connections_total', 'counter', 'Client connections accepted.');
    out.push(`kafkaless_proxy_connections_total ${this.connectionsTotal}`);
    family('kafkaless_proxy_requests_in_flight', 'gauge', 'Requests received and not yet answered.');
    out.push(`kafkaless_proxy_requests_in_flight ${this.inFlight}`);
    family('kafkaless_proxy_frames_rejected_total', 'counter', 'Frames refused, closing their connection, per reason.');
    for (const [reason, n] of this.rejected)
      out.push(`kafkaless_proxy_frames_rejected_total${labels({ reason })} ${n}`);
    return `${out.join('\n')}\n`;
  }
}

export interface MetricsServer {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/** Serves `GET /metrics` (and `/healthz`) for `metrics`. */
export async function serveMetrics(metrics: ProxyMetrics, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(metrics.render());
    } else if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
