/**
 * SCENARIO.md with Confluent's JavaScript client through its KafkaJS-compatible
 * API (librdkafka underneath): commitOffsets resolves once librdkafka's commit
 * callback has run, and its admin client describes groups and fetches offsets.
 * Compression is a producer setting there, so each compression has its own producer.
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

const library = (await load('@confluentinc/kafka-javascript')).default;
const { Kafka, CompressionTypes, ConsumerGroupStates, logLevel } = library.KafkaJS;

const COMPRESSION = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.SNAPPY,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};
const STATE_NAMES = Object.fromEntries(Object.entries(ConsumerGroupStates).map(([name, value]) => [value, name]));
const CHUNK = 1000;

/** Its default logger writes to stdout, which carries the scenario's output: this one writes to stderr. */
const logger = {
  level: logLevel.WARN,
  setLogLevel(level) {
    this.level = level;
  },
  namespace() {
    return this;
  },
  error(message, extra) {
    if (this.level >= logLevel.ERROR) log('error', message, JSON.stringify(extra ?? {}));
  },
  warn(message, extra) {
    if (this.level >= logLevel.WARN) log('warn', message, JSON.stringify(extra ?? {}));
  },
  info(message, extra) {
    if (this.level >= logLevel.INFO) log('info', message, JSON.stringify(extra ?? {}));
  },
  debug(message, extra) {
    if (this.level >= logLevel.DEBUG) log('debug', message, JSON.stringify(extra ?? {}));
  },
};

const { bootstrap, topic, group, timeoutMs } = args;
const kafka = new Kafka({ kafkaJS: { clientId: 'kafkaless-scenario', brokers: [bootstrap], logger } });

async function produce(codec, from, count) {
  const errors = [];
  let acked = 0;
  const producer = kafka.producer({ kafkaJS: { acks: -1, compression: COMPRESSION[codec] } });
  try {
    await within(timeoutMs, 'producer connect', producer.connect());
    const all = records(codec, from, count);
    for (let at = 0; at < all.length; at += CHUNK) {
      const messages = all.slice(at, at + CHUNK).map((r) => ({
        key: r.key,
        value: r.value,
        headers: Object.fromEntries(r.headers),
      }));
      try {
        await within(timeoutMs, `produce ${codec}`, producer.send({ topic, messages }));
        acked += messages.length;
      } catch (error) {
        errors.push(errorText(error));
      }
    }
    await producer.disconnect();
  } catch (error) {
    errors.push(errorText(error));
  }
  return { acked, errors };
}

/** One group member: reports each record and commits each batch synchronously. */
async function startMember(step, member, tally) {
  const state = { consumer: null, errors: [] };
  const consumer = kafka.consumer({ kafkaJS: { groupId: group, fromBeginning: true, autoCommit: false } });
  state.consumer = consumer;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, isRunning, isStale }) => {
      await tally.hold();
      let last = null;
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        const headers = Object.entries(message.headers ?? {}).flatMap(([name, value]) =>
          (Array.isArray(value) ? value : [value]).map((v) => [name, text(v)]),
        );
        tally.add(step, member, batch.partition, message.offset, text(message.key), text(message.value), headers);
        resolveOffset(message.offset);
        last = message.offset;
      }
      if (last !== null) {
        try {
          await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(BigInt(last) + 1n) }]);
        } catch (error) {
          state.errors.push(`commit: ${errorText(error)}`);
        }
      }
    },
  });
  return state;
}

/** The partitions a member holds, read just before it closes. */
function assignedPartitions(consumer) {
  return consumer
    .assignment()
    .filter((tp) => tp.topic === topic)
    .flatMap((tp) => tp.partitions ?? [tp.partition])
    .sort((a, b) => a - b);
}

/** Aborts a transaction of the `aborted` records, then commits one of the `committed` records. */
async function transact() {
  const producer = kafka.producer({
    kafkaJS: { transactionalId: args.transactionalId, idempotent: true, acks: -1 },
  });
  await producer.connect(); // initialises the transactions
  try {
    for (const outcome of ['aborted', 'committed']) {
      const transaction = await producer.transaction();
      const messages = records(outcome, 0, args.transactionRecords).map((r) => ({
        key: r.key,
        value: r.value,
        headers: Object.fromEntries(r.headers),
      }));
      // send resolves once the records are delivered: the aborted ones reach the log too.
      await transaction.send({ topic: args.transactionalTopic, messages });
      if (outcome === 'aborted') await transaction.abort();
      else await transaction.commit();
    }
  } finally {
    await producer.disconnect();
  }
}

/** A read_committed consumer in a group of its own. */
async function read(tally) {
  const consumer = kafka.consumer({
    kafkaJS: { groupId: `${group}-txn`, fromBeginning: true, autoCommit: false, readUncommitted: false },
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [args.transactionalTopic] });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers = Object.entries(message.headers ?? {}).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((v) => [name, text(v)]),
      );
      tally.add('exactly-once', 0, partition, message.offset, text(message.key), text(message.value), headers);
    },
  });
  return { close: () => consumer.disconnect(), errors: [] };
}

async function main() {
  emit({
    step: 'version',
    client: 'confluent-kafka-javascript',
    version: packageVersion('@confluentinc/kafka-javascript'),
    library: `librdkafka ${library.librdkafkaVersion}`,
  });
  const admin = kafka.admin();
  await admin.connect();
  await kafkaJsSteps({
    admin,
    produce,
    startMember,
    assignedOf: (state) => assignedPartitions(state.consumer),
    stateName: (state) => STATE_NAMES[state] ?? String(state),
    transactions: { transact, read },
  });
  await admin.disconnect();
}

run(main);
