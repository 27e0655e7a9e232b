/**
 * KafkaJS with @kafkajs/confluent-schema-registry against Kafkaless: the same
 * operations and output as ../python/serde.py (see there), run as
 * `node main.mjs <cache> '<json>'` with the packages installed under <cache>
 * by test/clients/node-build.mjs.
 *
 * This library registers explicitly (`register(schema, {subject})`, then
 * `encode(id, value)`) rather than on first serialize; `register` also checks
 * the subject's compatibility level against the one it is given
 * (`compatibility`, default BACKWARD) and sets it on a subject's first
 * registration. Protobuf schemas are .proto text; decoded messages are
 * reported through protobufjs's toJSON.
 */

import { args, emit, load } from '../../clients/node-common.mjs';

const { Kafka, logLevel, Partitioners } = (await load('kafkajs')).default;
const { SchemaRegistry, SchemaType } = (await load('@kafkajs/confluent-schema-registry')).default;

const TYPES = { avro: SchemaType.AVRO, json: SchemaType.JSON, protobuf: SchemaType.PROTOBUF };

const kafka = new Kafka({ clientId: 'kafkaless-schemas', brokers: [args.bootstrap], logLevel: logLevel.NOTHING });
const registry = args.registry === undefined ? undefined : new SchemaRegistry({ host: args.registry });

/** Sends one record at a time, so a refused record never shares a batch with an accepted one. */
async function produce(values) {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 2 } });
  await producer.connect();
  const delivered = [];
  for (const value of values) {
    try {
      const [result] = await producer.send({ topic: args.topic, acks: -1, messages: [{ partition: 0, value }] });
      delivered.push({ offset: Number(result.baseOffset) });
    } catch (e) {
      // A refused send arrives as KafkaJSProtocolError, or wrapped by the retrier.
      const cause = e.type === undefined && e.originalError !== undefined ? e.originalError : e;
      delivered.push({ error: cause.type ?? cause.name, code: cause.code ?? -1, message: String(e.message) });
    }
  }
  await producer.disconnect();
  emit({ event: 'done', delivered });
}

/** Registers the schema under `<topic>-value` (TopicNameStrategy) and encodes every value with it. */
async function serializeAndProduce() {
  let id;
  try {
    ({ id } = await registry.register(
      { type: TYPES[args.format], schema: args.schema },
      { subject: `${args.topic}-value`, compatibility: args.compatibility ?? 'BACKWARD' },
    ));
  } catch (e) {
    emit({ event: 'serialize-error', index: 0, status: e.status ?? -1, code: -1, message: String(e.message) });
    return;
  }
  const encoded = [];
  for (const value of args.values) encoded.push(await registry.encode(id, value));
  await produce(encoded);
}

async function consume() {
  const consumer = kafka.consumer({ groupId: `kafkaless-schemas-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: args.topic, fromBeginning: true });
  const options =
    args.format === 'avro' && args.schema !== undefined
      ? { [SchemaType.AVRO]: { readerSchema: args.schema } }
      : undefined;
  const records = [];
  let finish;
  const finished = new Promise((resolve) => {
    finish = resolve;
  });
  const timer = setTimeout(() => finish(), args.timeout_ms ?? 30_000);
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (partition !== 0 || records.length >= args.count) return;
      const data = message.value;
      const decoded = await registry.decode(data, options);
      records.push({
        offset: Number(message.offset),
        magic: data[0],
        id: data.readUInt32BE(1),
        value: JSON.parse(JSON.stringify(decoded)),
      });
      if (records.length >= args.count) finish();
    },
  });
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  emit({ event: 'done', records });
}

if (args.op === 'consume') await consume();
else if (args.op === 'produce-raw') await produce(args.raw.map((raw) => Buffer.from(raw, 'base64')));
else await serializeAndProduce();
