/**
 * Test support for the runtime adapters: the same Kafka conversation driven
 * through each runtime (ApiVersions, CreateTopics, Produce in three
 * compressions, Fetch, Metadata), every response decoded with the codec and
 * checked. `call` is how one runtime is reached: signed HTTP through the
 * proxy's HttpInvoker, or a Lambda event.
 */

import { expect } from 'vitest';
import type { InvocationContext } from '../../shared/invocation.js';
import { decodeResponse, encodeRequest } from '../../shared/protocol/frame.js';
import { ApiKey, type ApiMessages } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import { CompressionCodec } from '../../shared/records/compression/index.js';
import { decodeBatches, encodeBatch } from '../../shared/records/records.js';

export interface CallResult {
  readonly status: number;
  readonly body: Uint8Array;
}

/** Invokes the function serving `apiKey` with a request frame. */
export type Call = (apiKey: number, frame: Uint8Array, ctx: InvocationContext) => Promise<CallResult>;

/** Where the scenario's client pretends to have connected: what Metadata must advertise. */
export const LISTENER = { host: 'kafka.example.test', port: 19092 };

export function invocationContext(connectionId = 'scenario-1'): InvocationContext {
  return {
    connectionId,
    clientAddress: '192.0.2.10:51000',
    principal: 'User:ANONYMOUS',
    listener: LISTENER,
    deadline: Date.now() + 30_000,
  };
}

const text = new TextEncoder();
const untext = new TextDecoder();

/** Sends one request through `call` and decodes its response. */
export async function request<K extends ApiKey>(
  call: Call,
  apiKey: K,
  version: number,
  body: Init<ApiMessages[K]['request']>,
  correlationId = 7,
): Promise<ApiMessages[K]['response']> {
  const frame = encodeRequest(apiKey, version, correlationId, 'runtime-scenario', body);
  const res = await call(apiKey, frame, invocationContext());
  if (res.status !== 200) throw new Error(`function answered ${res.status}: ${untext.decode(res.body)}`);
  const decoded = decodeResponse(apiKey, version, res.body);
  expect(decoded.correlationId).toBe(correlationId);
  return decoded.body;
}

function batch(values: readonly string[], compression: CompressionCodec = CompressionCodec.NONE): Uint8Array {
  return encodeBatch({
    compression,
    records: values.map((v, i) => ({
      key: text.encode(`key-${i}`),
      value: text.encode(v),
      timestamp: 1_700_000_000_000n + BigInt(i),
    })),
  });
}

async function produce(call: Call, topic: string, partition: number, records: Uint8Array) {
  const res = await request(call, ApiKey.Produce, 11, {
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return res.responses[0]!.partitionResponses[0]!;
}

/** The record values of partition `partition` from offset 0, and the partition's error code. */
export async function fetchValues(
  call: Call,
  topic: string,
  partition: number,
): Promise<{ errorCode: number; highWatermark: bigint; values: string[] }> {
  const res = await request(call, ApiKey.Fetch, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
  });
  const p = res.responses[0]!.partitions[0]!;
  const values: string[] = [];
  if (p.records !== null && p.records.length > 0) {
    const decoded = decodeBatches(p.records);
    if (!decoded.ok) throw new Error(`fetched batches do not decode: ${decoded.error.message}`);
    for (const b of decoded.value.batches) for (const r of b.records) values.push(untext.decode(r.value!));
  }
  return { errorCode: p.errorCode, highWatermark: p.highWatermark, values };
}

export interface ScenarioOptions {
  /** Topic names start with this, so scenarios sharing stores do not meet. */
  readonly prefix: string;
  /** Whether the runtime has the zstd binding; without it a zstd batch that must be read is refused. */
  readonly zstd: boolean;
}

/**
 * ApiVersions, CreateTopics, Produce (uncompressed, gzip, and zstd on a
 * compacted topic, whose keys the function must decompress to check), Fetch
 * of each, and Metadata advertising the listener.
 */
export async function runKafkaScenario(call: Call, options: ScenarioOptions): Promise<void> {
  const events = `${options.prefix}-events`;
  const compacted = `${options.prefix}-compacted`;

  const versions = await request(call, ApiKey.ApiVersions, 3, {
    clientSoftwareName: 'runtime-scenario',
    clientSoftwareVersion: '1.0',
  });
  expect(versions.errorCode).toBe(ErrorCode.NONE);
  const advertised = new Set(versions.apiKeys.map((k) => k.apiKey));
  for (const key of [ApiKey.Produce, ApiKey.Fetch, ApiKey.Metadata, ApiKey.CreateTopics]) {
    expect(advertised.has(key)).toBe(true);
  }

  const created = await request(call, ApiKey.CreateTopics, 7, {
    timeoutMs: 5000,
    topics: [
      { name: events, numPartitions: 2, replicationFactor: 1 },
      {
        name: compacted,
        numPartitions: 1,
        replicationFactor: 1,
        configs: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
  });
  expect(created.topics.map((t) => [t.name, t.errorCode])).toEqual([
    [events, ErrorCode.NONE],
    [compacted, ErrorCode.NONE],
  ]);

  const plain = await produce(call, events, 0, batch(['a', 'b', 'c']));
  expect(plain).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
  const again = await produce(call, events, 0, batch(['d']));
  expect(again).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 3n });
  const gzip = await produce(call, events, 1, batch(['g1', 'g2'], CompressionCodec.GZIP));
  expect(gzip).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
  const zstd = await produce(call, compacted, 0, batch(['z1', 'z2', 'z3'], CompressionCodec.ZSTD));
  if (options.zstd) expect(zstd).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
  else expect(zstd.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);

  expect(await fetchValues(call, events, 0)).toEqual({
    errorCode: ErrorCode.NONE,
    highWatermark: 4n,
    values: ['a', 'b', 'c', 'd'],
  });
  expect(await fetchValues(call, events, 1)).toEqual({
    errorCode: ErrorCode.NONE,
    highWatermark: 2n,
    values: ['g1', 'g2'],
  });
  expect(await fetchValues(call, compacted, 0)).toEqual(
    options.zstd
      ? { errorCode: ErrorCode.NONE, highWatermark: 3n, values: ['z1', 'z2', 'z3'] }
      : { errorCode: ErrorCode.NONE, highWatermark: 0n, values: [] },
  );

  const metadata = await request(call, ApiKey.Metadata, 12, {
    topics: [{ name: events }, { name: compacted }],
    allowAutoTopicCreation: false,
  });
  expect(metadata.brokers.map((b) => [b.host, b.port])).toEqual([[LISTENER.host, LISTENER.port]]);
  expect(metadata.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([
    [events, ErrorCode.NONE, 2],
    [compacted, ErrorCode.NONE, 1],
  ]);
}
