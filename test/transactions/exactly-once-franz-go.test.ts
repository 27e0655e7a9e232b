/**
 * Exactly-once consume-transform-produce with franz-go's GroupTransactSession:
 * two group members, each its own process (test/transactions/franz-go/, a
 * static member with its own transactional id), read the input with
 * read_committed and write transformed records to the output, each poll one
 * transaction that commits the consumed offsets too. The test kill -9s one
 * member at a time at random points, mostly inside a transaction, and
 * restarts it under the same instance and transactional id, until the
 * group's committed offsets cover the input. The ledger: every input record
 * appears exactly once in the output as read_committed reads it.
 *
 * Against Apache Kafka (the reference, which proves the test) and Kafkaless
 * (proxy and two function processes on real Redis and SeaweedFS).
 */

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS, type BrokerTarget, seededRandom, sleep, startBrokerTarget } from '../support/broker-targets.js';
import { exactlyOnce, ledger, ledgerLine, type ReadRecord } from '../support/ledger.js';
import { AppProcess, franzGoMember, javaTool, runJavaTool } from '../support/transaction-apps.js';

const PARTITIONS = 6;
const RECORDS = 3000;
const MEMBERS = 2;
const KILLS = 4;

for (const kind of BROKER_KINDS) {
  describe(`franz-go GroupTransactSession, exactly once (${kind})`, () => {
    let target: BrokerTarget;

    beforeAll(async () => {
      [target] = await Promise.all([startBrokerTarget(kind, 'exactly-once-franz-go'), franzGoMember(), javaTool()]);
    }, 600_000);

    afterAll(async () => {
      await target?.stop();
    });

    it('two members process every input record exactly once although they are killed and restarted', async () => {
      const startedAt = performance.now();
      const seed = randomBytes(4).readUInt32BE();
      const random = seededRandom(seed);
      const id = randomBytes(3).toString('hex');
      const input = `eos-franz-in-${id}`;
      const output = `eos-franz-out-${id}`;
      const group = `eos-franz-${id}`;
      const bootstrap = target.bootstrap;
      const where = `${target.title}${target.logDir === undefined ? '' : `, logs in ${target.logDir}`}, seed ${seed}`;
      await runJavaTool('create-topics', {
        bootstrap,
        topics: [input, output].map((name) => ({ name, partitions: PARTITIONS })),
      });
      await runJavaTool('seed', { bootstrap, topic: input, partitions: PARTITIONS, count: RECORDS });

      const command = await franzGoMember();
      let incarnations = 0;
      const start = (m: number): AppProcess =>
        new AppProcess(`franz-go member m${m}`, command, [
          JSON.stringify({
            bootstrap,
            input,
            output,
            group,
            transactionalId: `${group}-m${m}`,
            instanceId: `m${m}`,
            incarnation: String(incarnations++),
            processMs: 100,
          }),
        ]);
      const members = Array.from({ length: MEMBERS }, (_, m) => start(m));
      const failed = async (): Promise<void> => {
        for (const member of members) {
          if (member.running) continue;
          await member.done.catch((e: Error) => {
            throw new Error(`on ${where}: ${e.message}`);
          });
          throw new Error(`${member.name} stopped on its own on ${where}`);
        }
      };
      let kills = 0;
      const perPartition = RECORDS / PARTITIONS;
      let committedOffsets: unknown;
      try {
        await Promise.race(members.map((m) => m.waitFor((e) => e.event === 'committed', 90_000))).catch((e: Error) => {
          throw new Error(`no member committed a transaction on ${where}: ${e.message}`);
        });
        while (kills < KILLS) {
          await sleep(300 + random() * 1500);
          await failed();
          const victim = kills % MEMBERS;
          await members[victim]!.kill();
          members[victim] = start(victim);
          kills++;
        }
        // Done when the offsets the transactions committed cover the input.
        const deadline = Date.now() + 120_000;
        for (;;) {
          await failed();
          committedOffsets = (await runJavaTool('group-offsets', { bootstrap, group, topic: input })).committed;
          const covered = Object.values(committedOffsets as Record<string, number>).reduce((n, o) => n + o, 0);
          if (covered === RECORDS) break;
          if (Date.now() > deadline)
            throw new Error(`the group committed ${covered} of ${RECORDS} input offsets within 120 s on ${where}`);
          await sleep(1000);
        }
        const results = await Promise.all(members.map((m) => m.terminate()));
        for (const r of results) expect(r.event).toBe('done');
      } finally {
        await Promise.all(members.map((m) => m.kill()));
      }

      const [committed, uncommitted] = await Promise.all([
        runJavaTool('read', { bootstrap, topic: output, isolation: 'read_committed' }),
        runJavaTool('read', { bootstrap, topic: output, isolation: 'read_uncommitted' }),
      ]);
      const l = ledger(RECORDS, committed.records as ReadRecord[], uncommitted.records as ReadRecord[]);
      console.log(
        ledgerLine(`franz-go GroupTransactSession (2 members) on ${target.title}`, l, {
          kills,
          incarnations,
          seed,
          seconds: ((performance.now() - startedAt) / 1000).toFixed(1),
        }),
      );
      expect(l).toEqual(exactlyOnce(l));
      // Work was done between the kills, not all by the last runs.
      expect(l.committingIncarnations).toBeGreaterThanOrEqual(3);
      expect(committedOffsets).toEqual(Object.fromEntries([0, 1, 2, 3, 4, 5].map((p) => [String(p), perPartition])));
    });
  });
}
