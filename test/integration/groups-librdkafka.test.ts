/**
 * Consumer groups with librdkafka members (the confluent-kafka Python client)
 * on the full stack (the proxy spreading invocations over two function
 * processes, real Redis and SeaweedFS): each member is its own OS process. Three members share a
 * six-partition topic and consume every record exactly once with synchronous
 * commits, under the eager (range, roundrobin) and cooperative
 * (cooperative-sticky) assignors; a restarted member resumes from the
 * committed offsets; and a member joining, then another leaving, mid-stream
 * trigger rebalances that converge without losing or repeating a record.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oracle } from '../oracle/oracle.js';
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';
import { produceKeyed } from '../support/keyed-records.js';
import {
  CONFLUENT_KAFKA_VERSION,
  consumeInGroup,
  GroupMember,
  type GroupMemberResult,
  librdkafkaVersion,
} from '../support/python.js';

const PARTITIONS = 6;
const ALL = [0, 1, 2, 3, 4, 5];

let cluster: Cluster;
let admin: Oracle;

beforeAll(async () => {
  [cluster, admin] = await Promise.all([
    startCluster(backendsFromEnv(), { KAFKALESS_GROUP_INITIAL_REBALANCE_DELAY_MS: '500' }, { functionInstances: 2 }),
    Oracle.start(),
  ]);
  // The wheel bundles librdkafka of the same version: the members really are librdkafka 2.12.
  expect(await librdkafkaVersion()).toBe(CONFLUENT_KAFKA_VERSION);
}, 600_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), admin?.close()]);
});

const topicWith = (name: string, count: number, from = 0): Promise<void> =>
  produceKeyed(admin, cluster.bootstrap, name, count, { from, partitions: PARTITIONS });

const range = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `k${from + i}`);

/** Every key exactly once: as many keys as expected, no repeats, none missing. */
function expectExactlyOnce(keys: string[], expected: string[]): void {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const repeated = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
  const missing = expected.filter((k) => !counts.has(k));
  expect({ repeated: repeated.slice(0, 20), missing: missing.slice(0, 20) }).toEqual({ repeated: [], missing: [] });
  expect(keys.length).toBe(expected.length);
}

const noErrors = (results: GroupMemberResult[]): void => expect(results.flatMap((r) => r.errors)).toEqual([]);

/** Waits for a condition on live members' state; fails if one of them dies, or after the deadline. */
async function until(
  what: string,
  members: GroupMember[],
  condition: () => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    const failed = members.find((m) => m.failed)?.failed;
    if (failed) throw failed;
    if (Date.now() > deadline) {
      const state = members.map((m) => ({ assignment: m.assignment, consumed: m.keys.length }));
      throw new Error(`timed out waiting until ${what}: ${JSON.stringify(state)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The members' current assignments (as of their last rebalance callback) split the topic between them. */
function converged(members: GroupMember[]): boolean {
  const owned = members.map((m) => m.assignment);
  const flat = owned.flat().sort((a, b) => a - b);
  return owned.every((a) => a.length > 0) && flat.join() === ALL.join();
}

describe('librdkafka consumer groups (confluent-kafka, classic protocol)', () => {
  for (const assignor of ['range', 'roundrobin', 'cooperative-sticky']) {
    it(`three members (${assignor}) consume every record exactly once, and a restarted member resumes`, async () => {
      const topic = `group-rdkafka-${assignor}`;
      const group = `g-rdkafka-${assignor}`;
      const config = { 'partition.assignment.strategy': assignor };
      await topicWith(topic, 3000);
      const results = await Promise.all(
        [0, 1, 2].map(() => consumeInGroup({ bootstrap: cluster.bootstrap, topic, group, config, idle_ms: 4000 })),
      );
      noErrors(results);
      expectExactlyOnce(
        results.flatMap((r) => r.keys),
        range(0, 3000),
      );
      // Every member was assigned partitions, and together they covered the topic.
      for (const r of results) expect(r.assignments.some((a) => a.length > 0)).toBe(true);
      expect(new Set(results.flatMap((r) => r.assignments.flat()))).toEqual(new Set(ALL));

      // A new member of the same group starts from the committed offsets: only the new records.
      await topicWith(topic, 600, 3000);
      const again = await consumeInGroup({ bootstrap: cluster.bootstrap, topic, group, config, idle_ms: 3000 });
      noErrors([again]);
      expectExactlyOnce(again.keys, range(3000, 600));
      expect(again.final).toEqual(ALL);
    });
  }

  for (const assignor of ['range', 'cooperative-sticky']) {
    it(`a member joining and another leaving mid-stream (${assignor}) rebalance and converge, exactly once`, async () => {
      const topic = `group-rdkafka-churn-${assignor}`;
      const group = `g-rdkafka-churn-${assignor}`;
      await topicWith(topic, 3000);
      // Slow members (at most 10 records, then 50 ms of "work", per batch) so each rebalance lands mid-stream.
      const args = {
        bootstrap: cluster.bootstrap,
        topic,
        group,
        config: { 'partition.assignment.strategy': assignor, 'heartbeat.interval.ms': 1000 },
        idle_ms: 120_000,
        timeout_ms: 150_000,
        process_ms: 50,
        max_batch: 10,
      };
      const members: GroupMember[] = [];
      try {
        const a = await GroupMember.start(args);
        const b = await GroupMember.start(args);
        members.push(a, b);
        await until('two members split the topic and consume', members, () => converged([a, b]) && a.keys.length > 0);
        // Both assignors balance six partitions evenly, which they can only do from every member's subscription.
        expect([a.assignment.length, b.assignment.length]).toEqual([3, 3]);

        const c = await GroupMember.start(args);
        members.push(c);
        await until('the third member joins and three split the topic', members, () => converged([a, b, c]));
        expect([a.assignment.length, b.assignment.length, c.assignment.length]).toEqual([2, 2, 2]);
        const consumedBeforeLeave = a.keys.length + b.keys.length + c.keys.length;
        expect(consumedBeforeLeave).toBeLessThan(3000);

        const left = await b.stop();
        await topicWith(topic, 1000, 3000);
        await until('the remaining two take over every partition', [a, c], () => converged([a, c]));
        const final = [a.assignment, c.assignment];
        expect(final.map((x) => x.length)).toEqual([3, 3]);
        await until('every record is consumed', [a, c], () => a.keys.length + left.keys.length + c.keys.length >= 4000);
        const history = a.rebalances.map((e) => e.assignment);
        const [ra, rc] = await Promise.all([a.stop(), c.stop()]);

        const results = [ra, left, rc];
        noErrors(results);
        expectExactlyOnce(
          results.flatMap((r) => r.keys),
          range(0, 4000),
        );
        // on_assign fired with partitions for every member, the leaver held some when it left, and the two
        // that stayed ended up splitting the whole topic between them.
        for (const m of members) {
          expect(m.rebalances.some((e) => e.event === 'assign' && e.partitions.length > 0)).toBe(true);
          expect(m.rebalances.filter((e) => e.event === 'lost')).toEqual([]);
        }
        expect(left.final.length).toBeGreaterThan(0);
        expect(final.flat().sort((x, y) => x - y)).toEqual(ALL);
        expect(rc.keys.length).toBeGreaterThan(0);
        // Every processed record's offset was committed in the end: the group's offsets add up to the topic.
        const offsets = (await admin.admin(cluster.bootstrap, 'listGroupOffsets', { groupId: group }))
          .offsets as Record<string, string>;
        expect(Object.values(offsets).reduce((n, o) => n + Number(o), 0)).toBe(4000);
        // Eager assignors revoke everything at each rebalance; cooperative-sticky only what moves, so the
        // first member never went without partitions between its first assignment and being stopped.
        const held = history.slice(history.findIndex((x) => x.length > 0));
        expect(held.length).toBeGreaterThan(1);
        if (assignor === 'cooperative-sticky') expect(held.every((x) => x.length > 0)).toBe(true);
        else expect(held.some((x) => x.length === 0)).toBe(true);
      } finally {
        for (const m of members) m.kill();
      }
    });
  }
});
