/**
 * The classic-group functions as several independent function instances over
 * one real Redis (each instance its own MetaStore connection): random
 * concurrent traffic from dynamic and static members, with crashes, restarts
 * and clock jumps, keeps the group's invariants and settles to Stable with
 * exactly the surviving members (see functions/group-instances-property.ts).
 * Redis comes from `KAFKALESS_TEST_REDIS_URL`, which the integration
 * project's global setup provides.
 */

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { checkGroupInstances, type InstanceStores } from '../../functions/group-instances-property.js';
import { STACK_ENV } from '../../infra/local/stack.js';
import { openMetaStore } from '../../shared/storage/index.js';

const url = process.env[STACK_ENV.redisUrl] ?? '';
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
  if (url === '') return;
  const admin = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `{${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  admin.disconnect();
});

describe.skipIf(url === '')('classic group across function instances (Redis)', () => {
  it('keeps one generation at a time under concurrent random traffic, and settles to the survivors', async () => {
    const stats = await checkGroupInstances(redisStores, { numRuns: 25 });
    expect([...stats.states].sort()).toEqual(['CompletingRebalance', 'Empty', 'PreparingRebalance', 'Stable']);
    expect(stats.staleCommitsRefused).toBeGreaterThan(0);
  }, 240_000);
});
