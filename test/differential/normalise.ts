/**
 * Per-API normalisation of a decoded response pair before comparison, as
 * listed in rules.ts (API_DIFFERENCES), and the decoded view of `records`
 * fields, which are compared record by record rather than as bytes.
 */

import { ApiKey, apis } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { type FieldType, inRange, type StructSchema } from '../../shared/protocol/schema.js';
import { decodeRecordSet } from '../../shared/records/record-set.js';
import type { IdMappings } from './compare.js';

type Struct = Record<string, unknown>;

const isStructType = (t: FieldType): t is StructSchema => typeof t === 'object' && 'fields' in t;

/**
 * Deletes the fields a message does not have at `version`, in place: the
 * decoder fills them with defaults, which say nothing about either server
 * (and would otherwise bind identifier mappings to placeholder values).
 */
function pruneAbsentFields(schema: StructSchema, version: number, value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  const struct = value as Struct;
  for (const field of schema.fields) {
    if (!inRange(version, field.versions)) {
      delete struct[field.name];
      continue;
    }
    const type = field.type;
    const element = typeof type === 'object' && 'array' in type ? type.array : type;
    if (typeof element !== 'object' || !isStructType(element)) continue;
    const item = struct[field.name];
    for (const child of Array.isArray(item) ? item : [item]) pruneAbsentFields(element, version, child);
  }
}

/** What normalisation needs to know about the exchange beyond the two responses. */
export interface ExchangeContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The request as the replay sent it, decoded. */
  readonly request: Struct;
  /** Every API version the corpus's clients used, by API key. */
  readonly usedVersions: ReadonlyMap<number, ReadonlySet<number>>;
  /** The recorded request was an incremental fetch (KIP-227 session epoch > 0). */
  readonly incrementalFetch: boolean;
  readonly ids: IdMappings;
}

/** A records blob as the fields a consumer sees; batch CRC and partitionLeaderEpoch are left out (rules.ts). */
export function decodedRecords(records: Uint8Array | null): unknown {
  if (records === null) return null;
  const decoded = decodeRecordSet(records);
  if (!decoded.ok) return { undecodable: decoded.error.message, bytes: records };
  const entries = decoded.value.entries.map((entry) => {
    if (entry.kind === 'legacy') {
      return {
        legacy: entry.entry.messages.map((m) => ({
          offset: m.offset,
          magic: m.magic,
          attributes: m.attributes,
          timestamp: m.timestamp,
          key: m.key,
          value: m.value,
        })),
      };
    }
    const { header, records: batchRecords } = entry.batch;
    return {
      baseOffset: header.baseOffset,
      magic: header.magic,
      attributes: header.attributes,
      lastOffsetDelta: header.lastOffsetDelta,
      baseTimestamp: header.baseTimestamp,
      maxTimestamp: header.maxTimestamp,
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      records: batchRecords.map((r) => ({
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key,
        value: r.value,
        headers: r.headers.map((h) => ({ headerKey: h.key, value: h.value })),
      })),
    };
  });
  return { entries, partialBytes: decoded.value.partial?.length ?? 0 };
}

/** Replaces every `records` field by its decoded view, in place. */
function decodeRecordsFields(value: unknown): void {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
  if (Array.isArray(value)) {
    for (const item of value) decodeRecordsFields(item);
    return;
  }
  const struct = value as Struct;
  for (const [field, item] of Object.entries(struct)) {
    if (field === 'records' && (item === null || item instanceof Uint8Array)) struct[field] = decodedRecords(item);
    else decodeRecordsFields(item);
  }
}

/** ApiVersions as the versions of the corpus's APIs each side serves (rules.ts). */
function servedVersions(body: Struct, used: ReadonlyMap<number, ReadonlySet<number>>): Struct {
  const ranges = new Map<number, [number, number]>();
  for (const k of body.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[]) {
    ranges.set(k.apiKey, [k.minVersion, k.maxVersion]);
  }
  const apis = [...used].map(([apiKey, versions]) => {
    const range = ranges.get(apiKey);
    return {
      apiKey,
      servedVersions: [...versions].filter((v) => range !== undefined && v >= range[0] && v <= range[1]).sort(),
    };
  });
  return { errorCode: body.errorCode, apis };
}

/** `topicId` when set, else the name: how a Fetch names a topic across versions. */
function fetchTopicKey(topic: Struct, ids: IdMappings | undefined): string {
  const id = topic.topicId as string;
  if (id !== 'AAAAAAAAAAAAAAAAAAAAAA') return `id:${ids === undefined ? id : String(ids.map('topic id', id))}`;
  return `name:${String(topic.topic)}`;
}

function isQuietPartition(partition: Struct): boolean {
  const records = partition.records as Uint8Array | null;
  return partition.errorCode === 0 && (records === null || records.length === 0);
}

/** Drops partitions an incremental reference response left out, when Kafkaless returned nothing for them either. */
function dropUnchangedPartitions(expected: Struct, actual: Struct, ids: IdMappings): void {
  const wanted = new Set<string>();
  for (const topic of expected.responses as Struct[]) {
    for (const p of topic.partitions as Struct[]) wanted.add(`${fetchTopicKey(topic, ids)}:${p.partitionIndex}`);
  }
  const topics = (actual.responses as Struct[])
    .map((topic) => ({
      ...topic,
      partitions: (topic.partitions as Struct[]).filter(
        (p) => wanted.has(`${fetchTopicKey(topic, undefined)}:${p.partitionIndex}`) || !isQuietPartition(p),
      ),
    }))
    .filter((topic) => (topic.partitions as Struct[]).length > 0);
  actual.responses = topics;
}

/** Kafka's answers for a topic its auto-creation has not finished creating yet. */
const CREATION_PENDING: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
]);

/**
 * Drops from both responses each topic Kafka reported as still being
 * auto-created while Kafkaless already answered it (rules.ts).
 */
function dropTopicsBeingCreated(expected: Struct, actual: Struct): void {
  const created = new Set(
    (actual.topics as Struct[]).filter((t) => t.errorCode === ErrorCode.NONE).map((t) => t.name as string),
  );
  const pending = new Set(
    (expected.topics as Struct[])
      .filter((t) => CREATION_PENDING.has(t.errorCode as number) && created.has(t.name as string))
      .map((t) => t.name as string),
  );
  expected.topics = (expected.topics as Struct[]).filter((t) => !pending.has(t.name as string));
  actual.topics = (actual.topics as Struct[]).filter((t) => !pending.has(t.name as string));
}

/** Normalises a decoded response pair in place (or returns replacements) for comparison. */
export function normalisePair(expected: Struct, actual: Struct, context: ExchangeContext): [Struct, Struct] {
  const schema = apis.get(context.apiKey as ApiKey)?.response.schema;
  if (schema !== undefined) {
    pruneAbsentFields(schema, context.apiVersion, expected);
    pruneAbsentFields(schema, context.apiVersion, actual);
  }
  switch (context.apiKey) {
    case ApiKey.ApiVersions:
      return [servedVersions(expected, context.usedVersions), servedVersions(actual, context.usedVersions)];
    case ApiKey.Metadata:
      expected.topics = (expected.topics as Struct[]).filter((t) => t.isInternal !== true);
      if (context.request.allowAutoTopicCreation === true) dropTopicsBeingCreated(expected, actual);
      break;
    case ApiKey.Fetch:
      delete expected.sessionId;
      delete actual.sessionId;
      if (context.incrementalFetch) dropUnchangedPartitions(expected, actual, context.ids);
      break;
  }
  decodeRecordsFields(expected);
  decodeRecordsFields(actual);
  return [expected, actual];
}
