/**
 * Real clients on the full stack: `kafkaless proxy` and `kafkaless functions
 * serve` as separate processes over HTTP, on real Redis and SeaweedFS.
 * Producers: the Java client (kafka-clients 3.9), librdkafka (kcat), kafkajs;
 * consumers: the Java consumer with assign(), kcat. Every record comes back
 * complete, in order per partition, with identical keys, values and headers.
 */

import { CompressionCodecs, CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompressionCodec, compress, decompressOrThrow } from '../../shared/records/compression/index.js';
import { Oracle } from '../oracle/oracle.js';
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';
import { kcat } from '../support/command.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
type Codec = (typeof CODECS)[number];
const COUNT = 10_000;
const PARTITIONS = 6;

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const b64 = (s: string | null): string | null => (s === null ? null : Buffer.from(s).toString('base64'));

interface Sent {
  key: string;
  value: string;
  headers: { key: string; value: string }[];
}

/** Deterministic records with varied, partly compressible values; no ':' '|' or newlines (kcat framing). */
function makeRecords(tag: string, n: number): Sent[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `${tag}-key-${i}`,
    value: `${tag}-value-${i}-${'abcdefgh'.repeat(i % 32)}-${(i * 2654435761) % 1000003}`,
    headers: [
      { key: 'seq', value: String(i) },
      { key: 'source', value: tag },
    ],
  }));
}

let cluster: Cluster;
let oracle: Oracle;

beforeAll(async () => {
  [cluster, oracle] = await Promise.all([startCluster(backendsFromEnv()), Oracle.start()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), oracle?.close()]);
});

async function createTopic(name: string, partitions = PARTITIONS): Promise<void> {
  const r = await oracle.admin(cluster.bootstrap, 'createTopics', {
    topics: [{ name, partitions, replicationFactor: 1 }],
  });
  const result = (r.topics as Record<string, { ok?: boolean; error?: string }>)[name];
  expect(result?.ok, JSON.stringify(result)).toBe(true);
}

/** Reads everything back with the Java consumer (assign, from the beginning) and checks it against what was sent. */
async function expectJavaConsumerReads(topic: string, sent: Sent[], withHeaders = true): Promise<void> {
  const records = await oracle.consume({
    bootstrap: cluster.bootstrap,
    partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })),
    count: sent.length,
    timeoutMs: 120_000,
  });
  expect(records.length).toBe(sent.length);
  const byKey = new Map(sent.map((s) => [b64(s.key), s]));
  const perPartition = new Map<number, bigint[]>();
  const seqs = new Map<number, number[]>();
  for (const r of records) {
    const s = byKey.get(r.key);
    expect(s, `unexpected key ${r.key}`).toBeDefined();
    expect(r.value).toBe(b64(s!.value));
    if (withHeaders) expect(r.headers).toEqual(s!.headers.map((h) => ({ key: h.key, value: b64(h.value) })));
    perPartition.set(r.partition, [...(perPartition.get(r.partition) ?? []), BigInt(r.offset)]);
    seqs.set(r.partition, [...(seqs.get(r.partition) ?? []), sent.indexOf(s!)]);
  }
  expect(new Set(records.map((r) => r.key)).size).toBe(sent.length);
  for (const [partition, offsets] of perPartition) {
    // Dense from zero, and in the order the producer sent them.
    expect(offsets, `partition ${partition}`).toEqual(offsets.map((_, i) => BigInt(i)));
    const order = seqs.get(partition)!;
    expect(order).toEqual([...order].sort((a, b) => a - b));
  }
}

/** Reads a topic with kcat to the end and checks every record. */
async function expectKcatReads(topic: string, sent: Sent[]): Promise<void> {
  const out = await kcat(cluster.bootstrap, [
    '-C',
    '-t',
    topic,
    '-o',
    'beginning',
    '-e',
    '-q',
    '-f',
    '%p|%o|%k|%s|%h\\n',
  ]);
  const lines = out.split('\n').filter((l) => l !== '');
  expect(lines.length).toBe(sent.length);
  const byKey = new Map(sent.map((s) => [s.key, s]));
  for (const line of lines) {
    const [, , key, value, headers] = line.split('|');
    const s = byKey.get(key!);
    expect(s, `unexpected key ${key}`).toBeDefined();
    expect(value).toBe(s!.value);
    expect(headers).toBe(s!.headers.map((h) => `${h.key}=${h.value}`).join(','));
  }
}

describe('the Java producer (acks=all) with each compression type', () => {
  for (const codec of CODECS) {
    it(`${codec}: ${COUNT} keyed records with headers over ${PARTITIONS} partitions, read back by Java and kcat`, async () => {
      const topic = `java-${codec}`;
      await createTopic(topic);
      const sent = makeRecords(`java-${codec}`, COUNT);
      const results = await oracle.produce({
        bootstrap: cluster.bootstrap,
        topic,
        config: { acks: 'all', 'compression.type': codec },
        records: sent.map((s) => ({
          key: text(s.key),
          value: text(s.value),
          headers: s.headers.map((h) => ({ key: h.key, value: text(h.value) })),
        })),
      });
      expect(results.length).toBe(COUNT);
      await expectJavaConsumerReads(topic, sent);
      await expectKcatReads(topic, sent);
    });
  }
});

describe('librdkafka (kcat) as producer', () => {
  for (const codec of CODECS) {
    it(`${codec}: ${COUNT} records produced by kcat are read back by Java and kcat`, async () => {
      const topic = `kcat-${codec}`;
      await createTopic(topic);
      const sent = makeRecords(`kcat-${codec}`, COUNT).map((s) => ({
        ...s,
        headers: [{ key: 'source', value: 'kcat' }],
      }));
      await kcat(
        cluster.bootstrap,
        ['-P', '-t', topic, '-K', ':', '-z', codec, '-H', 'source=kcat', '-X', 'acks=all'],
        `${sent.map((s) => `${s.key}:${s.value}`).join('\n')}\n`,
      );
      await expectJavaConsumerReads(topic, sent);
      await expectKcatReads(topic, sent);
    });
  }
});

describe('kafkajs as producer', () => {
  // kafkajs ships gzip only; its other codecs are plug-ins, so ours are plugged in.
  const plug = (
    type: CompressionTypes.Snappy | CompressionTypes.LZ4 | CompressionTypes.ZSTD,
    codec: CompressionCodec,
  ): void => {
    CompressionCodecs[type] = () => ({
      compress: async (encoder: { buffer: Buffer }) => Buffer.from(compress(codec, encoder.buffer)),
      decompress: async (buffer: Buffer) => Buffer.from(decompressOrThrow(codec, buffer, 64 << 20)),
    });
  };
  plug(CompressionTypes.Snappy, CompressionCodec.SNAPPY);
  plug(CompressionTypes.LZ4, CompressionCodec.LZ4);
  plug(CompressionTypes.ZSTD, CompressionCodec.ZSTD);
  const types: Record<Codec, CompressionTypes> = {
    none: CompressionTypes.None,
    gzip: CompressionTypes.GZIP,
    snappy: CompressionTypes.Snappy,
    lz4: CompressionTypes.LZ4,
    zstd: CompressionTypes.ZSTD,
  };

  for (const codec of CODECS) {
    it(`${codec}: ${COUNT} records produced by kafkajs are read back by Java and kcat`, async () => {
      const topic = `kafkajs-${codec}`;
      await createTopic(topic);
      const sent = makeRecords(`kafkajs-${codec}`, COUNT);
      const kafka = new Kafka({ brokers: [cluster.bootstrap], clientId: 'kafkajs-test', logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      await producer.connect();
      try {
        for (let i = 0; i < sent.length; i += 1000) {
          await producer.send({
            topic,
            acks: -1,
            compression: types[codec],
            messages: sent.slice(i, i + 1000).map((s) => ({
              key: s.key,
              value: s.value,
              headers: Object.fromEntries(s.headers.map((h) => [h.key, h.value])),
            })),
          });
        }
      } finally {
        await producer.disconnect();
      }
      await expectJavaConsumerReads(topic, sent);
      await expectKcatReads(topic, sent);
    });
  }
});
