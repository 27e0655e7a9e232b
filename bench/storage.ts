/**
 * Storage throughput and latency against a local stack (a throwaway Redis, a
 * three-master Redis Cluster and SeaweedFS), or the servers named by the
 * `KAFKALESS_TEST_*` variables (the cluster only with
 * `KAFKALESS_TEST_REDIS_CLUSTER_URL`).
 * Prints a table: calls/s, items/s (batches appended, partitions read, bytes
 * moved) and per-call latency percentiles. `npx tsx bench/storage.ts`.
 */

import { randomBytes } from 'node:crypto';
import { connectionFromEnv, type LocalStackConnection, startLocalStack } from '../infra/local/stack.js';
import { MemoryMetaStore } from '../shared/storage/memory/meta.js';
import { RedisMetaStore } from '../shared/storage/redis/meta.js';
import { S3BlobStore } from '../shared/storage/s3/blobs.js';
import type { AppendBatch, MetaStore, PartitionRef } from '../shared/storage/types.js';
import { Measurements } from './measure.js';

const bench = new Measurements();
const measure = bench.measure.bind(bench);

function ref(partition = 0, topicId = randomBytes(16).toString('base64url')): PartitionRef {
  return { topicId, partition };
}

function batch(i: number, size = 1024): AppendBatch {
  return { offsetCount: 10, maxTimestamp: BigInt(1_700_000_000_000 + i), object: `objects/${i}`, position: 0, size };
}

async function benchMeta(label: string, meta: MetaStore): Promise<void> {
  const one = ref();
  await measure(`${label} append, 1 partition, sequential`, 3000, 1, 1, 'batches', (i) =>
    meta.log.append([{ partition: one, batches: [batch(i)] }]),
  );
  await measure(`${label} append, 1 partition, 64 callers`, 30_000, 64, 1, 'batches', (i) =>
    meta.log.append([{ partition: one, batches: [batch(i)] }]),
  );
  const topicId = randomBytes(16).toString('base64url');
  const sixteen = Array.from({ length: 16 }, (_, p) => ref(p, topicId));
  await measure(`${label} append, 16 partitions per call, sequential`, 2000, 1, 16, 'batches', (i) =>
    meta.log.append(sixteen.map((partition) => ({ partition, batches: [batch(i)] }))),
  );
  await measure(`${label} append, 16 partitions per call, 16 callers`, 10_000, 16, 16, 'batches', (i) =>
    meta.log.append(sixteen.map((partition) => ({ partition, batches: [batch(i)] }))),
  );
  await measure(`${label} offsets, 16 partitions, sequential`, 3000, 1, 16, 'partitions', () =>
    meta.log.offsets(sixteen),
  );
  // A 1 MiB read over 16 KiB batches: 64 index entries per call.
  const big = ref();
  for (let i = 0; i < 1000; i += 100) {
    await meta.log.append([{ partition: big, batches: Array.from({ length: 100 }, (_, j) => batch(i + j, 16_384)) }]);
  }
  await measure(`${label} read 1 MiB (64 entries), 16 callers`, 10_000, 16, 64, 'entries', (i) =>
    meta.log.read(big, BigInt((i % 900) * 10), 1 << 20),
  );
  await measure(`${label} findByTimestamp, 16 callers`, 10_000, 16, 1, 'lookups', (i) =>
    meta.log.findByTimestamp(big, BigInt(1_700_000_000_000 + (i % 1000))),
  );
}

async function benchWake(label: string, waiter: MetaStore, writer: MetaStore): Promise<void> {
  const p = ref();
  await measure(`${label} waitForAppend: append → wake-up`, 300, 1, 1, 'wake-ups', async (i) => {
    const [seen] = await waiter.log.offsets([p]);
    const woken = waiter.log.waitForAppend([{ ...p, highWatermark: seen!.highWatermark }], 5000);
    await new Promise((r) => setImmediate(r));
    await writer.log.append([{ partition: p, batches: [batch(i)] }]);
    await woken;
  });
}

async function benchBlobs(blobs: S3BlobStore): Promise<void> {
  const MiB = 1 << 20;
  const chunk = randomBytes(MiB / 4);
  const prefix = `bench-${randomBytes(4).toString('hex')}/`;
  await measure('s3 put 1 MiB (4 chunks), 16 callers', 400, 16, MiB, 'bytes', (i) =>
    blobs.put(`${prefix}${i}`, [chunk, chunk, chunk, chunk]),
  );
  await measure('s3 getRange 64 KiB, 32 callers', 4000, 32, 64 * 1024, 'bytes', (i) => {
    const at = (i * 7919) % (MiB - 65536);
    return blobs.getRange(`${prefix}${i % 400}`, at, at + 65536);
  });
  const keys: string[] = [];
  for await (const k of blobs.list(prefix)) keys.push(k);
  await blobs.delete(keys);
}

async function main(): Promise<void> {
  let connection: LocalStackConnection | undefined = connectionFromEnv();
  let clusterUrl = process.env.KAFKALESS_TEST_REDIS_CLUSTER_URL;
  let stop = async (): Promise<void> => undefined;
  if (connection === undefined) {
    const stack = await startLocalStack({ bucket: 'kafkaless-bench', redisCluster: true });
    connection = { redisUrl: stack.redisUrl, s3: stack.s3 };
    clusterUrl = stack.redisClusterUrl;
    stop = () => stack.stop();
  }
  const prefix = `bench-${randomBytes(4).toString('hex')}:`;
  const redis = new RedisMetaStore(connection.redisUrl, { prefix });
  const redis2 = new RedisMetaStore(connection.redisUrl, { prefix });
  const cluster =
    clusterUrl === undefined ? [] : [clusterUrl, clusterUrl].map((url) => new RedisMetaStore(url, { prefix }));
  const memory = new MemoryMetaStore();
  const blobs = new S3BlobStore(connection.s3);
  try {
    await redis.ping();
    await benchMeta('redis', redis);
    await benchWake('redis', redis, redis2);
    if (cluster.length > 0) {
      await cluster[0]!.ping();
      await benchMeta('redis cluster (3 masters)', cluster[0]!);
      await benchWake('redis cluster (3 masters)', cluster[0]!, cluster[1]!);
    }
    await benchMeta('memory', memory);
    await benchBlobs(blobs);
    bench.print();
  } finally {
    await Promise.all([redis.close(), redis2.close(), ...cluster.map((c) => c.close()), memory.close(), blobs.close()]);
    await stop();
  }
}

await main();
