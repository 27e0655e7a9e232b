/**
 * The conformance suites every MetaStore and BlobStore passes. `open` returns
 * a new store instance on the same backing state each time (several
 * instances stand for several function instances); tests keep apart by
 * unique topic names, ids and object prefixes, so the backing state may be
 * shared with other suites.
 */

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aclStoreConformance } from './acls-conformance.js';
import { credentialStoreConformance } from './credentials-conformance.js';
import { BlobNotFoundError } from './errors.js';
import type { CommittedOffset, TopicPartitionRef } from './groups.js';
import { EMPTY_OFFSETS } from './log-rules.js';
import { schemaStoreConformance } from './schemas-conformance.js';
import {
  type AppendBatch,
  type BatchOutcome,
  type BatchProducer,
  type BlobStore,
  type IndexEntry,
  type MetaStore,
  type PartitionRef,
  StorageUnavailableError,
  type TopicRecord,
  type TransactionMarker,
} from './types.js';

function topicId(): string {
  return randomBytes(16).toString('base64url');
}

function unique(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

function topic(partitions = 3, configs: Record<string, string> = {}): TopicRecord {
  return { name: unique('topic'), id: topicId(), partitions, configs, createdAt: 1_700_000_000_123 };
}

function partition(index = 0): PartitionRef {
  return { topicId: topicId(), partition: index };
}

function batch(offsetCount: number, maxTimestamp: bigint, size = 100, object = 'objects/0001'): AppendBatch {
  return { offsetCount, maxTimestamp, object, position: 0, size };
}

/** The base offset of an appended batch; fails the test for any other outcome. */
function appendedAt(outcome: BatchOutcome): bigint {
  if (outcome.kind !== 'appended') throw new Error(`expected the batch appended, got ${JSON.stringify(outcome, big)}`);
  return outcome.baseOffset;
}

function big(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function bases(entries: readonly IndexEntry[]): bigint[] {
  return entries.map((e) => e.baseOffset);
}

async function elapsed(work: Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work;
  return performance.now() - start;
}

export function metaStoreConformance(name: string, open: () => Promise<MetaStore>): void {
  describe(`MetaStore conformance: ${name}`, () => {
    const opened: MetaStore[] = [];
    let store: MetaStore;
    let other: MetaStore;

    async function fresh(): Promise<MetaStore> {
      const s = await open();
      opened.push(s);
      return s;
    }

    async function appendOne(p: PartitionRef, batches: AppendBatch[], via: MetaStore = store): Promise<bigint[]> {
      const [result] = await via.log.append([{ partition: p, batches }]);
      return result!.outcomes.map(appendedAt);
    }

    beforeAll(async () => {
      store = await fresh();
      other = await fresh();
    });

    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    describe('topics', () => {
      it('creates a topic and finds it by name and by id', async () => {
        const t = topic(3, { 'cleanup.policy': 'compact' });
        expect(await store.topics.createTopic(t)).toEqual({ created: true, topic: t });
        expect(await other.topics.getTopic(t.name)).toEqual(t);
        expect(await other.topics.getTopicById(t.id)).toEqual(t);
        expect(await store.topics.getTopic(unique('missing'))).toBeNull();
        expect(await store.topics.getTopicById(topicId())).toBeNull();
      });

      it('refuses a second topic of the same name and returns the first', async () => {
        const t = topic(2);
        await store.topics.createTopic(t);
        const again = { ...topic(5), name: t.name };
        expect(await other.topics.createTopic(again)).toEqual({ created: false, existing: t });
        expect(await store.topics.getTopicById(again.id)).toBeNull();
      });

      it('creates exactly one of many concurrent creations of a name', async () => {
        const stores = [store, other, await fresh()];
        const name = unique('race');
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => stores[i % stores.length]!.topics.createTopic({ ...topic(1), name })),
        );
        const created = results.filter((r) => r.created);
        expect(created).toHaveLength(1);
        const winner = created[0]!.created ? created[0]!.topic : null;
        for (const r of results) if (!r.created) expect(r.existing).toEqual(winner);
      });

      it('gets several topics at once, missing ones as null', async () => {
        const a = topic(1);
        const b = topic(2);
        await store.topics.createTopic(a);
        await store.topics.createTopic(b);
        const missing = unique('missing');
        const got = await other.topics.getTopics([b.name, missing, a.name]);
        expect([...got.keys()]).toEqual([b.name, missing, a.name]);
        expect(got.get(a.name)).toEqual(a);
        expect(got.get(b.name)).toEqual(b);
        expect(got.get(missing)).toBeNull();
        expect((await store.topics.getTopics([])).size).toBe(0);
      });

      it('lists topics sorted by name', async () => {
        const mine = [topic(1), topic(1), topic(1)];
        for (const t of mine) await store.topics.createTopic(t);
        const listed = await other.topics.listTopics();
        const names = listed.map((t) => t.name);
        expect(names).toEqual([...names].sort());
        for (const t of mine) expect(listed).toContainEqual(t);
      });

      it('deletes a topic with its partitions, and the name can be used again', async () => {
        const t = topic(2);
        await store.topics.createTopic(t);
        const p1 = { topicId: t.id, partition: 1 };
        await appendOne(p1, [batch(4, 10n)]);
        expect(await other.topics.deleteTopic(t.name)).toEqual(t);
        expect(await store.topics.getTopic(t.name)).toBeNull();
        expect(await store.topics.getTopicById(t.id)).toBeNull();
        expect((await store.topics.listTopics()).map((x) => x.name)).not.toContain(t.name);
        expect(await store.log.offsets([p1])).toEqual([EMPTY_OFFSETS]);
        expect(await store.log.read(p1, 0n, 1 << 20)).toEqual([]);
        expect(await store.topics.deleteTopic(t.name)).toBeNull();
        const again = { ...topic(1), name: t.name };
        expect((await store.topics.createTopic(again)).created).toBe(true);
        expect(await store.topics.getTopicById(again.id)).toEqual(again);
      });

      it('only grows the partition count', async () => {
        const t = topic(3);
        await store.topics.createTopic(t);
        expect(await store.topics.setPartitionCount(t.name, 3)).toEqual({ ok: false, topic: t });
        expect(await store.topics.setPartitionCount(t.name, 2)).toEqual({ ok: false, topic: t });
        const grown = { ...t, partitions: 5 };
        expect(await other.topics.setPartitionCount(t.name, 5)).toEqual({ ok: true, topic: grown });
        expect(await store.topics.getTopic(t.name)).toEqual(grown);
        expect(await store.topics.getTopicById(t.id)).toEqual(grown);
        expect(await store.topics.setPartitionCount(unique('missing'), 9)).toEqual({ ok: false, topic: null });
      });

      it('patches configs, null removing a key', async () => {
        const t = topic(1, { a: '1', b: '2' });
        await store.topics.createTopic(t);
        const patched = await other.topics.updateConfigs(t.name, { b: null, c: '3', a: '10' }, 'patch');
        expect(patched).toEqual({ ...t, configs: { a: '10', c: '3' } });
        expect(await store.topics.getTopic(t.name)).toEqual(patched);
      });

      it('replaces configs wholesale', async () => {
        const t = topic(1, { a: '1', b: '2' });
        await store.topics.createTopic(t);
        const replaced = await store.topics.updateConfigs(t.name, { c: '3', d: null }, 'replace');
        expect(replaced).toEqual({ ...t, configs: { c: '3' } });
        expect(await other.topics.getTopic(t.name)).toEqual(replaced);
        expect(await store.topics.updateConfigs(unique('missing'), { a: '1' }, 'patch')).toBeNull();
      });

      it('keeps every one of many concurrent config patches', async () => {
        const t = topic(1);
        await store.topics.createTopic(t);
        const stores = [store, other, await fresh()];
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            stores[i % 3]!.topics.updateConfigs(t.name, { [`k${i}`]: `${i}` }, 'patch'),
          ),
        );
        const configs = (await store.topics.getTopic(t.name))!.configs;
        expect(Object.keys(configs)).toHaveLength(20);
        for (let i = 0; i < 20; i++) expect(configs[`k${i}`]).toBe(`${i}`);
      });

      it('hands out records the caller cannot alias into the store', async () => {
        const t = topic(1, { a: '1' });
        const { created } = await store.topics.createTopic(t);
        expect(created).toBe(true);
        (t.configs as Record<string, string>).a = 'changed';
        const got = (await store.topics.getTopic(t.name))!;
        expect(got.configs).toEqual({ a: '1' });
        (got.configs as Record<string, string>).a = 'changed again';
        expect((await store.topics.getTopic(t.name))!.configs).toEqual({ a: '1' });
      });
    });

    describe('producers', () => {
      it('hands out unique, increasing, non-negative producer ids across instances', async () => {
        const stores = [store, other, await fresh()];
        const ids = await Promise.all(
          Array.from({ length: 60 }, (_, i) => stores[i % stores.length]!.producers.allocateProducerId()),
        );
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) expect(id).toBeGreaterThanOrEqual(0n);
        const later = await other.producers.allocateProducerId();
        for (const id of ids) expect(later).toBeGreaterThan(id);
        const again = await store.producers.allocateProducerId();
        expect(again).toBeGreaterThan(later);
      });
    });

    describe('log', () => {
      it('reports zeros for partitions never written', async () => {
        expect(await store.log.offsets([partition(), partition(7)])).toEqual([EMPTY_OFFSETS, EMPTY_OFFSETS]);
        expect(await store.log.offsets([])).toEqual([]);
        expect(await store.log.read(partition(), 0n, 1000)).toEqual([]);
        expect(await store.log.findByTimestamp(partition(), 0n)).toBeNull();
      });

      it('assigns dense offsets across calls and instances', async () => {
        const p = partition();
        expect(await appendOne(p, [batch(3, 10n), batch(2, 20n)])).toEqual([0n, 3n]);
        expect(await appendOne(p, [batch(1, 30n)], other)).toEqual([5n]);
        const [offsets] = await store.log.offsets([p]);
        expect(offsets).toEqual({
          logStartOffset: 0n,
          highWatermark: 6n,
          maxTimestamp: 30n,
          maxTimestampBatchOffset: 5n,
          lastStableOffset: 6n,
        });
        const entries = await other.log.read(p, 0n, 1 << 20);
        expect(entries.map((e) => [e.baseOffset, e.lastOffset, e.maxTimestamp])).toEqual([
          [0n, 2n, 10n],
          [3n, 4n, 20n],
          [5n, 5n, 30n],
        ]);
      });

      it('returns the offsets after the append', async () => {
        const p = partition();
        const [result] = await store.log.append([{ partition: p, batches: [batch(4, 50n)] }]);
        expect(result).toEqual({
          outcomes: [{ kind: 'appended', baseOffset: 0n }],
          offsets: {
            logStartOffset: 0n,
            highWatermark: 4n,
            maxTimestamp: 50n,
            maxTimestampBatchOffset: 0n,
            lastStableOffset: 4n,
          },
        });
      });

      it('keeps index entries exactly as appended', async () => {
        const p = partition();
        const b: AppendBatch = {
          offsetCount: 7,
          maxTimestamp: 1_712_345_678_901n,
          object: 'objects/a:b:c/0000000042',
          position: 123_456,
          size: 7890,
        };
        await appendOne(p, [b]);
        const entry: IndexEntry = {
          baseOffset: 0n,
          lastOffset: 6n,
          maxTimestamp: b.maxTimestamp,
          object: b.object,
          position: b.position,
          size: b.size,
        };
        expect(await other.log.read(p, 0n, 1)).toEqual([entry]);
        expect(await other.log.findByTimestamp(p, 0n)).toEqual(entry);
      });

      it('keeps offsets dense, unique and in order under concurrent appends from several instances', async () => {
        const p = partition();
        const stores = [store, other, await fresh(), await fresh()];
        const counts = Array.from({ length: 50 }, (_, i) => 1 + ((i * 7) % 5));
        const results = await Promise.all(
          counts.map((count, i) =>
            stores[i % stores.length]!.log.append([
              { partition: p, batches: [batch(count, BigInt(i), 10, `objects/${String(i).padStart(4, '0')}`)] },
            ]),
          ),
        );
        const assigned = results.map((r, i) => ({
          base: appendedAt(r[0]!.outcomes[0]!),
          count: counts[i]!,
          object: i,
        }));
        assigned.sort((a, b) => (a.base < b.base ? -1 : 1));
        let next = 0n;
        for (const a of assigned) {
          expect(a.base).toBe(next);
          next += BigInt(a.count);
        }
        const total = BigInt(counts.reduce((s, c) => s + c, 0));
        expect(next).toBe(total);
        const [offsets] = await store.log.offsets([p]);
        expect(offsets!.highWatermark).toBe(total);
        const entries = await store.log.read(p, 0n, Number.MAX_SAFE_INTEGER);
        expect(bases(entries)).toEqual(assigned.map((a) => a.base));
        expect(entries.map((e) => e.object)).toEqual(
          assigned.map((a) => `objects/${String(a.object).padStart(4, '0')}`),
        );
      });

      it('appends to several partitions in one call, each on its own', async () => {
        const [a, b, c] = [partition(0), partition(1), partition(2)];
        await appendOne(b, [batch(10, 1n)]);
        const results = await store.log.append([
          { partition: a, batches: [batch(2, 5n)] },
          { partition: b, batches: [batch(3, 6n), batch(1, 7n)] },
          { partition: c, batches: [] },
          { partition: a, batches: [batch(1, 8n)] },
        ]);
        expect(results.map((r) => r.outcomes.map(appendedAt))).toEqual([[0n], [10n, 13n], [], [2n]]);
        expect(results.map((r) => r.offsets.highWatermark)).toEqual([2n, 14n, 0n, 3n]);
        expect((await other.log.offsets([a, b, c])).map((o) => o.highWatermark)).toEqual([3n, 14n, 0n]);
        expect(await store.log.append([])).toEqual([]);
      });

      it('reads from the batch holding fromOffset', async () => {
        const p = partition();
        await appendOne(p, [batch(3, 1n), batch(2, 2n), batch(5, 3n)]);
        expect(bases(await store.log.read(p, 0n, 1 << 20))).toEqual([0n, 3n, 5n]);
        expect(bases(await store.log.read(p, 2n, 1 << 20))).toEqual([0n, 3n, 5n]);
        expect(bases(await store.log.read(p, 3n, 1 << 20))).toEqual([3n, 5n]);
        expect(bases(await store.log.read(p, 4n, 1 << 20))).toEqual([3n, 5n]);
        expect(bases(await store.log.read(p, 9n, 1 << 20))).toEqual([5n]);
      });

      it('never reads at or past the high watermark', async () => {
        const p = partition();
        await appendOne(p, [batch(3, 1n), batch(2, 2n)]);
        expect(await store.log.read(p, 5n, 1 << 20)).toEqual([]);
        expect(await store.log.read(p, 100n, 1 << 20)).toEqual([]);
      });

      it('stops once maxBytes is reached, but always returns the first entry', async () => {
        const p = partition();
        await appendOne(p, [batch(1, 1n, 100), batch(1, 2n, 100), batch(1, 3n, 100), batch(1, 4n, 1000)]);
        expect(bases(await store.log.read(p, 0n, 0))).toEqual([0n]);
        expect(bases(await store.log.read(p, 0n, 1))).toEqual([0n]);
        expect(bases(await store.log.read(p, 0n, 100))).toEqual([0n]);
        expect(bases(await store.log.read(p, 0n, 101))).toEqual([0n, 1n]);
        expect(bases(await store.log.read(p, 0n, 250))).toEqual([0n, 1n, 2n]);
        expect(bases(await store.log.read(p, 3n, 10))).toEqual([3n]);
        expect(bases(await store.log.read(p, 0n, Number.POSITIVE_INFINITY))).toEqual([0n, 1n, 2n, 3n]);
      });

      it('reads long logs past any internal page size', async () => {
        const p = partition();
        await appendOne(
          p,
          Array.from({ length: 300 }, (_, i) => batch(2, BigInt(i), 10)),
        );
        const all = await store.log.read(p, 0n, Number.MAX_SAFE_INTEGER);
        expect(all).toHaveLength(300);
        expect(bases(all)).toEqual(Array.from({ length: 300 }, (_, i) => BigInt(2 * i)));
        expect(bases(await store.log.read(p, 101n, 10 * 150))).toEqual(
          Array.from({ length: 150 }, (_, i) => BigInt(100 + 2 * i)),
        );
      });

      it('finds the first batch holding a timestamp at or after the target, timestamps out of order', async () => {
        const p = partition();
        // Batches: [0,1] 100, [2,3] 300, [4,5] 200, [6,7] 400, [8,9] 250.
        await appendOne(p, [batch(2, 100n), batch(2, 300n), batch(2, 200n), batch(2, 400n), batch(2, 250n)]);
        const at = async (ts: bigint): Promise<bigint | null> =>
          (await other.log.findByTimestamp(p, ts))?.baseOffset ?? null;
        expect(await at(-1n)).toBe(0n);
        expect(await at(100n)).toBe(0n);
        expect(await at(101n)).toBe(2n);
        expect(await at(200n)).toBe(2n);
        expect(await at(250n)).toBe(2n);
        expect(await at(300n)).toBe(2n);
        expect(await at(301n)).toBe(6n);
        expect(await at(400n)).toBe(6n);
        expect(await at(401n)).toBeNull();
        const [offsets] = await store.log.offsets([p]);
        expect(offsets!.maxTimestamp).toBe(400n);
        expect(offsets!.maxTimestampBatchOffset).toBe(6n);
      });

      it('names the first batch holding the largest timestamp', async () => {
        const p = partition();
        await appendOne(p, [batch(1, 5n), batch(1, 9n), batch(1, 9n), batch(1, 3n)]);
        const [offsets] = await store.log.offsets([p]);
        expect(offsets).toEqual({
          logStartOffset: 0n,
          highWatermark: 4n,
          maxTimestamp: 9n,
          maxTimestampBatchOffset: 1n,
          lastStableOffset: 4n,
        });
      });

      it('reports batches without timestamps (-1)', async () => {
        const p = partition();
        await appendOne(p, [batch(1, -1n), batch(1, -1n)]);
        const [offsets] = await store.log.offsets([p]);
        expect(offsets).toEqual({
          logStartOffset: 0n,
          highWatermark: 2n,
          maxTimestamp: -1n,
          maxTimestampBatchOffset: 0n,
          lastStableOffset: 2n,
        });
        expect((await store.log.findByTimestamp(p, -1n))?.baseOffset).toBe(0n);
        expect(await store.log.findByTimestamp(p, 0n)).toBeNull();
      });

      it('timestamps of today survive exactly', async () => {
        const p = partition();
        const now = 1_767_225_600_123n;
        await appendOne(p, [batch(1, now - 1n), batch(1, now), batch(1, now + 1n)]);
        expect((await store.log.findByTimestamp(p, now))?.baseOffset).toBe(1n);
        expect((await store.log.findByTimestamp(p, now + 1n))?.maxTimestamp).toBe(now + 1n);
        expect((await store.log.offsets([p]))[0]!.maxTimestamp).toBe(now + 1n);
      });

      describe('advanceLogStart', () => {
        it('refuses offsets beyond the high watermark, or negative', async () => {
          const p = partition();
          await appendOne(p, [batch(5, 1n)]);
          expect(await store.log.advanceLogStart(p, 6n)).toBe('offset-out-of-range');
          expect(await store.log.advanceLogStart(p, -1n)).toBe('offset-out-of-range');
          expect(await store.log.advanceLogStart(partition(), 1n)).toBe('offset-out-of-range');
          expect((await store.log.offsets([p]))[0]!.logStartOffset).toBe(0n);
        });

        it('drops the batches wholly below, keeps the one it cuts, and reads below it from the log start', async () => {
          const p = partition();
          await appendOne(p, [batch(3, 10n), batch(3, 20n), batch(3, 30n)]);
          const moved = await other.log.advanceLogStart(p, 4n);
          expect(moved).toEqual({
            logStartOffset: 4n,
            highWatermark: 9n,
            maxTimestamp: 30n,
            maxTimestampBatchOffset: 6n,
            lastStableOffset: 9n,
          });
          expect(await store.log.offsets([p])).toEqual([moved]);
          expect(bases(await store.log.read(p, 0n, 1 << 20))).toEqual([3n, 6n]);
          expect(bases(await store.log.read(p, 4n, 1 << 20))).toEqual([3n, 6n]);
          expect((await store.log.findByTimestamp(p, 0n))?.baseOffset).toBe(3n);
        });

        it('never moves the log start back', async () => {
          const p = partition();
          await appendOne(p, [batch(3, 10n), batch(3, 20n)]);
          await store.log.advanceLogStart(p, 3n);
          const same = await store.log.advanceLogStart(p, 1n);
          expect(same).toEqual({
            logStartOffset: 3n,
            highWatermark: 6n,
            maxTimestamp: 20n,
            maxTimestampBatchOffset: 3n,
            lastStableOffset: 6n,
          });
          expect(await store.log.advanceLogStart(p, 3n)).toEqual(same);
        });

        it('empties the log at the high watermark, and appends go on from there', async () => {
          const p = partition();
          await appendOne(p, [batch(3, 10n), batch(3, 20n)]);
          expect(await store.log.advanceLogStart(p, 6n)).toEqual({
            logStartOffset: 6n,
            highWatermark: 6n,
            maxTimestamp: -1n,
            maxTimestampBatchOffset: -1n,
            lastStableOffset: 6n,
          });
          expect(await store.log.read(p, 0n, 1 << 20)).toEqual([]);
          expect(await store.log.findByTimestamp(p, 0n)).toBeNull();
          expect(await appendOne(p, [batch(2, 5n)])).toEqual([6n]);
          expect((await store.log.offsets([p]))[0]).toEqual({
            logStartOffset: 6n,
            highWatermark: 8n,
            maxTimestamp: 5n,
            maxTimestampBatchOffset: 6n,
            lastStableOffset: 8n,
          });
          expect((await store.log.findByTimestamp(p, 5n))?.baseOffset).toBe(6n);
        });

        it('forgets the timestamps of dropped batches', async () => {
          const p = partition();
          // [0] 500, [1] 100, [2] 200, [3] 150, [4] 600.
          await appendOne(p, [batch(1, 500n), batch(1, 100n), batch(1, 200n), batch(1, 150n), batch(1, 600n)]);
          expect((await store.log.findByTimestamp(p, 150n))?.baseOffset).toBe(0n);
          expect(await store.log.advanceLogStart(p, 1n)).toEqual({
            logStartOffset: 1n,
            highWatermark: 5n,
            maxTimestamp: 600n,
            maxTimestampBatchOffset: 4n,
            lastStableOffset: 5n,
          });
          const at = async (ts: bigint): Promise<bigint | null> =>
            (await other.log.findByTimestamp(p, ts))?.baseOffset ?? null;
          expect(await at(50n)).toBe(1n);
          expect(await at(150n)).toBe(2n);
          expect(await at(201n)).toBe(4n);
          expect(await at(601n)).toBeNull();
          await store.log.advanceLogStart(p, 4n);
          expect(await at(0n)).toBe(4n);
        });

        it('recomputes the largest timestamp when its batch is dropped', async () => {
          const p = partition();
          await appendOne(p, [batch(1, 900n), batch(1, 100n), batch(1, 300n), batch(1, 300n), batch(1, 200n)]);
          expect(await store.log.advanceLogStart(p, 1n)).toEqual({
            logStartOffset: 1n,
            highWatermark: 5n,
            maxTimestamp: 300n,
            maxTimestampBatchOffset: 2n,
            lastStableOffset: 5n,
          });
          expect((await store.log.findByTimestamp(p, 250n))?.baseOffset).toBe(2n);
          expect(await appendOne(p, [batch(1, 300n)])).toEqual([5n]);
          expect((await store.log.offsets([p]))[0]!.maxTimestampBatchOffset).toBe(2n);
        });

        it('drops long runs of batches', async () => {
          const p = partition();
          await appendOne(
            p,
            Array.from({ length: 1200 }, (_, i) => batch(1, BigInt(1200 - i), 1)),
          );
          await store.log.advanceLogStart(p, 1100n);
          const left = await store.log.read(p, 0n, Number.MAX_SAFE_INTEGER);
          expect(bases(left)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(1100 + i)));
          expect((await store.log.findByTimestamp(p, 50n))?.baseOffset).toBe(1100n);
          expect(await store.log.findByTimestamp(p, 101n)).toBeNull();
          expect((await store.log.offsets([p]))[0]).toEqual({
            logStartOffset: 1100n,
            highWatermark: 1200n,
            maxTimestamp: 100n,
            maxTimestampBatchOffset: 1100n,
            lastStableOffset: 1200n,
          });
        });
      });

      describe('producer state', () => {
        const MAX_SEQ = 0x7fffffff;

        function seqAfter(base: number, count: number): number {
          const delta = count - 1;
          return base > MAX_SEQ - delta ? delta - (MAX_SEQ - base) - 1 : base + delta;
        }

        function pbatch(
          count: number,
          producerId: bigint,
          producerEpoch: number,
          baseSequence: number,
          options: { transactional?: boolean; ts?: bigint; object?: string } = {},
        ): AppendBatch {
          const producer: BatchProducer = {
            producerId,
            producerEpoch,
            baseSequence,
            lastSequence: seqAfter(baseSequence, count),
            transactional: options.transactional ?? false,
          };
          return { ...batch(count, options.ts ?? 1n, 10, options.object), producer };
        }

        function marker(
          producerId: bigint,
          producerEpoch: number,
          commit: boolean,
          options: { coordinatorEpoch?: number; ts?: bigint } = {},
        ): TransactionMarker {
          return {
            producerId,
            producerEpoch,
            commit,
            coordinatorEpoch: options.coordinatorEpoch ?? 0,
            batch: { offsetCount: 1, maxTimestamp: options.ts ?? 1n, object: 'objects/marker', position: 0, size: 10 },
          };
        }

        async function outcomes(p: PartitionRef, batches: AppendBatch[], via: MetaStore = store): Promise<string[]> {
          const [result] = await via.log.append([{ partition: p, batches }]);
          return result!.outcomes.map((o) =>
            o.kind === 'appended' || o.kind === 'duplicate' ? `${o.kind}@${o.baseOffset}` : o.kind,
          );
        }

        async function mark(p: PartitionRef, m: TransactionMarker, via: MetaStore = store): Promise<string> {
          const [outcome] = await via.log.writeMarkers([{ partition: p, marker: m }]);
          return outcome!.kind === 'written' ? `written@${outcome!.offset}` : outcome!.kind;
        }

        async function lso(p: PartitionRef, via: MetaStore = store): Promise<bigint> {
          return (await via.log.offsets([p]))[0]!.lastStableOffset;
        }

        async function hwm(p: PartitionRef): Promise<bigint> {
          return (await store.log.offsets([p]))[0]!.highWatermark;
        }

        it('appends batches in sequence and keeps each producer apart', async () => {
          const p = partition();
          expect(await outcomes(p, [pbatch(3, 1n, 0, 0, { ts: 5n }), batch(2, 6n), pbatch(2, 2n, 4, 0)])).toEqual([
            'appended@0',
            'appended@3',
            'appended@5',
          ]);
          expect(await outcomes(p, [pbatch(1, 1n, 0, 3, { ts: 7n }), pbatch(2, 2n, 4, 2)], other)).toEqual([
            'appended@7',
            'appended@8',
          ]);
          expect(await other.log.producerStates(p)).toEqual([
            {
              producerId: 1n,
              producerEpoch: 0,
              lastSequence: 3,
              lastTimestamp: 7n,
              coordinatorEpoch: -1,
              currentTxnStartOffset: -1n,
            },
            {
              producerId: 2n,
              producerEpoch: 4,
              lastSequence: 3,
              lastTimestamp: 1n,
              coordinatorEpoch: -1,
              currentTxnStartOffset: -1n,
            },
          ]);
          expect(await store.log.producerStates(partition())).toEqual([]);
        });

        it('answers a retry of any of the last five batches as a duplicate at its first offset, storing nothing', async () => {
          const p = partition();
          const sent = Array.from({ length: 6 }, (_, i) => pbatch(2, 9n, 1, 2 * i, { ts: BigInt(100 + i) }));
          for (const b of sent) await appendOne(p, [b]);
          expect(await hwm(p)).toBe(12n);
          for (let i = 1; i < 6; i++) {
            const [result] = await other.log.append([{ partition: p, batches: [sent[i]!] }]);
            expect(result!.outcomes).toEqual([
              { kind: 'duplicate', baseOffset: BigInt(2 * i), timestamp: BigInt(100 + i) },
            ]);
            expect(result!.offsets.highWatermark).toBe(12n);
          }
          // The oldest fell out of the five kept: it is no longer known, and out of sequence.
          expect(await outcomes(p, [sent[0]!])).toEqual(['out-of-order-sequence']);
          expect(await hwm(p)).toBe(12n);
          expect((await store.log.read(p, 0n, 1 << 20)).length).toBe(6);
          // A range that only overlaps a stored one is no duplicate.
          expect(await outcomes(p, [pbatch(1, 9n, 1, 10)])).toEqual(['out-of-order-sequence']);
          expect(await outcomes(p, [pbatch(1, 9n, 1, 12)])).toEqual(['appended@12']);
        });

        it('refuses gaps and repeats that are not duplicates', async () => {
          const p = partition();
          expect(await outcomes(p, [pbatch(2, 3n, 0, 0)])).toEqual(['appended@0']);
          expect(await outcomes(p, [pbatch(1, 3n, 0, 3)])).toEqual(['out-of-order-sequence']);
          expect(await outcomes(p, [pbatch(1, 3n, 0, 1)])).toEqual(['out-of-order-sequence']);
          expect(await outcomes(p, [pbatch(1, 3n, 0, 2)])).toEqual(['appended@2']);
          expect(await hwm(p)).toBe(3n);
        });

        it('refuses an older epoch, even for a batch it stored', async () => {
          const p = partition();
          await appendOne(p, [pbatch(1, 4n, 2, 0)]);
          expect(await outcomes(p, [pbatch(1, 4n, 1, 0)])).toEqual(['invalid-producer-epoch']);
          expect(await outcomes(p, [pbatch(1, 4n, 1, 1)])).toEqual(['invalid-producer-epoch']);
          const [result] = await store.log.append([{ partition: p, batches: [pbatch(1, 4n, 1, 1)] }]);
          expect(result!.outcomes[0]!.kind === 'invalid-producer-epoch' && result!.outcomes[0]!.message).toMatch(
            /epoch/,
          );
          expect(await hwm(p)).toBe(1n);
        });

        it('starts a new epoch at sequence 0 only, and forgets the old epoch', async () => {
          const p = partition();
          await appendOne(p, [pbatch(2, 5n, 0, 0), pbatch(2, 5n, 0, 2)]);
          expect(await outcomes(p, [pbatch(1, 5n, 1, 4)])).toEqual(['out-of-order-sequence']);
          expect(await outcomes(p, [pbatch(1, 5n, 1, 0)])).toEqual(['appended@4']);
          expect(await outcomes(p, [pbatch(2, 5n, 1, 0)])).toEqual(['out-of-order-sequence']);
          expect(await outcomes(p, [pbatch(1, 5n, 0, 4)])).toEqual(['invalid-producer-epoch']);
          expect(await outcomes(p, [pbatch(1, 5n, 1, 0)])).toEqual(['duplicate@4']);
        });

        it('takes a producer it holds no state for from sequence 0 only, then holds it to it', async () => {
          const p = partition();
          // Its earlier batch failed and this one came through first: refused until that one is stored.
          expect(await outcomes(p, [pbatch(2, 6n, 3, 2)])).toEqual(['out-of-order-sequence']);
          expect(await outcomes(p, [pbatch(2, 6n, 3, 0)])).toEqual(['appended@0']);
          expect(await outcomes(p, [pbatch(2, 6n, 3, 2)])).toEqual(['appended@2']);
          expect(await outcomes(p, [pbatch(1, 6n, 3, 5)])).toEqual(['out-of-order-sequence']);
          expect(await outcomes(p, [pbatch(1, 6n, 3, 4)])).toEqual(['appended@4']);
          expect(await outcomes(p, [pbatch(1, 7n, 0, 1000)])).toEqual(['out-of-order-sequence']);
        });

        it('wraps sequences from 2^31 - 1 to 0', async () => {
          // One batch of 2^31 - 1 records takes sequences 0 .. 2^31 - 2.
          const p = partition();
          expect(await outcomes(p, [pbatch(MAX_SEQ, 8n, 0, 0)])).toEqual(['appended@0']);
          const end = BigInt(MAX_SEQ);
          expect(await outcomes(p, [pbatch(2, 8n, 0, MAX_SEQ)])).toEqual([`appended@${end}`]);
          expect((await store.log.producerStates(p))[0]!.lastSequence).toBe(0);
          expect(await outcomes(p, [pbatch(1, 8n, 0, 2)])).toEqual(['out-of-order-sequence']);
          expect(await outcomes(p, [pbatch(3, 8n, 0, 1)])).toEqual([`appended@${end + 2n}`]);
          expect(await outcomes(p, [pbatch(2, 8n, 0, MAX_SEQ)])).toEqual([`duplicate@${end}`]);
          // A batch may itself wrap: sequences 2^31 - 1, 0, 1.
          const q = partition();
          expect(await outcomes(q, [pbatch(MAX_SEQ, 8n, 0, 0)])).toEqual(['appended@0']);
          expect(await outcomes(q, [pbatch(3, 8n, 0, MAX_SEQ)])).toEqual([`appended@${end}`]);
          expect((await store.log.producerStates(q))[0]!.lastSequence).toBe(1);
          expect(await outcomes(q, [pbatch(3, 8n, 0, MAX_SEQ)])).toEqual([`duplicate@${end}`]);
          expect(await outcomes(q, [pbatch(1, 8n, 0, 2)])).toEqual([`appended@${end + 3n}`]);
        });

        it('checks each batch of one append against the state the earlier ones left', async () => {
          const p = partition();
          expect(
            await outcomes(p, [
              pbatch(2, 10n, 0, 0),
              pbatch(1, 10n, 0, 5),
              pbatch(1, 10n, 0, 2),
              pbatch(2, 10n, 0, 0),
              pbatch(1, 10n, 1, 0),
              pbatch(1, 10n, 0, 3),
            ]),
          ).toEqual([
            'appended@0',
            'out-of-order-sequence',
            'appended@2',
            'duplicate@0',
            'appended@3',
            'invalid-producer-epoch',
          ]);
          expect(await hwm(p)).toBe(4n);
          expect(bases(await store.log.read(p, 0n, 1 << 20))).toEqual([0n, 2n, 3n]);
        });

        it('refuses malformed producer fields', async () => {
          const p = partition();
          const b = pbatch(2, 1n, 0, 0);
          await expect(
            store.log.append([{ partition: p, batches: [{ ...b, producer: { ...b.producer!, lastSequence: 5 } }] }]),
          ).rejects.toBeInstanceOf(TypeError);
          await expect(
            store.log.append([{ partition: p, batches: [{ ...b, producer: { ...b.producer!, producerId: -1n } }] }]),
          ).rejects.toBeInstanceOf(TypeError);
          expect(await hwm(p)).toBe(0n);
        });

        it('stores exactly one of many concurrent copies of a batch, across instances', async () => {
          const p = partition();
          const stores = [store, other, await fresh()];
          const results = await Promise.all(
            Array.from({ length: 15 }, (_, i) =>
              stores[i % stores.length]!.log.append([{ partition: p, batches: [pbatch(3, 11n, 0, 0)] }]),
            ),
          );
          const kinds = results.map((r) => r[0]!.outcomes[0]!);
          expect(kinds.filter((o) => o.kind === 'appended')).toEqual([{ kind: 'appended', baseOffset: 0n }]);
          expect(kinds.filter((o) => o.kind === 'duplicate')).toHaveLength(14);
          for (const o of kinds) if (o.kind === 'duplicate') expect(o.baseOffset).toBe(0n);
          expect(await hwm(p)).toBe(3n);
        });

        it('stores a producer’s batches once each, in sequence order, whatever the order of concurrent retries', async () => {
          const p = partition();
          const stores = [store, other, await fresh()];
          const count = 12;
          const stored = new Map<number, bigint>();
          // Every batch is sent by three instances at once until one attempt lands; out-of-order ones retry.
          const send = async (seq: number): Promise<void> => {
            for (;;) {
              const rs = await Promise.all(
                stores.map((s) =>
                  s.log.append([{ partition: p, batches: [pbatch(1, 12n, 0, seq, { object: `objects/${seq}` })] }]),
                ),
              );
              for (const r of rs) {
                const o = r[0]!.outcomes[0]!;
                if (o.kind === 'appended' || o.kind === 'duplicate') {
                  const seen = stored.get(seq);
                  if (seen !== undefined) expect(o.baseOffset).toBe(seen);
                  stored.set(seq, o.baseOffset);
                }
              }
              if (stored.has(seq)) return;
              await new Promise((r) => setTimeout(r, 5));
            }
          };
          await Promise.all(Array.from({ length: count }, (_, seq) => send(seq)));
          const entries = await store.log.read(p, 0n, 1 << 20);
          expect(entries.map((e) => e.object)).toEqual(Array.from({ length: count }, (_, seq) => `objects/${seq}`));
          expect(bases(entries)).toEqual(Array.from({ length: count }, (_, i) => BigInt(i)));
        });

        it('opens a transaction at the first transactional batch and holds the last stable offset there', async () => {
          const p = partition();
          await appendOne(p, [batch(2, 1n)]);
          expect(await lso(p)).toBe(2n);
          const [result] = await store.log.append([
            { partition: p, batches: [pbatch(2, 20n, 0, 0, { transactional: true })] },
          ]);
          expect(result!.offsets.lastStableOffset).toBe(2n);
          expect(result!.offsets.highWatermark).toBe(4n);
          expect(await outcomes(p, [pbatch(1, 20n, 0, 2, { transactional: true }), batch(1, 1n)])).toEqual([
            'appended@4',
            'appended@5',
          ]);
          expect(await lso(p, other)).toBe(2n);
          expect((await other.log.producerStates(p))[0]!.currentTxnStartOffset).toBe(2n);
          // A second transaction opened later does not move it; the earliest rules.
          expect(await outcomes(p, [pbatch(1, 21n, 0, 0, { transactional: true })])).toEqual(['appended@6']);
          expect(await lso(p)).toBe(2n);
        });

        it('refuses a non-transactional batch from a producer whose transaction is open', async () => {
          const p = partition();
          await appendOne(p, [pbatch(1, 22n, 0, 0, { transactional: true })]);
          expect(await outcomes(p, [pbatch(1, 22n, 0, 1)])).toEqual(['invalid-txn-state']);
          expect(await outcomes(p, [pbatch(1, 23n, 0, 0)])).toEqual(['appended@1']);
          expect(await hwm(p)).toBe(2n);
          expect(await outcomes(p, [pbatch(1, 22n, 0, 1, { transactional: true })])).toEqual(['appended@2']);
        });

        it('reads up to a bound, never a batch ending at or past it', async () => {
          const p = partition();
          await appendOne(p, [batch(2, 1n), pbatch(2, 24n, 0, 0, { transactional: true }), batch(3, 1n)]);
          const stable = await lso(p);
          expect(stable).toBe(2n);
          expect(bases(await store.log.read(p, 0n, 1 << 20, stable))).toEqual([0n]);
          expect(await store.log.read(p, 2n, 1 << 20, stable)).toEqual([]);
          expect(bases(await store.log.read(p, 0n, 1 << 20, 5n))).toEqual([0n, 2n]);
          expect(bases(await store.log.read(p, 0n, 1 << 20, 7n))).toEqual([0n, 2n, 4n]);
          expect(bases(await store.log.read(p, 0n, 1, 7n))).toEqual([0n]);
        });

        it('writes a commit marker: one offset at the high watermark, the transaction closed', async () => {
          const p = partition();
          await appendOne(p, [pbatch(2, 25n, 0, 0, { transactional: true }), batch(1, 1n)]);
          const [written] = await other.log.writeMarkers([
            { partition: p, marker: marker(25n, 0, true, { coordinatorEpoch: 4, ts: 77n }) },
          ]);
          expect(written).toEqual({
            kind: 'written',
            offset: 3n,
            offsets: {
              logStartOffset: 0n,
              highWatermark: 4n,
              maxTimestamp: 77n,
              maxTimestampBatchOffset: 3n,
              lastStableOffset: 4n,
            },
          });
          expect(await lso(p)).toBe(4n);
          expect((await store.log.read(p, 3n, 1 << 20)).map((e) => [e.baseOffset, e.lastOffset, e.object])).toEqual([
            [3n, 3n, 'objects/marker'],
          ]);
          expect(await store.log.abortedTransactions(p, 0n, 100n)).toEqual([]);
          expect(await store.log.producerStates(p)).toEqual([
            {
              producerId: 25n,
              producerEpoch: 0,
              lastSequence: 1,
              lastTimestamp: 77n,
              coordinatorEpoch: 4,
              currentTxnStartOffset: -1n,
            },
          ]);
          // The producer goes on in sequence, and may write outside a transaction again.
          expect(await outcomes(p, [pbatch(1, 25n, 0, 2)])).toEqual(['appended@4']);
        });

        it('writes an abort marker and records the aborted range', async () => {
          const p = partition();
          await appendOne(p, [batch(1, 1n), pbatch(2, 26n, 0, 0, { transactional: true }), batch(1, 1n)]);
          expect(await mark(p, marker(26n, 0, false))).toBe('written@4');
          expect(await lso(p)).toBe(5n);
          expect(await other.log.abortedTransactions(p, 0n, 5n)).toEqual([{ producerId: 26n, firstOffset: 1n }]);
          expect(await other.log.abortedTransactions(p, 4n, 5n)).toEqual([{ producerId: 26n, firstOffset: 1n }]);
          expect(await other.log.abortedTransactions(p, 5n, 9n)).toEqual([]);
          expect(await other.log.abortedTransactions(p, 0n, 1n)).toEqual([]);
          expect(await other.log.abortedTransactions(p, 0n, 2n)).toEqual([{ producerId: 26n, firstOffset: 1n }]);
          // A marker with no transaction open records nothing.
          expect(await mark(p, marker(26n, 0, false))).toBe('written@5');
          expect(await other.log.abortedTransactions(p, 0n, 100n)).toEqual([{ producerId: 26n, firstOffset: 1n }]);
        });

        it('finds aborted transactions that overlap, stopping once none begun before the bound can follow', async () => {
          const p = partition();
          // 26 opens at 0, 27 at 2; 26 aborts at 4 (27 still open), 27 aborts at 5, 28 opens at 6 and aborts at 7.
          await appendOne(p, [
            pbatch(2, 26n, 0, 0, { transactional: true }),
            pbatch(2, 27n, 0, 0, { transactional: true }),
          ]);
          expect(await lso(p)).toBe(0n);
          expect(await mark(p, marker(26n, 0, false))).toBe('written@4');
          expect(await lso(p)).toBe(2n);
          expect(await mark(p, marker(27n, 0, false))).toBe('written@5');
          expect(await lso(p)).toBe(6n);
          await appendOne(p, [pbatch(1, 28n, 0, 0, { transactional: true })]);
          expect(await mark(p, marker(28n, 0, false))).toBe('written@7');
          const all = [
            { producerId: 26n, firstOffset: 0n },
            { producerId: 27n, firstOffset: 2n },
            { producerId: 28n, firstOffset: 6n },
          ];
          expect(await store.log.abortedTransactions(p, 0n, 100n)).toEqual(all);
          expect(await store.log.abortedTransactions(p, 0n, 3n)).toEqual(all.slice(0, 2));
          expect(await store.log.abortedTransactions(p, 0n, 1n)).toEqual(all.slice(0, 1));
          expect(await store.log.abortedTransactions(p, 5n, 100n)).toEqual(all.slice(1));
          expect(await store.log.abortedTransactions(p, 6n, 7n)).toEqual(all.slice(2));
          expect(await store.log.abortedTransactions(p, 8n, 100n)).toEqual([]);
          expect(await store.log.abortedTransactions(partition(), 0n, 100n)).toEqual([]);
        });

        it('refuses a marker older than the producer’s epoch on the partition, writing nothing', async () => {
          const p = partition();
          await appendOne(p, [pbatch(1, 29n, 3, 0, { transactional: true })]);
          expect(await mark(p, marker(29n, 2, false))).toBe('invalid-producer-epoch');
          expect(await hwm(p)).toBe(1n);
          expect(await lso(p)).toBe(0n);
          expect((await store.log.producerStates(p))[0]!.currentTxnStartOffset).toBe(0n);
          expect(await mark(p, marker(29n, 3, true))).toBe('written@1');
        });

        it('takes a later epoch from a marker, fencing the older epoch’s batches', async () => {
          const p = partition();
          await appendOne(p, [pbatch(2, 30n, 0, 0, { transactional: true })]);
          expect(await mark(p, marker(30n, 1, false, { coordinatorEpoch: 2 }))).toBe('written@2');
          expect(await outcomes(p, [pbatch(1, 30n, 0, 2, { transactional: true })])).toEqual([
            'invalid-producer-epoch',
          ]);
          expect(await outcomes(p, [pbatch(1, 30n, 1, 2, { transactional: true })])).toEqual(['out-of-order-sequence']);
          expect(await outcomes(p, [pbatch(1, 30n, 1, 0, { transactional: true })])).toEqual(['appended@3']);
          // A partition that never saw the producer takes the marker and its epoch.
          const q = partition();
          expect(await mark(q, marker(31n, 5, true, { coordinatorEpoch: 1, ts: 9n }))).toBe('written@0');
          expect(await store.log.producerStates(q)).toEqual([
            {
              producerId: 31n,
              producerEpoch: 5,
              lastSequence: -1,
              lastTimestamp: 9n,
              coordinatorEpoch: 1,
              currentTxnStartOffset: -1n,
            },
          ]);
          expect(await outcomes(q, [pbatch(1, 31n, 5, 3)])).toEqual(['out-of-order-sequence']);
          expect(await outcomes(q, [pbatch(1, 31n, 4, 0)])).toEqual(['invalid-producer-epoch']);
        });

        it('writes markers to several partitions in one call, each on its own, and wakes waiters', async () => {
          const [a, b] = [partition(0), partition(1)];
          await appendOne(a, [pbatch(1, 32n, 1, 0, { transactional: true })]);
          await appendOne(b, [pbatch(1, 32n, 2, 0, { transactional: true })]);
          const waited = elapsed(other.log.waitForAppend([{ ...a, highWatermark: 1n }], 10_000));
          await new Promise((r) => setTimeout(r, 100));
          const results = await store.log.writeMarkers([
            { partition: a, marker: marker(32n, 1, true) },
            { partition: b, marker: marker(32n, 1, true) },
          ]);
          expect(results.map((r) => r.kind)).toEqual(['written', 'invalid-producer-epoch']);
          expect(await waited).toBeLessThan(2000);
          expect((await store.log.offsets([a, b])).map((o) => [o.highWatermark, o.lastStableOffset])).toEqual([
            [2n, 2n],
            [1n, 0n],
          ]);
          expect(await store.log.writeMarkers([])).toEqual([]);
        });

        it('keeps the last stable offset consistent under concurrent transactions and markers', async () => {
          const p = partition();
          const stores = [store, other, await fresh()];
          const producers = Array.from({ length: 9 }, (_, i) => BigInt(40 + i));
          await Promise.all(
            producers.map((id, i) =>
              stores[i % 3]!.log.append([
                { partition: p, batches: [pbatch(2, id, 0, 0, { transactional: true }), batch(1, 1n)] },
              ]),
            ),
          );
          const results = await Promise.all(
            producers.map((id, i) =>
              stores[(i + 1) % 3]!.log.writeMarkers([{ partition: p, marker: marker(id, 0, i % 2 === 0) }]),
            ),
          );
          expect(results.every((r) => r[0]!.kind === 'written')).toBe(true);
          const [offsets] = await store.log.offsets([p]);
          expect(offsets!.highWatermark).toBe(9n * 3n + 9n);
          expect(offsets!.lastStableOffset).toBe(offsets!.highWatermark);
          const aborted = await store.log.abortedTransactions(p, 0n, offsets!.highWatermark);
          expect(aborted.map((a) => a.producerId).sort()).toEqual(producers.filter((_, i) => i % 2 !== 0));
          for (const s of await store.log.producerStates(p)) expect(s.currentTxnStartOffset).toBe(-1n);
        });

        it('drops aborted transactions wholly below a new log start, keeps producers, and never reports a stable offset below the log start', async () => {
          const p = partition();
          await appendOne(p, [pbatch(1, 50n, 0, 0, { transactional: true })]);
          await mark(p, marker(50n, 0, false));
          await appendOne(p, [pbatch(2, 51n, 0, 0, { transactional: true }), batch(4, 1n)]);
          expect(await lso(p)).toBe(2n);
          expect(await store.log.abortedTransactions(p, 0n, 100n)).toHaveLength(1);
          const moved = await store.log.advanceLogStart(p, 2n);
          expect(moved).toMatchObject({ logStartOffset: 2n, lastStableOffset: 2n });
          expect(await store.log.abortedTransactions(p, 0n, 100n)).toEqual([]);
          const later = await other.log.advanceLogStart(p, 5n);
          expect(later).toMatchObject({ logStartOffset: 5n, highWatermark: 8n, lastStableOffset: 5n });
          expect(await lso(p)).toBe(5n);
          expect((await store.log.producerStates(p)).map((s) => s.producerId)).toEqual([50n, 51n]);
          // Producers keep their sequences past the cut: a retry is still a duplicate.
          expect(await outcomes(p, [pbatch(2, 51n, 0, 0, { transactional: true })])).toEqual(['duplicate@2']);
          expect(await mark(p, marker(51n, 0, true))).toBe('written@8');
          expect(await lso(p)).toBe(9n);
        });

        it('forgets producers and transactions with the topic', async () => {
          const t = topic(2);
          await store.topics.createTopic(t);
          const p = { topicId: t.id, partition: 1 };
          await appendOne(p, [pbatch(1, 52n, 0, 0, { transactional: true })]);
          await mark(p, marker(52n, 0, false));
          await appendOne(p, [pbatch(1, 52n, 0, 1, { transactional: true })]);
          await store.topics.deleteTopic(t.name);
          expect(await other.log.producerStates(p)).toEqual([]);
          expect(await other.log.abortedTransactions(p, 0n, 100n)).toEqual([]);
          expect((await other.log.offsets([p]))[0]).toEqual(EMPTY_OFFSETS);
          expect(await outcomes(p, [pbatch(1, 52n, 0, 0)])).toEqual(['appended@0']);
        });
      });

      describe('waitForAppend', () => {
        it('wakes on an append through another instance', async () => {
          const p = partition();
          const waited = elapsed(store.log.waitForAppend([p], 10_000));
          await new Promise((r) => setTimeout(r, 100));
          await appendOne(p, [batch(1, 1n)], other);
          expect(await waited).toBeLessThan(2000);
        });

        it('wakes on an append to any of its partitions, and every waiter wakes', async () => {
          const [a, b] = [partition(0), partition(1)];
          const waits = [
            elapsed(store.log.waitForAppend([a, b], 10_000)),
            elapsed(store.log.waitForAppend([b], 10_000)),
            elapsed(other.log.waitForAppend([b, a], 10_000)),
          ];
          await new Promise((r) => setTimeout(r, 100));
          await appendOne(b, [batch(1, 1n)], other);
          for (const w of await Promise.all(waits)) expect(w).toBeLessThan(2000);
        });

        it('times out', async () => {
          const waited = await elapsed(store.log.waitForAppend([partition()], 250));
          expect(waited).toBeGreaterThanOrEqual(200);
          expect(waited).toBeLessThan(2000);
        });

        it('ends when the signal aborts, or at once when it already has', async () => {
          const controller = new AbortController();
          const waited = elapsed(store.log.waitForAppend([partition()], 10_000, controller.signal));
          setTimeout(() => controller.abort(), 100);
          expect(await waited).toBeLessThan(2000);
          expect(await elapsed(store.log.waitForAppend([partition()], 10_000, controller.signal))).toBeLessThan(100);
        });

        it('returns at once when the high watermark already moved past what the caller saw', async () => {
          const p = partition();
          await appendOne(p, [batch(2, 1n)]);
          expect(await elapsed(store.log.waitForAppend([{ ...p, highWatermark: 0n }], 10_000))).toBeLessThan(1000);
          const unchanged = await elapsed(store.log.waitForAppend([{ ...p, highWatermark: 2n }], 300));
          expect(unchanged).toBeGreaterThanOrEqual(250);
        });

        it('keeps working as waiters come and go on one partition', async () => {
          const p = partition();
          for (let round = 0; round < 5; round++) {
            const [offsets] = await store.log.offsets([p]);
            const waited = elapsed(store.log.waitForAppend([{ ...p, highWatermark: offsets!.highWatermark }], 10_000));
            await appendOne(p, [batch(1, 1n)], other);
            expect(await waited).toBeLessThan(2000);
          }
          await store.log.waitForAppend([p], 1);
        });
      });

      describe('groups', () => {
        function offset(
          topic: string,
          partition: number,
          value: bigint,
          extra: Partial<CommittedOffset> = {},
        ): CommittedOffset {
          return {
            topic,
            partition,
            offset: value,
            leaderEpoch: -1,
            metadata: null,
            commitTimestamp: 1_767_225_600_000,
            expireTimestamp: -1,
            ...extra,
          };
        }

        function tp(topic: string, partition: number): TopicPartitionRef {
          return { topic, partition };
        }

        async function version(groupId: string, via: MetaStore = store): Promise<number> {
          return (await via.groups.get(groupId))?.version ?? 0;
        }

        describe('state', () => {
          it('has no state for an unknown group, and creates it by compare-and-set from 0', async () => {
            const g = unique('group');
            expect(await store.groups.get(g)).toBeNull();
            const v1 = await store.groups.compareAndSet(g, 0, 'one');
            expect(v1).toBeGreaterThan(0);
            expect(await other.groups.get(g)).toEqual({ version: v1, value: 'one' });
            expect(await other.groups.compareAndSet(g, 0, 'again')).toBeNull();
            const v2 = await other.groups.compareAndSet(g, v1!, 'two');
            expect(v2).toBeGreaterThan(v1!);
            expect(await store.groups.compareAndSet(g, v1!, 'stale')).toBeNull();
            expect(await store.groups.get(g)).toEqual({ version: v2, value: 'two' });
          });

          it('keeps values exactly, empty and large ones too', async () => {
            const g = unique('group');
            const big = JSON.stringify({ members: Array.from({ length: 2000 }, (_, i) => `member-${i}-ü-😀`) });
            const v1 = await store.groups.compareAndSet(g, 0, '');
            expect(await other.groups.get(g)).toEqual({ version: v1, value: '' });
            const v2 = await store.groups.compareAndSet(g, v1!, big);
            expect((await other.groups.get(g))?.value).toBe(big);
            expect(v2).toBeGreaterThan(v1!);
          });

          it('lets exactly one of 50 concurrent writers from several instances win from nothing', async () => {
            const g = unique('group');
            const stores = [store, other, await fresh(), await fresh()];
            const results = await Promise.all(
              Array.from({ length: 50 }, (_, i) => stores[i % stores.length]!.groups.compareAndSet(g, 0, `w${i}`)),
            );
            const winners = results.map((v, i) => ({ v, i })).filter((r) => r.v !== null);
            expect(winners).toHaveLength(1);
            expect(await store.groups.get(g)).toEqual({ version: winners[0]!.v, value: `w${winners[0]!.i}` });
          });

          it('lets exactly one writer win each version while many race', async () => {
            const g = unique('group');
            const stores = [store, other, await fresh(), await fresh()];
            const won: { version: number; value: string }[] = [];
            await Promise.all(
              Array.from({ length: 10 }, async (_, w) => {
                const via = stores[w % stores.length]!;
                for (let n = 0; n < 5; ) {
                  const seen = await version(g, via);
                  const value = `w${w}-${n}`;
                  const next = await via.groups.compareAndSet(g, seen, value);
                  if (next === null) continue;
                  expect(next).toBeGreaterThan(seen);
                  won.push({ version: next, value });
                  n++;
                }
              }),
            );
            expect(won).toHaveLength(50);
            expect(new Set(won.map((w) => w.version)).size).toBe(50);
            const last = won.reduce((a, b) => (b.version > a.version ? b : a));
            expect(await store.groups.get(g)).toEqual(last);
          });

          it('deletes by compare-and-set, and a later life starts above the earlier versions', async () => {
            const g = unique('group');
            const v1 = (await store.groups.compareAndSet(g, 0, 'a'))!;
            const v2 = (await store.groups.compareAndSet(g, v1, 'b'))!;
            expect(await other.groups.compareAndSet(g, v1, null)).toBeNull();
            expect(await other.groups.compareAndSet(g, v2, null)).toBe(0);
            expect(await store.groups.get(g)).toBeNull();
            expect(await store.groups.compareAndSet(g, v2, null)).toBeNull();
            expect(await store.groups.compareAndSet(g, 0, null)).toBe(0);
            const v3 = (await store.groups.compareAndSet(g, 0, 'c'))!;
            expect(v3).toBeGreaterThan(v2);
            expect(await other.groups.compareAndSet(g, v1, 'from the earlier life')).toBeNull();
            expect(await other.groups.compareAndSet(g, v2, 'from the earlier life')).toBeNull();
            expect(await other.groups.get(g)).toEqual({ version: v3, value: 'c' });
          });

          it('records later session deadlines without a new version, a notification or a conflict', async () => {
            const g = unique('group');
            expect(await store.groups.extendSessions(g, 0, new Map([['m1', 5]]))).toBe(false);
            const v1 = (await store.groups.compareAndSet(g, 0, 'state'))!;
            const woken = store.groups.waitForChange(g, v1, 600).then(() => Date.now());
            const since = Date.now();
            expect(await other.groups.extendSessions(g, v1, new Map([['m1', 1000]]))).toBe(true);
            expect(await store.groups.extendSessions(g, v1 + 1, new Map([['m1', 9000]]))).toBe(false);
            // Concurrent extensions from several instances: each member keeps its latest deadline.
            const stores = [store, other, await fresh()];
            await Promise.all(
              Array.from({ length: 30 }, (_, i) =>
                stores[i % stores.length]!.groups.extendSessions(
                  g,
                  v1,
                  new Map([
                    ['m1', 1000 + i],
                    [`m${2 + (i % 3)}`, 2000 - i],
                  ]),
                ),
              ),
            );
            expect(await store.groups.extendSessions(g, v1, new Map([['m1', 7]]))).toBe(true);
            expect(await other.groups.get(g)).toEqual({
              version: v1,
              value: 'state',
              sessions: new Map([
                ['m1', 1029],
                ['m2', 2000],
                ['m3', 1999],
                ['m4', 1998],
              ]),
            });
            expect((await other.groups.getMany([g])).get(g)?.sessions?.get('m4')).toBe(1998);
            expect((await woken) - since).toBeGreaterThanOrEqual(500);

            // A write keeps the sessions of the members it names and drops the others'.
            const v2 = (await other.groups.compareAndSet(g, v1, 'next', { members: ['m1', 'm3', 'm9'] }))!;
            expect(await store.groups.get(g)).toEqual({
              version: v2,
              value: 'next',
              sessions: new Map([
                ['m1', 1029],
                ['m3', 1999],
              ]),
            });
            const v3 = (await store.groups.compareAndSet(g, v2, 'all kept'))!;
            expect((await store.groups.get(g))?.sessions?.size).toBe(2);
            const v4 = (await store.groups.compareAndSet(g, v3, 'none kept', { members: [] }))!;
            expect(await other.groups.get(g)).toEqual({ version: v4, value: 'none kept' });
            await store.groups.extendSessions(g, v4, new Map([['m1', 1]]));
            expect(await store.groups.compareAndSet(g, v4, null)).toBe(0);
            const v5 = (await store.groups.compareAndSet(g, 0, 'reborn'))!;
            expect(await other.groups.get(g)).toEqual({ version: v5, value: 'reborn' });
            await expect(store.groups.extendSessions(g, v5, new Map([['', 1]]))).rejects.toThrow(TypeError);
            await expect(store.groups.extendSessions(g, v5, new Map([['m', 1.5]]))).rejects.toThrow(TypeError);
          });

          it('gets several groups at once, missing ones as null', async () => {
            const [a, b, missing] = [unique('group'), unique('group'), unique('group')];
            const va = await store.groups.compareAndSet(a, 0, 'A');
            const vb = await store.groups.compareAndSet(b, 0, 'B');
            const got = await other.groups.getMany([b, missing, a, b]);
            expect([...got.keys()]).toEqual([b, missing, a]);
            expect(got.get(a)).toEqual({ version: va, value: 'A' });
            expect(got.get(b)).toEqual({ version: vb, value: 'B' });
            expect(got.get(missing)).toBeNull();
            expect((await store.groups.getMany([])).size).toBe(0);
          });

          it('refuses versions that are not versions', async () => {
            const g = unique('group');
            await expect(store.groups.compareAndSet(g, -1, 'x')).rejects.toBeInstanceOf(TypeError);
            await expect(store.groups.compareAndSet(g, 1.5, 'x')).rejects.toBeInstanceOf(TypeError);
            await expect(store.groups.deleteGroup(g, -1)).rejects.toBeInstanceOf(TypeError);
            await expect(store.groups.commitOffsets(g, [offset('t', -1, 0n)])).rejects.toBeInstanceOf(TypeError);
            await expect(store.groups.commitOffsets(g, [offset('t', 0, 2n ** 63n)])).rejects.toBeInstanceOf(TypeError);
            expect(await store.groups.get(g)).toBeNull();
            expect(await store.groups.fetchOffsets(g)).toEqual([]);
          });
        });

        describe('waitForChange', () => {
          it('wakes on a change through another instance', async () => {
            const g = unique('group');
            const v1 = (await store.groups.compareAndSet(g, 0, 'a'))!;
            const waited = elapsed(store.groups.waitForChange(g, v1, 10_000));
            await new Promise((r) => setTimeout(r, 100));
            await other.groups.compareAndSet(g, v1, 'b');
            expect(await waited).toBeLessThan(2000);
          });

          it('wakes on the creation of a group it saw absent, and on its deletion', async () => {
            const g = unique('group');
            const created = elapsed(store.groups.waitForChange(g, 0, 10_000));
            await new Promise((r) => setTimeout(r, 100));
            const v1 = (await other.groups.compareAndSet(g, 0, 'a'))!;
            expect(await created).toBeLessThan(2000);
            const deleted = elapsed(store.groups.waitForChange(g, v1, 10_000));
            await new Promise((r) => setTimeout(r, 100));
            expect(await other.groups.compareAndSet(g, v1, null)).toBe(0);
            expect(await deleted).toBeLessThan(2000);
            const v2 = (await other.groups.compareAndSet(g, 0, 'b'))!;
            const dropped = elapsed(store.groups.waitForChange(g, v2, 10_000));
            await new Promise((r) => setTimeout(r, 100));
            expect(await other.groups.deleteGroup(g, v2)).toBe(true);
            expect(await dropped).toBeLessThan(2000);
          });

          it('wakes every waiter, on every instance', async () => {
            const g = unique('group');
            const v1 = (await store.groups.compareAndSet(g, 0, 'a'))!;
            const third = await fresh();
            const waits = [store, store, other, third].map((s) => elapsed(s.groups.waitForChange(g, v1, 10_000)));
            await new Promise((r) => setTimeout(r, 100));
            await third.groups.compareAndSet(g, v1, 'b');
            for (const w of await Promise.all(waits)) expect(w).toBeLessThan(2000);
          });

          it('is not woken by changes to other groups or by offset commits', async () => {
            const g = unique('group');
            const v1 = (await store.groups.compareAndSet(g, 0, 'a'))!;
            const waited = elapsed(store.groups.waitForChange(g, v1, 400));
            await new Promise((r) => setTimeout(r, 100));
            await other.groups.compareAndSet(unique('group'), 0, 'elsewhere');
            await other.groups.commitOffsets(g, [offset('t', 0, 1n)]);
            expect(await waited).toBeGreaterThanOrEqual(350);
          });

          it('times out', async () => {
            const waited = await elapsed(store.groups.waitForChange(unique('group'), 0, 250));
            expect(waited).toBeGreaterThanOrEqual(200);
            expect(waited).toBeLessThan(2000);
          });

          it('ends when the signal aborts, or at once when it already has', async () => {
            const controller = new AbortController();
            const waited = elapsed(store.groups.waitForChange(unique('group'), 0, 10_000, controller.signal));
            setTimeout(() => controller.abort(), 100);
            expect(await waited).toBeLessThan(2000);
            expect(
              await elapsed(store.groups.waitForChange(unique('group'), 0, 10_000, controller.signal)),
            ).toBeLessThan(100);
          });

          it('returns at once when the version already moved past what the caller saw', async () => {
            const g = unique('group');
            for (let round = 0; round < 10; round++) {
              const seen = await version(g);
              // The change lands between the caller's read and its wait; the re-read catches it.
              await other.groups.compareAndSet(g, seen, `round ${round}`);
              expect(await elapsed(store.groups.waitForChange(g, seen, 10_000))).toBeLessThan(1000);
            }
            const now = await version(g);
            expect(await elapsed(store.groups.waitForChange(g, now, 300))).toBeGreaterThanOrEqual(250);
          });

          it('keeps working as waiters come and go on one group', async () => {
            const g = unique('group');
            for (let round = 0; round < 5; round++) {
              const seen = await version(g);
              const waited = elapsed(store.groups.waitForChange(g, seen, 10_000));
              await new Promise((r) => setTimeout(r, 20));
              await other.groups.compareAndSet(g, seen, `round ${round}`);
              expect(await waited).toBeLessThan(2000);
            }
          });
        });

        describe('offsets', () => {
          it('commits offsets and fetches all of them, or the partitions asked for', async () => {
            const g = unique('group');
            const stored = [
              offset('topic-b', 0, 7n, {
                leaderEpoch: 3,
                metadata: 'meta:with:colons',
                expireTimestamp: 1_900_000_000_000,
              }),
              offset('topic-a', 10, 0n, { metadata: '' }),
              offset('topic-a', 2, 2n ** 62n, { metadata: 'ü 😀 +-' }),
              offset('topic:c', 1, -1n),
            ];
            expect(await store.groups.commitOffsets(g, stored)).toBe(true);
            expect(await other.groups.fetchOffsets(g)).toEqual([stored[2], stored[1], stored[0], stored[3]]);
            expect(
              await other.groups.fetchOffsets(g, [tp('topic:c', 1), tp('topic-a', 3), tp('topic-b', 0), tp('nope', 0)]),
            ).toEqual([stored[3], stored[0]]);
            expect(await other.groups.fetchOffsets(g, [])).toEqual([]);
            expect(await other.groups.fetchOffsets(unique('group'))).toEqual([]);
            expect(await store.groups.get(g)).toBeNull();
          });

          it('overwrites an offset committed again, and keeps the others', async () => {
            const g = unique('group');
            await store.groups.commitOffsets(g, [offset('t', 0, 1n), offset('t', 1, 1n, { metadata: 'x' })]);
            const again = offset('t', 0, 9n, { leaderEpoch: 4, metadata: 'y', commitTimestamp: 1_767_225_700_000 });
            await other.groups.commitOffsets(g, [again]);
            expect(await store.groups.fetchOffsets(g)).toEqual([again, offset('t', 1, 1n, { metadata: 'x' })]);
            expect(await store.groups.commitOffsets(g, [])).toBe(true);
          });

          it('commits only while the state version is the one given', async () => {
            const g = unique('group');
            expect(await store.groups.commitOffsets(g, [offset('t', 0, 1n)], 0)).toBe(true);
            const v1 = (await store.groups.compareAndSet(g, 0, 'a'))!;
            expect(await store.groups.commitOffsets(g, [offset('t', 0, 2n)], 0)).toBe(false);
            expect(await other.groups.commitOffsets(g, [offset('t', 0, 3n)], v1)).toBe(true);
            const v2 = (await other.groups.compareAndSet(g, v1, 'b'))!;
            expect(await store.groups.commitOffsets(g, [offset('t', 0, 4n), offset('t', 1, 4n)], v1)).toBe(false);
            expect(await store.groups.commitOffsets(g, [], v1)).toBe(false);
            expect(await store.groups.commitOffsets(g, [], v2)).toBe(true);
            expect((await store.groups.fetchOffsets(g)).map((o) => o.offset)).toEqual([3n]);
            expect(await store.groups.commitOffsets(g, [offset('t', 0, 5n)])).toBe(true);
            expect((await store.groups.fetchOffsets(g)).map((o) => o.offset)).toEqual([5n]);
          });

          it("fetches several groups' offsets in one call", async () => {
            const [a, b, missing] = [unique('group'), unique('group'), unique('group')];
            await store.groups.commitOffsets(a, [offset('t', 0, 1n), offset('t', 1, 2n)]);
            await store.groups.commitOffsets(b, [offset('u', 0, 3n)]);
            expect(
              await other.groups.fetchOffsetsMany([
                { groupId: b },
                { groupId: a, partitions: [tp('t', 1), tp('u', 0)] },
                { groupId: missing },
                { groupId: a, partitions: [] },
                { groupId: a },
              ]),
            ).toEqual([[offset('u', 0, 3n)], [offset('t', 1, 2n)], [], [], [offset('t', 0, 1n), offset('t', 1, 2n)]]);
            expect(await other.groups.fetchOffsetsMany([])).toEqual([]);
          });

          it('deletes offsets of the partitions given', async () => {
            const g = unique('group');
            await store.groups.commitOffsets(g, [offset('t', 0, 1n), offset('t', 1, 2n), offset('u', 0, 3n)]);
            await other.groups.deleteOffsets(g, [tp('t', 0), tp('u', 0), tp('missing', 4)]);
            expect(await store.groups.fetchOffsets(g)).toEqual([offset('t', 1, 2n)]);
            await other.groups.deleteOffsets(g, []);
            await other.groups.deleteOffsets(unique('group'), [tp('t', 0)]);
            expect(await store.groups.list()).toContain(g);
            await other.groups.deleteOffsets(g, [tp('t', 1)]);
            expect(await store.groups.fetchOffsets(g)).toEqual([]);
            expect(await store.groups.list()).not.toContain(g);
          });

          it('deletes offsets only while the state version is the one given', async () => {
            const g = unique('group');
            const v1 = (await store.groups.compareAndSet(g, 0, 'state'))!;
            await store.groups.commitOffsets(g, [offset('t', 0, 1n), offset('t', 1, 2n)]);
            expect(await other.groups.deleteOffsets(g, [tp('t', 0)], v1 + 1)).toBe(false);
            expect(await other.groups.deleteOffsets(g, [tp('t', 0)], 0)).toBe(false);
            expect(await store.groups.fetchOffsets(g)).toHaveLength(2);
            expect(await other.groups.deleteOffsets(g, [tp('t', 0)], v1)).toBe(true);
            expect(await store.groups.fetchOffsets(g)).toEqual([offset('t', 1, 2n)]);
            const simple = unique('group');
            await store.groups.commitOffsets(simple, [offset('t', 0, 1n)]);
            expect(await other.groups.deleteOffsets(simple, [tp('t', 0)], 0)).toBe(true);
            expect(await store.groups.list()).not.toContain(simple);
          });

          it('hands out offsets the caller cannot alias into the store', async () => {
            const g = unique('group');
            const mine = offset('t', 0, 1n, { metadata: 'm' });
            await store.groups.commitOffsets(g, [mine]);
            (mine as { offset: bigint }).offset = 99n;
            const [got] = await store.groups.fetchOffsets(g);
            (got as { offset: bigint }).offset = 98n;
            expect(await store.groups.fetchOffsets(g)).toEqual([offset('t', 0, 1n, { metadata: 'm' })]);
          });
        });

        describe('deleteGroup', () => {
          it('removes state and offsets only while the version is the one given', async () => {
            const g = unique('group');
            const v1 = (await store.groups.compareAndSet(g, 0, 'a'))!;
            await store.groups.commitOffsets(g, [offset('t', 0, 1n)]);
            expect(await other.groups.deleteGroup(g, 0)).toBe(false);
            expect(await other.groups.deleteGroup(g, v1 + 1)).toBe(false);
            expect(await store.groups.get(g)).toEqual({ version: v1, value: 'a' });
            expect(await store.groups.fetchOffsets(g)).toHaveLength(1);
            expect(await other.groups.deleteGroup(g, v1)).toBe(true);
            expect(await store.groups.get(g)).toBeNull();
            expect(await store.groups.fetchOffsets(g)).toEqual([]);
            expect(await store.groups.list()).not.toContain(g);
            expect(await other.groups.deleteGroup(g, v1)).toBe(false);
          });

          it('removes a group that has only offsets, with version 0', async () => {
            const g = unique('group');
            await store.groups.commitOffsets(g, [offset('t', 0, 1n), offset('t', 1, 1n)]);
            expect(await store.groups.list()).toContain(g);
            expect(await other.groups.deleteGroup(g, 0)).toBe(true);
            expect(await store.groups.fetchOffsets(g)).toEqual([]);
            expect(await store.groups.list()).not.toContain(g);
          });
        });

        describe('expireOffsets', () => {
          const now = 1_767_225_600_000;

          it('drops offsets whose own expiry passed, and keeps the rest without a retention rule', async () => {
            const g = unique('group');
            await store.groups.commitOffsets(g, [
              offset('t', 0, 1n, { expireTimestamp: now - 1 }),
              offset('t', 1, 1n, { expireTimestamp: now }),
              offset('t', 2, 1n, { expireTimestamp: now + 1 }),
              offset('t', 3, 1n, { commitTimestamp: 0 }),
            ]);
            expect(await other.groups.expireOffsets(g, now)).toBe(2);
            expect((await store.groups.fetchOffsets(g)).map((o) => o.partition)).toEqual([2, 3]);
            expect(await other.groups.expireOffsets(g, now)).toBe(0);
            expect(await other.groups.expireOffsets(unique('group'), now)).toBe(0);
          });

          it('applies the retention rule to offsets without their own expiry', async () => {
            const g = unique('group');
            await store.groups.commitOffsets(g, [
              offset('t', 0, 1n, { commitTimestamp: now - 1000 }),
              offset('t', 1, 1n, { commitTimestamp: now - 999 }),
              offset('t', 2, 1n, { commitTimestamp: now - 5000, expireTimestamp: now + 1 }),
            ]);
            expect(await other.groups.expireOffsets(g, now, { retentionMs: 1000 })).toBe(1);
            expect((await store.groups.fetchOffsets(g)).map((o) => o.partition)).toEqual([1, 2]);
          });

          it('counts retention from the time given, and keeps the topics given', async () => {
            const g = unique('group');
            await store.groups.commitOffsets(g, [
              offset('t', 0, 1n, { commitTimestamp: now }),
              offset('kept', 0, 1n, { commitTimestamp: 0, expireTimestamp: 0 }),
              offset('t:x', 0, 1n, { commitTimestamp: now }),
            ]);
            expect(
              await other.groups.expireOffsets(g, now, { retentionMs: 1000, since: now - 999, keepTopics: ['kept'] }),
            ).toBe(0);
            expect(
              await other.groups.expireOffsets(g, now, {
                retentionMs: 1000,
                since: now - 1000,
                keepTopics: ['kept', 't'],
              }),
            ).toBe(1);
            expect((await store.groups.fetchOffsets(g)).map((o) => o.topic)).toEqual(['kept', 't']);
            expect(await other.groups.expireOffsets(g, now, { retentionMs: 1000, since: now - 1000 })).toBe(2);
            expect(await store.groups.fetchOffsets(g)).toEqual([]);
            expect(await store.groups.list()).not.toContain(g);
          });

          it('drops nothing when the state version moved', async () => {
            const g = unique('group');
            const v1 = (await store.groups.compareAndSet(g, 0, 'empty'))!;
            await store.groups.commitOffsets(g, [offset('t', 0, 1n, { expireTimestamp: 0 })]);
            const v2 = (await store.groups.compareAndSet(g, v1, 'a member joined'))!;
            expect(await other.groups.expireOffsets(g, now, { ifVersion: v1 })).toBe(0);
            expect(await store.groups.fetchOffsets(g)).toHaveLength(1);
            expect(await other.groups.expireOffsets(g, now, { ifVersion: v2 })).toBe(1);
            expect(await store.groups.list()).toContain(g);
          });
        });

        it('lists every group with state or offsets, sorted', async () => {
          const [withState, withOffsets, both, gone] = [unique('g'), unique('g'), unique('g'), unique('g')];
          await store.groups.compareAndSet(withState, 0, 's');
          await store.groups.commitOffsets(withOffsets, [offset('t', 0, 1n)]);
          await store.groups.compareAndSet(both, 0, 's');
          await store.groups.commitOffsets(both, [offset('t', 0, 1n)]);
          const vGone = (await store.groups.compareAndSet(gone, 0, 's'))!;
          await store.groups.compareAndSet(gone, vGone, null);
          const listed = await other.groups.list();
          expect(listed).toEqual([...listed].sort());
          for (const g of [withState, withOffsets, both]) expect(listed).toContain(g);
          expect(listed).not.toContain(gone);
          const vBoth = await version(both);
          await store.groups.compareAndSet(both, vBoth, null);
          expect(await other.groups.list()).toContain(both);
          await store.groups.deleteOffsets(both, [tp('t', 0)]);
          expect(await other.groups.list()).not.toContain(both);
        });

        it('lists every group while many are created and deleted at once', async () => {
          const stores = [store, other, await fresh()];
          const ids = Array.from({ length: 30 }, () => unique('churn'));
          await Promise.all(
            ids.map(async (g, i) => {
              const via = stores[i % stores.length]!;
              for (let round = 0; round < 4; round++) {
                const v = (await via.groups.compareAndSet(g, 0, 'x'))!;
                await stores[(i + 1) % stores.length]!.groups.list();
                await via.groups.compareAndSet(g, v, null);
              }
              if (i % 2 === 0) await via.groups.compareAndSet(g, 0, 'kept');
              else await via.groups.commitOffsets(g, [offset('t', 0, 1n)]);
            }),
          );
          const listed = new Set(await store.groups.list());
          for (const g of ids) expect(listed.has(g), g).toBe(true);
        });

        it('keeps groups whose ids hold braces, colons and other characters apart', async () => {
          const ids = [
            '',
            '{',
            '}',
            '{}',
            unique('a{b}c:d'),
            unique('}:state'),
            unique('{kl:g:x}:offsets'),
            unique('grüppe 😀'),
            unique('tab\tnew\nline'),
            unique('nul\u0000byte'),
            unique('-_=+/'),
          ];
          const third = await fresh();
          const versions = await Promise.all(ids.map((g, i) => third.groups.compareAndSet(g, 0, `state ${i}`)));
          try {
            await Promise.all(ids.map((g, i) => third.groups.commitOffsets(g, [offset(`t${i}`, i, BigInt(i))])));
            const got = await other.groups.getMany(ids);
            expect(got).toEqual(new Map(ids.map((g, i) => [g, { version: versions[i], value: `state ${i}` }])));
            const fetched = await other.groups.fetchOffsetsMany(ids.map((groupId) => ({ groupId })));
            expect(fetched).toEqual(ids.map((_, i) => [offset(`t${i}`, i, BigInt(i))]));
            const listed = await other.groups.list();
            for (const g of ids) expect(listed, JSON.stringify(g)).toContain(g);

            const waited = elapsed(store.groups.waitForChange(ids[1]!, versions[1]!, 10_000));
            await new Promise((r) => setTimeout(r, 100));
            await other.groups.compareAndSet(ids[1]!, versions[1]!, 'changed');
            expect(await waited).toBeLessThan(2000);
            expect(await store.groups.get(ids[0]!)).toEqual({ version: versions[0], value: 'state 0' });
            expect(await store.groups.get(ids[3]!)).toEqual({ version: versions[3], value: 'state 3' });
          } finally {
            // The fixed ids are shared by every run against the same backing state.
            for (const g of ids) await third.groups.deleteGroup(g, await version(g, third));
          }
          expect(await store.groups.getMany(ids)).toEqual(new Map(ids.map((g) => [g, null])));
        });

        describe('transactional offsets', () => {
          it('keeps staged offsets out of fetches until committed, and reports them as staged', async () => {
            const g = unique('group');
            await store.groups.commitOffsets(g, [offset('t', 0, 5n)]);
            expect(await store.groups.stageOffsets(g, 7n, [offset('t', 0, 9n), offset('t', 1, 3n)])).toBe(true);
            expect(await other.groups.fetchOffsets(g)).toEqual([offset('t', 0, 5n)]);
            expect(await other.groups.stagedPartitions(g)).toEqual([tp('t', 0), tp('t', 1)]);
            expect(await other.groups.stagedPartitions(g, [tp('t', 1), tp('u', 0), tp('t', 0)])).toEqual([
              tp('t', 1),
              tp('t', 0),
            ]);
            expect(await other.groups.completeStagedOffsets(g, 7n, true)).toBe(2);
            expect(await store.groups.fetchOffsets(g)).toEqual([offset('t', 0, 9n), offset('t', 1, 3n)]);
            expect(await store.groups.stagedPartitions(g)).toEqual([]);
            // Completing again is a no-op.
            expect(await other.groups.completeStagedOffsets(g, 7n, true)).toBe(0);
            expect(await store.groups.fetchOffsets(g)).toEqual([offset('t', 0, 9n), offset('t', 1, 3n)]);
          });

          it('drops staged offsets on abort, leaving other producers and committed offsets alone', async () => {
            const g = unique('group');
            await store.groups.commitOffsets(g, [offset('t', 0, 5n)]);
            await store.groups.stageOffsets(g, 1n, [offset('t', 0, 8n)]);
            await store.groups.stageOffsets(g, 2n, [offset('t', 2, 4n)]);
            expect(await other.groups.completeStagedOffsets(g, 1n, false)).toBe(1);
            expect(await store.groups.fetchOffsets(g)).toEqual([offset('t', 0, 5n)]);
            expect(await store.groups.stagedPartitions(g)).toEqual([tp('t', 2)]);
            expect(await other.groups.completeStagedOffsets(g, 2n, true)).toBe(1);
            expect(await store.groups.fetchOffsets(g)).toEqual([offset('t', 0, 5n), offset('t', 2, 4n)]);
          });

          it('replaces a producer stage of the same partition, and keeps a more recent plain commit', async () => {
            const g = unique('group');
            await store.groups.stageOffsets(g, 3n, [offset('t', 0, 1n, { commitTimestamp: 1000 })]);
            await store.groups.stageOffsets(g, 3n, [offset('t', 0, 2n, { commitTimestamp: 1001 })]);
            await store.groups.stageOffsets(g, 3n, [offset('t', 1, 2n, { commitTimestamp: 1001 })]);
            await store.groups.commitOffsets(g, [offset('t', 1, 50n, { commitTimestamp: 2000 })]);
            expect(await store.groups.completeStagedOffsets(g, 3n, true)).toBe(2);
            expect(await store.groups.fetchOffsets(g)).toEqual([
              offset('t', 0, 2n, { commitTimestamp: 1001 }),
              offset('t', 1, 50n, { commitTimestamp: 2000 }),
            ]);
            expect(await store.groups.list()).toContain(g);
          });

          it('stages only while the group state version holds, when asked to', async () => {
            const g = unique('group');
            const v = await store.groups.compareAndSet(g, 0, 'state');
            expect(await store.groups.stageOffsets(g, 4n, [offset('t', 0, 1n)], v! + 1)).toBe(false);
            expect(await store.groups.stagedPartitions(g)).toEqual([]);
            expect(await store.groups.stageOffsets(g, 4n, [offset('t', 0, 1n)], v!)).toBe(true);
            expect(await store.groups.stagedPartitions(g)).toEqual([tp('t', 0)]);
            await store.groups.completeStagedOffsets(g, 4n, false);
            await store.groups.deleteGroup(g, v!);
          });
        });
      });
    });

    describe('transactions', () => {
      it('has no state for an unknown transactional id, and creates it by compare-and-set from 0', async () => {
        const id = unique('txn');
        expect(await store.transactions.get(id)).toBeNull();
        const v1 = await store.transactions.compareAndSet(id, 0, 'one');
        expect(v1).toBeGreaterThan(0);
        expect(await other.transactions.get(id)).toEqual({ version: v1, value: 'one' });
        expect(await other.transactions.compareAndSet(id, 0, 'again')).toBeNull();
        const v2 = await other.transactions.compareAndSet(id, v1!, 'two');
        expect(v2).toBeGreaterThan(v1!);
        expect(await store.transactions.compareAndSet(id, v1!, 'stale')).toBeNull();
        expect(await store.transactions.get(id)).toEqual({ version: v2, value: 'two' });
        expect(await store.transactions.list()).toContain(id);
        expect(await store.transactions.compareAndSet(id, v2!, null)).toBe(0);
        expect(await other.transactions.get(id)).toBeNull();
        expect(await other.transactions.list()).not.toContain(id);
        const v3 = await store.transactions.compareAndSet(id, 0, 'reborn');
        expect(v3).toBeGreaterThan(v2!);
        await store.transactions.compareAndSet(id, v3!, null);
      });

      it('refuses a delete or a write from a version that is not stored', async () => {
        const id = unique('txn');
        expect(await store.transactions.compareAndSet(id, 5, 'x')).toBeNull();
        expect(await store.transactions.compareAndSet(id, 5, null)).toBeNull();
        expect(await store.transactions.get(id)).toBeNull();
      });

      it('reads several at once and lists ids of any shape, sorted', async () => {
        const ids = [unique('b{x}:y'), unique('a ü 😀'), unique('c\u0000d'), unique('')];
        const versions = await Promise.all(ids.map((id, i) => store.transactions.compareAndSet(id, 0, `v${i}`)));
        const missing = unique('missing');
        const got = await other.transactions.getMany([...ids, missing]);
        expect(got.get(missing)).toBeNull();
        for (const [i, id] of ids.entries()) expect(got.get(id)).toEqual({ version: versions[i], value: `v${i}` });
        const listed = await other.transactions.list();
        const mine = listed.filter((id) => ids.includes(id));
        expect(mine).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        for (const [i, id] of ids.entries()) await store.transactions.compareAndSet(id, versions[i]!, null);
        expect(await other.transactions.getMany(ids)).toEqual(new Map(ids.map((id) => [id, null])));
      });

      it('lets exactly one of racing writers from the same version win', async () => {
        const id = unique('txn');
        const v = await store.transactions.compareAndSet(id, 0, 'start');
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => (i % 2 ? store : other).transactions.compareAndSet(id, v!, `w${i}`)),
        );
        expect(results.filter((r) => r !== null)).toHaveLength(1);
      });
    });

    schemaStoreConformance(fresh);
    aclStoreConformance(fresh);
    credentialStoreConformance(fresh);
  });
}

export function blobStoreConformance(name: string, open: () => Promise<BlobStore>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    const opened: BlobStore[] = [];
    let store: BlobStore;
    let other: BlobStore;
    const prefix = `${unique('conformance')}/`;

    beforeAll(async () => {
      store = await open();
      other = await open();
      opened.push(store, other);
    });

    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    function bytes(length: number, seed: number): Uint8Array {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 255;
      return out;
    }

    function concat(parts: readonly Uint8Array[]): Uint8Array {
      const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.byteLength;
      }
      return out;
    }

    it('writes chunks as one object and reads ranges of it, edges included', async () => {
      const chunks = [bytes(100, 1), bytes(1, 2), bytes(250, 3), bytes(0, 4), bytes(49, 5)];
      const whole = concat(chunks);
      const key = `${prefix}ranges`;
      await store.put(key, chunks);
      const size = whole.byteLength;
      for (const [start, end] of [
        [0, size],
        [0, 1],
        [size - 1, size],
        [99, 102],
        [100, 101],
        [101, 351],
        [37, 300],
      ] as const) {
        expect(await other.getRange(key, start, end)).toEqual(whole.slice(start, end));
      }
      expect(await other.getRange(key, 5, 5)).toEqual(new Uint8Array(0));
    });

    it('answers ranges past the end with the bytes that exist', async () => {
      const key = `${prefix}short`;
      await store.put(key, [bytes(10, 7)]);
      expect(await store.getRange(key, 8, 20)).toEqual(bytes(10, 7).slice(8));
      expect(await store.getRange(key, 10, 20)).toEqual(new Uint8Array(0));
      expect(await store.getRange(key, 15, 20)).toEqual(new Uint8Array(0));
    });

    it('refuses ranges that are not ranges', async () => {
      const key = `${prefix}short`;
      await expect(store.getRange(key, 5, 4)).rejects.toBeInstanceOf(RangeError);
      await expect(store.getRange(key, -1, 4)).rejects.toBeInstanceOf(RangeError);
    });

    it('keeps large objects byte for byte', async () => {
      const chunks = [bytes(3 << 20, 11), bytes(1 << 20, 12), bytes(777_777, 13)];
      const whole = concat(chunks);
      const key = `${prefix}large`;
      await store.put(key, chunks);
      // toEqual walks megabytes element by element; compare as buffers.
      const read = await other.getRange(key, 0, whole.byteLength);
      expect(read.byteLength).toBe(whole.byteLength);
      expect(Buffer.compare(read, whole)).toBe(0);
      expect(await other.getRange(key, (3 << 20) - 10, (3 << 20) + 10)).toEqual(
        whole.slice((3 << 20) - 10, (3 << 20) + 10),
      );
    });

    it('stores empty objects', async () => {
      const key = `${prefix}empty`;
      await store.put(key, []);
      expect(await store.getRange(key, 0, 0)).toEqual(new Uint8Array(0));
      expect(await store.getRange(key, 0, 10)).toEqual(new Uint8Array(0));
    });

    it('reports a missing object as BlobNotFoundError, a StorageUnavailableError', async () => {
      const read = store.getRange(`${prefix}nothing-here`, 0, 10);
      await expect(read).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(read).rejects.toBeInstanceOf(StorageUnavailableError);
    });

    it('lists keys under a prefix in order, past a page, and deletes in bulk', async () => {
      const dir = `${prefix}many/`;
      const keys = Array.from({ length: 1005 }, (_, i) => `${dir}${String(i).padStart(5, '0')}`);
      for (let at = 0; at < keys.length; at += 64) {
        await Promise.all(keys.slice(at, at + 64).map((k, i) => store.put(k, [bytes(3, i)])));
      }
      await store.put(`${prefix}many-not`, [bytes(1, 0)]);
      const listed: string[] = [];
      for await (const k of other.list(dir)) listed.push(k);
      expect(listed).toEqual(keys);
      await other.delete([...keys.slice(0, 1003), `${dir}never-written`]);
      const left: string[] = [];
      for await (const k of store.list(dir)) left.push(k);
      expect(left).toEqual(keys.slice(1003));
      await expect(store.getRange(keys[0]!, 0, 1)).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(await store.getRange(keys[1004]!, 0, 3)).toEqual(bytes(3, 1004 % 64));
      await store.delete([]);
      const none: string[] = [];
      for await (const k of store.list(`${prefix}no-such-prefix/`)) none.push(k);
      expect(none).toEqual([]);
    }, 60_000);
  });
}
