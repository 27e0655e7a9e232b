/**
 * Codec throughput: a Produce request and a Fetch response of 16 partitions,
 * each holding one uncompressed batch of 1,000 records of 1 KiB. Prints a
 * table of MB/s per operation. `npm run bench`.
 */

import { cpus } from 'node:os';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponseChunks } from '../shared/protocol/frame.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { concat } from '../shared/protocol/primitives.js';
import { encodeBatch } from '../shared/records/records.js';
import { validateProduceRecords } from '../shared/records/validate.js';

const PARTITIONS = 16;
const RECORDS = 1000;
const VALUE_BYTES = 1024;
const PRODUCE_VERSION = 9;
const FETCH_VERSION = 16;
const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw';

function batch(partition: number): Uint8Array {
  const value = new Uint8Array(VALUE_BYTES);
  for (let i = 0; i < value.length; i++) value[i] = (i * 31 + partition) & 255;
  const now = BigInt(Date.now());
  return encodeBatch({
    baseOffset: 0n,
    records: Array.from({ length: RECORDS }, (_, i) => ({
      key: new TextEncoder().encode(`key-${i}`),
      value,
      timestamp: now + BigInt(i),
      headers: [{ key: 'h', value: new Uint8Array([i & 255]) }],
    })),
  });
}

const batches = Array.from({ length: PARTITIONS }, (_, p) => batch(p));

const produceBody = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30000,
  topicData: [{ name: 'bench', partitionData: batches.map((records, index) => ({ index, records })) }],
};

const fetchBody = {
  throttleTimeMs: 0,
  errorCode: 0,
  sessionId: 0,
  responses: [
    {
      topicId: TOPIC_ID,
      partitions: batches.map((records, partitionIndex) => ({
        partitionIndex,
        errorCode: 0,
        highWatermark: 1000n,
        lastStableOffset: 1000n,
        logStartOffset: 0n,
        abortedTransactions: null,
        preferredReadReplica: -1,
        records,
      })),
    },
  ],
};

interface Row {
  operation: string;
  bytes: number;
  opsPerSecond: number;
  mbPerSecond: number;
}

function measure(operation: string, bytes: number, run: () => unknown): Row {
  for (let i = 0; i < 5; i++) run();
  let iterations = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < 1500 || iterations < 10) {
    run();
    iterations++;
    elapsed = performance.now() - started;
  }
  const opsPerSecond = (iterations * 1000) / elapsed;
  return { operation, bytes, opsPerSecond, mbPerSecond: (opsPerSecond * bytes) / 1e6 };
}

/** A structure-heavy message: metadata of 100 topics × 16 partitions, no record bytes at all. */
const metadataBody = {
  brokers: [{ nodeId: 0, host: '127.0.0.1', port: 9092, rack: null }],
  clusterId: 'bench',
  controllerId: 0,
  topics: Array.from({ length: 100 }, (_, t) => ({
    errorCode: 0,
    name: `topic-${t}`,
    topicId: TOPIC_ID,
    partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
      errorCode: 0,
      partitionIndex: p,
      leaderId: 0,
      leaderEpoch: 0,
      replicaNodes: [0],
      isrNodes: [0],
      offlineReplicas: [],
    })),
  })),
};

const produceFrame = encodeRequest(ApiKey.Produce, PRODUCE_VERSION, 1, 'bench', produceBody);
const fetchFrame = concat(encodeResponseChunks(ApiKey.Fetch, FETCH_VERSION, 1, fetchBody));
const metadataFrame = concat(encodeResponseChunks(ApiKey.Metadata, 12, 1, metadataBody));

const rows: Row[] = [
  measure(`Produce v${PRODUCE_VERSION} request: encode (one buffer)`, produceFrame.length, () =>
    encodeRequest(ApiKey.Produce, PRODUCE_VERSION, 1, 'bench', produceBody),
  ),
  measure(`Produce v${PRODUCE_VERSION} request: decode`, produceFrame.length, () => decodeRequest(produceFrame)),
  measure(`Produce v${PRODUCE_VERSION} request: decode + validate batches (CRC32C)`, produceFrame.length, () => {
    const { body } = decodeRequest(produceFrame);
    for (const t of (body as typeof produceBody).topicData) {
      for (const p of t.partitionData) if (!validateProduceRecords(p.records).ok) throw new Error('invalid batch');
    }
  }),
  measure(`Fetch v${FETCH_VERSION} response: encode (chunks, batches by reference)`, fetchFrame.length, () =>
    encodeResponseChunks(ApiKey.Fetch, FETCH_VERSION, 1, fetchBody),
  ),
  measure(`Fetch v${FETCH_VERSION} response: encode (one buffer)`, fetchFrame.length, () =>
    concat(encodeResponseChunks(ApiKey.Fetch, FETCH_VERSION, 1, fetchBody)),
  ),
  measure(`Fetch v${FETCH_VERSION} response: decode`, fetchFrame.length, () =>
    decodeResponse(ApiKey.Fetch, FETCH_VERSION, fetchFrame),
  ),
  measure('Metadata v12 response (100 topics × 16 partitions): encode', metadataFrame.length, () =>
    encodeResponseChunks(ApiKey.Metadata, 12, 1, metadataBody),
  ),
  measure('Metadata v12 response (100 topics × 16 partitions): decode', metadataFrame.length, () =>
    decodeResponse(ApiKey.Metadata, 12, metadataFrame),
  ),
];

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`Codec throughput — Node ${process.version}, ${cpu} (${cpus().length} cores)`);
console.log(`Produce and Fetch: ${PARTITIONS} partitions × 1 batch × ${RECORDS} records × ${VALUE_BYTES} B values.`);
console.log('Decoding leaves record batches as views into the frame, so its MB/s counts bytes it never touches;');
console.log('validation (CRC32C over every batch) is the cost a broker pays per produced byte.\n');
const header = ['operation', 'frame MB', 'ops/s', 'MB/s'];
const table = rows.map((r) => [
  r.operation,
  (r.bytes / 1e6).toFixed(2),
  r.opsPerSecond.toFixed(1),
  r.mbPerSecond.toFixed(0),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]): string =>
  `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of table) console.log(line(row));
