/**
 * Outages on the full stack, on a private Redis and SeaweedFS so the shared
 * stack stays up: while Redis or SeaweedFS hangs, clients get retriable
 * errors, the proxy keeps serving what needs no storage, and when the store
 * returns the producer's retries succeed with nothing acknowledged lost.
 * Also: a function refuses an unsigned invocation.
 */

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.js';
import { INVOKE_PATH } from '../../shared/invocation.js';
import { encodeRequest } from '../../shared/protocol/frame.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { Oracle } from '../oracle/oracle.js';
import { type Cluster, freshLogDir, startCluster } from '../support/cluster.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

let stack: LocalStack;
let cluster: Cluster;
let oracle: Oracle;

beforeAll(async () => {
  stack = await startLocalStack({ bucket: 'outages' });
  [cluster, oracle] = await Promise.all([
    startCluster(
      {
        redisUrl: stack.redisUrl,
        s3Url: `${stack.s3.endpoint}/${stack.s3.bucket}`,
        s3AccessKeyId: stack.s3.accessKeyId,
        s3SecretAccessKey: stack.s3.secretAccessKey,
      },
      {},
      { logDir: await freshLogDir('outages') },
    ),
    Oracle.start(),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), oracle?.close()]);
  await stack?.stop();
});

function pidOf(name: string): number {
  const p = stack.processes.find((s) => s.name.toLowerCase().includes(name));
  if (p === undefined) throw new Error(`no ${name} in ${stack.processes.map((s) => s.name).join(', ')}`);
  return p.pid;
}

/** kcat -L: answered by Metadata, which needs Redis. */
function kcatMetadata(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('kcat', ['-L', '-b', cluster.bootstrap, '-m', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function produceThroughOutage(topic: string, freeze: () => void, thaw: () => void): Promise<void> {
  const created = await oracle.admin(cluster.bootstrap, 'createTopics', {
    topics: [{ name: topic, partitions: 2, replicationFactor: 1 }],
  });
  expect((created.topics as Record<string, { ok?: boolean }>)[topic]?.ok).toBe(true);
  const records = Array.from({ length: 2000 }, (_, i) => ({ key: text(`k${i}`), value: text(`v${i}`) }));
  const producing = oracle.produce({
    bootstrap: cluster.bootstrap,
    topic,
    config: { acks: 'all', 'linger.ms': '10', 'batch.size': '2048', 'delivery.timeout.ms': '120000' },
    records,
  });
  await new Promise((r) => setTimeout(r, 200));
  freeze();
  try {
    await new Promise((r) => setTimeout(r, 3000));
  } finally {
    thaw();
  }
  const acked = await producing;
  expect(acked).toHaveLength(2000);
  const got = await oracle.consume({
    bootstrap: cluster.bootstrap,
    partitions: [0, 1].map((partition) => ({ topic, partition })),
    count: 100_000,
    timeoutMs: 8000,
  });
  const at = new Map(got.map((r) => [`${r.partition}:${r.offset}`, Buffer.from(r.key ?? '', 'base64').toString()]));
  for (const [i, a] of acked.entries()) expect(at.get(`${a.partition}:${a.offset}`)).toBe(`k${i}`);
}

describe('outages', () => {
  it('Redis hanging: metadata fails, produce retries through it, nothing acknowledged is lost', async () => {
    const redis = pidOf('redis');
    await produceThroughOutage(
      'outage-redis',
      () => {
        process.kill(redis, 'SIGSTOP');
      },
      () => process.kill(redis, 'SIGCONT'),
    );
    process.kill(redis, 'SIGSTOP');
    try {
      const during = await kcatMetadata();
      expect(during.code).not.toBe(0);
    } finally {
      process.kill(redis, 'SIGCONT');
    }
    const after = await kcatMetadata();
    expect(after.code).toBe(0);
    expect(after.out).toContain('outage-redis');
  });

  it('SeaweedFS hanging: produce retries through it, nothing acknowledged is lost', async () => {
    const weed = pidOf('seaweed');
    await produceThroughOutage(
      'outage-s3',
      () => process.kill(weed, 'SIGSTOP'),
      () => process.kill(weed, 'SIGCONT'),
    );
  });

  it('a function refuses an unsigned or wrongly signed invocation', async () => {
    const port = cluster.functionsPort;
    const frame = encodeRequest(ApiKey.ApiVersions, 3, 1, 'intruder', {
      clientSoftwareName: 'x',
      clientSoftwareVersion: '1',
    });
    const unsigned = await fetch(`http://127.0.0.1:${port}${INVOKE_PATH}`, { method: 'POST', body: frame });
    expect(unsigned.status).toBe(401);
    const forged = await fetch(`http://127.0.0.1:${port}${INVOKE_PATH}`, {
      method: 'POST',
      body: frame,
      headers: { 'x-kafkaless-timestamp': String(Date.now()), 'x-kafkaless-signature': `v1=${'0'.repeat(64)}` },
    });
    expect(forged.status).toBe(401);
  });
});
