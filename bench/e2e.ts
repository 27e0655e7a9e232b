/**
 * End-to-end throughput with the Java client (kafka-clients 3.9): 1 KiB
 * records, acks=all, 6 partitions, produced then consumed (assign, from the
 * beginning), through
 *   - the full stack: proxy and functions as separate processes over signed
 *     HTTP, on real Redis and SeaweedFS;
 *   - `kafkaless dev`: proxy and functions in one process, in-memory stores.
 * Prints a table. `npm run bench:e2e [-- --records N]`.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startLocalStack } from '../infra/local/stack.js';
import { Oracle } from '../test/oracle/oracle.js';
import { freePort, startCluster } from '../test/support/cluster.js';

const argIndex = process.argv.indexOf('--records');
const RECORDS = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 100_000;
const SIZE = 1024;
const PARTITIONS = 6;
const SETTINGS = [
  { name: 'batch 16 KiB, linger 0', config: { 'batch.size': '16384', 'linger.ms': '0' } },
  { name: 'batch 256 KiB, linger 10 ms', config: { 'batch.size': '262144', 'linger.ms': '10' } },
];

async function startDev(): Promise<{ bootstrap: string; child: ChildProcess }> {
  const port = await freePort();
  const bin = fileURLToPath(new URL('../bin/kafkaless.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'dev', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, KAFKALESS_LOG_LEVEL: 'warn' },
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      if (c.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`kafkaless dev exited ${code}`)));
  });
  return { bootstrap: `127.0.0.1:${port}`, child };
}

interface Row {
  target: string;
  setting: string;
  produce: { records: number; bytes: number; seconds: number };
  consume: { records: number; bytes: number; seconds: number };
}

async function measure(oracle: Oracle, bootstrap: string, target: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [i, s] of SETTINGS.entries()) {
    const topic = `perf-${i}`;
    await oracle.admin(bootstrap, 'createTopics', {
      topics: [{ name: topic, partitions: PARTITIONS, replicationFactor: 1 }],
    });
    const produce = await oracle.perf('producePerf', {
      bootstrap,
      topic,
      count: RECORDS,
      size: SIZE,
      config: { acks: 'all', ...s.config },
    });
    const consume = await oracle.perf('consumePerf', { bootstrap, topic, partitions: PARTITIONS, count: RECORDS });
    rows.push({ target, setting: s.name, produce, consume });
  }
  return rows;
}

const oracle = await Oracle.start();
const stack = await startLocalStack({ bucket: 'bench' });
const rows: Row[] = [];
try {
  const cluster = await startCluster({
    redisUrl: stack.redisUrl,
    s3Url: `${stack.s3.endpoint}/${stack.s3.bucket}`,
    s3AccessKeyId: stack.s3.accessKeyId,
    s3SecretAccessKey: stack.s3.secretAccessKey,
  });
  try {
    rows.push(...(await measure(oracle, cluster.bootstrap, 'full stack (Redis + SeaweedFS, HTTP)')));
  } finally {
    await cluster.stop();
  }
  const dev = await startDev();
  try {
    rows.push(...(await measure(oracle, dev.bootstrap, 'kafkaless dev (in memory, in process)')));
  } finally {
    dev.child.kill('SIGTERM');
  }
} finally {
  await stack.stop();
  await oracle.close();
}

const rate = (r: { records: number; bytes: number; seconds: number }): [string, string] => [
  Math.round(r.records / r.seconds).toLocaleString('en-US'),
  (r.bytes / r.seconds / 1e6).toFixed(1),
];
console.log(
  `End-to-end throughput — Java client 3.9, ${RECORDS.toLocaleString('en-US')} × ${SIZE} B records, acks=all,`,
);
console.log(`${PARTITIONS} partitions; Node ${process.version}, ${cpus()[0]?.model ?? 'CPU'} × ${cpus().length}\n`);
const header = ['target', 'producer settings', 'produce rec/s', 'produce MB/s', 'consume rec/s', 'consume MB/s'];
const table = rows.map((r) => [r.target, r.setting, ...rate(r.produce), ...rate(r.consume)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]): string =>
  `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of table) console.log(line(row));
