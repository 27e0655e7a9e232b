/**
 * What a function is: a Kafka API, the versions it serves, and a handler from
 * a decoded request to a response body. `functionApp` turns a set of them into
 * one Hono app that verifies the invocation, decodes the frame, runs the
 * handler and encodes the response frame.
 *
 * Kafka-level errors are response fields set by handlers, not exceptions. An
 * exception from a handler becomes a 500, and the proxy answers the client
 * with that API's error response.
 */

import { Hono } from 'hono';
import type { AuthorizerOptions } from '../shared/acls/authorizer.js';
import {
  Header,
  INVOKE_PATH,
  type InvocationContext,
  nonceLifetimeMs,
  readContext,
  verifyInvocation,
} from '../shared/invocation.js';
import type { Logger } from '../shared/log.js';
import { encodeResponseChunks, readRequestHeader } from '../shared/protocol/frame.js';
import { ApiKey, type ApiMessages, apis } from '../shared/protocol/generated/api-keys.js';
import { DecodeError, Reader } from '../shared/protocol/primitives.js';
import { type Init, inRange, type VersionRange } from '../shared/protocol/schema.js';
import type { BlobStore, MetaStore } from '../shared/storage/types.js';
import { prefetchAccess } from './authorize.js';
import { type BlobAccess, scopedBlobs } from './blob-access.js';
import { sweepGroups } from './group-sweeper.js';
import { sweepTransactions } from './transaction-sweeper.js';

/** Cluster-wide settings functions read (broker-level Kafka configs and our own). */
export interface ClusterConfig {
  readonly clusterId: string;
  /** The node id every proxy advertises for itself. */
  readonly nodeId: number;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  /** Broker-level defaults for topic configs, by Kafka name, overriding Kafka's own defaults. */
  readonly topicDefaults: Readonly<Record<string, string>>;
  /** `offsets.retention.minutes` (Kafka's default 10080 when absent); see expireGroupOffsets. */
  readonly offsetsRetentionMinutes?: number;
  /** `group.initial.rebalance.delay.ms` for classic groups (Kafka's default 3000 when absent). */
  readonly groupInitialRebalanceDelayMs?: number;
  /** `transaction.max.timeout.ms` (Kafka's default 900000 when absent). */
  readonly transactionMaxTimeoutMs?: number;
  /** `transactional.id.expiration.ms` (Kafka's default 604800000 when absent). */
  readonly transactionalIdExpirationMs?: number;
  /**
   * The ACL authorizer (`authorizer.class.name` set to StandardAuthorizer):
   * absent, every request is allowed and the ACL APIs answer SECURITY_DISABLED.
   */
  readonly authorizer?: AuthorizerOptions;
}

/** What every handler is handed: storage, configuration, logging, the clock. */
export interface FunctionEnv {
  readonly meta: MetaStore;
  readonly blobs: BlobStore;
  readonly config: ClusterConfig;
  readonly log: Logger;
  readonly now: () => number;
}

export interface HandlerInput<K extends ApiKey> {
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly body: ApiMessages[K]['request'];
  readonly ctx: InvocationContext;
  readonly env: FunctionEnv;
  /** The app's invocation secrets (SaslAuthenticate seals its exchange state and signs its outcome with them). */
  readonly secrets?: readonly string[];
  /** Headers to send with a 200 answer (SaslAuthenticate's outcome, `x-kafkaless-action: close`). */
  readonly responseHeaders?: Headers;
}

/** Returned by a handler when Kafka sends no response (Produce with acks=0). */
export const NO_RESPONSE = Symbol('no response');

/**
 * Returned by a handler when Kafka closes the connection instead of
 * answering (Produce with acks=0 that failed: the producer notices the
 * closed connection and refreshes its metadata).
 */
export const CLOSE_CONNECTION = Symbol('close connection');

export interface KafkaFunction<K extends ApiKey = ApiKey> {
  readonly apiKey: K;
  /** Versions served; ApiVersions advertises exactly these. */
  readonly versions: VersionRange;
  /** What it does with batch objects (none when absent); its env's BlobStore allows that alone. */
  readonly blobs?: readonly BlobAccess[];
  handle(
    input: HandlerInput<K>,
  ): Promise<Init<ApiMessages[K]['response']> | typeof NO_RESPONSE | typeof CLOSE_CONNECTION>;
}

export function defineFunction<K extends ApiKey>(fn: KafkaFunction<K>): KafkaFunction<K> {
  const api = apis.get(fn.apiKey);
  if (api === undefined) throw new Error(`no API with key ${fn.apiKey}`);
  const [lo, hi] = fn.versions;
  if (lo < api.validVersions[0] || hi > api.validVersions[1]) {
    throw new Error(`${api.name} serves ${lo}-${hi}, beyond the definitions' ${api.validVersions.join('-')}`);
  }
  return fn;
}

export interface AppOptions {
  /** Shared secrets; the first signs, any verifies. Empty only for in-process use in `kafkaless dev`. */
  readonly secrets: readonly string[];
  /** Refuse unsigned invocations (true unless the app is only ever called in-process). */
  readonly requireSignature: boolean;
}

/** APIs Kafka answers without authorizing anything: their handlers read no ACLs. */
const UNAUTHORIZED_APIS: ReadonlySet<number> = new Set([
  ApiKey.ApiVersions,
  ApiKey.SaslHandshake,
  ApiKey.SaslAuthenticate,
]);

function failure(status: number, reason: string, close = false): Response {
  const headers = new Headers({ 'content-type': 'text/plain' });
  if (close) headers.set(Header.action, 'close');
  return new Response(reason, { status, headers });
}

/**
 * APIs whose handlers change nothing: they run while the nonce claim is in
 * flight and their answer waits for it, which hides the claim's round trip;
 * a replay still gets no answer. Every other API runs only once its claim
 * has succeeded. (Metadata may create topics, so it is not among them.)
 */
const READ_ONLY_APIS: ReadonlySet<number> = new Set([
  ApiKey.ApiVersions,
  ApiKey.Fetch,
  ApiKey.ListOffsets,
  ApiKey.OffsetFetch,
  ApiKey.FindCoordinator,
  ApiKey.DescribeGroups,
  ApiKey.ListGroups,
  ApiKey.DescribeConfigs,
  ApiKey.OffsetForLeaderEpoch,
  ApiKey.DescribeCluster,
  ApiKey.DescribeProducers,
  ApiKey.DescribeTransactions,
  ApiKey.ListTransactions,
  ApiKey.DescribeTopicPartitions,
  ApiKey.ConsumerGroupDescribe,
]);

/**
 * Claims a verified invocation's signed nonce, so the same invocation sent
 * again while its timestamp is still accepted is refused (401). Without a
 * nonce it is refused too; when the store cannot say, 503.
 */
async function replayRefusal(env: FunctionEnv, headers: Headers): Promise<Response | undefined> {
  const nonce = headers.get(Header.nonce);
  if (nonce === null || !/^[0-9a-f]{16,64}$/.test(nonce)) {
    env.log.warn('refused invocation', { reason: 'missing invocation nonce' });
    return failure(401, 'missing invocation nonce');
  }
  try {
    if (await env.meta.nonces.claim(nonce, nonceLifetimeMs(headers, env.now()))) return undefined;
  } catch (e) {
    env.log.warn('invocation nonce not checked', { error: (e as Error).message });
    return failure(503, `invocation nonce not checked: ${(e as Error).message}`);
  }
  env.log.warn('refused invocation', { reason: 'replayed invocation' });
  return failure(401, 'replayed invocation');
}

/** Where a scheduler (or `kafkaless functions serve` itself) asks for the sweep; see group-sweeper.ts and transaction-sweeper.ts. */
export const SWEEP_PATH = '/sweep';

/**
 * One Hono app serving the given functions on {@link INVOKE_PATH}, plus
 * `/healthz` and {@link SWEEP_PATH} (signed like an invocation, with an empty
 * body; `?offsets=true` adds offset retention; answers the sweep's counts as
 * JSON).
 */
export function functionApp(fns: readonly KafkaFunction[], env: FunctionEnv, options: AppOptions): Hono {
  const byKey = new Map<number, KafkaFunction>(fns.map((f) => [f.apiKey, f]));
  // Each function's view of the stores: its BlobStore allows what it declares (see blob-access.ts).
  const envs = new Map<number, FunctionEnv>(
    fns.map((f) => [f.apiKey, { ...env, blobs: scopedBlobs(env.blobs, apis.get(f.apiKey)!.name, f.blobs ?? []) }]),
  );
  const app = new Hono();

  app.get('/healthz', async (c) => {
    try {
      await env.meta.ping();
      return c.text('ok');
    } catch (e) {
      return c.text(`storage unavailable: ${(e as Error).message}`, 503);
    }
  });

  app.post(SWEEP_PATH, async (c) => {
    if (options.requireSignature) {
      const verdict = await verifyInvocation(c.req.raw.headers, new Uint8Array(0), options.secrets, env.now());
      if (!verdict.ok) {
        env.log.warn('refused sweep', { reason: verdict.reason });
        return failure(401, verdict.reason);
      }
    }
    const groups = await sweepGroups(env, { offsets: c.req.query('offsets') === 'true' });
    return c.json({ ...groups, transactions: await sweepTransactions(env) });
  });

  app.post(INVOKE_PATH, async (c) => {
    const frame = new Uint8Array(await c.req.arrayBuffer());
    const headers = c.req.raw.headers;
    // The nonce claim runs beside decoding; see READ_ONLY_APIS for when it is awaited.
    let claim: Promise<Response | undefined> | undefined;
    if (options.requireSignature) {
      const verdict = await verifyInvocation(headers, frame, options.secrets, env.now());
      if (!verdict.ok) {
        env.log.warn('refused invocation', { reason: verdict.reason });
        return failure(401, verdict.reason);
      }
      claim = replayRefusal(env, headers);
    }
    let header: ReturnType<typeof readRequestHeader>['header'];
    let bodyOffset: number;
    try {
      ({ header, bodyOffset } = readRequestHeader(frame));
    } catch (e) {
      env.log.warn('undecodable request header', { error: (e as Error).message });
      return failure(400, (e as Error).message, true);
    }
    const fn = byKey.get(header.apiKey);
    const api = apis.get(header.apiKey as ApiKey);
    if (fn === undefined || api === undefined) {
      return failure(404, `no function serves API key ${header.apiKey}`, true);
    }
    // Kafka closes the connection on a request version it does not serve (ApiVersions aside, handled by its function).
    if (!inRange(header.apiVersion, fn.versions) && header.apiKey !== 18) {
      env.log.warn('unsupported request version', { api: api.name, version: header.apiVersion });
      return failure(400, `${api.name} v${header.apiVersion} is not supported`, true);
    }
    let body: unknown = {};
    try {
      if (inRange(header.apiVersion, fn.versions)) {
        const reader = new Reader(frame.subarray(bodyOffset));
        body = api.request.read(reader, header.apiVersion);
        // Kafka reads a request to the end of its schema and ignores what follows (librdkafka 2.15 sends
        // Metadata v12 with three bytes after its tagged fields); so do we.
        if (reader.remaining > 0) {
          env.log.debug('bytes after the request', {
            api: api.name,
            version: header.apiVersion,
            bytes: reader.remaining,
          });
        }
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      env.log.warn('undecodable request', { api: api.name, version: header.apiVersion, error: e.message });
      return failure(400, e.message, true);
    }
    const ctx = readContext(headers);
    env.log.debug('request', {
      api: api.name,
      version: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
      connection: ctx.connectionId,
    });
    if (!UNAUTHORIZED_APIS.has(header.apiKey)) prefetchAccess(env, ctx);
    const readOnly = READ_ONLY_APIS.has(header.apiKey);
    if (claim !== undefined && !readOnly) {
      const refused = await claim;
      if (refused !== undefined) return refused;
    }
    const responseHeaders = new Headers({ 'content-type': 'application/octet-stream' });
    const result = await fn.handle({
      apiVersion: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
      body: body as never,
      ctx,
      env: envs.get(header.apiKey)!,
      secrets: options.secrets,
      responseHeaders,
    });
    if (claim !== undefined && readOnly) {
      const refused = await claim;
      if (refused !== undefined) return refused;
    }
    if (result === NO_RESPONSE) return c.body(null, 204);
    if (result === CLOSE_CONNECTION) return failure(400, `${api.name} asks to close the connection`, true);
    const version = inRange(header.apiVersion, fn.versions) ? header.apiVersion : 0;
    const chunks = encodeResponseChunks(header.apiKey as ApiKey, version, header.correlationId, result as never);
    // A stream of the chunks, so stored batches go out without being copied into one buffer.
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    responseHeaders.set('content-length', String(length));
    return new Response(stream, { status: 200, headers: responseHeaders });
  });

  app.onError((e, c) => {
    env.log.error('function failed', { error: e.message, stack: e.stack });
    return c.text(e.message, 500);
  });

  return app;
}
