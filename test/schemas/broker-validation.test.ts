/**
 * Broker-side schema validation (`confluent.value.schema.validation=true`,
 * TopicNameStrategy by default) with real producers: records a serializer
 * wrote are accepted, while a value without the envelope, with a schema id
 * the registry does not hold, or with the id of a schema registered only under
 * another subject is refused with INVALID_RECORD (87), takes no offset and is
 * never consumable. Each bad record is sent alone, so the refusal is its own.
 */

import avsc from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';
import { AVRO, AVRO_WITH } from './fixtures.js';
import { createTopic, uniqueTopic } from './scenarios.js';
import {
  consumeAndDeserialize,
  type Delivery,
  envelope,
  kafkajsWithSerdes,
  produceAll,
  produceRaw,
  pythonWithSerdes,
  registerSchema,
  type SerdeClient,
  subjectVersion,
} from './serdes.js';

const INVALID_RECORD = 87;

let cluster: Cluster | undefined;

beforeAll(async () => {
  await Promise.all([pythonWithSerdes(), kafkajsWithSerdes()]);
  cluster = await startCluster(backendsFromEnv(), {}, { functionInstances: 2, registry: true });
});

afterAll(async () => {
  await cluster?.stop();
});

function endpoints(): { bootstrap: string; writer: string; reader: string } {
  const [writer, reader] = cluster?.registryUrls ?? [];
  if (cluster === undefined || writer === undefined || reader === undefined) throw new Error('no cluster');
  return { bootstrap: cluster.bootstrap, writer, reader };
}

function expectRefused(delivery: Delivery | undefined, what: string): void {
  expect(delivery, what).toMatchObject({ error: expect.stringMatching(/INVALID_RECORD/), code: INVALID_RECORD });
}

describe.each<SerdeClient>(['python', 'kafkajs'])('%s producer on a topic with value schema validation', (client) => {
  it(`${client}: accepts serialized records and refuses values without a valid envelope for the topic subject`, async () => {
    const { bootstrap, writer, reader } = endpoints();
    const topic = uniqueTopic(`validated-${client}`);
    const subject = `${topic}-value`;
    await createTopic(bootstrap, topic, { 'confluent.value.schema.validation': 'true' });
    const common = { bootstrap, topic, format: 'avro' as const };

    const first = AVRO.values(`${topic}-a`, 3);
    expect(await produceAll(client, { ...common, registry: writer, schema: AVRO.v1, values: first })).toEqual([
      0, 1, 2,
    ]);
    const { id } = await subjectVersion(reader, subject, 1);
    // Another schema, so another id, held only by another subject.
    const otherId = await registerSchema(writer, `other-${topic}-value`, AVRO_WITH([{ name: 'other', type: 'int' }]));
    expect(otherId).not.toBe(id);

    const type = avsc.Type.forSchema(JSON.parse(AVRO.v1 as string) as avsc.Schema);
    const [valid] = AVRO.values(`${topic}-raw`, 1);
    const payload = type.toBuffer(valid);
    const deliveries = await produceRaw(client, {
      bootstrap,
      topic,
      raw: [
        new TextEncoder().encode('plain bytes, no envelope'),
        envelope(2_000_000_000, payload),
        envelope(otherId, payload),
        // The same payload with the subject's id: what the refusals above lack is only the envelope or the id.
        envelope(id, payload),
      ],
    });
    expect(deliveries).toHaveLength(4);
    expectRefused(deliveries[0], 'a value without the envelope');
    expectRefused(deliveries[1], 'a schema id the registry does not hold');
    expectRefused(deliveries[2], "the id of another subject's schema");
    // Refused records took no offset.
    expect(deliveries[3]).toEqual({ offset: 3 });

    const last = AVRO.values(`${topic}-b`, 2);
    expect(await produceAll(client, { ...common, registry: writer, schema: AVRO.v1, values: last })).toEqual([4, 5]);

    // Ask for one more than was accepted: only the accepted ones come back.
    const records = await consumeAndDeserialize(client, {
      ...common,
      registry: reader,
      count: 7,
      timeout_ms: client === 'python' ? 5_000 : 10_000,
    });
    expect(records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(records.map((r) => r.id)).toEqual([id, id, id, id, id, id]);
    expect(records.map((r) => r.value)).toEqual([...first, valid, ...last]);
  });
});

describe('python producer on validated topics with other settings', () => {
  it('RecordNameStrategy: the subject is the record name, and an id held only by <topic>-value is refused', async () => {
    const { bootstrap, writer, reader } = endpoints();
    const topic = uniqueTopic('validated-record-name');
    await createTopic(bootstrap, topic, {
      'confluent.value.schema.validation': 'true',
      'confluent.value.subject.name.strategy': 'io.confluent.kafka.serializers.subject.RecordNameStrategy',
    });
    const common = { bootstrap, topic, format: 'avro' as const };
    // The record's full name: a subject unique to this test, so its version is 1.
    const name = `kafkaless.test.${topic.replace(/-/g, '_')}`;
    const schema = JSON.stringify({ ...(JSON.parse(AVRO.v1 as string) as object), name, namespace: undefined });
    const values = AVRO.values(topic, 2);
    expect(
      await produceAll('python', { ...common, registry: writer, schema, values, subject_strategy: 'record' }),
    ).toEqual([0, 1]);
    const { id } = await subjectVersion(reader, name, 1);
    // The topic's own subject holds another schema; under this strategy that does not make it valid here.
    const topicSubjectId = await registerSchema(writer, `${topic}-value`, AVRO_WITH([{ name: 'other', type: 'int' }]));
    const payload = avsc.Type.forSchema(JSON.parse(schema) as avsc.Schema).toBuffer(values[0]);
    const deliveries = await produceRaw('python', {
      bootstrap,
      topic,
      raw: [envelope(topicSubjectId, payload), envelope(id, payload)],
    });
    expectRefused(deliveries[0], "an id held only by the topic's subject");
    expect(deliveries[1]).toEqual({ offset: 2 });
    const records = await consumeAndDeserialize('python', { ...common, registry: reader, count: 4, timeout_ms: 5_000 });
    expect(records.map((r) => [r.offset, r.id])).toEqual([
      [0, id],
      [1, id],
      [2, id],
    ]);
    expect(records.map((r) => r.value)).toEqual([...values, values[0]]);
  });

  it('kafkaless.schema.validation.payload: a payload that does not decode with its schema is refused only in payload mode', async () => {
    const { bootstrap, writer, reader } = endpoints();
    const common = { bootstrap, format: 'avro' as const };
    const envelopeOnly = uniqueTopic('validated-envelope');
    const payloadToo = uniqueTopic('validated-payload');
    await createTopic(bootstrap, envelopeOnly, { 'confluent.value.schema.validation': 'true' });
    await createTopic(bootstrap, payloadToo, {
      'confluent.value.schema.validation': 'true',
      'kafkaless.schema.validation.payload': 'true',
    });
    const values = AVRO.values('payload', 1);
    const ids: number[] = [];
    for (const topic of [envelopeOnly, payloadToo]) {
      await produceAll('python', { ...common, topic, registry: writer, schema: AVRO.v1, values });
      ids.push((await subjectVersion(reader, `${topic}-value`, 1)).id);
    }
    // The schema's first field is a string: a length of 100 with 2 bytes behind it is no datum.
    const truncated = Uint8Array.of(0xc8, 0x01, 0x61, 0x62);
    const [envelopeOnlyDelivery] = await produceRaw('python', {
      bootstrap,
      topic: envelopeOnly,
      raw: [envelope(ids[0]!, truncated)],
    });
    expect(envelopeOnlyDelivery).toEqual({ offset: 1 });
    const [payloadDelivery] = await produceRaw('python', {
      bootstrap,
      topic: payloadToo,
      raw: [envelope(ids[1]!, truncated)],
    });
    expectRefused(payloadDelivery, 'a payload that is not an Avro datum of its schema');
  });
});
