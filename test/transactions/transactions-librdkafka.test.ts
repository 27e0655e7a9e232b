/**
 * librdkafka's transactional producer (confluent-kafka-python 2.12, each
 * producer and consumer its own process): committed and aborted transactions
 * interleaved, of which a read_committed consumer sees exactly the committed
 * records, in order, and a read_uncommitted one sees all; and a transaction
 * left open by a crashed producer holds read_committed consumers back at the
 * last stable offset until a new producer with the same transactional.id
 * aborts it, after which they see the later commits and never the abandoned
 * records.
 *
 * Against Apache Kafka (the reference, which proves the test) and Kafkaless
 * (proxy and two function processes on real Redis and SeaweedFS).
 */

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS, type BrokerTarget, startBrokerTarget } from '../support/broker-targets.js';
import { CONFLUENT_KAFKA_VERSION } from '../support/python.js';
import { type AppEvent, AppProcess, librdkafkaTransactions, runJavaTool } from '../support/transaction-apps.js';

type Txn = { keys: string[]; partition?: number; end: 'commit' | 'abort' | 'abandon' };
type Consumed = [number, number, string];

const keys = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

for (const kind of BROKER_KINDS) {
  describe(`librdkafka transactional producer (${kind})`, () => {
    let target: BrokerTarget;
    let where: string;

    beforeAll(async () => {
      [target] = await Promise.all([startBrokerTarget(kind, 'transactions-librdkafka'), librdkafkaTransactions()]);
      where = `${target.title}${target.logDir === undefined ? '' : `, logs in ${target.logDir}`}`;
    }, 600_000);

    afterAll(async () => {
      await target?.stop();
    });

    const python = async (mode: string, args: object): Promise<AppEvent> =>
      new AppProcess(`confluent-kafka ${mode}`, await librdkafkaTransactions(), [
        mode,
        JSON.stringify(args),
      ]).done.catch((e: Error) => {
        throw new Error(`on ${where}: ${e.message}`);
      });

    const produce = (topic: string, transactionalId: string, transactions: Txn[]): Promise<AppEvent> =>
      python('produce', { bootstrap: target.bootstrap, topic, transactional_id: transactionalId, transactions });

    const consume = async (topic: string, isolation: string, stallMs = 6000): Promise<Consumed[]> =>
      (await python('consume', { bootstrap: target.bootstrap, topic, isolation, stall_ms: stallMs }))
        .records as Consumed[];

    const createTopic = (name: string, partitions: number): Promise<AppEvent> =>
      runJavaTool('create-topics', { bootstrap: target.bootstrap, topics: [{ name, partitions }] });

    /** Keys by partition, in offset order. */
    const byPartition = (records: Consumed[]): Record<number, string[]> => {
      const out: Record<number, string[]> = {};
      for (const [p, , key] of [...records].sort((a, b) => a[0] - b[0] || a[1] - b[1])) {
        out[p] = [...(out[p] ?? []), key];
      }
      return out;
    };

    it('read_committed consumers see exactly the committed transactions, in order', async () => {
      const topic = `rdkafka-txn-${randomBytes(3).toString('hex')}`;
      await createTopic(topic, 3);
      // Twelve transactions of 40 records, round the three partitions; every fourth aborted, one in each partition.
      const transactions: Txn[] = Array.from({ length: 12 }, (_, t) => ({
        keys: keys(`t${t}`, 40),
        partition: t % 3,
        end: t % 4 === 1 ? 'abort' : 'commit',
      }));
      const done = await produce(topic, `${topic}-producer`, transactions);
      expect(done).toMatchObject({ committed: 9, aborted: 3, libversion: CONFLUENT_KAFKA_VERSION });

      const committedKeys = (partition: number): string[] =>
        transactions.filter((t) => t.partition === partition && t.end === 'commit').flatMap((t) => t.keys);
      const allKeys = (partition: number): string[] =>
        transactions.filter((t) => t.partition === partition).flatMap((t) => t.keys);
      const [committed, uncommitted] = await Promise.all([
        consume(topic, 'read_committed'),
        consume(topic, 'read_uncommitted'),
      ]);
      expect(byPartition(committed), `read_committed on ${where}`).toEqual({
        0: committedKeys(0),
        1: committedKeys(1),
        2: committedKeys(2),
      });
      expect(byPartition(uncommitted), `read_uncommitted on ${where}`).toEqual({
        0: allKeys(0),
        1: allKeys(1),
        2: allKeys(2),
      });
      console.log(
        `[transactions] librdkafka ${CONFLUENT_KAFKA_VERSION} on ${target.title}: transactions committed 9, ` +
          `aborted 3; read_committed saw ${committed.length} of ${uncommitted.length} records`,
      );
    });

    it('a crashed producer’s open transaction holds read_committed back until its transactional.id aborts it', async () => {
      const topic = `rdkafka-open-${randomBytes(3).toString('hex')}`;
      const crashing = `${topic}-a`;
      await createTopic(topic, 1);
      // A commits, then crashes inside its second transaction; B commits after A's open records.
      await produce(topic, crashing, [
        { keys: keys('a1', 20), end: 'commit' },
        { keys: keys('a2', 20), end: 'abandon' },
      ]);
      await produce(topic, `${topic}-b`, [{ keys: keys('b1', 20), end: 'commit' }]);
      // B's commit lies beyond the last stable offset, which A's open transaction holds.
      const held = await consume(topic, 'read_committed', 5000);
      expect(
        held.map(([, , k]) => k),
        `read_committed with a transaction open on ${where}`,
      ).toEqual(keys('a1', 20));
      const all = await consume(topic, 'read_uncommitted');
      expect(all.map(([, , k]) => k)).toEqual([...keys('a1', 20), ...keys('a2', 20), ...keys('b1', 20)]);

      // A's successor fences it (init_transactions aborts the open transaction) and commits.
      await produce(topic, crashing, [{ keys: keys('a3', 20), end: 'commit' }]);
      const after = await consume(topic, 'read_committed');
      expect(
        after.map(([, , k]) => k),
        `read_committed after the abort on ${where}`,
      ).toEqual([...keys('a1', 20), ...keys('b1', 20), ...keys('a3', 20)]);
    });
  });
}
