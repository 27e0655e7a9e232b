/**
 * The S3 BlobStore against real SeaweedFS: the conformance suite, then what
 * only S3 has (URLs, streaming puts, a store that is down). SeaweedFS comes
 * from the `KAFKALESS_TEST_S3_*` variables (the local stack's global setup)
 * or, failing that, a local stack this file starts; never skipped.
 */

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../../infra/local/ports.js';
import {
  connectionFromEnv,
  type PartialLocalStack,
  type S3Connection,
  startLocalStack,
} from '../../../infra/local/stack.js';
import { blobStoreConformance } from '../conformance.js';
import { openBlobStore } from '../index.js';
import { StorageUnavailableError } from '../types.js';
import { S3BlobStore } from './blobs.js';

let s3: S3Connection;
let stack: PartialLocalStack | undefined;
const stores: S3BlobStore[] = [];

function open(bucket = s3.bucket): S3BlobStore {
  const store = new S3BlobStore({ ...s3, bucket });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  const fromEnv = connectionFromEnv();
  if (fromEnv !== undefined) {
    s3 = fromEnv.s3;
  } else {
    stack = await startLocalStack({ redis: false, s3: true, bucket: 'kafkaless-storage-test' });
    s3 = stack.s3!;
  }
}, 600_000);

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await stack?.stop();
});

blobStoreConformance('s3', async () => open());

describe('S3 BlobStore', () => {
  it('opens from an http://host:port/bucket URL and creates the bucket when asked', async () => {
    const bucket = `created-${randomBytes(4).toString('hex')}`;
    const store = await openBlobStore(`${s3.endpoint}/${bucket}`, {
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      createBucket: true,
    });
    try {
      expect(store).toBeInstanceOf(S3BlobStore);
      await store.put('k', [new Uint8Array([7, 8, 9])]);
      expect(await store.getRange('k', 1, 3)).toEqual(new Uint8Array([8, 9]));
      await store.delete(['k']);
    } finally {
      await store.close();
    }
  });

  it('reads credentials from the environment', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    try {
      const store = await openBlobStore(`${s3.endpoint}/${s3.bucket}`);
      await store.put('env-credentials', [new Uint8Array([1])]);
      expect(await store.getRange('env-credentials', 0, 1)).toEqual(new Uint8Array([1]));
      await store.close();
    } finally {
      for (const [name, value] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('refuses wrong credentials with StorageUnavailableError', async () => {
    const store = new S3BlobStore({ ...s3, secretAccessKey: 'wrong' });
    stores.push(store);
    await expect(store.put('nope', [new Uint8Array([1])])).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('fails fast with StorageUnavailableError when nothing listens', async () => {
    const [port] = await freePorts(1);
    const store = new S3BlobStore({ ...s3, endpoint: `http://127.0.0.1:${port}` });
    stores.push(store);
    for (const call of [
      () => store.put('k', [new Uint8Array([1]), new Uint8Array([2])]),
      () => store.getRange('k', 0, 1),
      () => store.delete(['k']),
      async () => {
        for await (const _ of store.list('')) break;
      },
    ]) {
      const start = performance.now();
      await expect(call()).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(performance.now() - start).toBeLessThan(2000);
    }
  });
});
