/**
 * Produce (API key 0), versions 0-11.
 *
 * Version notes:
 * - v0-2 carry magic 0/1 message sets; they are up-converted to one magic-2
 *   batch before storing, as Kafka 3.x does (its log format is always v2).
 * - v3+ carry exactly one magic-2 batch per partition (transactionalId from v3).
 * - v2+ report logAppendTimeMs, v5+ logStartOffset, v8+ recordErrors and
 *   errorMessage, v10+ currentLeader and nodeEndpoints for NOT_LEADER_OR_FOLLOWER.
 * - v7+ may carry zstd.
 *
 * Order of work, per the design: validate every partition's records, PUT all
 * accepted batches as ONE object, append all partitions' index entries in one
 * MetaStore call (dense offsets, atomic per partition), then answer. A batch
 * that fails validation is answered with its error and not stored; the rest
 * of the request proceeds. acks=0 answers nothing, or closes the connection
 * when any partition failed, as Kafka does.
 *
 * Idempotence and transactions: a batch with a producer id (>= 0) carries
 * its producer fields into the append, whose atomic step applies Kafka's
 * producer-state rules (storage/producer-rules.ts). A retry of one of the
 * producer's last five batches is answered NONE with the offset it was
 * stored at, and, as Kafka does, that batch's timestamp as logAppendTimeMs;
 * its second copy stays an unreferenced object. Refusals are
 * OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH and INVALID_TXN_STATE,
 * answered as Kafka does: base offset and append time -1, the log start
 * offset, no error message. A transactional batch opens a transaction on the
 * partition, which holds back the last stable offset until the coordinator
 * writes its marker. Request-level rules, Kafka's: transactional batches
 * need a transactionalId (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED), and
 * the transactional batches of one request come from one producer id and
 * epoch (else every partition is INVALID_PRODUCER_ID_MAPPING). A batch
 * without a producer id (-1) is stored as sent, transactional flag or not,
 * with no producer state, as Kafka does.
 *
 * Schema validation (Confluent Server's, shared/schemas/validation.ts): on a
 * topic with `confluent.{key,value}.schema.validation`, the batches that pass
 * the checks above are decoded (decompressed if need be; the bytes sent are
 * what is stored) and their keys/values checked against the registry, all
 * partitions of the request together so that each schema id is looked up
 * once. A failing batch is INVALID_RECORD with a record error per bad
 * record; a store failure answers the partition NOT_LEADER_OR_FOLLOWER, so
 * the producer retries rather than writing unchecked records.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type {
  ProduceRequest,
  ProduceResponsePartitionProduceResponse,
  ProduceResponseTopicProduceResponse,
} from '../../shared/protocol/generated/produce.js';
import type { Init } from '../../shared/protocol/schema.js';
import {
  applyLogAppendTime,
  BATCH_OVERHEAD,
  CURRENT_MAGIC,
  iterateBatches,
  MAGIC_OFFSET,
  RecordBatchHeader,
  setPartitionLeaderEpoch,
  TimestampType,
} from '../../shared/records/batch.js';
import { upConvertMessageSet } from '../../shared/records/convert.js';
import type { RecordsError, Result } from '../../shared/records/errors.js';
import { type DecodedBatch, decodeBatch } from '../../shared/records/records.js';
import { validateProduceRecords } from '../../shared/records/validate.js';
import { type RequestCheck, type SchemaValidationSettings, validatorFor } from '../../shared/schemas/validation.js';
import { isSubjectNameStrategy, SubjectNameStrategy } from '../../shared/schemas/wire.js';
import type { AppendBatch, BatchOutcome, PartitionRef, TopicRecord } from '../../shared/storage/types.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { brokerNode, LEADER_EPOCH } from '../cluster.js';
import { CLOSE_CONNECTION, defineFunction, type FunctionEnv, NO_RESPONSE } from '../define.js';
import { storageFailure } from '../storage-failure.js';
import { hasCleanupPolicy, hasPartition, loadTopics, topicConfig, topicConfigNumber } from '../topics.js';

/** Kafka's default `max.message.bytes`. */
const DEFAULT_MAX_MESSAGE_BYTES = 1048588;
/** Bound on decompressed bytes when records must be read (up-conversion, per-record checks). */
const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
/** Produce v3 is the first to carry magic-2 batches only. */
const FIRST_MAGIC_2_VERSION = 3;

type PartitionResponse = Init<ProduceResponsePartitionProduceResponse>;

/** A partition whose batch passed validation and waits to be stored. */
interface Accepted {
  readonly response: PartitionResponse;
  readonly ref: PartitionRef;
  readonly batch: Uint8Array;
  readonly header: RecordBatchHeader;
  readonly logAppendTime: boolean;
}

/** The producer fields the append checks, for a batch with a producer id. */
function producerOf(header: RecordBatchHeader): AppendBatch['producer'] {
  if (!header.hasProducerId) return undefined;
  return {
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    lastSequence: header.lastSequence,
    transactional: header.isTransactional,
  };
}

/** Kafka's error for a refused batch. */
function outcomeError(outcome: Exclude<BatchOutcome, { kind: 'appended' | 'duplicate' }>): number {
  switch (outcome.kind) {
    case 'out-of-order-sequence':
      return ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
    case 'invalid-producer-epoch':
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    case 'invalid-txn-state':
      return ErrorCode.INVALID_TXN_STATE;
  }
}

function failed(response: PartitionResponse, code: number, message: string | null = null): void {
  response.errorCode = code;
  response.baseOffset = -1n;
  response.logAppendTimeMs = -1n;
  response.logStartOffset = -1n;
  response.errorMessage = message;
}

/** Whether any batch of the request is transactional (Kafka's RequestUtils.hasTransactionalRecords). */
function hasTransactionalRecords(body: ProduceRequest): boolean {
  for (const topic of body.topicData) {
    for (const partition of topic.partitionData) {
      if (partition.records === null) continue;
      for (const slice of iterateBatches(partition.records)) {
        if (slice.kind !== 'batch' || slice.magic !== CURRENT_MAGIC || slice.bytes.length < BATCH_OVERHEAD) continue;
        if (new RecordBatchHeader(slice.bytes).isTransactional) return true;
      }
    }
  }
  return false;
}

function producerKey(header: RecordBatchHeader): string {
  return `${header.producerId}:${header.producerEpoch}`;
}

/** A unique, time-ordered object key: `batches/<yyyymmdd>/<ms since epoch, 15 digits>-<16 hex random>`. */
export function batchObjectKey(nowMs: number): string {
  const day = new Date(nowMs).toISOString().slice(0, 10).replaceAll('-', '');
  const random = crypto.getRandomValues(new Uint8Array(8));
  let hex = '';
  for (const b of random) hex += b.toString(16).padStart(2, '0');
  return `batches/${day}/${String(nowMs).padStart(15, '0')}-${hex}`;
}

/** The one batch to store for a partition's records, or the error that refuses them. */
function prepareBatch(
  env: FunctionEnv,
  apiVersion: number,
  topic: TopicRecord,
  records: Uint8Array | null,
): { ok: true; batch: Uint8Array; header: RecordBatchHeader } | { ok: false; error: RecordsError } {
  const maxBatchBytes = topicConfigNumber(env, topic, 'max.message.bytes', DEFAULT_MAX_MESSAGE_BYTES);
  let batch = records;
  if (apiVersion < FIRST_MAGIC_2_VERSION && batch !== null && batch.length > MAGIC_OFFSET) {
    const magic = batch[MAGIC_OFFSET]!;
    if (magic === 0 || magic === 1) {
      const converted = upConvertMessageSet(batch, {
        maxEntryBytes: maxBatchBytes,
        maxDecompressedBytes: MAX_DECOMPRESSED_BYTES,
      });
      if (!converted.ok) return converted;
      batch = converted.value;
    }
  }
  const validated = validateProduceRecords(batch, { produceVersion: apiVersion, maxBatchBytes });
  if (!validated.ok) return validated;
  return { ok: true, batch: batch!, header: validated.value };
}

interface RecordProblem {
  readonly code: number;
  readonly message: string;
  readonly recordErrors: { batchIndex: number; batchIndexErrorMessage: string }[];
}

/** A finite millisecond bound from a `*.max.ms` config; Kafka's Long.MAX default means none. */
function boundMs(value: string | null): bigint | null {
  if (value === null || !/^\+?\d+$/.test(value)) return null;
  const n = BigInt(value);
  return n >= 0x7fffffffffffffffn ? null : n;
}

/** A batch's records, decoded on first use and kept for the checks after it. */
type LazyRecords = () => Result<DecodedBatch>;

function lazyRecords(batch: Uint8Array): LazyRecords {
  let decoded: Result<DecodedBatch> | undefined;
  return () => {
    decoded ??= decodeBatch(batch, { maxDecompressedBytes: MAX_DECOMPRESSED_BYTES, verifyCrc: false });
    return decoded;
  };
}

/**
 * The checks Kafka's LogValidator makes on records, not bytes: a batch
 * claiming LogAppendTime on a CreateTime topic, keys on compacted topics and
 * CreateTime timestamps outside `message.timestamp.{before,after}.max.ms`
 * (or the deprecated `message.timestamp.difference.max.ms`).
 * Records are decoded only when a topic config asks for a per-record check.
 */
function checkRecords(
  env: FunctionEnv,
  topic: TopicRecord,
  partition: number,
  records: LazyRecords,
  header: RecordBatchHeader,
  logAppendTime: boolean,
  nowMs: bigint,
): RecordProblem | null {
  if (!logAppendTime && header.timestampType === TimestampType.LOG_APPEND_TIME) {
    return {
      code: ErrorCode.INVALID_TIMESTAMP,
      message: 'Producer should not set timestamp type to LogAppendTime',
      recordErrors: [
        { batchIndex: 0, batchIndexErrorMessage: 'Producer should not set timestamp type to LogAppendTime.' },
      ],
    };
  }
  const compacted = hasCleanupPolicy(env, topic, 'compact');
  // Under LogAppendTime the broker's clock is the timestamp, so there is nothing to bound. As in
  // Kafka's LogConfig, the deprecated difference bound stands in for a bound left at its default.
  const difference = boundMs(topicConfig(env, topic, 'message.timestamp.difference.max.ms'));
  const before = logAppendTime
    ? null
    : (boundMs(topicConfig(env, topic, 'message.timestamp.before.max.ms')) ?? difference);
  const after = logAppendTime
    ? null
    : (boundMs(topicConfig(env, topic, 'message.timestamp.after.max.ms')) ?? difference);
  if (!compacted && before === null && after === null) return null;
  const decoded = records();
  if (!decoded.ok) {
    return { code: decoded.error.code, message: decoded.error.message, recordErrors: [] };
  }
  const errors: RecordProblem['recordErrors'] = [];
  let code: number = ErrorCode.NONE;
  decoded.value.records.forEach((record, index) => {
    if (compacted && record.key === null) {
      code = ErrorCode.INVALID_RECORD;
      errors.push({
        batchIndex: index,
        batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${topic.name}-${partition}`,
      });
      return;
    }
    if (record.timestamp === -1n || (before === null && after === null)) return;
    const diff = nowMs - record.timestamp;
    if ((before !== null && diff > before) || (after !== null && -diff > after)) {
      if (code === ErrorCode.NONE) code = ErrorCode.INVALID_TIMESTAMP;
      const lo = before === null ? 'unbounded' : String(nowMs - before);
      const hi = after === null ? 'unbounded' : String(nowMs + after);
      errors.push({
        batchIndex: index,
        batchIndexErrorMessage: `Timestamp ${record.timestamp} of message with offset ${record.offset} is out of range. The timestamp should be within [${lo}, ${hi}]`,
      });
    }
  });
  if (errors.length === 0) return null;
  return {
    code,
    message: `One or more records have been rejected due to ${errors.length} record errors in total`,
    recordErrors: errors,
  };
}

/** What schema validation the topic asks for, or null when none. */
function schemaValidation(env: FunctionEnv, topic: TopicRecord): SchemaValidationSettings | null {
  const side = (name: 'key' | 'value') => {
    if (topicConfig(env, topic, `confluent.${name}.schema.validation`)?.toLowerCase() !== 'true') return null;
    const strategy = topicConfig(env, topic, `confluent.${name}.subject.name.strategy`) ?? '';
    return isSubjectNameStrategy(strategy) ? strategy : SubjectNameStrategy.TOPIC;
  };
  const key = side('key');
  const value = side('value');
  if (key === null && value === null) return null;
  const payload = topicConfig(env, topic, 'kafkaless.schema.validation.payload')?.toLowerCase() === 'true';
  return { key, value, payload };
}

/** The schema problems of a batch's records (Confluent Server's Schema Validation), or null. */
async function checkSchemas(
  check: RequestCheck,
  topic: TopicRecord,
  records: LazyRecords,
  settings: SchemaValidationSettings,
): Promise<RecordProblem | null> {
  const decoded = records();
  if (!decoded.ok) return { code: decoded.error.code, message: decoded.error.message, recordErrors: [] };
  const errors = await check.validate(topic.name, decoded.value.records, settings);
  if (errors.length === 0) return null;
  return {
    code: ErrorCode.INVALID_RECORD,
    message: `One or more records have been rejected due to ${errors.length} record errors in total`,
    recordErrors: errors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message })),
  };
}

export default defineFunction({
  apiKey: ApiKey.Produce,
  versions: [0, 11],
  blobs: ['write'],
  async handle({ apiVersion, body, env, ctx }) {
    const nowMs = env.now();
    const now = BigInt(nowMs);
    const node = brokerNode(env, ctx);
    let nodeEndpointsNeeded = false;

    const responses: Init<ProduceResponseTopicProduceResponse>[] = [];
    const slots: { topic: string; index: number; records: Uint8Array | null; response: PartitionResponse }[] = [];
    for (const topic of body.topicData) {
      const partitionResponses: PartitionResponse[] = [];
      for (const p of topic.partitionData) {
        const response: PartitionResponse = {
          index: p.index,
          errorCode: ErrorCode.NONE,
          baseOffset: -1n,
          logAppendTimeMs: -1n,
          logStartOffset: -1n,
          recordErrors: [],
          errorMessage: null,
        };
        partitionResponses.push(response);
        slots.push({ topic: topic.name, index: p.index, records: p.records, response });
      }
      responses.push({ name: topic.name, partitionResponses });
    }

    const notLeader = (response: PartitionResponse): void => {
      failed(response, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      if (apiVersion >= 10) {
        response.currentLeader = { leaderId: node.nodeId, leaderEpoch: LEADER_EPOCH };
        nodeEndpointsNeeded = true;
      }
    };
    const answer = (anyError: boolean) => {
      if (body.acks === 0) return anyError ? CLOSE_CONNECTION : NO_RESPONSE;
      return {
        responses,
        throttleTimeMs: 0,
        nodeEndpoints: nodeEndpointsNeeded ? [node] : [],
      };
    };

    if (hasTransactionalRecords(body) && body.transactionalId === null) {
      for (const s of slots) failed(s.response, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      return answer(slots.length > 0);
    }
    // Kafka's KafkaApis.handleProduceRequest: WRITE on the transactional id fails the whole request, WRITE per topic.
    const checks = await access(env, ctx);
    const txnId = body.transactionalId;
    if (txnId !== null && !checks.allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, txnId)) {
      for (const s of slots) failed(s.response, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      return answer(slots.length > 0);
    }
    const writable = checks.allowed(AclOperation.WRITE, ResourceType.TOPIC, new Set(slots.map((s) => s.topic)));

    let topics: Map<string, TopicRecord | null>;
    try {
      topics = await loadTopics(
        env,
        slots.map((s) => s.topic),
      );
    } catch (e) {
      storageFailure(env, e, 'produce topic lookup');
      for (const s of slots) notLeader(s.response);
      return answer(true);
    }

    let anyError = false;
    const accepted: Accepted[] = [];
    // Kafka answers a record validation error with the partition's log start offset.
    const rejected: { response: PartitionResponse; ref: PartitionRef }[] = [];
    const awaitingSchemas: {
      batch: Accepted;
      topic: TopicRecord;
      records: LazyRecords;
      settings: SchemaValidationSettings;
    }[] = [];
    for (const s of slots) {
      const topic = topics.get(s.topic) ?? null;
      if (!writable.has(s.topic)) {
        failed(s.response, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        anyError = true;
        continue;
      }
      if (topic === null || !hasPartition(topic, s.index)) {
        failed(s.response, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        anyError = true;
        continue;
      }
      const prepared = prepareBatch(env, apiVersion, topic, s.records);
      if (!prepared.ok) {
        failed(s.response, prepared.error.code, prepared.error.message);
        anyError = true;
        continue;
      }
      const logAppendTime = topicConfig(env, topic, 'message.timestamp.type') === 'LogAppendTime';
      const records = lazyRecords(prepared.batch);
      const problem = checkRecords(env, topic, s.index, records, prepared.header, logAppendTime, now);
      if (problem !== null) {
        failed(s.response, problem.code, problem.message);
        s.response.recordErrors = problem.recordErrors;
        rejected.push({ response: s.response, ref: { topicId: topic.id, partition: s.index } });
        anyError = true;
        continue;
      }
      const batch: Accepted = {
        response: s.response,
        ref: { topicId: topic.id, partition: s.index },
        batch: prepared.batch,
        header: prepared.header,
        logAppendTime,
      };
      const settings = schemaValidation(env, topic);
      if (settings === null) accepted.push(batch);
      else awaitingSchemas.push({ batch, topic, records, settings });
    }
    if (awaitingSchemas.length > 0) {
      const check = validatorFor(env.meta.schemas).request(nowMs);
      const outcomes = await Promise.allSettled(
        awaitingSchemas.map((a) => checkSchemas(check, a.topic, a.records, a.settings)),
      );
      outcomes.forEach((outcome, i) => {
        const { batch } = awaitingSchemas[i]!;
        if (outcome.status === 'rejected') {
          storageFailure(env, outcome.reason, 'produce schema validation');
          notLeader(batch.response);
          anyError = true;
        } else if (outcome.value !== null) {
          failed(batch.response, outcome.value.code, outcome.value.message);
          batch.response.recordErrors = outcome.value.recordErrors;
          rejected.push({ response: batch.response, ref: batch.ref });
          anyError = true;
        } else accepted.push(batch);
      });
    }

    if (body.acks !== 0 && body.acks !== 1 && body.acks !== -1) {
      for (const a of accepted) failed(a.response, ErrorCode.INVALID_REQUIRED_ACKS);
      return answer(true);
    }
    // ReplicaManager.handleProduceAppend: one transactional producer (id and epoch) per request, or
    // the request fails as a whole.
    const transactionalProducers = new Set(
      accepted.filter((a) => a.header.isTransactional && a.header.hasProducerId).map((a) => producerKey(a.header)),
    );
    if (transactionalProducers.size > 1) {
      for (const s of slots) {
        failed(s.response, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
        s.response.recordErrors = [];
      }
      return answer(true);
    }
    if (rejected.length > 0) {
      try {
        const offsets = await env.meta.log.offsets(rejected.map((r) => r.ref));
        rejected.forEach((r, i) => {
          r.response.logStartOffset = offsets[i]!.logStartOffset;
        });
      } catch (e) {
        // The rejection stands; only the informational offset stays unknown.
        storageFailure(env, e, 'produce log start offset');
      }
    }
    if (accepted.length === 0) return answer(anyError);

    // The request's bytes are ours: stamp them as the leader would before storing.
    for (const a of accepted) {
      setPartitionLeaderEpoch(a.batch, LEADER_EPOCH);
      if (a.logAppendTime) applyLogAppendTime(a.batch, now);
    }

    const object = batchObjectKey(nowMs);
    try {
      await env.blobs.put(
        object,
        accepted.map((a) => a.batch),
      );
    } catch (e) {
      storageFailure(env, e, 'produce object write');
      for (const a of accepted) notLeader(a.response);
      return answer(true);
    }

    // One append per partition (a request naming a partition twice appends both batches, in order).
    const appends: { partition: PartitionRef; batches: AppendBatch[]; owners: Accepted[] }[] = [];
    const byPartition = new Map<string, (typeof appends)[number]>();
    let position = 0;
    for (const a of accepted) {
      const key = `${a.ref.topicId}:${a.ref.partition}`;
      let append = byPartition.get(key);
      if (append === undefined) {
        append = { partition: a.ref, batches: [], owners: [] };
        byPartition.set(key, append);
        appends.push(append);
      }
      append.batches.push({
        offsetCount: a.header.lastOffsetDelta + 1,
        maxTimestamp: a.header.maxTimestamp,
        object,
        position,
        size: a.batch.length,
        producer: producerOf(a.header),
      });
      append.owners.push(a);
      position += a.batch.length;
    }
    try {
      const results = await env.meta.log.append(appends.map(({ partition, batches }) => ({ partition, batches })));
      appends.forEach(({ owners }, i) => {
        const result = results[i]!;
        owners.forEach((a, j) => {
          const outcome = result.outcomes[j]!;
          if (outcome.kind === 'appended') {
            a.response.baseOffset = outcome.baseOffset;
            a.response.logAppendTimeMs = a.logAppendTime ? now : -1n;
          } else if (outcome.kind === 'duplicate') {
            // UnifiedLog.append answers a duplicate with the stored batch's offset and timestamp.
            a.response.baseOffset = outcome.baseOffset;
            a.response.logAppendTimeMs = outcome.timestamp;
          } else {
            env.log.info('batch refused', {
              topicId: a.ref.topicId,
              partition: a.ref.partition,
              refusal: outcome.kind,
              reason: outcome.message,
            });
            // ReplicaManager.appendToLocalLog: no message, but the log start offset.
            failed(a.response, outcomeError(outcome));
            anyError = true;
          }
          a.response.logStartOffset = result.offsets.logStartOffset;
        });
      });
    } catch (e) {
      storageFailure(env, e, 'produce append');
      for (const a of accepted) failed(a.response, ErrorCode.REQUEST_TIMED_OUT);
      return answer(true);
    }
    return answer(anyError);
  },
});
