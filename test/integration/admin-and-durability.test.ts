/**
 * The Java AdminClient against the full stack (topics, partitions, configs,
 * offsets, record deletion); acks 0, 1 and all; and durability: every process
 * restarted mid-stream loses nothing that was acknowledged.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oracle } from '../oracle/oracle.js';
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

let cluster: Cluster;
let oracle: Oracle;

beforeAll(async () => {
  [cluster, oracle] = await Promise.all([startCluster(backendsFromEnv()), Oracle.start()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), oracle?.close()]);
});

const admin = (action: string, args: object = {}): Promise<Record<string, unknown>> =>
  oracle.admin(cluster.bootstrap, action, args);

describe('Java AdminClient', () => {
  it('creates, lists, describes and deletes topics', async () => {
    const created = await admin('createTopics', {
      topics: [{ name: 'admin-a', partitions: 3, replicationFactor: 1, configs: { 'retention.ms': '3600000' } }],
    });
    expect((created.topics as Record<string, { ok: boolean; partitions: number }>)['admin-a']).toMatchObject({
      ok: true,
      partitions: 3,
    });
    const again = await admin('createTopics', { topics: [{ name: 'admin-a', partitions: 3, replicationFactor: 1 }] });
    expect((again.topics as Record<string, { error: string }>)['admin-a']?.error).toBe('TopicExistsException');
    const bad = await admin('createTopics', { topics: [{ name: 'bad/name', partitions: 1, replicationFactor: 1 }] });
    expect((bad.topics as Record<string, { error: string }>)['bad/name']?.error).toBe('InvalidTopicException');

    expect((await admin('listTopics')).names).toContain('admin-a');
    const described = await admin('describeTopics', { names: ['admin-a'] });
    const t = (described.topics as Record<string, { partitions: { partition: number; leader: number }[] }>)['admin-a']!;
    expect(t.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(t.partitions.every((p) => p.leader === 0)).toBe(true);

    expect((await admin('createPartitions', { topic: 'admin-a', count: 5 })).ok).toBe(true);
    const more = await admin('describeTopics', { names: ['admin-a'] });
    expect((more.topics as Record<string, { partitions: unknown[] }>)['admin-a']!.partitions).toHaveLength(5);
    expect((await admin('createPartitions', { topic: 'admin-a', count: 2 })).error).toBe('InvalidPartitionsException');

    expect((await admin('deleteTopics', { names: ['admin-a'] })).ok).toBe(true);
    expect((await admin('listTopics')).names).not.toContain('admin-a');
  });

  it('describes, alters and incrementally alters topic configs', async () => {
    await admin('createTopics', { topics: [{ name: 'admin-configs', partitions: 1, replicationFactor: 1 }] });
    type Configs = Record<string, { value: string; source: string }>;
    let configs = (await admin('describeConfigs', { topic: 'admin-configs' })).configs as Configs;
    expect(configs['max.message.bytes']).toMatchObject({ value: '1048588', source: 'DEFAULT_CONFIG' });
    expect(configs['cleanup.policy']?.value).toBe('delete');

    expect((await admin('alterConfigs', { topic: 'admin-configs', configs: { 'retention.ms': '1000' } })).ok).toBe(
      true,
    );
    configs = (await admin('describeConfigs', { topic: 'admin-configs' })).configs as Configs;
    expect(configs['retention.ms']).toMatchObject({ value: '1000', source: 'DYNAMIC_TOPIC_CONFIG' });

    const ops = [
      { name: 'max.message.bytes', value: '2000000', op: 'SET' },
      { name: 'retention.ms', op: 'DELETE' },
      { name: 'cleanup.policy', value: 'compact', op: 'APPEND' },
    ];
    expect((await admin('incrementalAlterConfigs', { topic: 'admin-configs', ops })).ok).toBe(true);
    configs = (await admin('describeConfigs', { topic: 'admin-configs' })).configs as Configs;
    expect(configs['max.message.bytes']?.value).toBe('2000000');
    expect(configs['retention.ms']?.source).toBe('DEFAULT_CONFIG');
    expect(configs['cleanup.policy']?.value).toBe('delete,compact');
    const refused = await admin('incrementalAlterConfigs', {
      topic: 'admin-configs',
      ops: [{ name: 'message.timestamp.type', value: 'Sometimes', op: 'SET' }],
    });
    expect(refused.error).toBe('InvalidConfigurationException');
  });

  it('lists offsets (earliest, latest, by timestamp, max timestamp) and deletes records', async () => {
    const topic = 'admin-offsets';
    await admin('createTopics', { topics: [{ name: topic, partitions: 1, replicationFactor: 1 }] });
    const base = 1_700_000_000_000;
    // Timestamps out of order: the largest sits at index 7.
    const stamps = [0, 10, 20, 5, 30, 40, 35, 90, 50, 60].map((d) => base + d);
    await oracle.produce({
      bootstrap: cluster.bootstrap,
      topic,
      partition: 0,
      config: { acks: 'all', 'linger.ms': '0', 'max.in.flight.requests.per.connection': '1', 'batch.size': '1' },
      records: stamps.map((ts, i) => ({ key: text(`k${i}`), value: text(`v${i}`), timestamp: BigInt(ts) })),
    });
    const list = (spec: string, timestamp?: number) =>
      admin('listOffsets', { topic, partition: 0, spec, ...(timestamp !== undefined ? { timestamp } : {}) });
    expect((await list('earliest')).offset).toBe('0');
    expect((await list('latest')).offset).toBe('10');
    expect(await list('maxTimestamp')).toMatchObject({ offset: '7', timestamp: String(base + 90) });
    expect((await list('timestamp', base + 25)).offset).toBe('4');
    expect((await list('timestamp', base + 1000)).offset).toBe('-1');

    expect((await admin('deleteRecords', { topic, partition: 0, before: 4 })).lowWatermark).toBe('4');
    expect((await list('earliest')).offset).toBe('4');
    const rest = await oracle.consume({
      bootstrap: cluster.bootstrap,
      partitions: [{ topic, partition: 0 }],
      count: 6,
    });
    expect(rest.map((r) => r.offset)).toEqual(['4', '5', '6', '7', '8', '9']);
  });

  it('describes the cluster as one node at the proxy address', async () => {
    const d = await admin('describeCluster');
    const [host, port] = cluster.bootstrap.split(':');
    expect(d.nodes).toEqual([{ id: 0, host, port: Number(port) }]);
    expect(d.controller).toBe(0);
  });
});

describe('acknowledgements and durability', () => {
  for (const acks of ['0', '1', 'all']) {
    it(`acks=${acks}: every record produced is stored`, async () => {
      const topic = `acks-${acks}`;
      await admin('createTopics', { topics: [{ name: topic, partitions: 2, replicationFactor: 1 }] });
      const records = Array.from({ length: 500 }, (_, i) => ({ key: text(`k${i}`), value: text(`v${i}`) }));
      await oracle.produce({
        bootstrap: cluster.bootstrap,
        topic,
        config: { acks, 'enable.idempotence': 'false' },
        records,
      });
      const got = await oracle.consume({
        bootstrap: cluster.bootstrap,
        partitions: [0, 1].map((partition) => ({ topic, partition })),
        count: 500,
      });
      expect(new Set(got.map((r) => r.key)).size).toBe(500);
    });
  }

  it('loses nothing acknowledged while the proxy and the functions restart mid-stream', async () => {
    const topic = 'restarts';
    await admin('createTopics', { topics: [{ name: topic, partitions: 3, replicationFactor: 1 }] });
    const records = Array.from({ length: 3000 }, (_, i) => ({ key: text(`k${i}`), value: text(`value-${i}`) }));
    const producing = oracle.produce({
      bootstrap: cluster.bootstrap,
      topic,
      config: { acks: 'all', 'linger.ms': '20', 'batch.size': '4096', retries: '2147483647' },
      records,
    });
    await new Promise((r) => setTimeout(r, 300));
    await cluster.functions[0]!.restart('SIGKILL');
    await cluster.proxy.restart('SIGTERM');
    await cluster.functions[0]!.restart('SIGTERM');
    await cluster.proxy.restart('SIGKILL');
    const acked = await producing;
    expect(acked).toHaveLength(3000);
    const got = await oracle.consume({
      bootstrap: cluster.bootstrap,
      partitions: [0, 1, 2].map((partition) => ({ topic, partition })),
      count: 10_000,
      timeoutMs: 15_000,
    });
    const keys = new Set(got.map((r) => Buffer.from(r.key ?? '', 'base64').toString()));
    for (let i = 0; i < 3000; i++) expect(keys.has(`k${i}`), `k${i}`).toBe(true);
    // Each acknowledged offset holds the record acknowledged there.
    const at = new Map(got.map((r) => [`${r.partition}:${r.offset}`, Buffer.from(r.key ?? '', 'base64').toString()]));
    for (const [i, a] of acked.entries()) expect(at.get(`${a.partition}:${a.offset}`)).toBe(`k${i}`);
  });
});
