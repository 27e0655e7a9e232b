/**
 * Test and benchmark support only; the proxy never imports it. A function
 * app built with the real `functionApp` over a few fake handlers, so tests
 * exercise the real contract (signing, framing, 204, close) without storage.
 *
 * - ApiVersions advertises exactly the fake functions.
 * - Metadata answers one broker, node 0 at the listener the proxy sent, and
 *   each requested topic with one partition led by it.
 * - Produce answers every partition with success (nothing is stored);
 *   acks=0 gets no response.
 * - Heartbeat and DescribeCluster answer success.
 *
 * `control.before` runs ahead of every handler and may wait or throw, which
 * is how tests make a function slow or failing; `control.seen` records each
 * invocation's context.
 */

import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import {
  type FunctionEnv,
  functionApp,
  type HandlerInput,
  type KafkaFunction,
  NO_RESPONSE,
} from '../../../functions/define.js';
import type { InvocationContext } from '../../../shared/invocation.js';
import { createLogger } from '../../../shared/log.js';
import { ApiKey } from '../../../shared/protocol/generated/api-keys.js';
import { MemoryNonceState, MemoryNonces } from '../../../shared/storage/memory/nonces.js';
import type { BlobStore, MetaStore } from '../../../shared/storage/types.js';

export interface FakeControl {
  /** Runs before every handler; may wait or throw (a throw becomes HTTP 500). */
  before?: (apiKey: number, input: HandlerInput<ApiKey>) => Promise<void> | void;
  /** Every invocation's API key and context, in arrival order. */
  readonly seen: { apiKey: number; ctx: InvocationContext }[];
  /** Invocations running now, and the most ever running at once. */
  running: number;
  maxRunning: number;
}

export function fakeControl(): FakeControl {
  return { seen: [], running: 0, maxRunning: 0 };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function fake<K extends ApiKey>(
  control: FakeControl,
  apiKey: K,
  versions: readonly [number, number],
  handle: KafkaFunction<K>['handle'],
): KafkaFunction<K> {
  return {
    apiKey,
    versions,
    async handle(input) {
      control.seen.push({ apiKey, ctx: input.ctx });
      control.running++;
      control.maxRunning = Math.max(control.maxRunning, control.running);
      try {
        await control.before?.(apiKey, input as HandlerInput<ApiKey>);
        return await handle(input);
      } finally {
        control.running--;
      }
    },
  };
}

export interface FakeAppOptions {
  /** Secrets the app verifies with; signatures are required when given. */
  readonly secrets?: readonly string[];
  /** Heartbeat's served versions (to provoke `close` with a version outside them). */
  readonly heartbeatVersions?: readonly [number, number];
}

export function fakeFunctions(control: FakeControl, options: FakeAppOptions = {}): KafkaFunction[] {
  const fns: KafkaFunction[] = [];
  fns.push(
    fake(control, ApiKey.ApiVersions, [0, 4], async () => ({
      errorCode: 0,
      apiKeys: fns.map((f) => ({ apiKey: f.apiKey, minVersion: f.versions[0], maxVersion: f.versions[1] })),
    })),
    fake(control, ApiKey.Metadata, [0, 12], async ({ body, ctx }) => ({
      brokers: [{ nodeId: 0, host: ctx.listener.host, port: ctx.listener.port, rack: null }],
      clusterId: 'fake-cluster',
      controllerId: 0,
      topics: (body.topics ?? []).map((t) => ({
        errorCode: 0,
        name: t.name,
        partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 0, replicaNodes: [0], isrNodes: [0] }],
      })),
    })),
    fake(control, ApiKey.Produce, [0, 11], async ({ body }) => {
      if (body.acks === 0) return NO_RESPONSE;
      return {
        responses: body.topicData.map((t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: 0, baseOffset: 0n })),
        })),
      };
    }),
    fake(control, ApiKey.Heartbeat, options.heartbeatVersions ?? [0, 4], async () => ({ errorCode: 0 })),
    fake(control, ApiKey.DescribeCluster, [0, 1], async () => ({ errorCode: 0, clusterId: 'fake-cluster' })),
  );
  return fns;
}

/** Storage the fake handlers never touch: enough for `/healthz`, the app to start, and nonce claims. */
const NO_STORAGE = { ping: async () => {}, close: async () => {} };

export function fakeEnv(): FunctionEnv {
  return {
    meta: { ...NO_STORAGE, nonces: new MemoryNonces(new MemoryNonceState(), () => {}) } as unknown as MetaStore,
    blobs: NO_STORAGE as unknown as BlobStore,
    config: { clusterId: 'fake-cluster', nodeId: 0, autoCreateTopics: false, defaultPartitions: 1, topicDefaults: {} },
    log: createLogger('fake-functions', () => {}),
    now: () => Date.now(),
  };
}

export function fakeApp(control: FakeControl, options: FakeAppOptions = {}): Hono {
  const secrets = options.secrets ?? [];
  return functionApp(fakeFunctions(control, options), fakeEnv(), {
    secrets,
    requireSignature: secrets.length > 0,
  });
}

/** An app whose every invocation answers with `status`, optionally asking to close. */
export function statusApp(status: number, close = false): Hono {
  const app = new Hono();
  app.post('/kafka', (c) => {
    if (close) c.header('x-kafkaless-action', 'close');
    return c.text(`status ${status}`, status as 500);
  });
  return app;
}

export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves a fetch app over real HTTP on a free local port. */
export function serveApp(app: { fetch(request: Request): Response | Promise<Response> }): Promise<Served> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
  });
}
