/**
 * SCENARIO.md with KafkaJS. KafkaJS compresses gzip itself; snappy, lz4 and
 * zstd come from codec plugins (kafkajs-snappy, kafkajs-lz4 and
 * @sensejs/kafkajs-zstd-support, which registers itself on import).
 */

import {
  args,
  emit,
  errorText,
  kafkaJsSteps,
  load,
  log,
  packageVersion,
  records,
  run,
  text,
  within,
} from '../node-common.mjs';

const { Kafka, CompressionTypes, CompressionCodecs, Partitioners, logLevel } = (await load('kafkajs')).default;
const SnappyCodec = (await load('kafkajs-snappy')).default;
const LZ4Codec = (await load('kafkajs-lz4')).default;
await load('@sensejs/kafkajs-zstd-support');
CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec;

const COMPRESSION = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};
const CHUNK = 1000;

const { bootstrap, topic, group, timeoutMs } = args;
const kafka = new Kafka({
  clientId: 'kafkaless-scenario',
  brokers: [bootstrap],
  logLevel: logLevel.WARN,
  logCreator:
    () =>
    ({ label, log: entry }) =>
      log(`kafkajs ${label} [${entry.logger}] ${entry.message}`, JSON.stringify({ ...entry, message: undefined })),
});

async function produce(producer, codec, from, count) {
  const errors = [];
  let acked = 0;
  const all = records(codec, from, count);
  for (let at = 0; at < all.length; at += CHUNK) {
    const messages = all.slice(at, at + CHUNK).map((r) => ({
      key: r.key,
      value: r.value,
      headers: Object.fromEntries(r.headers),
    }));
    try {
      await within(
        timeoutMs,
        `produce ${codec}`,
        producer.send({ topic, acks: -1, compression: COMPRESSION[codec], messages }),
      );
      acked += messages.length;
    } catch (error) {
      errors.push(errorText(error));
    }
  }
  return { acked, errors };
}

/** One group member: reports each record, commits each batch synchronously, remembers its last assignment. */
async function startMember(step, member, tally) {
  const state = { consumer: null, assigned: [], errors: [] };
  const consumer = kafka.consumer({ groupId: group, heartbeatInterval: 100, maxBytesPerPartition: 65536 });
  state.consumer = consumer;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    state.assigned = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => state.errors.push(`crash: ${errorText(payload.error)}`));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      await tally.hold();
      let last = null;
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        const headers = Object.entries(message.headers ?? {}).map(([name, value]) => [name, text(value)]);
        tally.add(step, member, batch.partition, message.offset, text(message.key), text(message.value), headers);
        resolveOffset(message.offset);
        last = message.offset;
      }
      if (last !== null) {
        const offset = String(BigInt(last) + 1n);
        try {
          await consumer.commitOffsets([{ topic, partition: batch.partition, offset }]);
        } catch (error) {
          state.errors.push(`commit: ${errorText(error)}`);
        }
      }
      await heartbeat();
    },
  });
  return state;
}

/** Aborts a transaction of the `aborted` records, then commits one of the `committed` records. */
async function transact() {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    transactionalId: args.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    for (const outcome of ['aborted', 'committed']) {
      const transaction = await producer.transaction();
      const messages = records(outcome, 0, args.transactionRecords).map((r) => ({
        key: r.key,
        value: r.value,
        headers: Object.fromEntries(r.headers),
      }));
      // send resolves once the records are acknowledged: the aborted ones reach the log too.
      await transaction.send({ topic: args.transactionalTopic, acks: -1, messages });
      if (outcome === 'aborted') await transaction.abort();
      else await transaction.commit();
    }
  } finally {
    await producer.disconnect();
  }
}

/** A read_committed consumer (KafkaJS's default isolation) in a group of its own: KafkaJS cannot assign. */
async function read(tally) {
  const errors = [];
  const consumer = kafka.consumer({ groupId: `${group}-txn`, readUncommitted: false, heartbeatInterval: 100 });
  consumer.on(consumer.events.CRASH, ({ payload }) => errors.push(`crash: ${errorText(payload.error)}`));
  await consumer.connect();
  await consumer.subscribe({ topic: args.transactionalTopic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const headers = Object.entries(message.headers ?? {}).map(([name, value]) => [name, text(value)]);
      tally.add('exactly-once', 0, partition, message.offset, text(message.key), text(message.value), headers);
    },
  });
  return { close: () => consumer.disconnect(), errors };
}

async function main() {
  emit({ step: 'version', client: 'kafkajs', version: packageVersion('kafkajs') });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await kafkaJsSteps({
    admin,
    produce: (codec, from, count) => produce(producer, codec, from, count),
    startMember,
    assignedOf: (state) => state.assigned,
    transactions: { transact, read },
  });
  await producer.disconnect();
  await admin.disconnect();
}

run(main);
