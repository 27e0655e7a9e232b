/**
 * Test and benchmark support only: a bare Kafka wire client that writes
 * request frames and reads response frames in arrival order, so tests see
 * exactly what the proxy put on the socket.
 */

import { connect, type Socket } from 'node:net';
import { FrameReader, sizePrefix } from '../../../proxy/framing.js';
import { decodeResponse, encodeRequest } from '../../../shared/protocol/frame.js';
import type { ApiKey, ApiMessages } from '../../../shared/protocol/generated/api-keys.js';
import type { Init } from '../../../shared/protocol/schema.js';

export class WireClient {
  /** Settles when the proxy closes the connection (or it breaks). */
  readonly closed: Promise<void>;
  private readonly frames = new FrameReader(0x7fffffff);
  private readonly queued: Uint8Array[] = [];
  private readonly waiting: { resolve: (f: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  private isClosed = false;
  private nextCorrelation = 1;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(chunk);
      for (let f = this.frames.next(); f !== undefined; f = this.frames.next()) {
        const w = this.waiting.shift();
        if (w) w.resolve(f);
        else this.queued.push(f);
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        for (const w of this.waiting.splice(0)) w.reject(new Error('connection closed'));
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new WireClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Writes a request frame; returns its correlation id. */
  send<K extends ApiKey>(
    apiKey: K,
    version: number,
    body: Init<ApiMessages[K]['request']>,
    correlationId = this.nextCorrelation++,
  ): number {
    const frame = encodeRequest(apiKey, version, correlationId, 'wire-client', body);
    this.socket.write(sizePrefix(frame.length));
    this.socket.write(frame);
    return correlationId;
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next response frame, in the order the proxy wrote them. */
  next(timeoutMs = 5000): Promise<Uint8Array> {
    const f = this.queued.shift();
    if (f !== undefined) return Promise.resolve(f);
    if (this.isClosed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(w);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      const w = {
        resolve: (frame: Uint8Array) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiting.push(w);
    });
  }

  /** Sends one request and decodes the next response as its answer. */
  async request<K extends ApiKey>(
    apiKey: K,
    version: number,
    body: Init<ApiMessages[K]['request']>,
  ): Promise<{ correlationId: number; body: ApiMessages[K]['response'] }> {
    const sent = this.send(apiKey, version, body);
    const answer = decodeResponse(apiKey, version, await this.next());
    if (answer.correlationId !== sent) throw new Error(`answer to ${answer.correlationId}, expected ${sent}`);
    return answer;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The correlation id a response frame opens with. */
export function correlationOf(frame: Uint8Array): number {
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getInt32(0);
}
