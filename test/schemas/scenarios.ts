/**
 * The serializer scenarios each client runs on the full stack with the
 * registry: a round trip per format, evolution under BACKWARD (a compatible
 * v2, a refused change, NONE letting it through) and Avro under FORWARD and
 * FULL. Serializers talk to the first function instance's registry,
 * deserializers and the REST checks to the second, so both must serve the
 * same registry.
 */

import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../support/cluster.js';
import { AVRO, AVRO_VALUES, AVRO_WITH, type Fixture, JSON_SCHEMA, protobufFixture } from './fixtures.js';
import {
  type ConsumedRecord,
  consumeAndDeserialize,
  produceAll,
  type SerdeClient,
  serializeAndProduce,
  setCompatibility,
  subjects,
  subjectVersion,
  subjectVersions,
} from './serdes.js';

const COUNT = 20;

export function uniqueTopic(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Creates one-partition topics through the Kafka API, with topic configs. */
export async function createTopic(
  bootstrap: string,
  topic: string,
  configs: Record<string, string> = {},
): Promise<void> {
  const admin = new Kafka({
    clientId: 'kafkaless-schemas-admin',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    if (!created) throw new Error(`topic ${topic} already exists`);
  } finally {
    await admin.disconnect();
  }
}

/** What every consumed record must be: in the envelope, written with `id`, at dense offsets from `from`. */
function expectEnvelopes(records: ConsumedRecord[], ids: number[], from = 0): void {
  expect(records.map((r) => r.offset)).toEqual(ids.map((_, i) => from + i));
  expect(records.map((r) => r.magic)).toEqual(ids.map(() => 0));
  expect(records.map((r) => r.id)).toEqual(ids);
}

export function serdeScenarios(client: SerdeClient, cluster: () => Cluster): void {
  const fixtures: Fixture[] = [AVRO, protobufFixture(client), JSON_SCHEMA];
  const endpoints = () => {
    const c = cluster();
    const [writer, reader] = c.registryUrls;
    if (writer === undefined || reader === undefined) throw new Error('the cluster serves no second registry');
    return { bootstrap: c.bootstrap, writer, reader };
  };

  describe.each(fixtures)(`${client} $format`, (fixture) => {
    const name = `${client} ${fixture.format}`;
    const base = (topic: string) => ({
      bootstrap: endpoints().bootstrap,
      topic,
      format: fixture.format,
      ...(fixture.message === undefined ? {} : { message: fixture.message }),
    });

    it(`${name}: registers the schema under <topic>-value and round-trips every record`, async () => {
      const { bootstrap, writer, reader } = endpoints();
      const topic = uniqueTopic(`serde-${client}-${fixture.format}`);
      await createTopic(bootstrap, topic);
      const values = fixture.values(topic, COUNT);
      const offsets = await produceAll(client, { ...base(topic), registry: writer, schema: fixture.v1, values });
      expect(offsets).toEqual(values.map((_, i) => i));

      expect(await subjects(reader)).toContain(`${topic}-value`);
      expect(await subjectVersions(reader, `${topic}-value`)).toEqual([1]);
      const v1 = await subjectVersion(reader, `${topic}-value`, 'latest');
      expect(v1).toMatchObject({ subject: `${topic}-value`, version: 1 });
      expect(v1.schemaType).toBe(fixture.schemaType);

      const records = await consumeAndDeserialize(client, {
        ...base(topic),
        registry: reader,
        schema: fixture.v1,
        count: COUNT,
      });
      expectEnvelopes(
        records,
        values.map(() => v1.id),
      );
      expect(records.map((r) => r.value)).toEqual(values);
    });

    it(`${name}: evolves under BACKWARD: a compatible v2 registers and v1 data still reads; a breaking change gets 409 until the subject is NONE`, async () => {
      const { bootstrap, writer, reader } = endpoints();
      const topic = uniqueTopic(`evolve-${client}-${fixture.format}`);
      const subject = `${topic}-value`;
      await createTopic(bootstrap, topic);
      const v1Values = fixture.values(`${topic}-v1`, 5);
      const v2Values = fixture.v2Values(`${topic}-v2`, 5);
      await produceAll(client, { ...base(topic), registry: writer, schema: fixture.v1, values: v1Values });
      await produceAll(client, { ...base(topic), registry: writer, schema: fixture.v2, values: v2Values });
      expect(await subjectVersions(reader, subject)).toEqual([1, 2]);
      const [v1, v2] = [await subjectVersion(reader, subject, 1), await subjectVersion(reader, subject, 2)];
      expect(v2.id).not.toBe(v1.id);

      // The client's v2 reader (where it takes one) reads both generations.
      const readByV2 = fixture.readByV2;
      const records = await consumeAndDeserialize(client, {
        ...base(topic),
        registry: reader,
        ...(readByV2 === undefined ? {} : { schema: fixture.v2 }),
        count: 10,
      });
      expectEnvelopes(records, [...v1Values.map(() => v1.id), ...v2Values.map(() => v2.id)]);
      expect(records.map((r) => r.value)).toEqual([
        ...(readByV2 === undefined ? v1Values : v1Values.map(readByV2)),
        ...v2Values,
      ]);

      const breaking = fixture.incompatibleValues(`${topic}-v3`, 3);
      const refused = await serializeAndProduce(client, {
        ...base(topic),
        registry: writer,
        schema: fixture.incompatible,
        values: breaking,
      });
      expect(refused).toMatchObject({ event: 'serialize-error', index: 0, status: 409 });
      expect(await subjectVersions(reader, subject)).toEqual([1, 2]);

      expect(await setCompatibility(reader, subject, 'NONE')).toBe('NONE');
      await produceAll(client, {
        ...base(topic),
        registry: writer,
        schema: fixture.incompatible,
        values: breaking,
        compatibility: 'NONE',
      });
      expect(await subjectVersions(reader, subject)).toEqual([1, 2, 3]);
      const v3 = await subjectVersion(reader, subject, 3);
      const all = await consumeAndDeserialize(client, {
        ...base(topic),
        registry: reader,
        ...(fixture.format === 'protobuf' && client === 'python' ? { schema: fixture.incompatible } : {}),
        count: 13,
      });
      // Only the breaking records were refused before: nothing was written then.
      expectEnvelopes(all, [...v1Values.map(() => v1.id), ...v2Values.map(() => v2.id), ...breaking.map(() => v3.id)]);
      expect(all.slice(10).map((r) => r.value)).toEqual(breaking);
    });
  });

  it(`${client} avro: FORWARD lets a field without a default in and refuses dropping one; FULL needs both directions`, async () => {
    const { bootstrap, writer, reader } = endpoints();
    const topic = uniqueTopic(`levels-${client}-avro`);
    const subject = `${topic}-value`;
    await createTopic(bootstrap, topic);
    const common = { bootstrap, topic, format: 'avro' as const, registry: writer };
    const produce = (schema: string, values: unknown[], compatibility: string) =>
      serializeAndProduce(client, { ...common, schema, values, compatibility });
    const plain = AVRO_VALUES(topic, 2);
    const withCountry = plain.map((v) => ({ ...v, country: 'NZ' }));
    const withEmail = withCountry.map((v) => ({ ...v, email: 'a@example.com' }));

    expect(await produce(AVRO_WITH([]), plain, 'BACKWARD')).toMatchObject({ event: 'done' });
    expect(await setCompatibility(reader, subject, 'FORWARD')).toBe('FORWARD');
    // v1 readers ignore a field they do not know.
    const country = { name: 'country', type: 'string' };
    expect(await produce(AVRO_WITH([country]), withCountry, 'FORWARD')).toMatchObject({ event: 'done' });
    // v2 readers cannot read data that lacks `age`, which has no default.
    const withoutAge = withCountry.map((v) => Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'age')));
    expect(await produce(AVRO_WITH([country], true), withoutAge, 'FORWARD')).toMatchObject({
      event: 'serialize-error',
      status: 409,
    });
    expect(await subjectVersions(reader, subject)).toEqual([1, 2]);

    expect(await setCompatibility(reader, subject, 'FULL')).toBe('FULL');
    const email = { name: 'email', type: 'string', default: 'none' };
    expect(await produce(AVRO_WITH([country, email]), withEmail, 'FULL')).toMatchObject({ event: 'done' });
    // Forward-compatible only: a v4 reader needs `zip` in v3 data.
    const zip = { name: 'zip', type: 'string' };
    expect(
      await produce(
        AVRO_WITH([country, email, zip]),
        withEmail.map((v) => ({ ...v, zip: '1010' })),
        'FULL',
      ),
    ).toMatchObject({ event: 'serialize-error', status: 409 });
    expect(await subjectVersions(reader, subject)).toEqual([1, 2, 3]);

    const ids = await Promise.all([1, 2, 3].map(async (v) => (await subjectVersion(reader, subject, v)).id));
    const records = await consumeAndDeserialize(client, { ...common, registry: reader, count: 6 });
    expectEnvelopes(records, [ids[0], ids[0], ids[1], ids[1], ids[2], ids[2]] as number[]);
    expect(records.map((r) => r.value)).toEqual([...plain, ...withCountry, ...withEmail]);
  });
}
