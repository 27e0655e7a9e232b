/**
 * Opens stores from a URL:
 *
 * - MetaStore: `redis://[user:pass@]host:port[/db]`, `rediss://…` (TLS), or
 *   `memory` / `memory://<name>`.
 * - BlobStore: `http(s)://host:port/<bucket>` (an S3-compatible endpoint,
 *   path-style), `s3://<bucket>` (AWS itself), or `memory` / `memory://<name>`.
 *   Credentials come from the options, else `AWS_ACCESS_KEY_ID` /
 *   `AWS_SECRET_ACCESS_KEY`, else the SDK's default chain; the region from the
 *   options, else `AWS_REGION`, else us-east-1.
 *
 * Memory stores opened with the same name in one process share their state,
 * as the functions of `kafkaless dev` must.
 */

import type { Logger } from '../log.js';
import { MemoryBlobStore } from './memory/blobs.js';
import { MemoryMetaBackend, MemoryMetaStore } from './memory/meta.js';
import { isClusterUrl } from './redis/cluster.js';
import { RedisMetaStore, type RedisMetaStoreOptions } from './redis/meta.js';
import { S3BlobStore, type S3BlobStoreOptions } from './s3/blobs.js';
import type { BlobStore, MetaStore } from './types.js';

export * from './acls.js';
export { BlobNotFoundError } from './errors.js';
export * from './groups.js';
export * from './schemas.js';
export * from './transactions.js';
export * from './types.js';

export type MetaStoreOptions = RedisMetaStoreOptions;

export interface BlobStoreOptions extends Omit<Partial<S3BlobStoreOptions>, 'endpoint' | 'bucket'> {
  /** Create the bucket if it is missing (local stacks, tests). Default false. */
  readonly createBucket?: boolean;
  readonly log?: Logger;
}

const memoryMeta = new Map<string, MemoryMetaBackend>();
const memoryObjects = new Map<string, Map<string, Uint8Array>>();

function memoryName(url: string): string | null {
  if (url === 'memory') return '';
  if (url.startsWith('memory://')) return url.slice('memory://'.length);
  return null;
}

function parse(url: string, what: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new TypeError(`${what} URL ${JSON.stringify(url)} is not a URL`);
  }
}

export async function openMetaStore(url: string, options: MetaStoreOptions = {}): Promise<MetaStore> {
  const name = memoryName(url);
  if (name !== null) {
    let backend = memoryMeta.get(name);
    if (backend === undefined) {
      backend = new MemoryMetaBackend();
      memoryMeta.set(name, backend);
    }
    return new MemoryMetaStore(backend);
  }
  // A cluster URL lists several host:port pairs, which URL cannot parse.
  if (isClusterUrl(url)) return new RedisMetaStore(url, options);
  const { protocol } = parse(url, 'MetaStore');
  if (protocol === 'redis:' || protocol === 'rediss:') return new RedisMetaStore(url, options);
  throw new TypeError(
    `MetaStore URL ${JSON.stringify(url)}: expected redis://, rediss://, redis-cluster://host:port,… or memory`,
  );
}

export async function openBlobStore(url: string, options: BlobStoreOptions = {}): Promise<BlobStore> {
  const name = memoryName(url);
  if (name !== null) {
    let objects = memoryObjects.get(name);
    if (objects === undefined) {
      objects = new Map();
      memoryObjects.set(name, objects);
    }
    return new MemoryBlobStore(objects);
  }
  const parsed = parse(url, 'BlobStore');
  let endpoint: string | undefined;
  let bucket: string;
  if (parsed.protocol === 's3:') {
    bucket = parsed.hostname;
  } else if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    endpoint = parsed.origin;
    bucket = parsed.pathname.split('/').filter((s) => s.length > 0)[0] ?? '';
  } else {
    throw new TypeError(
      `BlobStore URL ${JSON.stringify(url)}: expected http(s)://host:port/bucket, s3://bucket or memory`,
    );
  }
  if (bucket.length === 0) throw new TypeError(`BlobStore URL ${JSON.stringify(url)} names no bucket`);
  const accessKeyId = options.accessKeyId ?? process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = options.secretAccessKey ?? process.env.AWS_SECRET_ACCESS_KEY;
  const store = new S3BlobStore({
    ...options,
    ...(endpoint === undefined ? {} : { endpoint }),
    bucket,
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(accessKeyId === undefined || secretAccessKey === undefined ? {} : { accessKeyId, secretAccessKey }),
  });
  if (options.createBucket === true) {
    try {
      await store.ensureBucket();
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}
