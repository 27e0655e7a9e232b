/**
 * The classic-group functions as several independent function instances over
 * one in-memory MetaStore (each instance its own store object on a shared
 * backend): random concurrent traffic from dynamic and static members, with
 * crashes, restarts and clock jumps, keeps the group's invariants and
 * settles to Stable with exactly the surviving members
 * (see group-instances-property.ts).
 */

import { describe, expect, it } from 'vitest';
import { MemoryMetaBackend, MemoryMetaStore } from '../shared/storage/memory/meta.js';
import { checkGroupInstances, type InstanceStores } from './group-instances-property.js';

async function memoryStores(instances: number): Promise<InstanceStores> {
  const backend = new MemoryMetaBackend();
  const all = Array.from({ length: instances + 1 }, () => new MemoryMetaStore(backend));
  return {
    instances: all.slice(0, instances),
    observer: all[instances]!,
    close: async () => {
      await Promise.all(all.map((s) => s.close()));
    },
  };
}

describe('classic group across function instances (memory store)', () => {
  it('keeps one generation at a time under concurrent random traffic, and settles to the survivors', async () => {
    const stats = await checkGroupInstances(memoryStores, { numRuns: 30 });
    expect([...stats.states].sort()).toEqual(['CompletingRebalance', 'Empty', 'PreparingRebalance', 'Stable']);
    expect(stats.staleCommitsRefused).toBeGreaterThan(0);
  }, 180_000);
});
