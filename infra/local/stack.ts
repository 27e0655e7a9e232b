/**
 * The local stack: a throwaway Redis and SeaweedFS (S3 API) on free loopback
 * ports, for integration tests and `kafkaless dev --redis/--s3`. Everything
 * lives in one temporary directory (data and server logs) that `stop()`
 * removes; the servers die with this process however it ends.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStackConnection } from './connection.js';
import { onProcessExit, type ServerProcess, type ServerProcessInfo } from './processes.js';
import { startRedis } from './redis.js';
import { startRedisCluster } from './redis-cluster.js';
import { type S3Connection, startSeaweedFs } from './seaweedfs.js';

export { connectionFromEnv, connectionToEnv, type LocalStackConnection, STACK_ENV } from './connection.js';
export { ensureRedis } from './redis.js';
export { ensureSeaweedFs, type S3Connection, SEAWEEDFS_COMMIT, SEAWEEDFS_VERSION } from './seaweedfs.js';

export const DEFAULT_BUCKET = 'kafkaless';

export interface LocalStackOptions {
  /** Start Redis (default true). */
  redis?: boolean;
  /** Start SeaweedFS with its S3 API (default true). */
  s3?: boolean;
  /** Bucket to create (default `kafkaless`). */
  bucket?: string;
  /** Also start a 3-master Redis Cluster (default false); its URL is `redisClusterUrl`. */
  redisCluster?: boolean;
}

interface RunningStack {
  /** Temporary directory holding the servers' data and logs (`redis.log`, `seaweedfs.log`); removed by `stop()`. */
  readonly dir: string;
  readonly processes: readonly ServerProcessInfo[];
  /** Kills the servers and removes `dir`. Safe to call more than once. */
  stop(): Promise<void>;
}

/** Both Redis and SeaweedFS. */
export interface LocalStack extends RunningStack, LocalStackConnection {
  /** `redis-cluster://…` when the stack was asked for a cluster. */
  redisClusterUrl?: string;
}

/** A stack started with `redis` or `s3` possibly off: only what was started is set. */
export interface PartialLocalStack extends RunningStack {
  redisUrl?: string;
  s3?: S3Connection;
  redisClusterUrl?: string;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function startLocalStack(options?: {
  redis?: true;
  s3?: true;
  bucket?: string;
  redisCluster?: boolean;
}): Promise<LocalStack>;
export function startLocalStack(options: LocalStackOptions): Promise<PartialLocalStack>;
export async function startLocalStack(options: LocalStackOptions = {}): Promise<PartialLocalStack> {
  const wantRedis = options.redis ?? true;
  const wantS3 = options.s3 ?? true;
  const bucket = options.bucket ?? DEFAULT_BUCKET;

  const dir = mkdtempSync(join(tmpdir(), 'kafkaless-stack-'));
  const forgetDir = onProcessExit(() => rmSync(dir, { recursive: true, force: true }));

  const [redis, seaweedfs, cluster] = await Promise.allSettled([
    wantRedis ? startRedis(dir) : Promise.resolve(undefined),
    wantS3 ? startSeaweedFs(dir, bucket) : Promise.resolve(undefined),
    options.redisCluster === true ? startRedisCluster(dir) : Promise.resolve(undefined),
  ]);
  const servers: ServerProcess[] = [];
  for (const result of [redis, seaweedfs]) {
    if (result.status === 'fulfilled' && result.value !== undefined) servers.push(result.value.process);
  }
  if (cluster.status === 'fulfilled' && cluster.value !== undefined) servers.push(...cluster.value.processes);
  const failures = [redis, seaweedfs, cluster].filter((r): r is PromiseRejectedResult => r.status === 'rejected');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all(servers.map((server) => server.stop()));
      if (seaweedfs.status === 'fulfilled') seaweedfs.value?.cleanup();
      await rm(dir, { recursive: true, force: true });
      forgetDir();
    })();
    return stopping;
  };

  if (failures.length > 0) {
    // Keep the directory: its logs explain the failure.
    await Promise.all(servers.map((server) => server.stop()));
    if (seaweedfs.status === 'fulfilled') seaweedfs.value?.cleanup();
    forgetDir();
    const message = failures.map((f) => messageOf(f.reason)).join('\n\n');
    throw new Error(`local stack failed to start (logs kept in ${dir}):\n${message}`, { cause: failures[0]!.reason });
  }

  return {
    dir,
    processes: servers.map(({ name, pid, logFile }) => ({ name, pid, logFile })),
    redisUrl: redis.status === 'fulfilled' ? redis.value?.url : undefined,
    s3: seaweedfs.status === 'fulfilled' ? seaweedfs.value?.s3 : undefined,
    redisClusterUrl: cluster.status === 'fulfilled' ? cluster.value?.url : undefined,
    stop,
  };
}
