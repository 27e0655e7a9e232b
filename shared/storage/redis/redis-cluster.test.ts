/**
 * The Redis MetaStore on a real 3-master Redis Cluster: the whole conformance
 * suite (any script or pipeline crossing slots fails it with CROSSSLOT or a
 * pipeline error), then what only a cluster shows: keys spread over the
 * masters, script cache loss on every node, notifications published on one
 * node reaching a subscriber on another. The cluster comes from
 * `KAFKALESS_TEST_REDIS_CLUSTER_URL` (the local stack's global setup) or a
 * stack this file starts; never skipped.
 */

import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PartialLocalStack, STACK_ENV, startLocalStack } from '../../../infra/local/stack.js';
import { metaStoreConformance } from '../conformance.js';
import { openMetaStore } from '../index.js';
import { nonceStoreConformance } from '../nonces-conformance.js';
import type { PartitionRef } from '../types.js';
import { isClusterUrl, keySlot, parseClusterUrl } from './cluster.js';
import { RedisMetaStore } from './meta.js';

const prefix = `kltest-${randomBytes(4).toString('hex')}:`;
let url = '';
let stack: PartialLocalStack | undefined;
let admin: Cluster;
const stores: RedisMetaStore[] = [];

function open(): RedisMetaStore {
  const store = new RedisMetaStore(url, { prefix });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  const fromEnv = process.env[STACK_ENV.redisClusterUrl];
  if (fromEnv !== undefined && fromEnv !== '') {
    url = fromEnv;
  } else {
    stack = await startLocalStack({ redis: false, s3: false, redisCluster: true });
    url = stack.redisClusterUrl!;
  }
  admin = new Cluster([...parseClusterUrl(url).seeds]);
}, 300_000);

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  if (admin !== undefined) {
    for (const node of admin.nodes('master')) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `{${prefix}*`, 'COUNT', 1000);
        // One DEL per key: keys of different slots cannot share a command.
        await Promise.all(keys.map((k) => node.del(k)));
        cursor = next;
      } while (cursor !== '0');
    }
    admin.disconnect();
  }
  await stack?.stop();
});

metaStoreConformance('redis cluster', async () => open());
nonceStoreConformance('redis cluster', async () => open());

const batch = { offsetCount: 1, maxTimestamp: 1_700_000_000_000n, object: 'o/1', position: 0, size: 10 };

function refs(count: number): PartitionRef[] {
  const topicId = randomBytes(16).toString('base64url');
  return Array.from({ length: count }, (_, partition) => ({ topicId, partition }));
}

describe('Redis MetaStore on a cluster', () => {
  it('opens from a redis-cluster:// URL', async () => {
    expect(isClusterUrl(url)).toBe(true);
    const store = await openMetaStore(url, { prefix });
    expect(store).toBeInstanceOf(RedisMetaStore);
    await store.ping();
    await store.close();
  });

  it('spreads partitions over the masters and serves calls across them in one go', async () => {
    const store = open();
    const partitions = refs(24);
    const nodes = new Set(
      partitions.map((p) => admin.slots[keySlot(store.keys.partition(p).state)]?.[0]).filter((n) => n !== undefined),
    );
    expect(nodes.size).toBe(3);
    const results = await store.log.append(partitions.map((partition) => ({ partition, batches: [batch] })));
    expect(results.every((r) => r.outcomes[0]?.kind === 'appended')).toBe(true);
    const offsets = await store.log.offsets(partitions);
    expect(offsets.map((o) => o.highWatermark)).toEqual(partitions.map(() => 1n));
  });

  it('runs its scripts again after every node forgets them', async () => {
    const store = open();
    const partitions = refs(6);
    await store.log.append(partitions.map((partition) => ({ partition, batches: [batch] })));
    await Promise.all(admin.nodes('master').map((n) => n.script('FLUSH')));
    const results = await store.log.append(partitions.map((partition) => ({ partition, batches: [batch] })));
    expect(results.map((r) => r.outcomes)).toEqual(partitions.map(() => [{ kind: 'appended', baseOffset: 1n }]));
  });

  it('wakes a waiter on partitions of several nodes when any of them is appended to', async () => {
    const store = open();
    const writer = open();
    const partitions = refs(12);
    const started = Date.now();
    const waiting = store.log.waitForAppend(
      partitions.map((p) => ({ ...p, highWatermark: 0n })),
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await writer.log.append([{ partition: partitions[7]!, batches: [batch] }]);
    await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('indexes groups and transactional ids kept on other nodes', async () => {
    const store = open();
    const groups = Array.from({ length: 8 }, (_, i) => `group-${prefix}${i}`);
    for (const g of groups) expect(await store.groups.compareAndSet(g, 0, 'state')).not.toBeNull();
    expect(await store.groups.list()).toEqual(expect.arrayContaining(groups));
    const many = await store.groups.getMany(groups);
    expect([...many.values()].every((v) => v?.value === 'state')).toBe(true);
    await store.transactions.compareAndSet(`txn-${prefix}`, 0, 'value');
    expect(await store.transactions.list()).toContain(`txn-${prefix}`);
  });
});

describe('redis-cluster:// URLs', () => {
  it('takes several seeds, credentials and TLS', () => {
    expect(parseClusterUrl('redis-cluster://a:7000,b:7001')).toEqual({
      seeds: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
    expect(parseClusterUrl('rediss-cluster://user:p%40ss@[::1]:7000/')).toMatchObject({
      seeds: [{ host: '::1', port: 7000 }],
      username: 'user',
      password: 'p@ss',
      tls: true,
    });
    expect(() => parseClusterUrl('redis-cluster://')).toThrow(TypeError);
    expect(() => parseClusterUrl('redis-cluster://host')).toThrow(TypeError);
  });

  it('hashes keys to slots as Redis does', () => {
    // Redis Cluster specification examples: CLUSTER KEYSLOT.
    expect(keySlot('123456789')).toBe(12739);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'));
    expect(keySlot('{}x')).not.toBe(keySlot('x'));
  });
});
