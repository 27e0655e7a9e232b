/**
 * Two proxies in front of the same function process (`--advertised-proxies`):
 * kafkajs, bootstrapped from the first proxy alone, learns both from Metadata,
 * produces to and consumes (with a group) a six-partition topic whose
 * leadership is spread over them, and both proxies carry Produce and Fetch
 * traffic, as their request counters show. The Java AdminClient, which sends
 * a broker's DescribeConfigs to that broker, reads each proxy's own configs.
 */

import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oracle } from '../oracle/oracle.js';
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';

const PARTITIONS = 6;
const COUNT = 600;

let cluster: Cluster;
let oracle: Oracle;

beforeAll(async () => {
  [cluster, oracle] = await Promise.all([
    startCluster(backendsFromEnv(), { KAFKALESS_GROUP_INITIAL_REBALANCE_DELAY_MS: '200' }, { proxies: 2 }),
    Oracle.start(),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), oracle?.close()]);
});

/** Requests each proxy received, per API. */
async function requestCounts(): Promise<Map<string, number>[]> {
  return Promise.all(
    cluster.proxyMetricsUrls.map(async (url) => {
      const text = await (await fetch(url)).text();
      const counts = new Map<string, number>();
      for (const m of text.matchAll(/^kafkaless_proxy_requests_total\{api="(\w+)"\} (\d+)$/gm)) {
        counts.set(m[1]!, Number(m[2]));
      }
      return counts;
    }),
  );
}

describe('two proxies in front of one fleet', () => {
  it("lists both as brokers, spreads leadership, and both carry a real client's traffic", async () => {
    const kafka = new Kafka({ brokers: [cluster.bootstraps[0]!], clientId: 'fleet', logLevel: logLevel.NOTHING });
    const topic = `fleet-${randomBytes(4).toString('hex')}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
      const described = await admin.describeCluster();
      expect(described.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual([...cluster.bootstraps].sort());
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const leaders = new Set(metadata.topics[0]!.partitions.map((p) => p.leader));
      expect(leaders.size).toBe(2);
    } finally {
      await admin.disconnect();
    }

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const messages = Array.from({ length: COUNT }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    for (let i = 0; i < COUNT; i += 100) await producer.send({ topic, messages: messages.slice(i, i + 100) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `g-${topic}`, sessionTimeout: 10_000 });
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen.size} of ${COUNT}`)), 60_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.add(message.key!.toString());
            if (seen.size >= COUNT) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(seen.size).toBe(COUNT);

    const counts = await requestCounts();
    for (const c of counts) {
      expect(c.get('Produce') ?? 0).toBeGreaterThan(0);
      expect(c.get('Fetch') ?? 0).toBeGreaterThan(0);
    }
    // The first proxy, the bootstrap, alone saw the admin's topic creation.
    expect(counts[0]!.get('CreateTopics')).toBeGreaterThan(0);
  });

  it("gives the Java AdminClient each proxy's broker configs from that proxy", async () => {
    const described = await oracle.admin(cluster.bootstraps[0]!, 'describeCluster');
    const nodes = described.nodes as { id: number; host: string; port: number }[];
    expect(nodes).toHaveLength(2);
    for (const node of nodes) {
      // The AdminClient sends a BROKER resource's DescribeConfigs to that broker, here the proxy at its address.
      const { configs } = (await oracle.admin(cluster.bootstraps[0]!, 'describeConfigs', {
        broker: String(node.id),
      })) as { configs: Record<string, { value: string }> };
      expect(configs['node.id']?.value).toBe(String(node.id));
      expect(configs['broker.id']?.value).toBe(String(node.id));
    }
  });
});
