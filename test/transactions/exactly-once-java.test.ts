/**
 * Exactly-once consume-transform-produce with Kafka's Java clients (3.9): an
 * application with a read_committed consumer (a static group member) and a
 * transactional producer that puts each poll's transformed records and the
 * consumer's offsets (sendOffsetsToTransaction with the consumer's group
 * metadata) in one transaction. The test runs it as its own process and
 * kill -9s it at random points, mostly while a transaction is open, then
 * restarts it, until it has processed the whole input. The ledger: every
 * input record appears exactly once in the output as read_committed reads
 * it; read_uncommitted also sees the aborted records, read_committed never.
 *
 * Against Apache Kafka (the reference, which proves the test) and Kafkaless
 * (proxy and two function processes on real Redis and SeaweedFS); on
 * Kafkaless once more while its function processes are SIGKILLed in turn
 * too, so transactional requests (AddPartitionsToTxn, TxnOffsetCommit,
 * EndTxn and its markers) fail mid-flight.
 */

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS, type BrokerTarget, seededRandom, sleep, startBrokerTarget } from '../support/broker-targets.js';
import { exactlyOnce, ledger, ledgerLine, type ReadRecord } from '../support/ledger.js';
import { type AppProcess, javaTool, runJavaTool, startJavaTool } from '../support/transaction-apps.js';

const PARTITIONS = 6;
const RECORDS = 3000;
const KILLS = 5;

/**
 * Seeds the input, runs the application until it has processed all of it, kill -9ing it KILLS times
 * (and, with `killFunctions`, SIGKILLing Kafkaless's function processes in turn meanwhile), then checks
 * the ledger and the group's offsets.
 */
async function transformUnderKills(target: BrokerTarget, killFunctions: boolean): Promise<void> {
  const startedAt = performance.now();
  const seed = randomBytes(4).readUInt32BE();
  const random = seededRandom(seed);
  const id = randomBytes(3).toString('hex');
  const input = `eos-java-in-${id}`;
  const output = `eos-java-out-${id}`;
  const group = `eos-java-${id}`;
  const bootstrap = target.bootstrap;
  const where = `${target.title}${target.logDir === undefined ? '' : `, logs in ${target.logDir}`}, seed ${seed}`;
  await runJavaTool('create-topics', {
    bootstrap,
    topics: [input, output].map((name) => ({ name, partitions: PARTITIONS })),
  });
  await runJavaTool('seed', { bootstrap, topic: input, partitions: PARTITIONS, count: RECORDS });

  let kills = 0;
  let incarnation = 0;
  let app: AppProcess | undefined;
  let functionKills = 0;
  let chaos = killFunctions;
  const chaosRandom = seededRandom(seed ^ 0x9e3779b9);
  const functions = target.cluster?.functions ?? [];
  // One instance at a time: killed, then restarted while the other serves.
  const killingFunctions = (async () => {
    while (chaos && functions.length > 0) {
      await sleep(500 + chaosRandom() * 1500);
      if (!chaos) break;
      await functions[functionKills % functions.length]!.restart('SIGKILL');
      functionKills++;
    }
  })();
  try {
    for (;;) {
      app = await startJavaTool('transform', {
        bootstrap,
        input,
        output,
        group,
        transactionalId: `${group}-app`,
        instanceId: 'app',
        incarnation: String(incarnation++),
        maxPollRecords: 50,
        processMs: 100,
        idleMs: 3000,
      });
      if (kills === KILLS) break;
      // Once it has committed something, kill it after a random while: usually inside a transaction.
      const first = await app
        .waitFor((e) => e.event === 'committed' || e.event === 'done', 90_000)
        .catch((e: Error) => {
          throw new Error(`the application (incarnation ${incarnation - 1}) on ${where}: ${e.message}`);
        });
      if (first.event === 'done') break;
      await sleep(200 + random() * 1300);
      if (!app.running) break;
      await app.kill();
      kills++;
    }
    const done = await Promise.race([
      app.done,
      sleep(180_000).then(() => {
        throw new Error(`the application did not finish the input within 180 s on ${where}`);
      }),
    ]).catch((e: Error) => {
      throw new Error(`the last run of the application on ${where}: ${e.message}`);
    });
    expect(done.kafkaClients).toBe('3.9.2');
  } finally {
    chaos = false;
    await killingFunctions;
    await app?.kill();
  }

  const [committed, uncommitted, offsets] = await Promise.all([
    runJavaTool('read', { bootstrap, topic: output, isolation: 'read_committed' }),
    runJavaTool('read', { bootstrap, topic: output, isolation: 'read_uncommitted' }),
    runJavaTool('group-offsets', { bootstrap, group, topic: input }),
  ]);
  const l = ledger(RECORDS, committed.records as ReadRecord[], uncommitted.records as ReadRecord[]);
  console.log(
    ledgerLine(`Java 3.9 consume-transform-produce on ${target.title}`, l, {
      kills,
      'function kills': functionKills,
      incarnations: incarnation,
      seed,
      seconds: ((performance.now() - startedAt) / 1000).toFixed(1),
    }),
  );
  expect(kills).toBe(KILLS);
  if (killFunctions) expect(functionKills, 'function kills').toBeGreaterThanOrEqual(3);
  expect(l).toEqual(exactlyOnce(l));
  // Work was done between the kills, not all by the last run.
  expect(l.committingIncarnations).toBeGreaterThanOrEqual(3);
  // The group's offsets, committed in the transactions, cover the whole input.
  const perPartition = RECORDS / PARTITIONS;
  expect(offsets.committed).toEqual(Object.fromEntries([0, 1, 2, 3, 4, 5].map((p) => [String(p), perPartition])));
}

for (const kind of BROKER_KINDS) {
  describe(`Java consume-transform-produce, exactly once (${kind})`, () => {
    let target: BrokerTarget;

    beforeAll(async () => {
      [target] = await Promise.all([startBrokerTarget(kind, 'exactly-once-java'), javaTool()]);
    }, 600_000);

    afterAll(async () => {
      await target?.stop();
    });

    it('processes every input record exactly once although the application is killed mid-transaction', () =>
      transformUnderKills(target, false));

    // Only Kafkaless has function processes to kill: the test exists for it alone.
    if (kind === 'kafkaless') {
      it('processes every input record exactly once while the application and the function processes are killed', () =>
        transformUnderKills(target, true));
    }
  });
}
