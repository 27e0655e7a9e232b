/**
 * A recording TCP proxy in front of a broker: clients connect to it, bytes
 * pass through unchanged both ways, and every request frame is paired with
 * its response frame (by correlation id, per connection) into an
 * {@link Exchange}. Responses that tell a client where brokers live
 * (Metadata, FindCoordinator, DescribeCluster, and the leader hints of
 * Produce and Fetch) are re-encoded with the broker's address replaced by
 * the recorder's, so clients keep talking through it; the log keeps the
 * broker's original frames.
 */

import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { FrameReader, sizePrefix } from '../../proxy/framing.js';
import { decodeRequest, decodeResponse, encodeResponse, readRequestHeader } from '../../shared/protocol/frame.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { Exchange } from './exchange.js';

/** APIs whose responses may carry broker addresses. */
const ADDRESSING_APIS: ReadonlySet<number> = new Set([
  ApiKey.Metadata,
  ApiKey.FindCoordinator,
  ApiKey.DescribeCluster,
  ApiKey.Produce,
  ApiKey.Fetch,
]);

const MAX_FRAME_BYTES = 0x7fffffff;

export interface Recorder {
  /** `127.0.0.1:<port>` for clients. */
  readonly bootstrap: string;
  /** Every exchange so far, in the order responses (or response-less requests) completed. */
  readonly exchanges: readonly Exchange[];
  /** Closes the listener and every connection. */
  stop(): Promise<void>;
}

interface Pending {
  readonly seq: number;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly sent: number;
  readonly request: Uint8Array;
}

/** Replaces every `host`/`port` pair naming `from` with `to`, in place; true when something changed. */
function readdress(value: unknown, from: { host: string; port: number }, to: { host: string; port: number }): boolean {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  if (Array.isArray(value)) {
    let changed = false;
    for (const item of value) changed = readdress(item, from, to) || changed;
    return changed;
  }
  const struct = value as Record<string, unknown>;
  let changed = false;
  if (struct.host === from.host && struct.port === from.port) {
    struct.host = to.host;
    struct.port = to.port;
    changed = true;
  }
  for (const item of Object.values(struct)) changed = readdress(item, from, to) || changed;
  return changed;
}

/** True for a Produce request with acks=0, which the broker never answers. */
function expectsNoResponse(apiKey: number, frame: Uint8Array): boolean {
  if (apiKey !== ApiKey.Produce) return false;
  const { body } = decodeRequest(frame);
  return (body as { acks: number }).acks === 0;
}

/** Starts a recorder forwarding to `upstream` (`host:port`). */
export async function startRecorder(upstream: string): Promise<Recorder> {
  const [upstreamHost, upstreamPort] = upstream.split(':') as [string, string];
  const target = { host: upstreamHost, port: Number(upstreamPort) };
  const exchanges: Exchange[] = [];
  const sockets = new Set<Socket>();
  let events = 0;
  let connections = 0;
  let self = { host: '127.0.0.1', port: 0 };

  const accept = (client: Socket): void => {
    const conn = connections++;
    const broker = netConnect(target.port, target.host);
    client.setNoDelay(true);
    broker.setNoDelay(true);
    for (const s of [client, broker]) {
      sockets.add(s);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        broker.destroy();
      });
      s.on('error', () => s.destroy());
    }
    const pending = new Map<number, Pending>();
    const requests = new FrameReader(MAX_FRAME_BYTES);
    const responses = new FrameReader(MAX_FRAME_BYTES);
    let seq = 0;

    client.on('data', (chunk: Buffer) => {
      requests.push(chunk);
      for (let frame = requests.next(); frame !== undefined; frame = requests.next()) {
        const copy = new Uint8Array(frame);
        const { header } = readRequestHeader(copy);
        const entry: Pending = {
          seq: seq++,
          apiKey: header.apiKey,
          apiVersion: header.apiVersion,
          sent: events++,
          request: copy,
        };
        if (expectsNoResponse(header.apiKey, copy)) record(entry, null, null);
        else pending.set(header.correlationId, entry);
        broker.write(sizePrefix(copy.length));
        broker.write(copy);
      }
    });

    broker.on('data', (chunk: Buffer) => {
      responses.push(chunk);
      for (let frame = responses.next(); frame !== undefined; frame = responses.next()) {
        const copy = new Uint8Array(frame);
        const correlationId = new DataView(copy.buffer, copy.byteOffset).getInt32(0);
        const entry = pending.get(correlationId);
        let forwarded: Uint8Array = copy;
        if (entry !== undefined) {
          pending.delete(correlationId);
          forwarded = readdressed(entry, copy);
          record(entry, copy, events++);
        }
        client.write(sizePrefix(forwarded.length));
        client.write(forwarded);
      }
    });

    const record = (entry: Pending, response: Uint8Array | null, answered: number | null): void => {
      exchanges.push({
        conn,
        seq: entry.seq,
        apiKey: entry.apiKey,
        apiVersion: entry.apiVersion,
        sent: entry.sent,
        answered,
        request: Buffer.from(entry.request).toString('base64'),
        response: response === null ? null : Buffer.from(response).toString('base64'),
      });
    };
  };

  const readdressed = (entry: Pending, frame: Uint8Array): Uint8Array => {
    if (!ADDRESSING_APIS.has(entry.apiKey)) return frame;
    const apiKey = entry.apiKey as ApiKey;
    const { correlationId, body } = decodeResponse(apiKey, entry.apiVersion, frame);
    if (!readdress(body, target, self)) return frame;
    return encodeResponse(apiKey, entry.apiVersion, correlationId, body);
  };

  const server: Server = createServer(accept);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('recorder has no port');
  self = { host: '127.0.0.1', port: address.port };
  return {
    bootstrap: `127.0.0.1:${address.port}`,
    exchanges,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
