/**
 * Re-records the differential corpus: starts the reference broker (Apache
 * Kafka) once per corpus, puts a {@link startRecorder} recorder in front of
 * it, drives real clients through the recorder and writes what passed to
 * `test/differential/corpus/<name>.jsonl`.
 *
 *   npx tsx test/differential/record.ts            # every corpus
 *   npx tsx test/differential/record.ts java kcat  # the named ones
 *
 * Each corpus starts from an empty broker, as its replay starts from an empty
 * Kafkaless, and its steps run one after another: a producer finishes before
 * a consumer starts, so what each Fetch returns does not depend on timing.
 */

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { Oracle } from '../oracle/oracle.js';
import { startReferenceBroker } from '../reference/broker.js';
import { kcat } from '../support/command.js';
import { WireClient } from '../support/proxy/kafka-wire.js';
import { writeCorpus } from './exchange.js';
import { startRecorder } from './recorder.js';

const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Fixed record timestamps, so ListOffsets by timestamp asks the same question every recording. */
const BASE_TIMESTAMP = 1_700_000_000_000n;

const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** Admin steps answer failures inside a successful result; a scenario step that should succeed checks it did. */
function succeeded(step: string, result: Record<string, unknown>): Record<string, unknown> {
  if (result.error !== undefined) throw new Error(`${step}: ${String(result.error)} ${String(result.message)}`);
  return result;
}

/** The Java clients (kafka-clients 3.9): producer in every compression, consumer, group member, AdminClient. */
async function javaScenario(bootstrap: string): Promise<void> {
  const oracle = await Oracle.start();
  const admin = async (action: string, args: object = {}): Promise<Record<string, unknown>> =>
    oracle.admin(bootstrap, action, args);
  try {
    const topic = 'differential-java';
    const compacted = 'differential-java-compacted';
    const created = await admin('createTopics', {
      topics: [
        { name: topic, partitions: 2, replicationFactor: 1 },
        { name: compacted, partitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
      ],
    });
    if (JSON.stringify(created).includes('"error"')) throw new Error(`createTopics: ${JSON.stringify(created)}`);
    // TOPIC_ALREADY_EXISTS.
    await admin('createTopics', { topics: [{ name: topic, partitions: 2, replicationFactor: 1 }] });

    for (const [n, compression] of COMPRESSIONS.entries()) {
      await oracle.produce({
        bootstrap,
        topic,
        config: { 'compression.type': compression, acks: 'all', 'linger.ms': '50' },
        records: Array.from({ length: 4 }, (_, i) => ({
          partition: i % 2,
          timestamp: BASE_TIMESTAMP + BigInt(n * 10 + i),
          key: text(`${compression}-k${i}`),
          value: text(`${compression}-v${i}`.repeat(8)),
          headers: i === 0 ? [{ key: 'h', value: text(compression) }] : [],
        })),
      });
    }
    // Not idempotent, acks=1: no InitProducerId, no sequence numbers.
    await oracle.produce({
      bootstrap,
      topic: compacted,
      config: { acks: '1', 'enable.idempotence': 'false' },
      records: [
        { key: text('a'), value: text('1'), timestamp: BASE_TIMESTAMP + 100n },
        { key: text('b'), value: null, timestamp: BASE_TIMESTAMP + 101n },
      ],
    });
    // A null key on a compacted topic: INVALID_RECORD, which the producer does not retry.
    await oracle
      .produce({
        bootstrap,
        topic: compacted,
        config: { acks: '1', 'enable.idempotence': 'false', retries: '0' },
        records: [{ key: null, value: text('no key'), timestamp: BASE_TIMESTAMP + 102n }],
      })
      .catch(() => undefined);

    const total = COMPRESSIONS.length * 4;
    const consumed = await oracle.consume({
      bootstrap,
      partitions: [
        { topic, partition: 0 },
        { topic, partition: 1 },
      ],
      count: total,
    });
    if (consumed.length !== total) throw new Error(`consumed ${consumed.length} of ${total} records`);

    for (const spec of ['earliest', 'latest', 'maxTimestamp']) {
      succeeded(`listOffsets ${spec}`, await admin('listOffsets', { topic, partition: 0, spec }));
    }
    succeeded(
      'listOffsets by timestamp',
      await admin('listOffsets', { topic, partition: 1, spec: 'timestamp', timestamp: BASE_TIMESTAMP + 21n }),
    );

    const group = 'differential-java-group';
    const member = await oracle.groupConsume({ bootstrap, topic, groupId: group, idleMs: 1000 });
    if (member.records.length !== total) throw new Error(`the group member consumed ${member.records.length}`);
    succeeded('listGroups', await admin('listGroups'));
    succeeded('describeGroup', await admin('describeGroup', { groupId: group }));
    succeeded('listGroupOffsets', await admin('listGroupOffsets', { groupId: group }));
    succeeded(
      'alterGroupOffsets',
      await admin('alterGroupOffsets', { groupId: group, offsets: { [`${topic}:0`]: 1 } }),
    );
    succeeded(
      'deleteGroupOffsets',
      await admin('deleteGroupOffsets', { groupId: group, partitions: [{ topic, partition: 1 }] }),
    );
    succeeded('listGroupOffsets', await admin('listGroupOffsets', { groupId: group }));
    // The member resumes from the committed offsets: partition 0 from 1, partition 1 from the reset policy.
    await oracle.groupConsume({ bootstrap, topic, groupId: group, idleMs: 1000 });

    succeeded('describeConfigs', await admin('describeConfigs', { topic: compacted }));
    succeeded(
      'incrementalAlterConfigs',
      await admin('incrementalAlterConfigs', {
        topic: compacted,
        ops: [
          { name: 'retention.ms', value: '3600000', op: 'SET' },
          { name: 'cleanup.policy', value: 'delete', op: 'APPEND' },
        ],
      }),
    );
    succeeded('alterConfigs', await admin('alterConfigs', { topic, configs: { 'segment.ms': '600000' } }));
    succeeded('describeConfigs', await admin('describeConfigs', { topic: compacted }));
    // INVALID_CONFIG: an unknown config name.
    await admin('incrementalAlterConfigs', { topic, ops: [{ name: 'no.such.config', value: '1', op: 'SET' }] });

    succeeded('createPartitions', await admin('createPartitions', { topic, count: 3 }));
    succeeded('describeTopics', await admin('describeTopics', { names: [topic, compacted] }));
    // UNKNOWN_TOPIC_OR_PARTITION.
    await admin('describeTopics', { names: ['differential-java-missing'] });
    succeeded('describeCluster', await admin('describeCluster'));
    succeeded('deleteRecords', await admin('deleteRecords', { topic, partition: 0, before: 2 }));
    succeeded('listOffsets earliest', await admin('listOffsets', { topic, partition: 0, spec: 'earliest' }));

    // GROUP_ID_NOT_FOUND, then the real group.
    await admin('deleteGroups', { names: ['differential-java-no-group'] });
    succeeded('deleteGroups', await admin('deleteGroups', { names: [group] }));
    succeeded('deleteTopics', await admin('deleteTopics', { names: [compacted] }));
    succeeded('listTopics', await admin('listTopics'));
  } finally {
    await oracle.close();
  }
}

/** librdkafka through kcat: metadata, a produce to an auto-created topic in each compression, a consume to the end. */
async function kcatScenario(bootstrap: string): Promise<void> {
  const topic = 'differential-kcat';
  for (const compression of COMPRESSIONS) {
    const lines = Array.from({ length: 3 }, (_, i) => `${compression}-k${i}:${compression}-v${i}`).join('\n');
    await kcat(bootstrap, ['-P', '-t', topic, '-K:', '-z', compression, '-X', 'linger.ms=50'], lines);
  }
  await kcat(bootstrap, ['-L', '-t', topic]);
  await kcat(bootstrap, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
}

const SCENARIOS: Readonly<Record<string, (bootstrap: string) => Promise<void>>> = {
  java: javaScenario,
  kcat: kcatScenario,
};

/**
 * Kafka's first InitProducerId calls answer COORDINATOR_LOAD_IN_PROGRESS
 * until the broker has fetched a block of producer ids from the controller:
 * asked straight (not recorded) until one succeeds.
 */
async function loadProducerIds(bootstrap: string): Promise<void> {
  const client = await WireClient.connect(Number(bootstrap.split(':')[1]));
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { body } = await client.request(ApiKey.InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60_000,
        producerId: -1n,
        producerEpoch: -1,
      });
      if (body.errorCode === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the reference broker does not hand out producer ids');
  } finally {
    client.close();
  }
}

/**
 * Kafka creates `__consumer_offsets` on the first FindCoordinator and answers
 * COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR and COORDINATOR_LOAD_IN_PROGRESS
 * until it has loaded: a start-up transient of one broker, not behaviour to
 * compare. Describing a group straight against the broker (not recorded)
 * waits that out and leaves no group behind.
 */
async function loadGroupCoordinator(bootstrap: string): Promise<void> {
  const oracle = await Oracle.start();
  try {
    succeeded('describeGroup', await oracle.admin(bootstrap, 'describeGroup', { groupId: 'differential-warm-up' }));
  } finally {
    await oracle.close();
  }
}

async function recordCorpus(name: string, scenario: (bootstrap: string) => Promise<void>): Promise<void> {
  const broker = await startReferenceBroker();
  try {
    await loadGroupCoordinator(broker.bootstrap);
    await loadProducerIds(broker.bootstrap);
    const recorder = await startRecorder(broker.bootstrap);
    try {
      await scenario(recorder.bootstrap);
    } finally {
      await recorder.stop();
    }
    mkdirSync(CORPUS_DIR, { recursive: true });
    writeCorpus(`${CORPUS_DIR}${name}.jsonl`, recorder.exchanges);
    process.stderr.write(`${name}: ${recorder.exchanges.length} exchanges against Apache Kafka ${broker.version}\n`);
  } finally {
    await broker.stop();
  }
}

const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : Object.keys(SCENARIOS)) {
  const scenario = SCENARIOS[name];
  if (scenario === undefined) throw new Error(`no scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  await recordCorpus(name, scenario);
}
