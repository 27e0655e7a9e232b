/**
 * The Redis MetaStore against a real Redis: the conformance suite, then what
 * only Redis has (key layout, script cache loss, subscriptions, prefixes).
 * Redis comes from `KAFKALESS_TEST_REDIS_URL` (the local stack's global
 * setup) or, failing that, a local stack this file starts; never skipped.
 */

import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PartialLocalStack, STACK_ENV, startLocalStack } from '../../../infra/local/stack.js';
import { metaStoreConformance } from '../conformance.js';
import type { CommittedOffset, OffsetExpiry, TopicPartitionRef } from '../groups.js';
import { openMetaStore } from '../index.js';
import { MemoryMetaStore } from '../memory/meta.js';
import { nonceStoreConformance } from '../nonces-conformance.js';
import { type AppendBatch, type MetaStore, type PartitionRef, StorageUnavailableError } from '../types.js';
import { RedisMetaStore } from './meta.js';

const prefix = `kltest-${randomBytes(4).toString('hex')}:`;
let url = '';
let stack: PartialLocalStack | undefined;
let admin: Redis;
const stores: RedisMetaStore[] = [];

function open(options: { prefix?: string } = {}): RedisMetaStore {
  const store = new RedisMetaStore(url, { prefix: options.prefix ?? prefix });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  const fromEnv = process.env[STACK_ENV.redisUrl];
  if (fromEnv !== undefined && fromEnv !== '') {
    url = fromEnv;
  } else {
    stack = await startLocalStack({ redis: true, s3: false });
    url = stack.redisUrl!;
  }
  admin = new Redis(url);
}, 300_000);

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  if (admin !== undefined) {
    for (const pattern of [`{${prefix}*`, `{other-${prefix}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length > 0) await admin.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
    admin.disconnect();
  }
  await stack?.stop();
});

metaStoreConformance('redis', async () => open());
nonceStoreConformance('redis', async () => open());

function ref(): PartitionRef {
  return { topicId: randomBytes(16).toString('base64url'), partition: 3 };
}

const batch = { offsetCount: 2, maxTimestamp: 1_700_000_000_000n, object: 'o/1', position: 0, size: 10 };

describe('Redis MetaStore', () => {
  it('opens from a redis:// URL', async () => {
    const store = await openMetaStore(url, { prefix });
    expect(store).toBeInstanceOf(RedisMetaStore);
    await store.ping();
    await store.close();
  });

  it('keeps each partition under one hash tag and topics under another', async () => {
    const store = open();
    const p = ref();
    await store.log.append([{ partition: p, batches: [batch] }]);
    const tag = `{${prefix}p:${p.topicId}:${p.partition}}`;
    expect((await admin.keys(`${tag}*`)).sort()).toEqual([`${tag}:idx`, `${tag}:state`, `${tag}:ts`]);
    expect(await admin.hgetall(`${tag}:state`)).toEqual({ hwm: '2', maxts: '1700000000000', maxtsoff: '0' });
    expect(await admin.zrange(`${tag}:idx`, '0', '-1', 'WITHSCORES')).toEqual([
      '0000000000000000000:1:1700000000000:0:10:o/1',
      '1',
    ]);
    // Producer state, open and aborted transactions live under the same tag.
    const producer = { producerId: 7n, producerEpoch: 0, baseSequence: 0, lastSequence: 1, transactional: true };
    await store.log.append([{ partition: p, batches: [{ ...batch, producer }] }]);
    expect(await admin.hgetall(`${tag}:state`)).toEqual({
      hwm: '4',
      maxts: '1700000000000',
      maxtsoff: '0',
      lso: '2',
    });
    expect(await admin.hgetall(`${tag}:producers`)).toEqual({ '7': '0|-1|1700000000000|2|0,1,2,3,1700000000000;' });
    expect(await admin.zrange(`${tag}:txns`, '0', '-1', 'WITHSCORES')).toEqual(['7', '2']);
    const marker = { ...batch, offsetCount: 1 };
    await store.log.writeMarkers([
      { partition: p, marker: { producerId: 7n, producerEpoch: 0, commit: false, coordinatorEpoch: 3, batch: marker } },
    ]);
    expect(await admin.zrange(`${tag}:aborted`, '0', '-1', 'WITHSCORES')).toEqual(['0000000000000000004:2:7:5', '4']);
    expect((await admin.keys(`${tag}*`)).sort()).toEqual(
      ['aborted', 'idx', 'producers', 'state', 'ts'].map((k) => `${tag}:${k}`),
    );
    await store.topics.createTopic({ name: 'layout', id: p.topicId, partitions: 4, configs: {}, createdAt: 1 });
    expect(await admin.hget(`{${prefix}t}:ids`, p.topicId)).toBe('layout');
    expect(await admin.hexists(`{${prefix}t}:topics`, 'layout')).toBe(1);
    await store.topics.deleteTopic('layout');
    expect(await admin.keys(`${tag}*`)).toEqual([]);
  });

  it('runs its scripts again after Redis forgets them', async () => {
    const store = open();
    const p = ref();
    await store.log.append([{ partition: p, batches: [batch] }]);
    await admin.script('FLUSH');
    const results = await store.log.append([
      { partition: p, batches: [batch] },
      { partition: ref(), batches: [batch] },
    ]);
    expect(results.map((r) => r.outcomes)).toEqual([
      [{ kind: 'appended', baseOffset: 2n }],
      [{ kind: 'appended', baseOffset: 0n }],
    ]);
    await admin.script('FLUSH');
    expect((await store.log.read(p, 0n, 1000)).length).toBe(2);
  });

  it('keeps clusters with different prefixes apart', async () => {
    const mine = open();
    const theirs = open({ prefix: `other-${prefix}` });
    const id = randomBytes(16).toString('base64url');
    await mine.topics.createTopic({ name: 'shared-name', id, partitions: 1, configs: {}, createdAt: 1 });
    expect(await theirs.topics.getTopic('shared-name')).toBeNull();
    await mine.log.append([{ partition: { topicId: id, partition: 0 }, batches: [batch] }]);
    expect((await theirs.log.offsets([{ topicId: id, partition: 0 }]))[0]!.highWatermark).toBe(0n);
  });

  it('fails with StorageUnavailableError once closed', async () => {
    const store = new RedisMetaStore(url, { prefix });
    await store.ping();
    const waiting = store.log.waitForAppend([ref()], 60_000);
    const waitingForGroup = store.groups.waitForChange('g', 0, 60_000);
    await new Promise((r) => setTimeout(r, 50));
    await store.close();
    await waiting;
    await waitingForGroup;
    await expect(store.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.log.waitForAppend([ref()], 10)).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.groups.waitForChange('g', 0, 10)).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.groups.get('g')).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('refuses prefixes that would break hash tags', () => {
    expect(() => new RedisMetaStore(url, { prefix: 'a{b}:' })).toThrow(TypeError);
  });

  it('multiplexes waiters over one subscriber connection and unsubscribes when they leave', async () => {
    const store = open();
    const parts = Array.from({ length: 20 }, () => ref());
    const waits = parts.map((p) => store.log.waitForAppend([p, parts[0]!], 10_000));
    const channel = `{${prefix}p:${parts[0]!.topicId}:3}:appended`;
    const subscribers = async (): Promise<unknown> => (await admin.call('PUBSUB', 'NUMSUB', channel)) as unknown;
    // Subscribing is asynchronous: wait for it rather than guess how long it takes.
    await expect.poll(subscribers, { timeout: 5_000, interval: 20 }).toEqual([channel, 1]);
    await new Promise((r) => setTimeout(r, 100));
    expect(await subscribers()).toEqual([channel, 1]);
    await store.log.append([{ partition: parts[0]!, batches: [batch] }]);
    await Promise.all(waits);
    await expect.poll(subscribers, { timeout: 5_000, interval: 20 }).toEqual([channel, 0]);
    const clients = String(await admin.call('CLIENT', 'LIST'))
      .split('\n')
      .filter((line) => line.includes('name=kafkaless-meta-subscriber'));
    expect(clients.length).toBeGreaterThanOrEqual(1);
    expect(clients.length).toBeLessThanOrEqual(stores.length);
  });

  it('is not fooled by an append between reading offsets and waiting', async () => {
    const store = open();
    const writer = open();
    const p = ref();
    for (let round = 0; round < 20; round++) {
      const [seen] = await store.log.offsets([p]);
      // The append lands before the wait subscribes; the re-check catches it.
      await writer.log.append([{ partition: p, batches: [batch] }]);
      const start = performance.now();
      await store.log.waitForAppend([{ ...p, highWatermark: seen!.highWatermark }], 5_000);
      expect(performance.now() - start).toBeLessThan(1000);
    }
  });
});

type Op =
  | { kind: 'append'; batches: AppendBatch[] }
  | { kind: 'advance'; offset: bigint }
  | { kind: 'read'; from: bigint; maxBytes: number }
  | { kind: 'find'; timestamp: bigint }
  | { kind: 'offsets' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.record({
          offsetCount: fc.integer({ min: 1, max: 4 }),
          maxTimestamp: fc.bigInt({ min: -1n, max: 50n }),
          object: fc.constantFrom('a', 'b:c', 'objects/0001'),
          position: fc.nat({ max: 1000 }),
          size: fc.integer({ min: 1, max: 200 }),
        }),
        { minLength: 1, maxLength: 3 },
      )
      .map((batches): Op => ({ kind: 'append', batches })),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: -1n, max: 40n }).map((offset): Op => ({ kind: 'advance', offset })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ from: fc.bigInt({ min: -1n, max: 40n }), maxBytes: fc.integer({ min: 0, max: 500 }) })
      .map((r): Op => ({ kind: 'read', ...r })),
  },
  { weight: 2, arbitrary: fc.bigInt({ min: -2n, max: 55n }).map((timestamp): Op => ({ kind: 'find', timestamp })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'offsets' }) },
);

async function apply(store: MetaStore, p: PartitionRef, op: Op): Promise<unknown> {
  switch (op.kind) {
    case 'append':
      return store.log.append([{ partition: p, batches: op.batches }]);
    case 'advance':
      return store.log.advanceLogStart(p, op.offset);
    case 'read':
      return store.log.read(p, op.from, op.maxBytes);
    case 'find':
      return store.log.findByTimestamp(p, op.timestamp);
    case 'offsets':
      return store.log.offsets([p]);
  }
}

describe('Redis and memory MetaStores', () => {
  it('answer every sequence of log operations alike', async () => {
    const redis = open();
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
        const memory = new MemoryMetaStore();
        const p = ref();
        for (const op of ops) expect(await apply(redis, p, op)).toEqual(await apply(memory, p, op));
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe('Redis MetaStore groups', () => {
  const committed = (topic: string, partition: number, offset: bigint): CommittedOffset => ({
    topic,
    partition,
    offset,
    leaderEpoch: 5,
    metadata: null,
    commitTimestamp: 1_767_225_600_000,
    expireTimestamp: -1,
  });

  it("keeps each group under one hash tag holding its id's base64url", async () => {
    const store = open();
    const id = `a{b}:c-${randomBytes(4).toString('hex')}`;
    const version = await store.groups.compareAndSet(id, 0, 'state');
    await store.groups.commitOffsets(id, [committed('t:x', 3, 42n), { ...committed('u', 0, -1n), metadata: 'm:1' }]);
    const tag = `{${prefix}g:${Buffer.from(id).toString('base64url')}}`;
    expect((await admin.keys(`${tag}*`)).sort()).toEqual([`${tag}:offsets`, `${tag}:state`]);
    expect(await admin.hgetall(`${tag}:state`)).toEqual({ v: String(version), value: 'state' });
    expect(await admin.hgetall(`${tag}:offsets`)).toEqual({
      't:x\u00003': '42:5:1767225600000:-1:-',
      'u\u00000': '-1:5:1767225600000:-1:+m:1',
    });
    expect(await admin.sismember(`{${prefix}groups}:index`, id)).toBe(1);
    // A first version comes from the server clock, in microseconds.
    expect(version).toBeGreaterThan((Date.now() - 60_000) * 1000);
    expect(await store.groups.deleteGroup(id, version!)).toBe(true);
    expect(await admin.keys(`${tag}*`)).toEqual([]);
    expect(await admin.sismember(`{${prefix}groups}:index`, id)).toBe(0);
  });

  it('runs its group scripts again after Redis forgets them', async () => {
    const store = open();
    const id = `flush-${randomBytes(4).toString('hex')}`;
    await admin.script('FLUSH');
    const v1 = (await store.groups.compareAndSet(id, 0, 'a'))!;
    await admin.script('FLUSH');
    expect(await store.groups.commitOffsets(id, [{ ...committed('t', 0, 1n), expireTimestamp: 0 }], v1)).toBe(true);
    await admin.script('FLUSH');
    expect(await store.groups.expireOffsets(id, 1)).toBe(1);
    await admin.script('FLUSH');
    expect(await store.groups.deleteGroup(id, v1)).toBe(true);
    expect(await store.groups.list()).not.toContain(id);
  });

  it('lists only groups that exist, dropping index entries of groups that do not', async () => {
    const store = open();
    const ghost = `ghost-${randomBytes(4).toString('hex')}`;
    const real = `real-${randomBytes(4).toString('hex')}`;
    await admin.sadd(`{${prefix}groups}:index`, ghost);
    await store.groups.commitOffsets(real, [committed('t', 0, 1n)]);
    const listed = await store.groups.list();
    expect(listed).toContain(real);
    expect(listed).not.toContain(ghost);
    expect(await admin.sismember(`{${prefix}groups}:index`, ghost)).toBe(0);
    expect(await admin.sismember(`{${prefix}groups}:index`, real)).toBe(1);
  });

  it('shares one subscription per group channel and drops it when the waiters leave', async () => {
    const store = open();
    const id = `sub-${randomBytes(4).toString('hex')}`;
    const v = (await store.groups.compareAndSet(id, 0, 'a'))!;
    const waits = Array.from({ length: 5 }, () => store.groups.waitForChange(id, v, 10_000));
    await new Promise((r) => setTimeout(r, 200));
    const channel = `{${prefix}g:${Buffer.from(id).toString('base64url')}}:changed`;
    expect(await admin.call('PUBSUB', 'NUMSUB', channel)).toEqual([channel, 1]);
    await store.groups.compareAndSet(id, v, 'b');
    await Promise.all(waits);
    expect(await admin.call('PUBSUB', 'NUMSUB', channel)).toEqual([channel, 0]);
  });
});

type GroupOp =
  | { kind: 'cas'; stale: boolean; value: string | null }
  | { kind: 'commit'; offsets: CommittedOffset[]; condition: 'none' | 'current' | 'stale' }
  | { kind: 'fetch'; partitions?: TopicPartitionRef[] }
  | { kind: 'deleteOffsets'; partitions: TopicPartitionRef[] }
  | { kind: 'deleteGroup'; stale: boolean }
  | { kind: 'expire'; now: number; expiry: OffsetExpiry & { stale?: boolean } }
  | { kind: 'list' };

const tpArb = fc.record({ topic: fc.constantFrom('a', 'b:c', 'd\u0000e'), partition: fc.nat({ max: 3 }) });
const offsetArb: fc.Arbitrary<CommittedOffset> = fc.record({
  topic: fc.constantFrom('a', 'b:c', 'd\u0000e'),
  partition: fc.nat({ max: 3 }),
  offset: fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }),
  leaderEpoch: fc.integer({ min: -1, max: 100 }),
  metadata: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
  commitTimestamp: fc.integer({ min: 0, max: 10 }),
  expireTimestamp: fc.integer({ min: -1, max: 20 }),
});

const groupOpArb: fc.Arbitrary<GroupOp> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .record({ stale: fc.boolean(), value: fc.option(fc.string({ maxLength: 6 }), { nil: null }) })
      .map((r): GroupOp => ({ kind: 'cas', ...r })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        offsets: fc.array(offsetArb, { maxLength: 4 }),
        condition: fc.constantFrom<'none' | 'current' | 'stale'>('none', 'current', 'stale'),
      })
      .map((r): GroupOp => ({ kind: 'commit', ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .option(fc.array(tpArb, { maxLength: 4 }), { nil: undefined })
      .map((partitions): GroupOp => (partitions === undefined ? { kind: 'fetch' } : { kind: 'fetch', partitions })),
  },
  {
    weight: 1,
    arbitrary: fc.array(tpArb, { maxLength: 3 }).map((partitions): GroupOp => ({ kind: 'deleteOffsets', partitions })),
  },
  { weight: 1, arbitrary: fc.boolean().map((stale): GroupOp => ({ kind: 'deleteGroup', stale })) },
  {
    weight: 4,
    arbitrary: fc
      .record({
        now: fc.integer({ min: 0, max: 20 }),
        retentionMs: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
        since: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
        keepTopics: fc.option(fc.subarray(['a', 'b:c', 'd\u0000e']), { nil: undefined }),
        stale: fc.option(fc.boolean(), { nil: undefined }),
      })
      .map(({ now, ...rest }): GroupOp => {
        const expiry: OffsetExpiry & { stale?: boolean } = {};
        for (const [k, v] of Object.entries(rest)) if (v !== undefined) Object.assign(expiry, { [k]: v });
        return { kind: 'expire', now, expiry };
      }),
  },
  { weight: 1, arbitrary: fc.constant<GroupOp>({ kind: 'list' }) },
);

/** Runs `op` and describes its outcome without versions, which differ between the stores. */
async function applyGroupOp(store: MetaStore, groupId: string, op: GroupOp): Promise<unknown> {
  const current = (await store.groups.get(groupId))?.version ?? 0;
  const pick = (stale: boolean): number => (stale ? current + 1 : current);
  switch (op.kind) {
    case 'cas': {
      const v = await store.groups.compareAndSet(groupId, pick(op.stale), op.value);
      return [v === null ? 'refused' : v === 0 ? 'deleted' : 'written', (await store.groups.get(groupId))?.value];
    }
    case 'commit':
      return store.groups.commitOffsets(
        groupId,
        op.offsets,
        op.condition === 'none' ? undefined : pick(op.condition === 'stale'),
      );
    case 'fetch':
      return store.groups.fetchOffsets(groupId, op.partitions);
    case 'deleteOffsets':
      await store.groups.deleteOffsets(groupId, op.partitions);
      return store.groups.fetchOffsets(groupId);
    case 'deleteGroup':
      return store.groups.deleteGroup(groupId, pick(op.stale));
    case 'expire': {
      const { stale, ...expiry } = op.expiry;
      const dropped = await store.groups.expireOffsets(
        groupId,
        op.now,
        stale === undefined ? expiry : { ...expiry, ifVersion: pick(stale) },
      );
      return [dropped, await store.groups.fetchOffsets(groupId)];
    }
    case 'list':
      return (await store.groups.list()).includes(groupId);
  }
}

describe('Redis and memory group stores', () => {
  it('answer every sequence of group operations alike', async () => {
    const redis = open();
    await fc.assert(
      fc.asyncProperty(fc.array(groupOpArb, { minLength: 4, maxLength: 25, size: 'medium' }), async (ops) => {
        const memory = new MemoryMetaStore();
        const groupId = `prop-${randomBytes(6).toString('hex')}`;
        for (const op of ops) {
          expect(await applyGroupOp(redis, groupId, op)).toEqual(await applyGroupOp(memory, groupId, op));
        }
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});

describe('Redis MetaStore schemas', () => {
  it('keeps the whole registry under one hash tag and survives a lost script cache', async () => {
    const own = `other-${prefix}schemas:`;
    const store = open({ prefix: own });
    const tag = `{${own}sr}`;
    expect(
      await store.schemas.register({ subject: 'base', schemaType: 'AVRO', schema: '"string"', references: [] }),
    ).toEqual({
      kind: 'registered',
      id: 1,
      version: 1,
    });
    await admin.script('FLUSH');
    const references = [{ name: 'Base', subject: 'base', version: 1 }];
    expect(await store.schemas.register({ subject: 'user', schemaType: 'AVRO', schema: '"int"', references })).toEqual({
      kind: 'registered',
      id: 2,
      version: 1,
    });
    await store.schemas.setConfig('user', { compatibilityLevel: 'FULL' });
    await store.schemas.setMode(null, 'READWRITE');
    expect((await admin.keys(`${tag}*`)).sort()).toEqual(
      ['config', 'fp', 'mode', 'next', 'refby', 'schemas', 'subjects'].map((k) => `${tag}:${k}`),
    );
    expect(await admin.hget(`${tag}:subjects`, 'user')).toBe('[[1,2,0]]');
    expect(await admin.keys(`{${own}*`)).toHaveLength(7);
  });
});

describe('Redis MetaStore acls', () => {
  it('keeps the bindings and their version under one hash tag and survives a lost script cache', async () => {
    const own = `other-${prefix}acls:`;
    const store = open({ prefix: own });
    const tag = `{${own}acl}`;
    const acl = {
      resourceType: 2,
      resourceName: 'orders',
      patternType: 3,
      principal: 'User:alice',
      host: '*',
      operation: 3,
      permissionType: 3,
    };
    expect(await store.acls.add([acl])).toBe(1);
    await admin.script('FLUSH');
    expect(await store.acls.add([{ ...acl, operation: 4 }])).toBe(2);
    expect((await admin.keys(`${tag}*`)).sort()).toEqual([`${tag}:bindings`, `${tag}:version`]);
    expect(await admin.smembers(`${tag}:bindings`)).toContain('[2,"orders",3,"User:alice","*",3,3]');
    expect(await admin.keys(`{${own}*`)).toHaveLength(2);
  });
});
