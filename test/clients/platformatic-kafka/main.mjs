/**
 * SCENARIO.md with @platformatic/kafka. Its zstd needs node:zlib's zstd
 * (Node 22.15 and later), so on Node 20 it produces none, gzip, snappy and lz4.
 *
 * A member handles its message stream a poll at a time: every message that
 * has arrived since the last poll, then a commit of each partition's last message (which commits
 * its offset + 1) that resolves once the broker has answered.
 *
 * The stream fetches only once it flows, so a member of the consume step
 * reads nothing until both members hold partitions: otherwise the first
 * member to join may drain the topic alone before the group rebalances.
 */

import {
  args,
  emit,
  errorText,
  exactlyOnce,
  load,
  packageVersion,
  records,
  run,
  sleep,
  Tally,
  text,
  waitFor,
  within,
} from '../node-common.mjs';

const { Admin, Consumer, FetchIsolationLevels, Producer, ProduceAcks, stringDeserializers, stringSerializers } =
  await load('@platformatic/kafka');

const CHUNK = 1000;
const { bootstrap, topic, group, timeoutMs } = args;
// Retriable errors (a fresh broker's group coordinator still loading, say) are retried for up to 10 s, not 3 s.
const base = { clientId: 'kafkaless-scenario', bootstrapBrokers: [bootstrap], retries: 20, retryDelay: 500 };

async function produce(producer, codec, from, count) {
  const errors = [];
  let acked = 0;
  const all = records(codec, from, count);
  for (let at = 0; at < all.length; at += CHUNK) {
    const messages = all
      .slice(at, at + CHUNK)
      .map((r) => ({ topic, key: r.key, value: r.value, headers: new Map(r.headers) }));
    try {
      await within(
        timeoutMs,
        `produce ${codec}`,
        producer.send({ messages, acks: ProduceAcks.ALL, compression: codec }),
      );
      acked += messages.length;
    } catch (error) {
      errors.push(errorText(error));
    }
  }
  return { acked, errors };
}

/** The partitions of `topic` the consumer holds now. */
function assignedTo(consumer) {
  return (consumer.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions);
}

/**
 * One group member: reports each record of a poll, then commits the poll synchronously, until `until` settles.
 * Its consumer joins `started`, which the tally's `holdUntil` may look at.
 */
async function member(step, index, tally, until = tally.done, started = []) {
  const errors = [];
  const consumer = new Consumer({ ...base, groupId: group, deserializers: stringDeserializers });
  started.push(consumer);
  let assigned = [];
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
      maxBytesPerPartition: 65536,
    });
    stream.on('error', (error) => errors.push(errorText(error)));
    await tally.hold();
    // Messages arrive as 'data' events; each poll takes all that have arrived since the last one.
    const pending = [];
    let arrived = () => {};
    stream.on('data', (message) => {
      pending.push(message);
      arrived();
    });
    let stopped = false;
    const finished = until.then(() => {
      stopped = true;
    });
    while (!stopped) {
      if (pending.length === 0) {
        await Promise.race([finished, new Promise((resolve) => (arrived = resolve))]);
        continue;
      }
      const last = new Map();
      for (const message of pending.splice(0)) {
        const headers = [...message.headers].map(([name, value]) => [text(name), text(value)]);
        tally.add(step, index, message.partition, message.offset, text(message.key), text(message.value), headers);
        last.set(message.partition, message);
      }
      try {
        await Promise.all([...last.values()].map((m) => m.commit()));
      } catch (error) {
        errors.push(`commit: ${errorText(error)}`);
      }
    }
    assigned = assignedTo(consumer);
    await within(timeoutMs, 'close', consumer.close(true));
  } catch (error) {
    errors.push(errorText(error));
    await consumer.close(true).catch(() => {});
  }
  return { assigned: assigned.sort((a, b) => a - b), errors };
}

/** Aborts a transaction of the `aborted` records, then commits one of the `committed` records. */
async function transact() {
  const producer = new Producer({
    ...base,
    serializers: stringSerializers,
    transactionalId: args.transactionalId,
    idempotent: true,
  });
  try {
    for (const outcome of ['aborted', 'committed']) {
      const transaction = await producer.beginTransaction();
      const messages = records(outcome, 0, args.transactionRecords).map((r) => ({
        topic: args.transactionalTopic,
        key: r.key,
        value: r.value,
        headers: new Map(r.headers),
      }));
      // send resolves once the records are acknowledged: the aborted ones reach the log too.
      await transaction.send({ messages, acks: ProduceAcks.ALL });
      if (outcome === 'aborted') await transaction.abort();
      else await transaction.commit();
    }
  } finally {
    await producer.close();
  }
}

/** A read_committed consumer in a group of its own. */
async function read(tally) {
  const errors = [];
  const consumer = new Consumer({ ...base, groupId: `${group}-txn`, deserializers: stringDeserializers });
  const stream = await consumer.consume({
    topics: [args.transactionalTopic],
    mode: 'earliest',
    autocommit: false,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
  stream.on('error', (error) => errors.push(errorText(error)));
  stream.on('data', (message) => {
    const headers = [...message.headers].map(([name, value]) => [text(name), text(value)]);
    tally.add('exactly-once', 0, message.partition, message.offset, text(message.key), text(message.value), headers);
  });
  return { close: () => consumer.close(true), errors };
}

async function main() {
  emit({ step: 'version', client: 'platformatic-kafka', version: packageVersion('@platformatic/kafka') });

  const admin = new Admin(base);
  try {
    await within(timeoutMs, 'create-topic', admin.createTopics({ topics: [topic], partitions: 6, replicas: 1 }));
    await waitFor(timeoutMs, 'create-topic metadata', async () => {
      try {
        const metadata = await admin.metadata({ topics: [topic] });
        return metadata.topics.get(topic)?.partitionsCount === 6;
      } catch {
        return false;
      }
    });
    emit({ step: 'create-topic', ok: true });
  } catch (error) {
    emit({ step: 'create-topic', ok: false, error: errorText(error) });
  }

  const producer = new Producer({ ...base, serializers: stringSerializers });
  for (const codec of args.compressions) {
    const { acked, errors } = await produce(producer, codec, 0, args.records);
    emit({ step: 'produce', compression: codec, acked, errors });
  }

  const tally = new Tally(args.records * args.compressions.length, timeoutMs);
  const started = [];
  tally.holdUntil = () => started.length === 2 && started.every((consumer) => assignedTo(consumer).length > 0);
  const members = await Promise.all([0, 1].map((index) => member('consume', index, tally, tally.done, started)));
  tally.stop();
  members.forEach((state, index) => {
    const errors = tally.complete ? state.errors : [...state.errors, `timed out with ${tally.received} records`];
    emit({ step: 'consume-done', member: index, assigned: state.assigned, errors });
  });
  const closeErrors = members.flatMap((state) => state.errors.filter((e) => e.includes('close')));
  emit({ step: 'commit', ok: closeErrors.length === 0, errors: closeErrors });

  const more = await produce(producer, 'none', args.records, args.more);
  await producer.close();
  const resumed = new Tally(args.more, timeoutMs);
  // Stop 3 s after the last record, so that whatever should not have been received shows up.
  const settled = resumed.done.then(async () => {
    while (Date.now() - resumed.lastAt < 3000) await sleep(3000 - (Date.now() - resumed.lastAt));
  });
  const resumedMember = await member('resume', 0, resumed, settled);
  resumed.stop();
  const resumeErrors = [...more.errors, ...resumedMember.errors];
  if (!resumed.complete) resumeErrors.push(`timed out with ${resumed.received} records`);
  emit({ step: 'resume-done', errors: resumeErrors });

  try {
    const groups = await within(timeoutMs, 'describe', admin.describeGroups({ groups: [group] }));
    const described = groups.get(group);
    const [fetched] = await within(timeoutMs, 'fetch offsets', admin.listConsumerGroupOffsets({ groups: [group] }));
    const offsets = Object.fromEntries(
      (fetched.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => [
        String(p.partitionIndex),
        Number(p.committedOffset),
      ]),
    );
    emit({
      step: 'describe',
      state: described.state,
      protocolType: described.protocolType,
      members: described.members.size,
      offsets,
    });
  } catch (error) {
    emit({ step: 'describe', error: errorText(error) });
  }
  await admin.close();
  await exactlyOnce({ transact, read });
}

run(main);
