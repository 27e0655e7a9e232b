import { describe, expect, it } from 'vitest';
import { blobStoreConformance, metaStoreConformance } from '../conformance.js';
import { openBlobStore, openMetaStore } from '../index.js';
import { nonceStoreConformance } from '../nonces-conformance.js';
import { StorageUnavailableError } from '../types.js';
import { MemoryBlobStore } from './blobs.js';
import { MemoryMetaBackend, MemoryMetaStore } from './meta.js';

const backend = new MemoryMetaBackend();
metaStoreConformance('memory', async () => new MemoryMetaStore(backend));
nonceStoreConformance('memory', async () => new MemoryMetaStore(backend));

const objects = new Map<string, Uint8Array>();
blobStoreConformance('memory', async () => new MemoryBlobStore(objects));

describe('memory stores', () => {
  it('share state between stores opened under one name', async () => {
    const a = await openMetaStore('memory://shared-test');
    const b = await openMetaStore('memory://shared-test');
    const c = await openMetaStore('memory://elsewhere');
    const topic = { name: 'shared', id: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: 1, configs: {}, createdAt: 0 };
    await a.topics.createTopic(topic);
    expect(await b.topics.getTopic('shared')).toEqual(topic);
    expect(await c.topics.getTopic('shared')).toBeNull();
    const blobsA = await openBlobStore('memory://shared-test');
    const blobsB = await openBlobStore('memory://shared-test');
    await blobsA.put('k', [new Uint8Array([1, 2, 3])]);
    expect(await blobsB.getRange('k', 1, 3)).toEqual(new Uint8Array([2, 3]));
  });

  it('fail with StorageUnavailableError once closed, and wake their waiters', async () => {
    const store = new MemoryMetaStore();
    const waiting = store.log.waitForAppend([{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partition: 0 }], 60_000);
    const waitingForGroup = store.groups.waitForChange('g', 0, 60_000);
    await store.close();
    await waiting;
    await waitingForGroup;
    await expect(store.topics.listTopics()).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.groups.get('g')).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('copy what is put, so the caller may reuse its buffers', async () => {
    const blobs = new MemoryBlobStore();
    const chunk = new Uint8Array([1, 2, 3]);
    await blobs.put('k', [chunk]);
    chunk[0] = 9;
    expect(await blobs.getRange('k', 0, 3)).toEqual(new Uint8Array([1, 2, 3]));
  });
});
