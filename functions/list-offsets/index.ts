/**
 * ListOffsets (API key 2), versions 0-10.
 *
 * Version notes (special timestamps and the version that introduced each,
 * Kafka's ReplicaManager.isListOffsetsTimestampUnsupported; older versions
 * get UNSUPPORTED_VERSION for them):
 * - -1 latest: the high watermark, or the last stable offset for
 *   read_committed (v2+): the first offset of the earliest open transaction.
 *   Under read_committed, as in Kafka, lookups by timestamp (-3 and T >= 0)
 *   also answer offset -1 and timestamp -1 for what they find at or past the
 *   last stable offset; -2 and -4 are not bounded.
 * - -2 earliest: the log start offset.
 * - -3 max timestamp (v7+): the offset of the first record carrying the
 *   largest timestamp in the log, found by decoding the batch holding it.
 * - -4 earliest local (v8+): the log start offset (nothing is tiered).
 * - -5 latest tiered (v9+): offset -1, timestamp -1, leader epoch -1, what
 *   Kafka answers for a topic without remote storage.
 * - T >= 0: the first record (in offset order) with timestamp >= T at or
 *   after the log start offset, decoded from the first batch that may hold
 *   one; offset -1 and timestamp -1 when there is none.
 * - v0 answers in the old form, `oldStyleOffsets`: up to maxNumOffsets
 *   offsets, newest first, as Kafka's legacyFetchOffsetsBefore computes them
 *   over one segment starting at the log start offset whose last change is
 *   taken as the log's largest timestamp; timestamps below -2 are
 *   UNSUPPORTED_VERSION.
 * - v1+ refuse a partition named twice with INVALID_REQUEST; v4+ carry
 *   current leader epochs (checked as Kafka does) and answer leader epoch 0;
 *   v10 timeout_ms only matters for tiered storage and is ignored.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type {
  ListOffsetsRequestListOffsetsPartition,
  ListOffsetsResponseListOffsetsPartitionResponse,
} from '../../shared/protocol/generated/list-offsets.js';
import type { Init } from '../../shared/protocol/schema.js';
import { type DecodedRecord, decodeBatch } from '../../shared/records/records.js';
import type { IndexEntry, PartitionOffsets, PartitionRef, TopicRecord } from '../../shared/storage/types.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { currentLeaderEpochError, LEADER_EPOCH } from '../cluster.js';
import { defineFunction, type FunctionEnv } from '../define.js';
import { storageFailure } from '../storage-failure.js';
import { IndexMismatchError, readBatches } from '../stored-batches.js';
import { hasPartition, loadTopics } from '../topics.js';

export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;
export const MAX_TIMESTAMP = -3n;
export const EARLIEST_LOCAL_TIMESTAMP = -4n;
export const LATEST_TIERED_TIMESTAMP = -5n;

/** The first version that accepts each special timestamp. */
const FIRST_VERSION_FOR: ReadonlyMap<bigint, number> = new Map([
  [LATEST_TIMESTAMP, 1],
  [EARLIEST_TIMESTAMP, 1],
  [MAX_TIMESTAMP, 7],
  [EARLIEST_LOCAL_TIMESTAMP, 8],
  [LATEST_TIERED_TIMESTAMP, 9],
]);

const READ_COMMITTED = 1;
/** Isolation applies to consumers only; followers and debugging tools read to the log end. */
const CONSUMER_REPLICA_ID = -1;
const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
/** How many index entries one step of a timestamp search reads ahead. */
const SEARCH_READ_BYTES = 1024 * 1024;

type PartitionResponse = Init<ListOffsetsResponseListOffsetsPartitionResponse>;

interface Found {
  readonly timestamp: bigint;
  readonly offset: bigint;
  readonly leaderEpoch: number;
}

const NOT_FOUND: Found = { timestamp: -1n, offset: -1n, leaderEpoch: -1 };

/** Reads and decodes one stored batch; null when it cannot be decoded. */
async function decodeStored(
  env: FunctionEnv,
  entry: IndexEntry,
): Promise<{ records: readonly DecodedRecord[]; maxTimestamp: bigint; leaderEpoch: number } | null> {
  const bytes = await readBatches(env, [entry]);
  const decoded = decodeBatch(bytes, { maxDecompressedBytes: MAX_DECOMPRESSED_BYTES });
  if (!decoded.ok) {
    env.log.error('stored batch does not decode', { object: entry.object, error: decoded.error.message });
    return null;
  }
  const { header, records } = decoded.value;
  return { records, maxTimestamp: header.maxTimestamp, leaderEpoch: header.partitionLeaderEpoch };
}

const epochOf = (batchEpoch: number): number => (batchEpoch >= 0 ? batchEpoch : -1);

/** UnifiedLog's MAX_TIMESTAMP lookup: the first record whose timestamp is the batch's (the log's) maximum. */
async function findMaxTimestamp(env: FunctionEnv, ref: PartitionRef, at: PartitionOffsets): Promise<Found> {
  if (at.maxTimestampBatchOffset < 0n) return NOT_FOUND;
  const [entry] = await env.meta.log.read(ref, at.maxTimestampBatchOffset, 1);
  if (entry === undefined || entry.baseOffset > at.maxTimestampBatchOffset) return NOT_FOUND;
  const batch = await decodeStored(env, entry);
  if (batch === null) return NOT_FOUND;
  const record = batch.records.find((r) => r.timestamp === batch.maxTimestamp);
  if (record === undefined) return NOT_FOUND;
  return { timestamp: batch.maxTimestamp, offset: record.offset, leaderEpoch: epochOf(batch.leaderEpoch) };
}

/** FileRecords.searchForTimestamp: the first record at or after the log start with timestamp >= target. */
async function findByTimestamp(
  env: FunctionEnv,
  ref: PartitionRef,
  at: PartitionOffsets,
  target: bigint,
): Promise<Found> {
  const first = await env.meta.log.findByTimestamp(ref, target);
  if (first === null) return NOT_FOUND;
  let candidates: IndexEntry[] = [first];
  for (;;) {
    for (const entry of candidates) {
      if (entry.maxTimestamp < target || entry.lastOffset < at.logStartOffset) continue;
      const batch = await decodeStored(env, entry);
      if (batch === null) continue;
      const record = batch.records.find((r) => r.timestamp >= target && r.offset >= at.logStartOffset);
      if (record !== undefined) {
        return { timestamp: record.timestamp, offset: record.offset, leaderEpoch: epochOf(batch.leaderEpoch) };
      }
    }
    const last = candidates[candidates.length - 1]!;
    if (last.lastOffset + 1n >= at.highWatermark) return NOT_FOUND;
    candidates = await env.meta.log.read(ref, last.lastOffset + 1n, SEARCH_READ_BYTES);
    if (candidates.length === 0) return NOT_FOUND;
  }
}

/** UnifiedLog.legacyFetchOffsetsBefore over a single segment. */
function legacyOffsets(at: PartitionOffsets, timestamp: bigint, maxNumOffsets: number, nowMs: bigint): bigint[] {
  const points: { offset: bigint; time: bigint }[] = [{ offset: at.logStartOffset, time: at.maxTimestamp }];
  if (at.highWatermark > at.logStartOffset) points.push({ offset: at.highWatermark, time: nowMs });
  let start: number;
  if (timestamp === LATEST_TIMESTAMP) start = points.length - 1;
  else if (timestamp === EARLIEST_TIMESTAMP) start = 0;
  else {
    start = points.length - 1;
    while (start >= 0 && points[start]!.time > timestamp) start--;
  }
  const out: bigint[] = [];
  for (let i = start; i >= 0 && out.length < maxNumOffsets; i--) out.push(points[i]!.offset);
  return out.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
}

interface Slot {
  readonly topic: string;
  readonly request: ListOffsetsRequestListOffsetsPartition;
  readonly response: PartitionResponse;
}

export default defineFunction({
  apiKey: ApiKey.ListOffsets,
  versions: [0, 10],
  blobs: ['read'],
  async handle({ apiVersion, body, env, ctx }) {
    const nowMs = BigInt(env.now());

    const slots: Slot[] = [];
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    const topics = body.topics.map((t) => {
      const partitions: PartitionResponse[] = [];
      for (const p of t.partitions) {
        const key = `${t.name}\u0000${p.partitionIndex}`;
        if (seen.has(key)) {
          duplicates.add(key);
          // Kafka answers each topic-partition once.
          if (apiVersion >= 1) continue;
        }
        seen.add(key);
        const response: PartitionResponse =
          apiVersion === 0
            ? { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, oldStyleOffsets: [] }
            : { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, timestamp: -1n, offset: -1n };
        partitions.push(response);
        slots.push({ topic: t.name, request: p, response });
      }
      return { name: t.name, partitions };
    });

    const fail = (slot: Slot, code: number): void => {
      slot.response.errorCode = code;
      if (apiVersion === 0) slot.response.oldStyleOffsets = [];
      else {
        slot.response.timestamp = -1n;
        slot.response.offset = -1n;
        if (apiVersion >= 4) slot.response.leaderEpoch = -1;
      }
    };

    let records: Map<string, TopicRecord | null>;
    try {
      records = await loadTopics(
        env,
        slots.map((s) => s.topic),
      );
    } catch (e) {
      storageFailure(env, e, 'list-offsets topic lookup');
      for (const s of slots) fail(s, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      return { throttleTimeMs: 0, topics };
    }

    // Refusals that need no offsets; DESCRIBE per topic first (KafkaApis.handleListOffsetRequest).
    const describable = (await access(env, ctx)).allowed(
      AclOperation.DESCRIBE,
      ResourceType.TOPIC,
      new Set(slots.map((s) => s.topic)),
    );
    const live: { slot: Slot; ref: PartitionRef }[] = [];
    for (const slot of slots) {
      const { request } = slot;
      const topic = records.get(slot.topic) ?? null;
      if (!describable.has(slot.topic)) {
        fail(slot, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        continue;
      }
      if (apiVersion >= 1 && duplicates.has(`${slot.topic}\u0000${request.partitionIndex}`)) {
        fail(slot, ErrorCode.INVALID_REQUEST);
        continue;
      }
      const ts = request.timestamp;
      const unsupported =
        apiVersion === 0 ? ts < EARLIEST_TIMESTAMP : ts < 0n && !(apiVersion >= (FIRST_VERSION_FOR.get(ts) ?? 99));
      if (unsupported) {
        fail(slot, ErrorCode.UNSUPPORTED_VERSION);
        continue;
      }
      if (topic === null || !hasPartition(topic, request.partitionIndex)) {
        fail(slot, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const epochError =
        apiVersion >= 4
          ? currentLeaderEpochError(request.currentLeaderEpoch === -1 ? null : request.currentLeaderEpoch)
          : 0;
      if (epochError !== ErrorCode.NONE) {
        fail(slot, epochError);
        continue;
      }
      live.push({ slot, ref: { topicId: topic.id, partition: request.partitionIndex } });
    }
    if (live.length === 0) return { throttleTimeMs: 0, topics };

    let offsets: PartitionOffsets[];
    try {
      offsets = await env.meta.log.offsets(live.map((l) => l.ref));
    } catch (e) {
      storageFailure(env, e, 'list-offsets offsets');
      for (const l of live) fail(l.slot, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      return { throttleTimeMs: 0, topics };
    }

    await Promise.all(
      live.map(async ({ slot, ref }, i) => {
        const at = offsets[i]!;
        const ts = slot.request.timestamp;
        const response = slot.response;
        if (apiVersion === 0) {
          response.oldStyleOffsets = legacyOffsets(at, ts, Math.max(0, slot.request.maxNumOffsets), nowMs);
          return;
        }
        // Partition.fetchOffsetForTimestamp: clients read up to the high watermark, or the last stable
        // offset under read_committed; replicas to the log end, which is the high watermark here.
        const readCommitted =
          apiVersion >= 2 && body.replicaId === CONSUMER_REPLICA_ID && body.isolationLevel === READ_COMMITTED;
        const lastFetchable = readCommitted ? at.lastStableOffset : at.highWatermark;
        let found: Found;
        try {
          if (ts === LATEST_TIMESTAMP) found = { timestamp: -1n, offset: lastFetchable, leaderEpoch: LEADER_EPOCH };
          else if (ts === EARLIEST_TIMESTAMP || ts === EARLIEST_LOCAL_TIMESTAMP) {
            found = { timestamp: -1n, offset: at.logStartOffset, leaderEpoch: LEADER_EPOCH };
          } else if (ts === LATEST_TIERED_TIMESTAMP) found = NOT_FOUND;
          else if (ts === MAX_TIMESTAMP) found = await findMaxTimestamp(env, ref, at);
          else found = await findByTimestamp(env, ref, at, ts);
        } catch (e) {
          if (e instanceof IndexMismatchError) env.log.error('index and object disagree', { error: e.message });
          else storageFailure(env, e, 'list-offsets lookup');
          fail(slot, ErrorCode.NOT_LEADER_OR_FOLLOWER);
          return;
        }
        // Kafka hides anything found at or past the last fetchable offset (ReplicaManager.fetchOffset).
        const bounded = ts === MAX_TIMESTAMP || ts === LATEST_TIERED_TIMESTAMP || ts >= 0n;
        if (bounded && found.offset >= lastFetchable) found = NOT_FOUND;
        response.timestamp = found.timestamp;
        response.offset = found.offset;
        if (apiVersion >= 4) response.leaderEpoch = found.leaderEpoch;
      }),
    );
    return { throttleTimeMs: 0, topics };
  },
});
