/**
 * The idempotent Java producer (kafka-clients 3.9: enable.idempotence, acks=all,
 * unbounded retries, five requests in flight per connection) writes a numbered
 * sequence to a six-partition topic. On Kafkaless the function processes (two
 * instances) are SIGKILLed and restarted again and again meanwhile, so
 * requests fail mid-flight, some after their records were stored, and the
 * producer retries them. Read back, every partition holds exactly its share
 * of the sequence: no duplicates, no gaps, in order, each acknowledged record
 * at the offset it was acknowledged with.
 *
 * Apache Kafka (the reference) runs the same production without the kills:
 * it has no function processes, and proves the producer and the checks.
 */

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS, type BrokerTarget, seededRandom, sleep, startBrokerTarget } from '../support/broker-targets.js';
import { checkSequence, type ReadRecord } from '../support/ledger.js';
import { type AppProcess, javaTool, runJavaTool, startJavaTool } from '../support/transaction-apps.js';

const PARTITIONS = 6;
const RECORDS = 12_000;

for (const kind of BROKER_KINDS) {
  describe(`idempotent Java producer (${kind})`, () => {
    let target: BrokerTarget;

    beforeAll(async () => {
      [target] = await Promise.all([startBrokerTarget(kind, 'idempotent-java'), javaTool()]);
    }, 600_000);

    afterAll(async () => {
      await target?.stop();
    });

    it('stores each partition’s sequence whole, once and in order while function processes are killed', async () => {
      const startedAt = performance.now();
      const seed = randomBytes(4).readUInt32BE();
      const random = seededRandom(seed);
      const topic = `idempotent-java-${randomBytes(3).toString('hex')}`;
      const bootstrap = target.bootstrap;
      const where = `${target.title}${target.logDir === undefined ? '' : `, logs in ${target.logDir}`}, seed ${seed}`;
      await runJavaTool('create-topics', { bootstrap, topics: [{ name: topic, partitions: PARTITIONS }] });

      let producer: AppProcess | undefined;
      let kills = 0;
      try {
        // About 20 s of production: bursts of 100 records, 150 ms apart.
        producer = await startJavaTool('idempotent', {
          bootstrap,
          topic,
          partitions: PARTITIONS,
          count: RECORDS,
          burst: 100,
          pauseMs: 150,
        });
        const functions = target.cluster?.functions ?? [];
        await producer
          .waitFor((e) => e.event === 'progress', 60_000)
          .catch((e: Error) => {
            throw new Error(`the idempotent producer on ${where}: ${e.message}`);
          });
        while (functions.length > 0 && producer.running) {
          await sleep(300 + random() * 1200);
          if (!producer.running) break;
          // Alternate the instances; the other one keeps serving while this one restarts.
          await functions[kills % functions.length]!.restart('SIGKILL');
          kills++;
        }
        const done = await producer.done.catch((e: Error) => {
          throw new Error(`the idempotent producer on ${where}: ${e.message}`);
        });
        const read = await runJavaTool('read', { bootstrap, topic, isolation: 'read_uncommitted' });
        const check = checkSequence(PARTITIONS, done.offsets as number[], read.records as ReadRecord[]);
        console.log(
          `[idempotence] Java 3.9 idempotent producer on ${target.title}: sent ${check.sent}, ` +
            `acknowledged ${check.acknowledged}, stored ${check.stored}, duplicates ${check.duplicates}, ` +
            `gaps ${check.gaps}, out of order ${check.outOfOrder}, lost ${check.lost}, misplaced ${check.misplaced}, ` +
            `record retries ${done.recordRetries}, function kills ${kills}, seed ${seed}, seconds ${((performance.now() - startedAt) / 1000).toFixed(1)}`,
        );
        expect(done.errors, `send failures on ${where}`).toEqual([]);
        expect(check).toEqual({
          sent: RECORDS,
          acknowledged: RECORDS,
          stored: RECORDS,
          duplicates: 0,
          outOfOrder: 0,
          lost: 0,
          gaps: 0,
          misplaced: 0,
          strangers: 0,
          examples: [],
        });
        expect(done.kafkaClients).toBe('3.9.2');
        if (kind === 'kafkaless') {
          expect(kills, 'function kills during production').toBeGreaterThanOrEqual(3);
          // The kills failed requests in flight, and the producer sent their batches again.
          expect(done.recordRetries, 'records the producer had to send again').toBeGreaterThan(0);
        }
      } finally {
        await producer?.kill();
      }
    });
  });
}
