/**
 * A Redis that dies, or hangs, under a live store: calls fail fast with
 * StorageUnavailableError, and the same store instance works again once
 * Redis is back. Runs its own redis-server so it can kill and restart it.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../../infra/local/ports.js';
import { type ServerProcess, startServer, waitUntilReady } from '../../../infra/local/processes.js';
import { pingRedis } from '../../../infra/local/redis.js';
import { ensureRedis } from '../../../infra/local/stack.js';
import { type PartitionRef, StorageUnavailableError } from '../types.js';
import { RedisMetaStore } from './meta.js';

let dir = '';
let port = 0;
let server: ServerProcess | undefined;
let store: RedisMetaStore;

async function startRedis(): Promise<void> {
  server = await startServer({
    name: 'redis-server',
    command: await ensureRedis(),
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    cwd: dir,
    logFile: join(dir, 'redis.log'),
  });
  await waitUntilReady(server, 'answering PING', () => pingRedis(port), 30_000);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kafkaless-redis-down-'));
  [port] = (await freePorts(1)) as [number];
  await startRedis();
  store = new RedisMetaStore(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 1000, commandTimeoutMs: 1500 });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const p: PartitionRef = { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partition: 0 };
const batch = { offsetCount: 1, maxTimestamp: 1n, object: 'o', position: 0, size: 1 };
const offset = {
  topic: 't',
  partition: 0,
  offset: 1n,
  leaderEpoch: -1,
  metadata: null,
  commitTimestamp: 0,
  expireTimestamp: -1,
};

/** Every kind of call, each expected to fail with StorageUnavailableError within `withinMs`. */
async function expectAllFailFast(withinMs: number): Promise<void> {
  const calls: [string, () => Promise<unknown>][] = [
    ['ping', () => store.ping()],
    ['getTopic', () => store.topics.getTopic('t')],
    [
      'createTopic',
      () =>
        store.topics.createTopic({
          name: 't2',
          id: 'BBBBBBBBBBBBBBBBBBBBBB',
          partitions: 1,
          configs: {},
          createdAt: 0,
        }),
    ],
    ['append', () => store.log.append([{ partition: p, batches: [batch] }])],
    ['offsets', () => store.log.offsets([p])],
    ['read', () => store.log.read(p, 0n, 100)],
    ['waitForAppend', () => store.log.waitForAppend([{ topicId: 'CCCCCCCCCCCCCCCCCCCCCC', partition: 0 }], 30_000)],
    ['groups.get', () => store.groups.get('g')],
    ['groups.compareAndSet', () => store.groups.compareAndSet('g', 0, 'state')],
    ['groups.extendSessions', () => store.groups.extendSessions('g', 1, new Map([['m', 1]]))],
    ['groups.commitOffsets', () => store.groups.commitOffsets('g', [offset])],
    ['groups.fetchOffsetsMany', () => store.groups.fetchOffsetsMany([{ groupId: 'g' }])],
    ['groups.list', () => store.groups.list()],
    ['groups.waitForChange', () => store.groups.waitForChange('g', 0, 30_000)],
  ];
  await Promise.all(
    calls.map(async ([name, call]) => {
      const start = performance.now();
      const error = await call().then(
        () => new Error(`${name} succeeded against a Redis that is down`),
        (e: unknown) => e,
      );
      const took = performance.now() - start;
      expect(error, name).toBeInstanceOf(StorageUnavailableError);
      expect(took, `${name} took ${Math.round(took)} ms`).toBeLessThan(withinMs);
    }),
  );
}

async function recovers(withinMs: number, which: RedisMetaStore = store): Promise<number> {
  const start = performance.now();
  for (;;) {
    try {
      await which.ping();
      return performance.now() - start;
    } catch (e) {
      expect(e).toBeInstanceOf(StorageUnavailableError);
      if (performance.now() - start > withinMs) throw new Error(`store did not recover within ${withinMs} ms`);
    }
  }
}

describe('Redis going away', () => {
  it('fails calls fast while Redis is down and recovers by itself when it returns', async () => {
    await store.topics.createTopic({
      name: 't',
      id: 'DDDDDDDDDDDDDDDDDDDDDD',
      partitions: 1,
      configs: {},
      createdAt: 0,
    });
    await store.log.append([{ partition: p, batches: [batch] }]);
    const waiting = store.log.waitForAppend([p], 30_000);
    await new Promise((r) => setTimeout(r, 100));

    await server!.stop();
    await expectAllFailFast(2500);
    // A waiter from before the outage ends (spuriously) once its subscriber is back, not after 30 s.
    await startRedis();
    expect(await recovers(5000)).toBeLessThan(5000);
    await waiting;

    // Nothing was persisted: the restarted Redis is empty, and the same store works on it.
    expect(await store.topics.getTopic('t')).toBeNull();
    const [appended] = await store.log.append([{ partition: p, batches: [batch] }]);
    expect(appended!.outcomes).toEqual([{ kind: 'appended', baseOffset: 0n }]);
    const woken = store.log.waitForAppend([{ ...p, highWatermark: 1n }], 10_000);
    await new Promise((r) => setTimeout(r, 100));
    const start = performance.now();
    await store.log.append([{ partition: p, batches: [batch] }]);
    await woken;
    expect(performance.now() - start).toBeLessThan(1000);
  }, 30_000);

  it('fails calls after the command timeout while Redis hangs, and goes on when it resumes', async () => {
    await store.ping();
    process.kill(server!.pid, 'SIGSTOP');
    try {
      const start = performance.now();
      await expect(store.log.offsets([p])).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(performance.now() - start).toBeLessThan(2500);
    } finally {
      process.kill(server!.pid, 'SIGCONT');
    }
    expect(await recovers(5000)).toBeLessThan(5000);
    const [offsets] = await store.log.offsets([p]);
    expect(offsets!.highWatermark).toBe(2n);
  }, 30_000);

  it('works once Redis comes up when opened while it was down', async () => {
    await server!.stop();
    const late = new RedisMetaStore(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 1000 });
    try {
      const start = performance.now();
      await expect(late.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(performance.now() - start).toBeLessThan(2500);
      await startRedis();
      expect(await recovers(5000, late)).toBeLessThan(5000);
      const [appended] = await late.log.append([{ partition: p, batches: [batch] }]);
      expect(appended!.outcomes).toEqual([{ kind: 'appended', baseOffset: 0n }]);
    } finally {
      await late.close();
    }
  }, 30_000);
});
