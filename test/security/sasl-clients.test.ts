/**
 * Real clients over SASL_SSL on the full stack (`functions serve` and
 * `proxy` processes on real Redis and SeaweedFS): Java kafka-clients 3.9,
 * librdkafka (confluent-kafka-python 2.12) and kafkajs 2.2.4 each produce and
 * consume with SCRAM-SHA-512; Java also creates a user through
 * AlterUserScramCredentials (as kafka-configs.sh does) and runs as that user
 * with SCRAM-SHA-256; librdkafka also with PLAIN (checked against the SCRAM
 * credential). A wrong password gets SASL_AUTHENTICATION_FAILED in each
 * client's own terms. The CA and certificates are made at test time.
 */

import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../support/cluster.js';
import type { TestPki } from '../support/tls.js';
import { java, python, startSaslStack, uniqueTopic } from './clients.js';

const ADMIN = { user: 'admin', password: 'admin-secret' };
const ALICE = { user: 'alice', password: 'alice-secret' };

let pki: TestPki;
let cluster: Cluster | undefined;

beforeAll(async () => {
  ({ pki, cluster } = await startSaslStack('SCRAM-SHA-512,SCRAM-SHA-256,PLAIN', [ADMIN, ALICE]));
});

afterAll(async () => {
  await cluster?.stop();
});

function bootstrap(): string {
  if (cluster === undefined) throw new Error('no cluster');
  return cluster.bootstrap;
}

function kafkajs(sasl: SASLOptions): Kafka {
  return new Kafka({
    clientId: 'sasl-kafkajs',
    brokers: [bootstrap()],
    ssl: { ca: [pki.caPem] },
    sasl,
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
  });
}

const expected = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('Java kafka-clients over SASL_SSL', () => {
  it('produces and consumes with SCRAM-SHA-512', async () => {
    const topic = uniqueTopic('java');
    const out = await java([
      'roundtrip',
      bootstrap(),
      'SCRAM-SHA-512',
      ALICE.user,
      ALICE.password,
      pki.caCert,
      topic,
      '5',
    ]);
    expect(out).toEqual({ consumed: expected('java', 5) });
  });

  it('creates a user with AlterUserScramCredentials, then works as that user with SCRAM-SHA-256', async () => {
    const added = await java([
      'add-user',
      bootstrap(),
      'SCRAM-SHA-512',
      ADMIN.user,
      ADMIN.password,
      pki.caCert,
      'bob',
      'bob-secret',
      'SCRAM-SHA-256',
    ]);
    expect(added).toEqual({ credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }] });
    const topic = uniqueTopic('java-bob');
    const out = await java(['roundtrip', bootstrap(), 'SCRAM-SHA-256', 'bob', 'bob-secret', pki.caCert, topic, '3']);
    expect(out).toEqual({ consumed: expected('java', 3) });
  });

  it('fails a wrong password with SaslAuthenticationException', async () => {
    const out = await java([
      'roundtrip',
      bootstrap(),
      'SCRAM-SHA-512',
      ALICE.user,
      'wrong',
      pki.caCert,
      uniqueTopic('java-bad'),
      '1',
    ]);
    expect(out.error).toBe('SaslAuthenticationException');
    expect(out.message).toContain(
      'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    );
  });
});

describe('librdkafka (confluent-kafka-python) over SASL_SSL', () => {
  const args = (mechanism: string, password: string, topic: string) => ({
    bootstrap: bootstrap(),
    mechanism,
    user: ALICE.user,
    password,
    ca: pki.caCert,
    topic,
    count: 5,
  });

  it('produces and consumes with SCRAM-SHA-512', async () => {
    expect(await python(args('SCRAM-SHA-512', ALICE.password, uniqueTopic('python')))).toEqual({
      consumed: expected('python', 5),
    });
  });

  it('produces and consumes with PLAIN', async () => {
    expect(await python(args('PLAIN', ALICE.password, uniqueTopic('python-plain')))).toEqual({
      consumed: expected('python', 5),
    });
  });

  it('fails a wrong password with an authentication error', async () => {
    const out = await python(args('SCRAM-SHA-512', 'wrong', uniqueTopic('python-bad')));
    // librdkafka reports SASL_AUTHENTICATION_FAILED as its _AUTHENTICATION error with the broker's message.
    expect(out.error).toBe('_AUTHENTICATION');
    expect(out.message).toContain(
      'SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    );
  });
});

describe('kafkajs over SASL_SSL', () => {
  it('produces and consumes with SCRAM-SHA-512', async () => {
    const kafka = kafkajs({ mechanism: 'scram-sha-512', username: ALICE.user, password: ALICE.password });
    const topic = uniqueTopic('kafkajs');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: expected('kafkajs', 5).map((value) => ({ value })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `sasl-kafkajs-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed only ${values.length}`)), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? '');
          if (values.length === 5) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(values).toEqual(expected('kafkajs', 5));
  });

  it('fails a wrong password with KafkaJSSASLAuthenticationError', async () => {
    const admin = kafkajs({ mechanism: 'scram-sha-512', username: ALICE.user, password: 'wrong' }).admin();
    await expect(admin.connect()).rejects.toMatchObject({
      name: 'KafkaJSSASLAuthenticationError',
      message: expect.stringContaining('SASL SCRAM SHA512 authentication failed'),
    });
  });
});
