/**
 * The reference broker starts, serves Kafka's own Java clients (AdminClient,
 * producer, consumer from the oracle) and stops without leaving its files.
 */

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oracle } from '../oracle/oracle.js';
import { REFERENCE_KAFKA_VERSION, type ReferenceBroker, startReferenceBroker } from './broker.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const fromBase64 = (text: string | null): string | null =>
  text === null ? null : Buffer.from(text, 'base64').toString('utf8');

describe('reference broker', () => {
  let broker: ReferenceBroker;
  let oracle: Oracle;

  beforeAll(async () => {
    [broker, oracle] = await Promise.all([startReferenceBroker(), Oracle.start()]);
  });

  afterAll(async () => {
    await oracle?.close();
    await broker?.stop();
  });

  it('reports the Kafka release it runs on a loopback bootstrap', () => {
    expect(broker.version).toBe(REFERENCE_KAFKA_VERSION);
    expect(broker.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('creates a topic, takes records and serves them back with keys, values and headers', async () => {
    const created = await oracle.admin(broker.bootstrap, 'createTopics', {
      topics: [{ name: 'reference-smoke', partitions: 3, replicationFactor: 1 }],
    });
    expect(created.topics).toEqual({ 'reference-smoke': expect.objectContaining({ ok: true, partitions: 3 }) });
    const records = Array.from({ length: 10 }, (_, i) => ({
      key: utf8(`k${i}`),
      value: utf8(`v${i}`),
      headers: [{ key: 'index', value: utf8(String(i)) }],
      partition: i % 3,
    }));
    const acks = await oracle.produce({
      bootstrap: broker.bootstrap,
      topic: 'reference-smoke',
      config: { acks: 'all', 'compression.type': 'zstd' },
      records,
    });
    expect(acks).toHaveLength(10);
    const consumed = await oracle.consume({
      bootstrap: broker.bootstrap,
      partitions: [0, 1, 2].map((partition) => ({ topic: 'reference-smoke', partition })),
      count: 10,
    });
    const seen = consumed
      .map((r) => ({
        partition: r.partition,
        key: fromBase64(r.key),
        value: fromBase64(r.value),
        index: fromBase64(r.headers[0]?.value ?? null),
      }))
      .sort((a, b) => Number(a.index) - Number(b.index));
    expect(seen).toEqual(records.map((_, i) => ({ partition: i % 3, key: `k${i}`, value: `v${i}`, index: String(i) })));
  });

  it('removes its directory on stop', async () => {
    const other = await startReferenceBroker();
    expect(existsSync(other.dir)).toBe(true);
    await other.stop();
    expect(existsSync(other.dir)).toBe(false);
  });
});
