/**
 * Classic consumer groups through the full stack: `kafkaless functions serve`
 * and `kafkaless proxy` as separate processes over signed HTTP, on real Redis
 * and SeaweedFS, with every client in this process.
 *
 * Rebalance time, with kafkajs 2.2.4 consumers on a topic of 24 pre-filled
 * partitions (no offsets committed, so every new assignment reads from the
 * beginning): from the moment the members start (connect, subscribe, run)
 * until every member has received its assignment (kafkajs GROUP_JOIN) and then
 * a non-empty batch, for
 *   - N members starting together into a new group;
 *   - one member joining the Stable group (N -> N+1);
 *   - that member leaving again (LeaveGroup, N+1 -> N), until the remaining
 *     members consume again.
 * Each is repeated and the median reported, for `group.initial.rebalance.delay.ms`
 * 0 and Kafka's default 3000. Existing members learn of a rebalance from their
 * next heartbeat, so the kafkajs heartbeat interval and fetch wait bound it.
 *
 * Heartbeat and OffsetCommit latency: a Stable group formed with raw
 * JoinGroup v9 and SyncGroup v5 requests (the project's codec), then each
 * member, on its own TCP connection to the proxy, sends Heartbeat v4 (or
 * OffsetCommit v8 of its share of the partitions) one at a time: one member
 * alone (pure latency), and every member of a 20-member group at once
 * (latency under load). Reports p50/p99/p99.9/max and requests/s.
 *
 * `npm run bench:groups [-- --repeats N --heartbeats N]`.
 */

import { cpus } from 'node:os';
import { type Consumer, type EachBatchPayload, Kafka, logLevel, Partitioners } from 'kafkajs';
import { startLocalStack } from '../infra/local/stack.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import { type Cluster, startCluster } from '../test/support/cluster.js';
import { WireClient } from '../test/support/proxy/kafka-wire.js';

const argument = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

const REPEATS = argument('repeats', 3);
const HEARTBEATS = argument('heartbeats', 3000);
const TOPIC = 'bench-groups';
const PARTITIONS = 24;
const RECORDS_PER_PARTITION = 20;
const GROUP_SIZES = [3, 20];
const DELAYS_MS = [0, 3000];
const HEARTBEAT_INTERVAL_MS = 500;
const MAX_WAIT_MS = 250;
const SESSION_TIMEOUT_MS = 30_000;
const REBALANCE_TIMEOUT_MS = 60_000;
const SETTLE_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------- tables

function printTable(header: string[], rows: string[][], leftColumns: number): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i < leftColumns ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log();
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const percentile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;

const ms = (v: number): string => v.toFixed(v < 10 ? 2 : 0);

// ---------------------------------------------------------------- rebalance (kafkajs)

/** One kafkajs member and when, since the current measurement began, it joined and then consumed. */
interface Member {
  readonly consumer: Consumer;
  joined: boolean;
  consumedAt: number | undefined;
}

/** kafkajs members of one group, and the wait for all of them to consume after a change. */
class Group {
  readonly members: Member[] = [];
  private onProgress: (() => void) | undefined;

  constructor(
    private readonly kafka: Kafka,
    readonly groupId: string,
  ) {}

  /** Forgets who joined and consumed: the next change is measured from here. */
  reset(): void {
    for (const m of this.members) {
      m.joined = false;
      m.consumedAt = undefined;
    }
  }

  async add(): Promise<Member> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: SESSION_TIMEOUT_MS,
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      maxWaitTimeInMs: MAX_WAIT_MS,
    });
    const member: Member = { consumer, joined: false, consumedAt: undefined };
    this.members.push(member);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      member.joined = true;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }: EachBatchPayload) => {
        if (batch.messages.length === 0 || !member.joined || member.consumedAt !== undefined) return;
        member.consumedAt = performance.now();
        this.onProgress?.();
      },
    });
    return member;
  }

  async remove(member: Member): Promise<void> {
    this.members.splice(this.members.indexOf(member), 1);
    await member.consumer.disconnect();
  }

  /** Waits until every member joined and consumed since the last reset; returns when the last one did. */
  allConsuming(): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onProgress = undefined;
        const waiting = this.members.filter((m) => m.consumedAt === undefined).length;
        reject(new Error(`${this.groupId}: ${waiting} of ${this.members.length} members not consuming`));
      }, SETTLE_TIMEOUT_MS);
      const check = (): void => {
        if (this.members.some((m) => m.consumedAt === undefined)) return;
        clearTimeout(timer);
        this.onProgress = undefined;
        resolve(Math.max(...this.members.map((m) => m.consumedAt!)));
      };
      this.onProgress = check;
      check();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.members.splice(0).map((m) => m.consumer.disconnect()));
  }
}

interface RebalanceTimes {
  start: number;
  join: number;
  leave: number;
}

/** One round: N members start together, one more joins, that one leaves. Times in ms. */
async function rebalanceRound(kafka: Kafka, groupId: string, size: number): Promise<RebalanceTimes> {
  const group = new Group(kafka, groupId);
  try {
    let began = performance.now();
    await Promise.all(Array.from({ length: size }, () => group.add()));
    const start = (await group.allConsuming()) - began;

    group.reset();
    began = performance.now();
    const extra = await group.add();
    const join = (await group.allConsuming()) - began;

    group.reset();
    began = performance.now();
    await group.remove(extra);
    const leave = (await group.allConsuming()) - began;
    return { start, join, leave };
  } finally {
    await group.close();
  }
}

async function fillTopic(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({
    topic: TOPIC,
    acks: -1,
    messages: Array.from({ length: PARTITIONS * RECORDS_PER_PARTITION }, (_, i) => ({
      partition: i % PARTITIONS,
      key: `k${i}`,
      value: 'x'.repeat(100),
    })),
  });
  await producer.disconnect();
}

async function measureRebalances(cluster: Cluster, delayMs: number, rows: string[][]): Promise<void> {
  const kafka = new Kafka({ brokers: [cluster.bootstrap], clientId: 'bench-groups', logLevel: logLevel.NOTHING });
  for (const size of GROUP_SIZES) {
    const rounds: RebalanceTimes[] = [];
    for (let r = 0; r < REPEATS; r++) {
      rounds.push(await rebalanceRound(kafka, `rebalance-d${delayMs}-n${size}-r${r}`, size));
    }
    const cell = (pick: (t: RebalanceTimes) => number): string => {
      const values = rounds.map(pick);
      return `${ms(median(values))} (${ms(Math.min(...values))}–${ms(Math.max(...values))})`;
    };
    rows.push([String(delayMs), `${size}`, `0 → ${size}`, cell((t) => t.start)]);
    rows.push([String(delayMs), `${size}`, `${size} → ${size + 1}`, cell((t) => t.join)]);
    rows.push([String(delayMs), `${size}`, `${size + 1} → ${size}`, cell((t) => t.leave)]);
  }
}

// ---------------------------------------------------------------- heartbeat and commit (raw protocol)

/** A classic group member speaking the wire protocol on its own connection. */
interface RawMember {
  readonly client: WireClient;
  memberId: string;
  generationId: number;
  partitions: number[];
}

async function heartbeat(groupId: string, m: RawMember): Promise<number> {
  const { body } = await m.client.request(ApiKey.Heartbeat, 4, {
    groupId,
    generationId: m.generationId,
    memberId: m.memberId,
    groupInstanceId: null,
  });
  return body.errorCode;
}

/** Joins (taking the member id MEMBER_ID_REQUIRED hands out) and syncs until the member is in a generation. */
async function joinAndSync(groupId: string, m: RawMember): Promise<void> {
  for (;;) {
    const { body: join } = await m.client.request(ApiKey.JoinGroup, 9, {
      groupId,
      sessionTimeoutMs: 300_000,
      rebalanceTimeoutMs: 30_000,
      memberId: m.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: new Uint8Array(0) }],
      reason: null,
    });
    if (join.memberId !== '') m.memberId = join.memberId;
    if (join.errorCode !== ErrorCode.NONE) continue;
    const isLeader = join.leader === m.memberId;
    const { body: sync } = await m.client.request(ApiKey.SyncGroup, 5, {
      groupId,
      generationId: join.generationId,
      memberId: m.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: isLeader ? join.members.map((x) => ({ memberId: x.memberId, assignment: new Uint8Array(0) })) : [],
    });
    if (sync.errorCode !== ErrorCode.NONE) continue;
    m.generationId = join.generationId;
    return;
  }
}

/** Connects `size` members and brings them into one Stable generation; partitions are split round-robin. */
async function stableGroup(port: number, groupId: string, size: number): Promise<RawMember[]> {
  const members: RawMember[] = await Promise.all(
    Array.from({ length: size }, async () => ({
      client: await WireClient.connect(port),
      memberId: '',
      generationId: -1,
      partitions: [],
    })),
  );
  // Each member heartbeats (rejoining when told to) until all report NONE in the same generation.
  const healthy = new Set<RawMember>();
  const stable = (): boolean => healthy.size === size && new Set(members.map((m) => m.generationId)).size === 1;
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  await Promise.all(
    members.map(async (m) => {
      while (!stable()) {
        if (Date.now() > deadline) throw new Error(`${groupId} did not stabilise`);
        if (m.generationId >= 0 && (await heartbeat(groupId, m)) === ErrorCode.NONE) {
          healthy.add(m);
          await new Promise((resolve) => setTimeout(resolve, 100));
        } else {
          healthy.delete(m);
          await joinAndSync(groupId, m);
        }
      }
    }),
  );
  members.sort((a, b) => a.memberId.localeCompare(b.memberId));
  for (const [i, m] of members.entries()) {
    m.partitions = Array.from({ length: PARTITIONS }, (_, p) => p).filter((p) => p % size === i);
  }
  return members;
}

async function commit(groupId: string, m: RawMember, offset: number): Promise<number> {
  const { body } = await m.client.request(ApiKey.OffsetCommit, 8, {
    groupId,
    generationIdOrMemberEpoch: m.generationId,
    memberId: m.memberId,
    groupInstanceId: null,
    topics: [
      {
        name: TOPIC,
        partitions: m.partitions.map((partitionIndex) => ({
          partitionIndex,
          committedOffset: BigInt(offset),
          committedLeaderEpoch: -1,
          committedMetadata: null,
        })),
      },
    ],
  });
  const codes = body.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
  return codes.find((c) => c !== ErrorCode.NONE) ?? ErrorCode.NONE;
}

interface Sampled {
  latencies: number[];
  seconds: number;
  /** Answers other than NONE, by error code. */
  errors: Map<number, number>;
}

const errorNames = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

/** Each member sends `perMember` requests, one at a time, all members at once. */
async function drive(
  members: readonly RawMember[],
  perMember: number,
  call: (m: RawMember, i: number) => Promise<number>,
): Promise<Sampled> {
  const latencies: number[] = [];
  const errors = new Map<number, number>();
  const started = performance.now();
  await Promise.all(
    members.map(async (m) => {
      for (let i = 0; i < perMember; i++) {
        const t = performance.now();
        const code = await call(m, i);
        latencies.push(performance.now() - t);
        if (code !== ErrorCode.NONE) errors.set(code, (errors.get(code) ?? 0) + 1);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000, errors };
}

async function measureRequests(cluster: Cluster, rows: string[][]): Promise<void> {
  const port = Number(cluster.bootstrap.split(':')[1]);
  const row = (request: string, groupSize: number, senders: number, partitions: string, s: Sampled): void => {
    rows.push([
      request,
      String(groupSize),
      String(senders),
      partitions,
      s.latencies.length.toLocaleString('en-US'),
      ms(percentile(s.latencies, 0.5)),
      ms(percentile(s.latencies, 0.99)),
      ms(percentile(s.latencies, 0.999)),
      ms(s.latencies.at(-1) ?? 0),
      Math.round(s.latencies.length / s.seconds).toLocaleString('en-US'),
      [...s.errors].map(([code, n]) => `${n} ${errorNames.get(code) ?? code}`).join(', ') || '0',
    ]);
  };
  for (const size of [1, 20]) {
    const groupId = `requests-n${size}`;
    const members = await stableGroup(port, groupId, size);
    try {
      const perMember = size === 1 ? HEARTBEATS : Math.ceil(HEARTBEATS / 4);
      const hb = (m: RawMember): Promise<number> => heartbeat(groupId, m);
      await drive(members, 100, hb);
      row('Heartbeat v4', size, 1, '–', await drive(members.slice(0, 1), HEARTBEATS, hb));
      if (size > 1) row('Heartbeat v4', size, size, '–', await drive(members, perMember, hb));
      const oc = (m: RawMember, i: number): Promise<number> => commit(groupId, m, i);
      const commits = Math.ceil(perMember / 3);
      await drive(members, 50, oc);
      const share = `${members[0]!.partitions.length}`;
      row('OffsetCommit v8', size, 1, share, await drive(members.slice(0, 1), Math.ceil(HEARTBEATS / 3), oc));
      if (size > 1) row('OffsetCommit v8', size, size, share, await drive(members, commits, oc));
    } finally {
      for (const m of members) m.client.close();
    }
  }
}

// ---------------------------------------------------------------- main

const stack = await startLocalStack({ bucket: 'bench' });
const rebalanceRows: string[][] = [];
const requestRows: string[][] = [];
try {
  const backends = {
    redisUrl: stack.redisUrl,
    s3Url: `${stack.s3.endpoint}/${stack.s3.bucket}`,
    s3AccessKeyId: stack.s3.accessKeyId,
    s3SecretAccessKey: stack.s3.secretAccessKey,
  };
  for (const [i, delayMs] of DELAYS_MS.entries()) {
    const cluster = await startCluster(backends, { KAFKALESS_GROUP_INITIAL_REBALANCE_DELAY_MS: String(delayMs) });
    try {
      if (i === 0) {
        await fillTopic(
          new Kafka({ brokers: [cluster.bootstrap], clientId: 'bench-fill', logLevel: logLevel.NOTHING }),
        );
        await measureRequests(cluster, requestRows);
      }
      await measureRebalances(cluster, delayMs, rebalanceRows);
    } finally {
      await cluster.stop();
    }
  }
} finally {
  await stack.stop();
}

console.log(
  `Classic consumer groups, full stack (proxy and functions as separate processes over HTTP, Redis, SeaweedFS),`,
);
console.log(
  `clients in one process, all on one machine; Node ${process.version}, ${cpus()[0]?.model ?? 'CPU'} × ${cpus().length}\n`,
);
console.log(
  `Rebalance until every member consumes — kafkajs 2.2.4, topic of ${PARTITIONS} partitions × ${RECORDS_PER_PARTITION} records,`,
);
console.log(
  `heartbeat interval ${HEARTBEAT_INTERVAL_MS} ms, fetch max wait ${MAX_WAIT_MS} ms; median (min–max) of ${REPEATS} rounds, ms\n`,
);
printTable(['initial rebalance delay ms', 'N', 'members', 'until all consume'], rebalanceRows, 3);
console.log('Request latency — raw protocol, one request in flight per member connection, ms\n');
printTable(
  [
    'request',
    'group size',
    'members sending',
    'partitions per commit',
    'requests',
    'p50',
    'p99',
    'p99.9',
    'max',
    'requests/s',
    'errors',
  ],
  requestRows,
  1,
);
