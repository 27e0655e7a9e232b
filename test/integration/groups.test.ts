/**
 * Consumer groups with real clients on the full stack (proxy and functions as
 * separate processes, real Redis and SeaweedFS): members in separate JVMs or
 * kafkajs instances share a six-partition topic, every record is consumed
 * exactly once across them with synchronous commits, a restarted consumer
 * resumes from the committed offset, and a member killed with SIGKILL hands
 * its partitions over after the session timeout. The proxy spreads
 * invocations over two function processes, so one member's consecutive group
 * requests land on different processes.
 */

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oracle } from '../oracle/oracle.js';
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';
import { produceKeyed } from '../support/keyed-records.js';

const PARTITIONS = 6;

let cluster: Cluster;
let admin: Oracle;

beforeAll(async () => {
  [cluster, admin] = await Promise.all([
    startCluster(
      backendsFromEnv(),
      { KAFKALESS_GROUP_INITIAL_REBALANCE_DELAY_MS: '500', KAFKALESS_LOG_LEVEL: 'debug' },
      { functionInstances: 2, collect: /"msg":"request"/ },
    ),
    Oracle.start(),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), admin?.close()]);
});

const topicWith = (name: string, count: number, from = 0): Promise<void> =>
  produceKeyed(admin, cluster.bootstrap, name, count, { from, partitions: PARTITIONS });

const GROUP_APIS = new Set(['JoinGroup', 'SyncGroup', 'Heartbeat', 'OffsetCommit', 'ConsumerGroupHeartbeat']);

interface Served {
  readonly api: string;
  readonly connection: string;
  readonly correlationId: number;
  readonly instance: number;
}

/** Where to start reading the function processes' request logs. */
const mark = (): number[] => cluster.functions.map((f) => f.collected.length);

/**
 * The group requests each process served since `from`, and how many times
 * one connection's consecutive group requests moved between processes.
 */
function groupRequestsSince(from: number[]): { perInstance: Map<number, Set<string>>; switches: number } {
  const served: Served[] = cluster.functions.flatMap((f, instance) =>
    f.collected.slice(from[instance]).map((line) => ({ ...(JSON.parse(line) as Served), instance })),
  );
  const perInstance = new Map<number, Set<string>>();
  const byConnection = new Map<string, Served[]>();
  for (const s of served) {
    if (!GROUP_APIS.has(s.api)) continue;
    perInstance.set(s.instance, (perInstance.get(s.instance) ?? new Set()).add(s.api));
    byConnection.set(s.connection, [...(byConnection.get(s.connection) ?? []), s]);
  }
  let switches = 0;
  for (const requests of byConnection.values()) {
    requests.sort((a, b) => a.correlationId - b.correlationId);
    for (let i = 1; i < requests.length; i++) if (requests[i]!.instance !== requests[i - 1]!.instance) switches++;
  }
  return { perInstance, switches };
}

/**
 * Both processes served group requests, together every one of `apis`, and
 * members' consecutive group requests moved between them.
 */
function expectSpreadOverInstances(from: number[], apis = ['JoinGroup', 'SyncGroup', 'Heartbeat', 'OffsetCommit']) {
  const { perInstance, switches } = groupRequestsSince(from);
  for (const instance of [0, 1]) {
    expect(perInstance.get(instance)?.size ?? 0, `group APIs served by process ${instance}`).toBeGreaterThan(0);
  }
  const served = new Set([...perInstance.values()].flatMap((apis) => [...apis]));
  for (const api of apis) expect(served.has(api), `${api} served`).toBe(true);
  expect(switches).toBeGreaterThan(3);
}

const keysOf = (records: { key: string | null }[]): string[] => records.map((r) => r.key ?? '');

describe('Java consumer groups (kafka-clients 3.9, classic protocol)', () => {
  for (const assignor of ['range', 'cooperative-sticky']) {
    it(`three members (${assignor}) consume every record exactly once, and a restarted member resumes`, async () => {
      const topic = `group-java-${assignor}`;
      const groupId = `g-${assignor}`;
      await topicWith(topic, 3000);
      const from = mark();
      const members = await Promise.all([Oracle.start(), Oracle.start(), Oracle.start()]);
      const config = {
        'partition.assignment.strategy':
          assignor === 'range'
            ? 'org.apache.kafka.clients.consumer.RangeAssignor'
            : 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor',
      };
      try {
        const results = await Promise.all(
          members.map((m) => m.groupConsume({ bootstrap: cluster.bootstrap, topic, groupId, config, idleMs: 4000 })),
        );
        const all = results.flatMap((r) => keysOf(r.records));
        expect(all.length).toBe(3000);
        expect(new Set(all).size).toBe(3000);
        // Every member held partitions, and together they covered the topic. (The first member to go idle
        // leaves, and the others take its partitions, so final assignments may overlap in time.)
        expect(results.every((r) => r.assignments.some((a) => a.length > 0))).toBe(true);
        expect(new Set(results.flatMap((r) => r.assignments.flat()))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
        expectSpreadOverInstances(from);
      } finally {
        await Promise.all(members.map((m) => m.close()));
      }
      // A new member of the same group starts from the committed offsets: only new records.
      await topicWith(topic, 600, 3000);
      const again = await Oracle.start();
      try {
        const r = await again.groupConsume({ bootstrap: cluster.bootstrap, topic, groupId, config, idleMs: 3000 });
        expect(keysOf(r.records).sort()).toEqual(Array.from({ length: 600 }, (_, i) => `k${3000 + i}`).sort());
      } finally {
        await again.close();
      }
    });
  }

  it('a member killed with SIGKILL hands its partitions over after the session timeout', async () => {
    const topic = 'group-java-kill';
    const groupId = 'g-kill';
    await topicWith(topic, 1200);
    const config = { 'session.timeout.ms': '6000', 'heartbeat.interval.ms': '1000' };
    const [survivor, victim] = await Promise.all([Oracle.start(), Oracle.start()]);
    try {
      const surviving = survivor.groupConsume({
        bootstrap: cluster.bootstrap,
        topic,
        groupId,
        config,
        idleMs: 15_000,
        timeoutMs: 90_000,
      });
      const doomed = victim.groupConsume({ bootstrap: cluster.bootstrap, topic, groupId, config, idleMs: 60_000 });
      doomed.catch(() => {});
      await new Promise((r) => setTimeout(r, 6000));
      victim.kill();
      await topicWith(topic, 600, 1200);
      const r = await surviving;
      // After the handover the survivor owns every partition and has read every new record.
      expect(r.assignments.at(-1)).toEqual([0, 1, 2, 3, 4, 5]);
      const keys = new Set(keysOf(r.records));
      for (let i = 1200; i < 1800; i++) expect(keys.has(`k${i}`), `k${i}`).toBe(true);
    } finally {
      await Promise.all([survivor.close(), victim.close().catch(() => {})]);
    }
  });
});

describe('static membership and the KIP-848 consumer protocol', () => {
  it('a static member restarting within the session timeout causes no rebalance', async () => {
    const topic = 'group-static';
    const groupId = 'g-static';
    await topicWith(topic, 600);
    const config = (instance: string) => ({ 'group.instance.id': instance, 'session.timeout.ms': '15000' });
    const [stay, restart] = await Promise.all([Oracle.start(), Oracle.start()]);
    try {
      const staying = stay.groupConsume({
        bootstrap: cluster.bootstrap,
        topic,
        groupId,
        config: config('stay'),
        idleMs: 60_000,
        timeoutMs: 25_000,
      });
      const first = await restart.groupConsume({
        bootstrap: cluster.bootstrap,
        topic,
        groupId,
        config: config('restart'),
        idleMs: 60_000,
        timeoutMs: 8000,
      });
      // Closed without leaving (a static member does not send LeaveGroup); back within the session timeout.
      const second = await restart.groupConsume({
        bootstrap: cluster.bootstrap,
        topic,
        groupId,
        config: config('restart'),
        idleMs: 60_000,
        timeoutMs: 6000,
      });
      const kept = await staying;
      expect(kept.assignments).toHaveLength(1);
      expect(second.assignments.at(-1)).toEqual(first.assignments.at(-1));
      expect([...kept.assignments[0]!, ...first.assignments.at(-1)!].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await Promise.all([stay.close(), restart.close()]);
    }
  });

  it('group.protocol=consumer (kafka-clients 4.1): three members consume every record exactly once', async () => {
    const topic = 'group-kip848';
    await topicWith(topic, 3000);
    const from = mark();
    const members = await Promise.all([Oracle.start('4.1.1'), Oracle.start('4.1.1'), Oracle.start('4.1.1')]);
    try {
      const results = await Promise.all(
        members.map((m) =>
          m.groupConsume({
            bootstrap: cluster.bootstrap,
            topic,
            groupId: 'g-kip848',
            config: { 'group.protocol': 'consumer' },
            idleMs: 5000,
          }),
        ),
      );
      const all = results.flatMap((r) => keysOf(r.records));
      expect(all.length).toBe(3000);
      expect(new Set(all).size).toBe(3000);
      // Together the members covered the topic (final assignments may overlap: the first member to go idle
      // leaves and the others take its partitions).
      expect(new Set(results.flatMap((r) => r.assignments.flat()))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
      expectSpreadOverInstances(from, ['ConsumerGroupHeartbeat', 'OffsetCommit']);
    } finally {
      await Promise.all(members.map((m) => m.close()));
    }
  });
});

describe('group administration with the Java AdminClient', () => {
  it('lists, describes, alters and deletes groups and their offsets', async () => {
    const topic = 'group-admin';
    const groupId = 'g-admin';
    await topicWith(topic, 120);
    const member = await Oracle.start();
    let describedLive: Record<string, unknown> | undefined;
    try {
      const consuming = member.groupConsume({ bootstrap: cluster.bootstrap, topic, groupId, idleMs: 4000 });
      await new Promise((r) => setTimeout(r, 2500));
      describedLive = await admin.admin(cluster.bootstrap, 'describeGroup', { groupId });
      expect((await consuming).records).toHaveLength(120);
    } finally {
      await member.close();
    }
    expect(describedLive).toMatchObject({ state: 'Stable', assignor: 'range' });
    const live = describedLive?.members as { partitions: number[] }[];
    expect(live).toHaveLength(1);
    expect(live[0]!.partitions).toEqual([0, 1, 2, 3, 4, 5]);

    const groups = (await admin.admin(cluster.bootstrap, 'listGroups')).groups as Record<string, string>;
    expect(groups[groupId]).toBe('Empty');
    const offsets = async (): Promise<Record<string, string>> =>
      (await admin.admin(cluster.bootstrap, 'listGroupOffsets', { groupId })).offsets as Record<string, string>;
    const committed = await offsets();
    expect(Object.values(committed).reduce((n, o) => n + Number(o), 0)).toBe(120);

    expect(
      (await admin.admin(cluster.bootstrap, 'alterGroupOffsets', { groupId, offsets: { [`${topic}:0`]: 0 } })).ok,
    ).toBe(true);
    expect((await offsets())[`${topic}:0`]).toBe('0');
    const removed = await admin.admin(cluster.bootstrap, 'deleteGroupOffsets', {
      groupId,
      partitions: [{ topic, partition: 1 }],
    });
    expect(removed.ok).toBe(true);
    expect(Object.keys(await offsets())).not.toContain(`${topic}:1`);

    expect((await admin.admin(cluster.bootstrap, 'deleteGroups', { names: [groupId] })).ok).toBe(true);
    const after = (await admin.admin(cluster.bootstrap, 'listGroups')).groups as Record<string, string>;
    expect(after[groupId]).toBeUndefined();
  });
});

describe('kafkajs consumer groups', () => {
  it('three kafkajs members consume every record exactly once', async () => {
    const topic = 'group-kafkajs';
    await topicWith(topic, 1500);
    const from = mark();
    const kafka = new Kafka({ brokers: [cluster.bootstrap], clientId: 'kafkajs-group', logLevel: logLevel.NOTHING });
    const seen: string[] = [];
    const consumers = [0, 1, 2].map(() => kafka.consumer({ groupId: 'g-kafkajs', sessionTimeout: 10_000 }));
    try {
      await Promise.all(
        consumers.map(async (c) => {
          await c.connect();
          await c.subscribe({ topic, fromBeginning: true });
          await c.run({
            eachMessage: async ({ message }) => {
              seen.push(message.key?.toString() ?? '');
            },
          });
        }),
      );
      const deadline = Date.now() + 60_000;
      while (seen.length < 1500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 2000));
      expect(seen.length).toBe(1500);
      expect(new Set(seen).size).toBe(1500);
      // A short run: few heartbeats, so only the spread itself is certain.
      expectSpreadOverInstances(from, []);
    } finally {
      await Promise.all(consumers.map((c) => c.disconnect()));
    }
  });
});
