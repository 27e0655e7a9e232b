/**
 * The full stack on a 3-master Redis Cluster (`--redis redis-cluster://…`):
 * kafkajs creates a topic whose partitions land on every master, produces,
 * consumes with a group and commits, and runs a transaction that commits
 * next to one that aborts, read back with read_committed.
 */

import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PartialLocalStack, STACK_ENV, startLocalStack } from '../../infra/local/stack.js';
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';

const PARTITIONS = 6;

let stack: PartialLocalStack | undefined;
let cluster: Cluster;
let kafka: Kafka;

beforeAll(async () => {
  let redisUrl = process.env[STACK_ENV.redisClusterUrl];
  if (redisUrl === undefined || redisUrl === '') {
    stack = await startLocalStack({ redis: false, s3: false, redisCluster: true });
    redisUrl = stack.redisClusterUrl!;
  }
  cluster = await startCluster(
    { ...backendsFromEnv(), redisUrl },
    { KAFKALESS_GROUP_INITIAL_REBALANCE_DELAY_MS: '200', KAFKALESS_NUM_PARTITIONS: String(PARTITIONS) },
  );
  kafka = new Kafka({ brokers: [cluster.bootstrap], clientId: 'cluster-smoke', logLevel: logLevel.NOTHING });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await stack?.stop();
});

async function consumeAll(
  topic: string,
  groupId: string,
  expected: number,
  readUncommitted: boolean,
): Promise<Map<string, string>> {
  const consumer = kafka.consumer({ groupId, readUncommitted, sessionTimeout: 10_000 });
  const seen = new Map<string, string>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen.size} of ${expected}`)), 60_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.set(message.key!.toString(), message.value!.toString());
            if (seen.size >= expected) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

describe('full stack on a Redis Cluster', () => {
  it('creates a topic, produces, consumes with a group and commits', async () => {
    const topic = `cluster-${randomBytes(4).toString('hex')}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const messages = Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
      await producer.send({ topic, messages });
      await producer.disconnect();
      const seen = await consumeAll(topic, `g-${topic}`, messages.length, true);
      expect(seen.size).toBe(messages.length);
      const committed = await admin.fetchOffsets({ groupId: `g-${topic}`, topics: [topic] });
      const total = committed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
      expect(total).toBe(messages.length);
      const groups = await admin.listGroups();
      expect(groups.groups.map((g) => g.groupId)).toContain(`g-${topic}`);
    } finally {
      await admin.disconnect();
    }
  });

  it('commits one transaction and aborts another', async () => {
    const topic = `cluster-txn-${randomBytes(4).toString('hex')}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({
      transactionalId: `tx-${topic}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ key: `a${i}`, value: 'aborted' })) });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `c${i}`, value: 'committed' })),
    });
    await committed.commit();
    await producer.disconnect();
    const seen = await consumeAll(topic, `g-${topic}`, 20, false);
    expect([...seen.values()].every((v) => v === 'committed')).toBe(true);
    expect(seen.size).toBe(20);
  });
});
