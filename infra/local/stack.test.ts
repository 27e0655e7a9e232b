/**
 * The local stack starts real Redis and SeaweedFS that the clients the
 * project uses (ioredis, the AWS SDK with its default checksum behaviour) can
 * talk to, and stop() leaves nothing running.
 */

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitUntilReady } from './processes.js';
import { type LocalStack, startLocalStack } from './stack.js';

/** Processes whose command line mentions `text` (weed's names its data directory; watchdogs name their log file). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local stack', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({ bucket: 'stack-test' });
  }, 600_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('runs Redis that answers PING', async () => {
    const redis = new Redis(stack.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('runs SeaweedFS whose S3 API stores, reads byte ranges of, lists and deletes objects', async () => {
    const s3 = new S3Client({
      endpoint: stack.s3.endpoint,
      region: stack.s3.region,
      forcePathStyle: stack.s3.forcePathStyle,
      credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
    });
    const Bucket = stack.s3.bucket;
    const Key = 'topic/00000000000000000000.batch';
    try {
      await s3.send(new PutObjectCommand({ Bucket, Key, Body: new TextEncoder().encode('0123456789abcdef') }));

      const range = await s3.send(new GetObjectCommand({ Bucket, Key, Range: 'bytes=3-9' }));
      expect(range.$metadata.httpStatusCode).toBe(206);
      expect(range.ContentRange).toBe('bytes 3-9/16');
      expect(await range.Body!.transformToString()).toBe('3456789');

      const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'topic/' }));
      expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([[Key, 16]]);

      await s3.send(new DeleteObjectCommand({ Bucket, Key }));
      await expect(s3.send(new GetObjectCommand({ Bucket, Key }))).rejects.toBeInstanceOf(NoSuchKey);
      const after = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'topic/' }));
      expect(after.KeyCount).toBe(0);
    } finally {
      s3.destroy();
    }
  });

  it('serves byte ranges that cross SeaweedFS chunk boundaries (the filer splits objects every 4 MiB)', async () => {
    const s3 = new S3Client({
      endpoint: stack.s3.endpoint,
      region: stack.s3.region,
      forcePathStyle: stack.s3.forcePathStyle,
      credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
    });
    const Bucket = stack.s3.bucket;
    const Key = 'large/00000000000000000000.batch';
    const body = new Uint8Array(9 * 1024 * 1024 + 7);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >>> 12)) & 0xff;
    try {
      await s3.send(new PutObjectCommand({ Bucket, Key, Body: body }));
      const start = 4 * 1024 * 1024 - 100;
      const end = 8 * 1024 * 1024 + 100;
      const range = await s3.send(new GetObjectCommand({ Bucket, Key, Range: `bytes=${start}-${end}` }));
      expect(range.ContentRange).toBe(`bytes ${start}-${end}/${body.length}`);
      expect(Buffer.from(await range.Body!.transformToByteArray()).equals(body.subarray(start, end + 1))).toBe(true);
      await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    } finally {
      s3.destroy();
    }
  });

  it('leaves no process behind after stop()', async () => {
    const pids = stack.processes.map((p) => p.pid);
    expect(pids).toHaveLength(2);
    expect(pids.every(isAlive)).toBe(true);
    expect(processesMentioning(stack.dir).length).toBeGreaterThan(0);

    await stack.stop();

    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(stack.dir)).toEqual([]);
    expect(readdirSync(tmpdir())).not.toContain(stack.dir.slice(tmpdir().length + 1));
  });
});

describe('a server that fails to start', () => {
  it('is reported with the tail of its log', async () => {
    const dir = tmpdir();
    const logFile = `${dir}/kafkaless-failing-server-${process.pid}.log`;
    const server = await startServer({
      name: 'failing',
      command: 'sh',
      args: ['-c', 'echo "bind: address already in use" >&2; exit 3'],
      cwd: dir,
      logFile,
    });
    try {
      await expect(waitUntilReady(server, 'ready', async () => false, 10_000)).rejects.toThrow(
        /failing exited \(exit code 3\) before ready.*\n.*address already in use/s,
      );
    } finally {
      await server.stop();
      rmSync(logFile, { force: true });
    }
  });
});
