/**
 * One client connection: frames in, invocations out, responses back in
 * request order.
 *
 * Requests are invoked as soon as their header is read, concurrently up to
 * `maxInFlight`; past that the socket is paused (backpressure reaches the
 * client through TCP) until the oldest response is written. Concurrency stops
 * where order matters: a Kafka broker handles a connection's requests one at a
 * time, and clients rely on it (pipelined Produce requests to one partition
 * must append in the order sent; a later OffsetCommit must win). So a request
 * that changes state starts only after every earlier request on the connection
 * has finished, and a request that commutes (reads, and heartbeats, which only
 * refresh a session) only after every earlier state change; those run
 * concurrently with each other. Responses are
 * written strictly in request order, each as its size prefix and the chunks
 * the function sent, corked into one vectored write. Produce with acks=0 takes
 * a place in the order but writes nothing.
 *
 * What closes a connection, as Kafka closes it: a declared frame size that is
 * negative or above the limit (checked before anything is allocated), a
 * header that does not decode, an unknown API key, a function that says
 * `close` (after the responses before it are written), a failed acks=0
 * Produce, a failure whose error response cannot be built.
 *
 * A request fully received is invoked to the end even if its client hangs up
 * meanwhile (as a broker processes what it has read); its answer is dropped.
 * Only the proxy's hard close abandons invocations.
 */

import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import type { InvocationContext } from '../shared/invocation.js';
import type { Logger } from '../shared/log.js';
import { apiDefinition, type RequestHeaderFields, readRequestHeader } from '../shared/protocol/frame.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { errorResponse, type FailureKind, failureCode } from './error-response.js';
import { FrameReader, FrameSizeError, sizePrefix } from './framing.js';
import { bodyText, InvocationError, type InvokeResult, type Invoker } from './invoker.js';
import type { Outcome, ProxyMetrics, RejectReason } from './metrics.js';
import { type RequestHints, readHints } from './request-hints.js';

const noop = (): void => {};

/** APIs whose effects commute: they may run concurrently with each other, never ahead of an earlier state change. */
const COMMUTING_APIS: ReadonlySet<number> = new Set([
  ApiKey.Heartbeat,
  ApiKey.Fetch,
  ApiKey.ListOffsets,
  ApiKey.Metadata,
  ApiKey.OffsetFetch,
  ApiKey.FindCoordinator,
  ApiKey.DescribeGroups,
  ApiKey.ListGroups,
  ApiKey.ApiVersions,
  ApiKey.OffsetForLeaderEpoch,
  ApiKey.DescribeAcls,
  ApiKey.DescribeConfigs,
  ApiKey.DescribeLogDirs,
  ApiKey.DescribeDelegationToken,
  ApiKey.ListPartitionReassignments,
  ApiKey.DescribeClientQuotas,
  ApiKey.DescribeUserScramCredentials,
  ApiKey.DescribeQuorum,
  ApiKey.DescribeCluster,
  ApiKey.DescribeProducers,
  ApiKey.DescribeTransactions,
  ApiKey.ListTransactions,
  ApiKey.ConsumerGroupDescribe,
  ApiKey.DescribeTopicPartitions,
]);

export interface InvocationTimeouts {
  /** Budget of a request with no timeout of its own. */
  readonly defaultMs: number;
  /** Ceiling on any request's budget, however long it asks to wait. */
  readonly maxMs: number;
}

export interface ConnectionOptions {
  readonly id: string;
  readonly invoker: Invoker;
  /** The address clients reach this proxy at, sent to functions to advertise. */
  readonly listener: { readonly host: string; readonly port: number };
  readonly principal: string;
  readonly maxFrameBytes: number;
  readonly maxInFlight: number;
  readonly timeouts: InvocationTimeouts;
  /** Close a connection with nothing in flight after this long without traffic (Kafka's `connections.max.idle.ms`). */
  readonly idleTimeoutMs: number;
  readonly metrics: ProxyMetrics;
  readonly log: Logger;
}

/** A producer's timeout shorter than this still gets this long: storing a batch takes a round trip to S3. */
const MIN_PRODUCE_BUDGET_MS = 1000;

/** How long a closing connection waits for the client to hang up before dropping it. */
const CLOSE_GRACE_MS = 5000;

/** How long a request may take: its own timeout or wait where it has one, else the default. */
export function budgetMs(apiKey: number, hints: RequestHints, t: InvocationTimeouts): number {
  let ms = t.defaultMs;
  if (apiKey === ApiKey.Produce && hints.timeoutMs !== undefined && hints.timeoutMs > 0) {
    ms = Math.max(hints.timeoutMs, MIN_PRODUCE_BUDGET_MS);
  } else if (hints.waitMs !== undefined && hints.waitMs > 0) {
    ms = hints.waitMs + t.defaultMs;
  }
  return Math.min(ms, t.maxMs);
}

interface Pending {
  readonly header: RequestHeaderFields;
  readonly api: string;
  /** False for Produce with acks=0: its place in the order is kept, nothing is written. */
  readonly expectsResponse: boolean;
  done: boolean;
  /** The response frame to write, as chunks; empty when nothing is written. */
  chunks: readonly Uint8Array[];
  size: number;
  /** Close the connection once this entry's turn comes (after writing its chunks, if any). */
  closeAfter: boolean;
  outcome: Outcome;
  seconds: number | undefined;
}

type State = 'open' | 'draining' | 'closing' | 'closed';

function formatAddress(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return '';
  return `${host.includes(':') ? `[${host}]` : host}:${port ?? 0}`;
}

export class Connection {
  readonly id: string;
  readonly clientAddress: string;
  /** Settles once the socket is closed. */
  readonly closed: Promise<void>;
  /** Settles once the socket is closed and every invocation it started has ended. */
  readonly finished: Promise<void>;
  private readonly frames: FrameReader;
  private readonly queue: Pending[] = [];
  private readonly aborter = new AbortController();
  private readonly log: Logger;
  private state: State = 'open';
  private graceTimer: NodeJS.Timeout | undefined;
  /** Invocations not yet ended, including those whose client has gone. */
  private running = 0;
  /** Settles when every request dispatched so far has finished. */
  private allDone: Promise<void> = Promise.resolve();
  /** Settles when the last state-changing request dispatched so far has finished. */
  private writesDone: Promise<void> = Promise.resolve();
  private markClosed!: () => void;
  private markFinished!: () => void;

  constructor(
    private readonly socket: Socket,
    private readonly o: ConnectionOptions,
  ) {
    this.id = o.id;
    this.clientAddress = formatAddress(socket.remoteAddress, socket.remotePort);
    this.frames = new FrameReader(o.maxFrameBytes);
    // Each invocation in flight listens on the connection's abort signal.
    setMaxListeners(o.maxInFlight + 1, this.aborter.signal);
    this.log = o.log;
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    this.finished = new Promise((resolve) => {
      this.markFinished = resolve;
    });
    o.metrics.connectionOpened();
    socket.setNoDelay(true);
    socket.setTimeout(o.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('drain', () => this.pump());
    socket.on('timeout', () => {
      if (this.queue.length === 0) {
        this.log.debug('closing idle connection', { connection: this.id, client: this.clientAddress });
        this.closeGracefully();
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.log.debug('connection error', {
        connection: this.id,
        client: this.clientAddress,
        error: e.code ?? e.message,
      });
    });
    socket.on('close', () => this.onClosed());
  }

  /** Requests received and not yet answered. */
  get inFlight(): number {
    return this.queue.length;
  }

  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  /** Stops taking requests; closes once those in flight are answered. */
  drain(): void {
    if (this.state !== 'open') return;
    this.state = 'draining';
    this.socket.pause();
    if (this.queue.length === 0) this.closeGracefully();
  }

  /** Drops the connection now, abandoning its invocations. */
  destroy(): void {
    this.aborter.abort();
    this.socket.destroy();
  }

  private received(chunk: Buffer): void {
    if (this.state !== 'open') return;
    this.frames.push(chunk);
    this.pump();
  }

  private canDispatch(): boolean {
    return this.state === 'open' && this.queue.length < this.o.maxInFlight && !this.socket.writableNeedDrain;
  }

  /** Dispatches buffered frames while there is room, and reads from the socket only while there is. */
  private pump(): void {
    while (this.canDispatch()) {
      let frame: Uint8Array | undefined;
      try {
        frame = this.frames.next();
      } catch (e) {
        if (!(e instanceof FrameSizeError)) throw e;
        this.refuse('size', e.message, { size: e.size, max: e.max });
        return;
      }
      if (frame === undefined) break;
      this.dispatch(frame);
    }
    if (this.state !== 'open') return;
    if (this.canDispatch()) this.socket.resume();
    else this.socket.pause();
  }

  /** Closes the connection over a frame Kafka would refuse. */
  private refuse(reason: RejectReason, message: string, fields: Record<string, unknown> = {}): void {
    this.o.metrics.frameRejected(reason);
    this.log.warn('closing connection: bad request frame', {
      connection: this.id,
      client: this.clientAddress,
      reason,
      error: message,
      ...fields,
    });
    this.state = 'closing';
    this.socket.destroy();
  }

  private dispatch(frame: Uint8Array): void {
    let header: RequestHeaderFields;
    let bodyOffset: number;
    try {
      ({ header, bodyOffset } = readRequestHeader(frame));
    } catch (e) {
      this.refuse('header', (e as Error).message, { bytes: frame.length });
      return;
    }
    const api = apiDefinition(header.apiKey);
    if (api === undefined) {
      this.refuse('unknown_api', `unknown API key ${header.apiKey}`, { apiKey: header.apiKey });
      return;
    }
    let hints: RequestHints;
    try {
      hints = readHints(header.apiKey, header.apiVersion, frame, bodyOffset);
    } catch (e) {
      this.refuse('body', (e as Error).message, { api: api.name, version: header.apiVersion });
      return;
    }
    const entry: Pending = {
      header,
      api: api.name,
      expectsResponse: !(header.apiKey === ApiKey.Produce && hints.acks === 0),
      done: false,
      chunks: [],
      size: 0,
      closeAfter: false,
      outcome: 'ok',
      seconds: undefined,
    };
    this.queue.push(entry);
    this.o.metrics.requestStarted(api.name);
    const ctx: InvocationContext = {
      connectionId: this.id,
      clientAddress: this.clientAddress,
      principal: this.o.principal,
      listener: this.o.listener,
      deadline: Date.now() + budgetMs(header.apiKey, hints, this.o.timeouts),
    };
    this.running++;
    const commutes = COMMUTING_APIS.has(header.apiKey);
    const turn = commutes ? this.writesDone : this.allDone;
    let started = 0;
    // A client that hangs up does not cancel what it sent (Kafka too processes a request it has received);
    // only the proxy's own hard close does.
    const finished = turn
      .then(() => {
        started = performance.now();
        return this.o.invoker.invoke(header.apiKey, frame, ctx, this.aborter.signal);
      })
      .then(
        (result) => {
          entry.seconds = (performance.now() - started) / 1000;
          this.answered(entry, result, frame, bodyOffset);
        },
        (e: unknown) => {
          entry.seconds = (performance.now() - started) / 1000;
          const kind = e instanceof InvocationError ? e.kind : 'unreachable';
          // Aborted by the proxy closing: nobody is waiting. Any other abort still owes the client an answer.
          if (kind === 'aborted' && this.aborter.signal.aborted) return;
          this.failed(entry, kind === 'timeout' ? 'timeout' : 'unavailable', frame, bodyOffset, String(e));
        },
      )
      .finally(() => {
        this.running--;
        this.checkFinished();
      });
    const settled = finished.then(noop, noop);
    this.allDone = Promise.all([this.allDone, settled]).then(noop);
    // A state change waited for everything before it, so its end is also theirs.
    if (!commutes) this.writesDone = settled;
  }

  private checkFinished(): void {
    if (this.state === 'closed' && this.running === 0) this.markFinished();
  }

  private answered(entry: Pending, result: InvokeResult, frame: Uint8Array, bodyOffset: number): void {
    if (this.state === 'closed') return;
    const { status } = result;
    if (status === 200 || status === 204) {
      if (!entry.expectsResponse) {
        // acks=0: the client reads nothing for this request, whatever the function sent.
        this.complete(entry, [], result.close, 'ok');
        return;
      }
      const problem =
        status === 204 ? 'no response to a request that needs one' : checkFrame(result.body, entry.header);
      if (problem === undefined) {
        this.complete(entry, result.body, result.close, 'ok');
        return;
      }
      this.failed(entry, 'unavailable', frame, bodyOffset, `function answered ${problem}`);
      return;
    }
    if (result.close) {
      this.log.info('function asked to close the connection', {
        connection: this.id,
        api: entry.api,
        version: entry.header.apiVersion,
        status,
        reason: bodyText(result.body),
      });
      this.complete(entry, [], true, 'closed');
      return;
    }
    this.failed(entry, 'unavailable', frame, bodyOffset, `function answered HTTP ${status}: ${bodyText(result.body)}`);
  }

  /** Answers a request whose function failed with that API's error response, or closes. */
  private failed(entry: Pending, kind: FailureKind, frame: Uint8Array, bodyOffset: number, reason: string): void {
    if (this.state === 'closed') return;
    const { header } = entry;
    const fields = {
      connection: this.id,
      api: entry.api,
      version: header.apiVersion,
      correlationId: header.correlationId,
      kind,
      reason,
    };
    if (!entry.expectsResponse) {
      // Kafka closes the connection when an acks=0 Produce fails: the only signal such a producer gets.
      this.log.warn('function failed on an acks=0 produce; closing the connection', fields);
      this.complete(entry, [], true, kind);
      return;
    }
    const code = failureCode(header.apiKey, kind);
    const chunks =
      code === 'close' ? undefined : errorResponse(header, frame, bodyOffset, code, `kafkaless: function ${kind}`);
    if (chunks === undefined) {
      this.log.warn('function failed; closing the connection', fields);
      this.complete(entry, [], true, kind);
      return;
    }
    this.log.warn('function failed; answering with an error response', { ...fields, errorCode: code });
    this.complete(entry, chunks, false, kind);
  }

  private complete(entry: Pending, chunks: readonly Uint8Array[], closeAfter: boolean, outcome: Outcome): void {
    let size = 0;
    for (const c of chunks) size += c.length;
    entry.chunks = chunks;
    entry.size = size;
    entry.closeAfter = closeAfter;
    entry.outcome = outcome;
    entry.done = true;
    this.flush();
  }

  /** Writes every finished response at the head of the queue, in order. */
  private flush(): void {
    let corked = false;
    while (this.queue.length > 0 && this.queue[0]!.done && this.state !== 'closed' && this.state !== 'closing') {
      const entry = this.queue.shift()!;
      this.o.metrics.requestFinished(entry.api, entry.outcome, entry.seconds);
      if (entry.chunks.length > 0 && this.socket.writable) {
        if (!corked) {
          this.socket.cork();
          corked = true;
        }
        this.socket.write(sizePrefix(entry.size));
        for (const chunk of entry.chunks) this.socket.write(chunk);
      }
      if (entry.closeAfter) {
        if (corked) this.socket.uncork();
        this.closeGracefully();
        return;
      }
    }
    if (corked) this.socket.uncork();
    if (this.state === 'draining' && this.queue.length === 0) this.closeGracefully();
    else this.pump();
  }

  /** Ends the connection after what is written, and drops it if the client does not hang up. */
  private closeGracefully(): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    // Keep reading (and discarding) so the client's hang-up is seen.
    this.socket.resume();
    this.socket.end();
    this.graceTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    this.graceTimer.unref();
  }

  private onClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.graceTimer);
    for (const entry of this.queue) {
      // An acks=0 Produce owed the client nothing; its invocation carries on regardless.
      const outcome = entry.done ? entry.outcome : entry.expectsResponse ? 'abandoned' : 'ok';
      this.o.metrics.requestFinished(entry.api, outcome, entry.seconds);
    }
    this.queue.length = 0;
    this.o.metrics.connectionClosed();
    this.markClosed();
    this.checkFinished();
  }
}

/** Why a 200 body is not a response frame for `header`'s request, or undefined when it is one. */
function checkFrame(body: readonly Uint8Array[], header: RequestHeaderFields): string | undefined {
  // The correlation id opens every response header version; reading it back catches a crossed or truncated answer.
  const head = new Uint8Array(4);
  let have = 0;
  for (const chunk of body) {
    const n = Math.min(chunk.length, 4 - have);
    head.set(chunk.subarray(0, n), have);
    have += n;
    if (have === 4) break;
  }
  if (have < 4) return 'a frame too short for a response header';
  const correlationId = new DataView(head.buffer).getInt32(0);
  if (correlationId !== header.correlationId) {
    return `correlation id ${correlationId} to request ${header.correlationId}`;
  }
  return undefined;
}
