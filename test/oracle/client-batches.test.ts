/**
 * Record batches written by real clients — Kafka's Java producer and
 * librdkafka (kcat) — in every compression type, captured off the wire and
 * decoded by shared/records; and batches built by Kafka's MemoryRecords builder
 * and by ours, each read by the other side.
 */

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { CompressionCodec } from '../../shared/records/compression/index.js';
import { decodeMessageSet } from '../../shared/records/legacy.js';
import { decodeBatches, encodeBatch } from '../../shared/records/records.js';
import { CaptureBroker } from '../support/capture-broker.js';
import { Oracle } from './oracle.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
type CodecName = (typeof CODECS)[number];
const CODEC_ID: Record<CodecName, CompressionCodec> = {
  none: CompressionCodec.NONE,
  gzip: CompressionCodec.GZIP,
  snappy: CompressionCodec.SNAPPY,
  lz4: CompressionCodec.LZ4,
  zstd: CompressionCodec.ZSTD,
};

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

interface Sent {
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

/** Compressible and incompressible values, a null key, a tombstone, headers with a null value. */
function records(n: number): Sent[] {
  return Array.from({ length: n }, (_, i) => ({
    key: i === 3 ? null : `key-${i}`,
    value: i === 5 ? null : i % 2 === 0 ? `value-${i}-${'abc'.repeat(i % 50)}` : `v${(i * 2654435761) % 1e9}-${i}`,
    headers: [
      { key: 'trace', value: `t-${i}` },
      { key: 'empty', value: null },
    ],
  }));
}

interface Got {
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

function decodeAll(captured: Uint8Array[]): { got: Got[]; codecs: Set<number> } {
  const got: Got[] = [];
  const codecs = new Set<number>();
  for (const bytes of captured) {
    const decoded = decodeBatches(bytes);
    if (!decoded.ok) throw decoded.error;
    expect(decoded.value.partial).toBeNull();
    for (const b of decoded.value.batches) {
      codecs.add(b.header.compression);
      for (const r of b.records) {
        got.push({
          key: str(r.key),
          value: str(r.value),
          headers: r.headers.map((h) => ({ key: h.key, value: str(h.value) })),
        });
      }
    }
  }
  return { got, codecs };
}

function kcat(args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

let oracle: Oracle;
let broker: CaptureBroker;

beforeAll(async () => {
  [oracle, broker] = await Promise.all([Oracle.start(), new CaptureBroker().start()]);
});

afterAll(async () => {
  await Promise.all([oracle?.close(), broker?.stop()]);
});

const captured = (topic: string): Uint8Array[] =>
  broker.produced.filter((p) => p.topic === topic).map((p) => p.records);

describe("the Java producer's batches", () => {
  for (const codec of CODECS) {
    it(`decodes ${codec} batches written by KafkaProducer (kafka-clients 3.9)`, async () => {
      const sent = records(300);
      const topic = `java-${codec}`;
      await oracle.produce({
        bootstrap: `127.0.0.1:${broker.port}`,
        topic,
        partition: 0,
        config: {
          'compression.type': codec,
          'enable.idempotence': 'false',
          acks: '1',
          'linger.ms': '100',
          'batch.size': String(1 << 20),
        },
        records: sent.map((r) => ({
          key: r.key === null ? null : text(r.key),
          value: r.value === null ? null : text(r.value),
          headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : text(h.value) })),
        })),
      });
      const { got, codecs } = decodeAll(captured(topic));
      expect(got).toEqual(sent);
      expect([...codecs]).toEqual([CODEC_ID[codec]]);
    });
  }
});

describe("librdkafka's batches (kcat)", () => {
  const lines = (sent: Sent[]): string => sent.map((r) => `${r.key}:${r.value}`).join('\n');
  const plain = (n: number): Sent[] =>
    Array.from({ length: n }, (_, i) => ({
      key: `key-${i}`,
      value: `value-${i}-${'xyz'.repeat(i % 40)}`,
      headers: [
        { key: 'trace', value: 'abc' },
        { key: 'kind', value: 'test' },
      ],
    }));
  const args = (topic: string, codec: CodecName, extra: string[] = []): string[] => [
    '-P',
    '-b',
    `127.0.0.1:${broker.port}`,
    '-t',
    topic,
    '-p',
    '0',
    '-K',
    ':',
    '-z',
    codec,
    '-H',
    'trace=abc',
    '-H',
    'kind=test',
    '-X',
    'linger.ms=50',
    ...extra,
  ];

  for (const codec of CODECS) {
    it(`decodes ${codec} batches written by librdkafka`, async () => {
      const sent = plain(300);
      const topic = `kcat-${codec}`;
      await kcat(args(topic, codec), lines(sent));
      const { got, codecs } = decodeAll(captured(topic));
      expect(got).toEqual(sent);
      expect([...codecs]).toEqual([CODEC_ID[codec]]);
      // Kafka's own reader agrees on every batch librdkafka wrote.
      for (const bytes of captured(topic)) {
        const theirs = await oracle.readRecords(bytes);
        expect(theirs.batches.every((b) => b.valid)).toBe(true);
      }
    });
  }

  // An old broker: librdkafka writes magic 1 to one that serves Produce v2 and Fetch v2-3, magic 0 below that.
  const oldBrokers = [
    [
      0,
      new Map([
        [ApiKey.Produce, 1],
        [ApiKey.Fetch, 1],
      ]),
    ],
    [
      1,
      new Map([
        [ApiKey.Produce, 2],
        [ApiKey.Fetch, 3],
      ]),
    ],
  ] as const;
  for (const [magic, ceilings] of oldBrokers) {
    for (const codec of ['none', 'gzip', 'snappy', 'lz4'] as const) {
      it(`decodes magic ${magic} message sets (${codec}) written by librdkafka for an old broker`, async () => {
        const old = await new CaptureBroker(1, ceilings).start();
        const sent = plain(100);
        const topic = `kcat-legacy${magic}-${codec}`;
        try {
          const noHeaders = args(topic, codec).filter((a, i, all) => a !== '-H' && all[i - 1] !== '-H');
          await kcat([...noHeaders.slice(0, 2), `127.0.0.1:${old.port}`, ...noHeaders.slice(3)], lines(sent));
        } finally {
          await old.stop();
        }
        const got: { key: string | null; value: string | null }[] = [];
        for (const bytes of old.produced.filter((p) => p.topic === topic).map((p) => p.records)) {
          const decoded = decodeMessageSet(bytes);
          if (!decoded.ok) throw decoded.error;
          for (const e of decoded.value.entries) {
            expect(e.wrapper.magic).toBe(magic);
            expect(e.wrapper.compression).toBe(CODEC_ID[codec]);
            for (const m of e.messages) got.push({ key: str(m.key), value: str(m.value) });
          }
        }
        expect(got).toEqual(sent.map((r) => ({ key: r.key, value: r.value })));
      });
    }
  }
});

describe("Kafka's MemoryRecords builder and ours read each other's batches", () => {
  const sent = records(120);
  const asBuild = sent.map((r, i) => ({
    timestamp: BigInt(1_700_000_000_000 + i),
    key: r.key === null ? null : text(r.key),
    value: r.value === null ? null : text(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : text(h.value) })),
  }));

  for (const codec of CODECS) {
    it(`${codec}: we decode Kafka's batch, Kafka decodes ours, both validate`, async () => {
      const theirs = await oracle.buildRecords({
        magic: 2,
        compression: codec,
        baseOffset: 42n,
        producerId: 7n,
        producerEpoch: 1,
        baseSequence: 10,
        records: asBuild,
      });
      const mine = decodeBatches(theirs);
      if (!mine.ok) throw mine.error;
      const [batch] = mine.value.batches;
      expect(batch!.header.baseOffset).toBe(42n);
      expect(batch!.header.producerId).toBe(7n);
      expect(batch!.header.baseSequence).toBe(10);
      expect(batch!.records.map((r) => r.timestamp)).toEqual(asBuild.map((r) => r.timestamp));
      expect(decodeAll([theirs]).got).toEqual(sent);

      const ours = encodeBatch({
        baseOffset: 42n,
        producerId: 7n,
        producerEpoch: 1,
        baseSequence: 10,
        compression: CODEC_ID[codec],
        records: asBuild,
      });
      const read = await oracle.readRecords(ours);
      expect(read.trailingBytes).toBe(0);
      expect(read.batches).toHaveLength(1);
      const b = read.batches[0]!;
      expect(b.valid).toBe(true);
      expect(b.compression).toBe(codec);
      expect(b.baseOffset).toBe('42');
      expect(b.producerId).toBe('7');
      const rs = b.records ?? [];
      expect(rs.map((r) => [r.offset, r.timestamp])).toEqual(
        asBuild.map((r, i) => [String(42 + i), String(r.timestamp)]),
      );
      const b64 = (s: string | null): string | null => (s === null ? null : Buffer.from(s).toString('base64'));
      expect(rs.map((r) => [r.key, r.value])).toEqual(sent.map((r) => [b64(r.key), b64(r.value)]));
      if (codec === 'none') expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
    });
  }
});
