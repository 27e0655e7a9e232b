/**
 * The classic-group functions as several independent function instances over
 * one real Redis (each instance its own MetaStore connection): random
 * concurrent traffic from dynamic and static members, with crashes, restarts
 * and clock jumps, keeps the group's invariants and settles to Stable with
 * exactly the surviving members (see functions/group-instances-property.ts).
 * Redis comes from the integration project's global setup (single or
 * cluster, see test/support/backends.ts).
 */

import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { checkGroupInstances, type InstanceStores } from '../../functions/group-instances-property.js';
import { openMetaStore } from '../../shared/storage/index.js';
import { createClient, whenReady } from '../../shared/storage/redis/connection.js';
import { testRedisUrl } from '../support/backends.js';

const url = testRedisUrl();
const prefix = `kltest-group-instances-${randomBytes(4).toString('hex')}:`;

async function redisStores(instances: number): Promise<InstanceStores> {
  const all = await Promise.all(Array.from({ length: instances + 1 }, () => openMetaStore(url, { prefix })));
  return {
    instances: all.slice(0, instances),
    observer: all[instances]!,
    close: async () => {
      await Promise.all(all.map((s) => s.close()));
    },
  };
}

afterAll(async () => {
  // On a cluster every master holds some of the keys, and one DEL may not span slots.
  const admin = createClient(url, 'test cleanup', {});
  await whenReady(admin, 5000);
  const nodes = admin instanceof Cluster ? admin.nodes('master') : [admin];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `{${prefix}*`, 'COUNT', 1000);
      await Promise.all(keys.map((key) => node.del(key)));
      cursor = next;
    } while (cursor !== '0');
  }
  admin.disconnect();
});

describe('classic group across function instances (Redis)', () => {
  it('keeps one generation at a time under concurrent random traffic, and settles to the survivors', async () => {
    const stats = await checkGroupInstances(redisStores, { numRuns: 25 });
    expect([...stats.states].sort()).toEqual(['CompletingRebalance', 'Empty', 'PreparingRebalance', 'Stable']);
    expect(stats.staleCommitsRefused).toBeGreaterThan(0);
  }, 240_000);
});
