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
 *
 * With SASL on the listener, a connection authenticates first, one request
 * at a time, by the rules in sasl.ts; its principal is then the one the
 * SaslAuthenticate function reported.
 */

import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import type { InvocationContext } from '../shared/invocation.js';
import type { Logger } from '../shared/log.js';
import {
  apiDefinition,
  encodeResponseChunks,
  type RequestHeaderFields,
  readRequestHeader,
} from '../shared/protocol/frame.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import { encodeStep, newStep, readOutcome, type SaslStep } from '../shared/sasl-invocation.js';
import { errorResponse, type FailureKind, failureCode } from './error-response.js';
import { FrameReader, FrameSizeError, sizePrefix } from './framing.js';
import { bodyText, InvocationError, type InvokeResult, type Invoker } from './invoker.js';
import type { Outcome, ProxyMetrics, RejectReason } from './metrics.js';
import { type RequestHints, readHints } from './request-hints.js';
import {
  type AuthState,
  handshakeMechanism,
  handshakeResponse,
  type SaslListenerOptions,
  unwrapRawToken,
  wrapRawToken,
} from './sasl.js';

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
  /** The proxy fleet functions advertise (`--advertised-proxies`); absent: this proxy alone. */
  readonly brokers?: readonly { readonly host: string; readonly port: number }[];
  /** The principal before SASL (or without it): `User:ANONYMOUS`, or the client certificate's with mutual TLS. */
  readonly principal: string;
  /** SASL on this listener (SASL_PLAINTEXT, SASL_SSL); absent: none. */
  readonly sasl?: SaslListenerOptions;
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
  /** A SaslAuthenticate step during authentication. */
  saslStep?: SaslStep;
  /** A raw (SaslHandshake v0) token: the answer goes back as a raw token. */
  raw?: boolean;
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
  private principal: string;
  private auth: AuthState;
  /** The mechanism the handshake chose, and the function's state between steps. */
  private mechanism = '';
  private exchangeState: string | null = null;
  /** When the authenticated session ends (`connections.max.reauth.ms`); undefined: never. */
  private sessionExpiresAt: number | undefined;
  /** Re-authenticating (KIP-368): the principal must come out unchanged, the mechanism stay the same. */
  private reauthenticating = false;
  private lastReauthStart = 0;
  /** A re-authentication handshake named another mechanism: its next token fails with this. */
  private badMechanism: string | undefined;
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
    this.principal = o.principal;
    this.auth = o.sasl === undefined ? 'done' : 'handshake';
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
    return (
      this.state === 'open' &&
      this.queue.length < (this.auth === 'done' ? this.o.maxInFlight : 1) &&
      !this.socket.writableNeedDrain
    );
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

  private dispatch(received: Uint8Array): void {
    let frame = received;
    const raw = this.auth === 'raw';
    if (raw) frame = wrapRawToken(received);
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
    if (this.auth === 'done' && this.sessionExpiresAt !== undefined) {
      // KIP-368, as Kafka's SocketServer: a handshake (at most one a second) begins re-authentication;
      // any other request after the session expired closes the connection.
      const now = Date.now();
      if (header.apiKey === ApiKey.SaslHandshake && now - this.lastReauthStart >= 1000) {
        this.lastReauthStart = now;
        this.reauthenticating = true;
        this.auth = 'handshake';
      } else if (now > this.sessionExpiresAt) {
        this.refuse('sasl', 'authentication session expired', { api: api.name });
        return;
      }
    }
    let saslStep: SaslStep | undefined;
    if (this.auth !== 'done') {
      const verdict = this.authenticating(header, api.name, frame, bodyOffset);
      if (verdict === 'answered') return;
      saslStep = {
        ...newStep(this.mechanism, this.exchangeState),
        sessionLifetimeMs: this.o.sasl?.connectionsMaxReauthMs ?? 0,
      };
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
      ...(saslStep !== undefined && header.apiKey === ApiKey.SaslAuthenticate ? { saslStep } : {}),
      ...(raw ? { raw } : {}),
    };
    this.queue.push(entry);
    this.o.metrics.requestStarted(api.name);
    const ctx: InvocationContext = {
      connectionId: this.id,
      clientAddress: this.clientAddress,
      principal: this.principal,
      listener: this.o.listener,
      ...(this.o.brokers !== undefined ? { brokers: this.o.brokers } : {}),
      deadline: Date.now() + budgetMs(header.apiKey, hints, this.o.timeouts),
      ...(entry.saslStep !== undefined ? { sasl: encodeStep(entry.saslStep) } : {}),
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

  /**
   * Applies the pre-authentication rules (sasl.ts) to a request: 'answered'
   * when the proxy answered it or closed, 'invoke' when it goes to its function.
   */
  private authenticating(
    header: RequestHeaderFields,
    api: string,
    frame: Uint8Array,
    bodyOffset: number,
  ): 'answered' | 'invoke' {
    const sasl = this.o.sasl!;
    if (this.auth === 'handshake') {
      if (header.apiKey === ApiKey.ApiVersions) return 'invoke';
      if (header.apiKey !== ApiKey.SaslHandshake || header.apiVersion > 1) {
        this.refuse('sasl', `Unexpected Kafka request of type ${kafkaEnumName(api)} during SASL handshake.`, { api });
        return 'answered';
      }
      const mechanism = handshakeMechanism(frame, bodyOffset, header.apiVersion);
      if (mechanism === undefined) {
        this.refuse('body', 'undecodable SaslHandshake', { api });
        return 'answered';
      }
      const accepted = sasl.mechanisms.includes(mechanism);
      if (accepted && this.reauthenticating && mechanism !== this.mechanism) {
        this.badMechanism = `SASL mechanism '${mechanism}' requested by client is not supported for re-authentication of mechanism '${this.mechanism}'`;
        this.auth = 'authenticate';
      } else if (accepted) {
        this.mechanism = mechanism;
        this.exchangeState = null;
        this.auth = header.apiVersion === 0 ? 'raw' : 'authenticate';
      } else {
        this.log.info('unsupported SASL mechanism', { connection: this.id, mechanism });
      }
      const chunks = handshakeResponse(header.apiVersion, header.correlationId, sasl.mechanisms, accepted);
      this.answerLocally(header, api, chunks, !accepted);
      return 'answered';
    }
    if (header.apiKey === ApiKey.SaslAuthenticate && this.badMechanism !== undefined) {
      this.answerLocally(header, api, authenticateFailure(header, this.badMechanism), true);
      return 'answered';
    }
    if (header.apiKey === ApiKey.SaslAuthenticate) return 'invoke';
    // After a v1 handshake: Kafka answers anything else with ILLEGAL_SASL_STATE, then closes.
    const message = `Unexpected Kafka request of type ${kafkaEnumName(api)} during SASL authentication.`;
    const chunks = errorResponse(header, frame, bodyOffset, ErrorCode.ILLEGAL_SASL_STATE, message);
    if (chunks === undefined) this.refuse('sasl', message, { api });
    else this.answerLocally(header, api, chunks, true);
    return 'answered';
  }

  /** Queues an answer the proxy made itself; it is written in its turn like any other. */
  private answerLocally(header: RequestHeaderFields, api: string, chunks: Uint8Array[], closeAfter: boolean): void {
    const entry: Pending = {
      header,
      api,
      expectsResponse: true,
      done: false,
      chunks: [],
      size: 0,
      closeAfter: false,
      outcome: 'ok',
      seconds: 0,
    };
    this.queue.push(entry);
    this.o.metrics.requestStarted(api);
    queueMicrotask(() => this.complete(entry, chunks, closeAfter, 'ok'));
  }

  /**
   * Takes a SaslAuthenticate step's outcome: the next state, or the
   * principal. 'untrusted' when it cannot be trusted; a failure message when
   * re-authentication changed the principal (Kafka's ensurePrincipalUnchanged).
   */
  private adoptOutcome(entry: Pending, result: InvokeResult): 'ok' | 'untrusted' | { failure: string } {
    const step = entry.saslStep!;
    const outcome = readOutcome(result.sasl, step, this.id, this.o.sasl?.outcomeSecrets);
    if (outcome === undefined) {
      this.log.warn('SaslAuthenticate answered without a valid outcome; closing', { connection: this.id });
      return 'untrusted';
    }
    if (outcome.principal !== undefined) {
      if (this.reauthenticating && outcome.principal !== this.principal) {
        const [fromType, from] = splitPrincipal(this.principal);
        const [toType, to] = splitPrincipal(outcome.principal);
        return {
          failure: `Cannot change principals during re-authentication from ${fromType}.${from}: ${toType}.${to}`,
        };
      }
      this.principal = outcome.principal;
      this.auth = 'done';
      this.reauthenticating = false;
      this.exchangeState = null;
      const lifetime = this.o.sasl?.connectionsMaxReauthMs ?? 0;
      this.sessionExpiresAt = lifetime > 0 ? Date.now() + lifetime : undefined;
      this.log.debug('authenticated', { connection: this.id, principal: this.principal, mechanism: this.mechanism });
    } else if (outcome.state !== undefined) {
      this.exchangeState = outcome.state;
    }
    return 'ok';
  }

  private checkFinished(): void {
    if (this.state === 'closed' && this.running === 0) this.markFinished();
  }

  private answered(entry: Pending, result: InvokeResult, frame: Uint8Array, bodyOffset: number): void {
    if (this.state === 'closed') return;
    const { status } = result;
    if (entry.saslStep !== undefined && status === 200) {
      const adopted = this.adoptOutcome(entry, result);
      if (adopted === 'untrusted') {
        this.complete(entry, [], true, 'closed');
        return;
      }
      if (adopted !== 'ok') {
        this.complete(entry, entry.raw ? [] : authenticateFailure(entry.header, adopted.failure), true, 'ok');
        return;
      }
    }
    if (entry.raw === true && status === 200) {
      // v0 raw tokens: the answer goes back as a bare token; a failure can only close.
      const token = result.close ? undefined : unwrapRawToken(result.body);
      this.complete(entry, token === undefined ? [] : [token], token === undefined, 'ok');
      return;
    }
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
    if (entry.saslStep !== undefined) {
      // A step whose function failed leaves no state to go on from.
      this.log.warn('SASL step failed; closing the connection', fields);
      this.complete(entry, [], true, kind);
      return;
    }
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

/** An API's name as Kafka's ApiKeys enum prints it in messages: `DescribeCluster` → `DESCRIBE_CLUSTER`. */
function kafkaEnumName(api: string): string {
  return api.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `User:alice` → ['User', 'alice']. */
function splitPrincipal(principal: string): [string, string] {
  const colon = principal.indexOf(':');
  return [principal.slice(0, colon), principal.slice(colon + 1)];
}

/** A SaslAuthenticate answer failing with SASL_AUTHENTICATION_FAILED and `message`. */
function authenticateFailure(header: RequestHeaderFields, message: string): Uint8Array[] {
  return encodeResponseChunks(ApiKey.SaslAuthenticate, header.apiVersion, header.correlationId, {
    errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
    errorMessage: message,
    authBytes: new Uint8Array(0),
    sessionLifetimeMs: 0n,
  });
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
