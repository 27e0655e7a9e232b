/**
 * A harness for the data-path functions' tests: memory stores, a settable
 * clock, and calls that go through the all-in-one Hono app exactly as the
 * proxy's in-process invoker does (encoded frame in, response frame out).
 */

import { Header } from '../shared/invocation.js';
import { createLogger } from '../shared/log.js';
import { decodeResponse, encodeRequest } from '../shared/protocol/frame.js';
import type { ApiKey, ApiMessages } from '../shared/protocol/generated/api-keys.js';
import type { Init } from '../shared/protocol/schema.js';
import { encodeBatch, type RecordInput } from '../shared/records/records.js';
import { MemoryBlobStore } from '../shared/storage/memory/blobs.js';
import { MemoryMetaStore } from '../shared/storage/memory/meta.js';
import type { TopicRecord } from '../shared/storage/types.js';
import { newTopicId } from '../shared/topic-ids.js';
import { allInOneApp } from './app.js';
import type { ClusterConfig, FunctionEnv } from './define.js';

export const CORRELATION_ID = 42;

export interface Harness {
  readonly env: FunctionEnv;
  readonly meta: MemoryMetaStore;
  readonly blobs: MemoryBlobStore;
  /** Where the clock functions see started; it runs on in real time from there. Tests may move it. */
  nowMs: number;
  /** Sends a request and decodes the 200 response; throws on any other status. */
  call<K extends ApiKey>(
    apiKey: K,
    version: number,
    body: Init<ApiMessages[K]['request']>,
    headers?: Record<string, string>,
  ): Promise<ApiMessages[K]['response']>;
  /** Sends a request frame and returns the raw HTTP response. */
  send(frame: Uint8Array, headers?: Record<string, string>): Promise<Response>;
  createTopic(name: string, partitions?: number, configs?: Record<string, string>): Promise<TopicRecord>;
}

/** What functions are handed in tests: memory stores, a silent log, the real clock; `config` over test defaults. */
export function memoryEnv(
  config: Partial<ClusterConfig> = {},
): FunctionEnv & { readonly meta: MemoryMetaStore; readonly blobs: MemoryBlobStore } {
  return {
    meta: new MemoryMetaStore(),
    blobs: new MemoryBlobStore(),
    config: {
      clusterId: 'test-cluster',
      nodeId: 7,
      autoCreateTopics: true,
      defaultPartitions: 3,
      topicDefaults: {},
      ...config,
    },
    log: createLogger('test', () => {}),
    now: Date.now,
  };
}

export function harness(config: Partial<ClusterConfig> = {}): Harness {
  const started = Date.now();
  const env = memoryEnv(config);
  const h: Harness = {
    nowMs: Date.UTC(2024, 10, 24, 12, 0, 0),
    meta: env.meta,
    blobs: env.blobs,
    env: { ...env, now: () => h.nowMs + (Date.now() - started) },
    async send(frame, headers = {}) {
      const app = allInOneApp(h.env, { secrets: [], requireSignature: false });
      return app.fetch(new Request('http://f/kafka', { method: 'POST', body: frame, headers }));
    },
    async call(apiKey, version, body, headers) {
      const res = await h.send(encodeRequest(apiKey, version, CORRELATION_ID, 'test-client', body), headers);
      if (res.status !== 200) throw new Error(`function answered ${res.status}: ${await res.text()}`);
      const decoded = decodeResponse(apiKey, version, new Uint8Array(await res.arrayBuffer()));
      if (decoded.correlationId !== CORRELATION_ID) throw new Error(`correlation id ${decoded.correlationId}`);
      return decoded.body;
    },
    async createTopic(name, partitions = 1, configs = {}) {
      const result = await env.meta.topics.createTopic({
        name,
        id: newTopicId(),
        partitions,
        configs,
        createdAt: h.nowMs,
      });
      if (!result.created) throw new Error(`topic ${name} exists`);
      return result.topic;
    },
  };
  return h;
}

/** Listener header value, for tests that check what Metadata advertises. */
export const listenerHeader = (hostPort: string): Record<string, string> => ({ [Header.listener]: hostPort });

const text = new TextEncoder();

/** A magic-2 batch of records with the given values (and optional timestamps), as a producer builds it. */
export function batchOf(
  values: readonly string[],
  options: { timestamps?: readonly bigint[]; baseTimestamp?: bigint } = {},
): Uint8Array {
  const records: RecordInput[] = values.map((v, i) => ({
    key: text.encode(`k${i}`),
    value: text.encode(v),
    timestamp: options.timestamps?.[i] ?? (options.baseTimestamp ?? 1_700_000_000_000n) + BigInt(i),
  }));
  return encodeBatch({ records });
}

/** The harness with node id 0 and one partition by default, as the admin tests expect. */
export function adminHarness(config: Partial<ClusterConfig> = {}): Harness {
  return harness({ nodeId: 0, defaultPartitions: 1, ...config });
}
