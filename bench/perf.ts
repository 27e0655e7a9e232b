/**
 * Kafkaless against Apache Kafka, measured by Kafka's own tools: in one run,
 * `ProducerPerformance`, `ConsumerPerformance` and `EndToEndLatency` (from the
 * kafka-tools jar of the reference broker's release) against
 *   - Kafkaless, the full stack: `kafkaless proxy` and one `kafkaless
 *     functions serve` process over signed HTTP, on real Redis and SeaweedFS;
 *   - the reference broker (test/reference/broker.ts), one Kafka node;
 * with the same settings: 1 KiB records, acks=all, 6 partitions, the producer
 * once with batch.size 16 KiB / linger.ms 0 and once with 256 KiB / 10 ms.
 * Each measurement runs on Kafka, then on Kafkaless, back to back. Adds the
 * proxy's own per-request latency on a no-op function (bench/proxy.ts).
 *
 * Prints a table with the ratios Kafkaless / Kafka and writes
 * `docs/benchmarks.md` with the machine description. `npm run bench [--
 * --records N] [--latency-messages N] [--no-write]`.
 */

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../infra/local/processes.js';
import { ensureRedis, SEAWEEDFS_VERSION, startLocalStack } from '../infra/local/stack.js';
import { ensureKafkaLibs, REFERENCE_KAFKA_VERSION, startReferenceBroker } from '../test/reference/broker.js';
import { startCluster } from '../test/support/cluster.js';
import { javaCommand } from '../test/support/maven.js';
import { noOpLatency, type ProxyMeasurement } from './proxy.js';

const RECORD_SIZE = 1024;
const PARTITIONS = 6;
const TOOL_TIMEOUT_MS = 10 * 60_000;
const DOC = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));

const PRODUCER_SETTINGS = [
  { name: 'producer, batch 16 KiB, linger 0', topic: 'perf-batch-16k', batchSize: 16384, lingerMs: 0 },
  { name: 'producer, batch 256 KiB, linger 10 ms', topic: 'perf-batch-256k', batchSize: 262144, lingerMs: 10 },
] as const;
const LATENCY_TOPIC = 'perf-latency';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} wants a positive integer`);
  return value;
}

const RECORDS = option('--records', 100_000);
const LATENCY_MESSAGES = option('--latency-messages', 5_000);
const WRITE_DOC = !process.argv.includes('--no-write');

interface Throughput {
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
}

interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
}

interface TargetResults {
  readonly producer: Throughput[];
  readonly consumer: Throughput;
  /** Extra facts the consumer tool reports beside its rate. */
  readonly consumerRebalanceMs: number;
  readonly latency: Latency;
}

/** Runs one class of Kafka's tools; its output on success, an error with the output otherwise. */
async function kafkaTool(libs: string, mainClass: string, args: readonly string[]): Promise<string> {
  const result = await runCommand(
    javaCommand(),
    ['-Xmx512m', '-cp', join(libs, '*'), `org.apache.kafka.tools.${mainClass}`, ...args],
    { timeoutMs: TOOL_TIMEOUT_MS },
  );
  if (result.code !== 0) throw new Error(`${mainClass} ${args.join(' ')} exited ${result.code}:\n${result.output}`);
  return result.output;
}

function createTopic(libs: string, bootstrap: string, topic: string): Promise<string> {
  return kafkaTool(libs, 'TopicCommand', [
    '--bootstrap-server',
    bootstrap,
    '--create',
    '--topic',
    topic,
    '--partitions',
    String(PARTITIONS),
    '--replication-factor',
    '1',
  ]);
}

/** ProducerPerformance's summary: `N records sent, R records/sec (M MB/sec), …`. */
function parseProducerSummary(output: string): Throughput {
  const summaries = [...output.matchAll(/(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*50th/g)];
  const last = summaries[summaries.length - 1];
  if (last === undefined) throw new Error(`no ProducerPerformance summary in:\n${output}`);
  return { recordsPerSecond: Number(last[2]), mbPerSecond: Number(last[3]) };
}

/** ConsumerPerformance's CSV line; the rates while fetching, which leave out joining the group. */
function parseConsumerSummary(output: string): { throughput: Throughput; rebalanceMs: number } {
  const lines = output.split('\n');
  const header = lines.findIndex((l) => l.startsWith('start.time,'));
  const names = lines[header]?.split(',').map((s) => s.trim());
  const values = lines[header + 1]?.split(',').map((s) => s.trim());
  if (names === undefined || values === undefined) throw new Error(`no ConsumerPerformance summary in:\n${output}`);
  const field = (name: string): number => {
    const value = Number(values[names.indexOf(name)]);
    if (!Number.isFinite(value)) throw new Error(`ConsumerPerformance printed no ${name}:\n${output}`);
    return value;
  };
  return {
    throughput: { recordsPerSecond: field('fetch.nMsg.sec'), mbPerSecond: field('fetch.MB.sec') },
    rebalanceMs: field('rebalance.time.ms'),
  };
}

/** EndToEndLatency's `Percentiles: 50th = A, 99th = B, 99.9th = C` (whole milliseconds). */
function parseLatencySummary(output: string): Latency {
  const m = /Percentiles: 50th = ([\d.]+), 99th = ([\d.]+), 99\.9th = ([\d.]+)/.exec(output);
  if (m === null) throw new Error(`no EndToEndLatency percentiles in:\n${output}`);
  return { p50: Number(m[1]), p99: Number(m[2]), p999: Number(m[3]) };
}

interface Target {
  readonly name: string;
  readonly bootstrap: string;
}

/** Every measurement, each run on every target before the next, so both meet the same machine. */
async function measure(libs: string, targets: readonly Target[]): Promise<TargetResults[]> {
  const step = (what: string, target: Target): void => console.error(`… ${what} on ${target.name}`);
  for (const target of targets) {
    for (const topic of [...PRODUCER_SETTINGS.map((s) => s.topic), LATENCY_TOPIC]) {
      await createTopic(libs, target.bootstrap, topic);
    }
  }
  const producer: Throughput[][] = targets.map(() => []);
  for (const s of PRODUCER_SETTINGS) {
    for (const [i, target] of targets.entries()) {
      step(s.name, target);
      const output = await kafkaTool(libs, 'ProducerPerformance', [
        '--topic',
        s.topic,
        '--num-records',
        String(RECORDS),
        '--record-size',
        String(RECORD_SIZE),
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${target.bootstrap}`,
        'acks=all',
        `batch.size=${s.batchSize}`,
        `linger.ms=${s.lingerMs}`,
      ]);
      producer[i]!.push(parseProducerSummary(output));
    }
  }
  const consumer: { throughput: Throughput; rebalanceMs: number }[] = [];
  for (const target of targets) {
    step('consumer', target);
    const output = await kafkaTool(libs, 'ConsumerPerformance', [
      '--bootstrap-server',
      target.bootstrap,
      '--topic',
      PRODUCER_SETTINGS[0].topic,
      '--messages',
      String(RECORDS),
      '--timeout',
      '60000',
    ]);
    consumer.push(parseConsumerSummary(output));
  }
  const latency: Latency[] = [];
  for (const target of targets) {
    step('end-to-end latency', target);
    const output = await kafkaTool(libs, 'EndToEndLatency', [
      target.bootstrap,
      LATENCY_TOPIC,
      String(LATENCY_MESSAGES),
      'all',
      String(RECORD_SIZE),
    ]);
    latency.push(parseLatencySummary(output));
  }
  return targets.map((_, i) => ({
    producer: producer[i]!,
    consumer: consumer[i]!.throughput,
    consumerRebalanceMs: consumer[i]!.rebalanceMs,
    latency: latency[i]!,
  }));
}

/** The first match of `pattern` in what `command` prints (`java -version` prints to stderr). */
function versionOf(command: string, args: readonly string[], pattern: RegExp): string {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  return pattern.exec(`${run.stdout ?? ''}${run.stderr ?? ''}`)?.[1] ?? 'unknown';
}

async function machine(kafkaVersion: string): Promise<[string, string][]> {
  const cpu = cpus();
  const [one, five] = loadavg();
  return [
    ['CPU', `${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores`],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['load average at start (1 min, 5 min)', `${one!.toFixed(2)}, ${five!.toFixed(2)}`],
    ['Node.js', process.version],
    ['Java', versionOf(javaCommand(), ['-version'], /^(.*)$/m)],
    ['Redis', versionOf(await ensureRedis(), ['--version'], /v=(\S+)/)],
    ['SeaweedFS', SEAWEEDFS_VERSION],
    ['Apache Kafka (reference broker and tools)', kafkaVersion],
  ];
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const throughputCell = (t: Throughput): string =>
  `${count(t.recordsPerSecond)} rec/s, ${t.mbPerSecond.toFixed(1)} MB/s`;
const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
const ratio = (kafkaless: number, kafka: number): string => (kafka > 0 ? `${(kafkaless / kafka).toFixed(2)}` : '—');

function tableRows(kafka: TargetResults, kafkaless: TargetResults, proxy: ProxyMeasurement[]): string[][] {
  const rows: string[][] = PRODUCER_SETTINGS.map((s, i) => [
    s.name,
    throughputCell(kafka.producer[i]!),
    throughputCell(kafkaless.producer[i]!),
    ratio(kafkaless.producer[i]!.recordsPerSecond, kafka.producer[i]!.recordsPerSecond),
  ]);
  rows.push([
    'consumer',
    throughputCell(kafka.consumer),
    throughputCell(kafkaless.consumer),
    ratio(kafkaless.consumer.recordsPerSecond, kafka.consumer.recordsPerSecond),
  ]);
  for (const [label, key] of [
    ['p50', 'p50'],
    ['p99', 'p99'],
    ['p99.9', 'p999'],
  ] as const) {
    rows.push([
      `end-to-end latency ${label}`,
      ms(kafka.latency[key]),
      ms(kafkaless.latency[key]),
      ratio(kafkaless.latency[key], kafka.latency[key]),
    ]);
  }
  const [alone, http] = proxy as [ProxyMeasurement, ProxyMeasurement];
  rows.push(['proxy alone, no function: p50 / p99', '—', `${ms(alone.p50)} / ${ms(alone.p99)}`, '—']);
  rows.push(['proxy + no-op function over HTTP: p50 / p99', '—', `${ms(http.p50)} / ${ms(http.p99)}`, '—']);
  return rows;
}

function markdownTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function document(
  facts: readonly [string, string][],
  table: string,
  kafka: TargetResults,
  kafkaless: TargetResults,
): string {
  return `# Benchmarks

Kafkaless against Apache Kafka, measured with Kafka's own tools, both in the
same run on the same machine. Generated by \`npm run bench\` (bench/perf.ts) on
${new Date().toISOString().slice(0, 10)}; every number below is from that run.

## Machine

${markdownTable(
  ['', ''],
  facts.map(([k, v]) => [k, v]),
)}

Everything ran on this one machine at once: the Kafka tools' JVM, the broker
or the Kafkaless processes, Redis and SeaweedFS share its cores, so the
figures measure software on a small box, not a deployment.

## Settings

- Kafka: the reference broker (test/reference/broker.ts), one combined
  broker and controller node (KRaft), Kafka's defaults except single-node
  replication of internal topics and \`group.initial.rebalance.delay.ms=0\`.
- Kafkaless: the full stack, \`kafkaless proxy\` and one \`kafkaless functions
  serve\` process over signed HTTP, on Redis and SeaweedFS (S3), all on
  loopback; \`group.initial.rebalance.delay.ms=0\` as on the broker.
- Topics with ${PARTITIONS} partitions, created with \`kafka-topics\`
  (TopicCommand) on each.
- \`kafka-producer-perf-test\` (ProducerPerformance): ${count(RECORDS)} records
  of ${RECORD_SIZE} bytes, \`--throughput -1\`, \`acks=all\`, once with
  \`batch.size=16384 linger.ms=0\` and once with \`batch.size=262144
  linger.ms=10\`; other producer settings are the client's defaults
  (idempotence on, 5 requests in flight, no compression).
- \`kafka-consumer-perf-test\` (ConsumerPerformance): the ${count(RECORDS)}
  records of the first producer run, one consumer in a new group, the
  default 1 MiB fetch size. The table gives the tool's fetch rates, which
  leave out joining the group (Kafka ${kafka.consumerRebalanceMs} ms,
  Kafkaless ${kafkaless.consumerRebalanceMs} ms here).
- \`EndToEndLatency\`: ${count(LATENCY_MESSAGES)} messages of ${RECORD_SIZE}
  bytes with \`acks=all\`, each produced and consumed before the next; the
  tool reports whole milliseconds.
- Proxy overhead (bench/proxy.ts): one connection, one Heartbeat request in
  flight at a time, through the proxy answering by itself, and through the
  proxy and its HTTP invoker to a function that answers at once; client, proxy
  and function in one process.

## Results

${table}

Ratios are Kafkaless / Kafka: above 1 is more throughput, or more latency.

## Reproducing

\`\`\`sh
npm run bench                                   # this file, and the table on stdout
npm run bench -- --records 200000 --latency-messages 10000 --no-write
\`\`\`

It needs what \`npm test\` needs (Java 17 with Maven, redis-server; the
SeaweedFS binary and Kafka's jars are fetched into \`~/.cache/kafkaless\` on
first use). \`npm run bench:proxy\`, \`bench:codec\`, \`bench:storage\`,
\`bench:invocation\`, \`bench:e2e\` and \`bench:groups\` measure the parts on
their own.
`;
}

async function main(): Promise<void> {
  const libs = await ensureKafkaLibs(REFERENCE_KAFKA_VERSION);
  console.error('… proxy overhead');
  const proxy = await noOpLatency();
  const stack = await startLocalStack({ bucket: 'bench' });
  const broker = await startReferenceBroker({ kafkaVersion: REFERENCE_KAFKA_VERSION });
  let results: TargetResults[];
  let facts: [string, string][];
  try {
    facts = await machine(broker.version);
    const cluster = await startCluster(
      {
        redisUrl: stack.redisUrl,
        s3Url: `${stack.s3.endpoint}/${stack.s3.bucket}`,
        s3AccessKeyId: stack.s3.accessKeyId,
        s3SecretAccessKey: stack.s3.secretAccessKey,
      },
      { KAFKALESS_GROUP_INITIAL_REBALANCE_DELAY_MS: '0' },
    );
    try {
      results = await measure(libs, [
        { name: 'Kafka', bootstrap: broker.bootstrap },
        { name: 'Kafkaless', bootstrap: cluster.bootstrap },
      ]);
    } finally {
      await cluster.stop();
    }
  } finally {
    await broker.stop();
    await stack.stop();
  }
  const [kafka, kafkaless] = results as [TargetResults, TargetResults];
  const table = markdownTable(
    ['', `Kafka ${broker.version}`, 'Kafkaless', 'Kafkaless / Kafka'],
    tableRows(kafka, kafkaless, [proxy.proxyAlone, proxy.httpFunction]),
  );
  console.log(
    `Kafka's perf tools, ${count(RECORDS)} × ${RECORD_SIZE} B records, acks=all, ${PARTITIONS} partitions; ` +
      `${facts.find(([k]) => k === 'CPU')?.[1]}\n`,
  );
  console.log(table);
  if (WRITE_DOC) {
    writeFileSync(DOC, document(facts, table, kafka, kafkaless));
    console.log(`\nwrote ${DOC}`);
  }
}

await main();
