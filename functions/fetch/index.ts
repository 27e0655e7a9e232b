/**
 * Fetch (API key 1), versions 0-17.
 *
 * Version notes:
 * - v0-3 clients cannot read magic-2 batches: they get magic-0 (v0-1) or
 *   magic-1 (v2-3) message sets, down-converted as Kafka 3.9 does, unless the
 *   topic sets `message.downconversion.enable=false` (UNSUPPORTED_VERSION).
 * - v0-2 treat partition_max_bytes as a hard limit (no batch larger than it is
 *   returned); v3+ carry max_bytes and always get at least the first batch of
 *   the first partition with data, however large (KIP-74). As in Kafka, the
 *   response limit is also capped by the broker's fetch.max.bytes (55 MiB).
 * - v4+ isolation_level and last_stable_offset (the first offset of the
 *   earliest open transaction, else the high watermark). read_committed
 *   reads only batches below it and gets the aborted transactions that
 *   overlap what it reads (Kafka's transaction index: ending at or after the
 *   fetch offset, starting before the end of the data returned), an empty
 *   list when none do; read_uncommitted gets null. An offset between the
 *   last stable offset and the high watermark is no error: nothing to read
 *   yet, as in Kafka.
 * - v7+ fetch sessions (KIP-227). No session is ever created: every answer
 *   carries session id 0, which tells clients to keep sending full fetches.
 *   A full fetch (epoch 0 or -1) is served whatever session id it names (Kafka
 *   closes that session); an incremental one (epoch > 0) names a session that
 *   cannot exist: FETCH_SESSION_ID_NOT_FOUND, as Kafka answers.
 * - v9+ current_leader_epoch: newer than 0 is UNKNOWN_LEADER_EPOCH, older is
 *   FENCED_LEADER_EPOCH, negative means absent (Partition.checkCurrentLeaderEpoch).
 * - v10+ may return zstd batches; older versions on a topic with
 *   `compression.type=zstd` get UNSUPPORTED_COMPRESSION_TYPE.
 * - v11+ preferred_read_replica, always -1.
 * - v12+ last_fetched_epoch: a diverging epoch is reported as Kafka does.
 * - v13+ topics by id; an unknown id is UNKNOWN_TOPIC_ID.
 * - v16+ current leader and node endpoints with NOT_LEADER_OR_FOLLOWER.
 * - Follower fields (replica id/state, log start offset, directory id) are
 *   read and ignored: there are no followers.
 *
 * Waiting: when less than min_bytes is available and max_wait_ms > 0, the
 * function waits on the MetaStore's append notification (never a sleep loop)
 * until enough data arrives or the deadline (also bounded by the invocation
 * deadline) passes, then reads again. Like Kafka, it answers at once when a
 * partition it reads from has an error. Under read_committed, "enough" counts
 * only what lies below the last stable offset; the wait still keys on the
 * high watermark, which every move of the last stable offset (a marker)
 * moves too.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type {
  FetchRequestFetchPartition,
  FetchResponseFetchableTopicResponse,
  FetchResponsePartitionData,
} from '../../shared/protocol/generated/fetch.js';
import type { Init } from '../../shared/protocol/schema.js';
import { downConvertBatches } from '../../shared/records/convert.js';
import type { IndexEntry, PartitionOffsets, PartitionRef, TopicRecord } from '../../shared/storage/types.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { type BrokerNode, brokerNode, currentLeaderEpochError, LEADER_EPOCH } from '../cluster.js';
import { defineFunction } from '../define.js';
import { isStorageFailure, storageFailure } from '../storage-failure.js';
import { IndexMismatchError, readBatchLists } from '../stored-batches.js';
import { hasPartition, topicConfig } from '../topics.js';

/** Kafka's broker-side `fetch.max.bytes` default: no response is built larger (bar the first batch). */
const FETCH_MAX_BYTES = 55 * 1024 * 1024;
const READ_COMMITTED = 1;
/** Answer this long before the invocation deadline, so the proxy gets the response in time. */
const DEADLINE_MARGIN_MS = 100;
const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
const EMPTY = new Uint8Array(0);

type PartitionData = Init<FetchResponsePartitionData>;

/** One requested partition; `error` is set when it is refused before any read. */
interface Requested {
  readonly topicIndex: number;
  readonly request: FetchRequestFetchPartition;
  readonly ref: PartitionRef | null;
  readonly error: number;
}

/** What one pass over the requested partitions produced. */
interface Pass {
  readonly partitions: PartitionData[];
  readonly bytes: number;
  /** A partition read failed or diverged: answer now, as Kafka does. */
  readonly respondNow: boolean;
  /** High watermarks seen, per requested partition (undefined where not read). */
  readonly highWatermarks: (bigint | undefined)[];
}

function errorPartition(partition: number, code: number): PartitionData {
  return {
    partitionIndex: partition,
    errorCode: code,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

export default defineFunction({
  apiKey: ApiKey.Fetch,
  versions: [0, 17],
  blobs: ['read'],
  async handle({ apiVersion, body, env, ctx }) {
    const startMs = env.now();
    const node = brokerNode(env, ctx);
    const byId = apiVersion >= 13;
    const isolation = apiVersion >= 4 ? body.isolationLevel : 0;
    const maxBytes = apiVersion >= 3 ? Math.max(0, Math.min(body.maxBytes, FETCH_MAX_BYTES)) : FETCH_MAX_BYTES;
    const hardMaxBytesLimit = apiVersion <= 2;
    const minBytes = Math.min(body.minBytes, maxBytes);
    const downConvertTo = apiVersion <= 1 ? 0 : apiVersion <= 3 ? 1 : null;

    if (apiVersion >= 7 && body.sessionEpoch !== 0 && body.sessionEpoch !== -1) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }

    const topicResponses: Init<FetchResponseFetchableTopicResponse>[] = body.topics.map((t) =>
      byId ? { topicId: t.topicId, partitions: [] } : { topic: t.topic, partitions: [] },
    );

    // Resolve every topic in one round trip (by name) or in parallel (by id).
    let resolved: (TopicRecord | null)[] | null;
    try {
      if (byId) {
        const ids = [...new Set(body.topics.map((t) => t.topicId))];
        const found = await Promise.all(ids.map((id) => env.meta.topics.getTopicById(id)));
        const byIdMap = new Map(ids.map((id, i) => [id, found[i] ?? null]));
        resolved = body.topics.map((t) => byIdMap.get(t.topicId) ?? null);
      } else {
        const found = await env.meta.topics.getTopics([...new Set(body.topics.map((t) => t.topic))]);
        resolved = body.topics.map((t) => found.get(t.topic) ?? null);
      }
    } catch (e) {
      storageFailure(env, e, 'fetch topic lookup');
      resolved = null;
    }

    // KafkaApis.handleFetchRequest: READ per topic, checked after an unknown topic id and before existence.
    const checks = await access(env, ctx);
    const names = body.topics.map((t, i) => (byId ? (resolved?.[i]?.name ?? null) : t.topic));
    const readable = checks.allowed(
      AclOperation.READ,
      ResourceType.TOPIC,
      names.filter((n) => n !== null),
    );

    const requested: Requested[] = [];
    body.topics.forEach((t, topicIndex) => {
      const topic = resolved === null ? null : resolved[topicIndex]!;
      const name = names[topicIndex] ?? null;
      for (const p of t.partitions) {
        let error: number = ErrorCode.NONE;
        if (resolved === null) error = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        else if (topic === null && byId) error = ErrorCode.UNKNOWN_TOPIC_ID;
        else if (name === null || !readable.has(name)) error = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        else if (topic === null) error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (!hasPartition(topic, p.partition)) error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (apiVersion < 10 && topicConfig(env, topic, 'compression.type') === 'zstd') {
          error = ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
        } else if (downConvertTo !== null && topicConfig(env, topic, 'message.downconversion.enable') === 'false') {
          error = ErrorCode.UNSUPPORTED_VERSION;
        } else {
          error = currentLeaderEpochError(p.currentLeaderEpoch < 0 ? null : p.currentLeaderEpoch);
        }
        requested.push({
          topicIndex,
          request: p,
          ref: error === ErrorCode.NONE && topic !== null ? { topicId: topic.id, partition: p.partition } : null,
          error,
        });
      }
    });

    const pass = async (): Promise<Pass> => {
      const live = requested.filter((r) => r.ref !== null);
      let offsets: PartitionOffsets[] | null = null;
      try {
        offsets = live.length === 0 ? [] : await env.meta.log.offsets(live.map((r) => r.ref!));
      } catch (e) {
        storageFailure(env, e, 'fetch offsets');
      }
      const offsetsOf = new Map<Requested, PartitionOffsets>();
      if (offsets !== null) {
        for (const [i, r] of live.entries()) offsetsOf.set(r, offsets[i]!);
      }

      const partitions: PartitionData[] = [];
      const highWatermarks: (bigint | undefined)[] = [];
      let respondNow = false;
      /** Partitions that have data to read, with the slot their answer goes in. */
      const toRead: { r: Requested; slot: number; upTo: bigint }[] = [];

      for (const r of requested) {
        const slot = partitions.length;
        highWatermarks.push(undefined);
        if (r.ref === null) {
          partitions.push(errorPartition(r.request.partition, r.error));
          continue;
        }
        const at = offsetsOf.get(r);
        if (at === undefined) {
          partitions.push(errorPartition(r.request.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER));
          respondNow = true;
          continue;
        }
        const fetchOffset = r.request.fetchOffset;
        const answer: PartitionData = {
          partitionIndex: r.request.partition,
          errorCode: ErrorCode.NONE,
          highWatermark: at.highWatermark,
          lastStableOffset: at.lastStableOffset,
          logStartOffset: at.logStartOffset,
          abortedTransactions: isolation === READ_COMMITTED ? [] : null,
          preferredReadReplica: -1,
          records: EMPTY,
        };
        const lastFetchedEpoch = apiVersion >= 12 ? r.request.lastFetchedEpoch : -1;
        if (lastFetchedEpoch >= 0) {
          // Partition.readRecords: the end offset of the last fetched epoch must be known and reachable.
          if (lastFetchedEpoch > LEADER_EPOCH || fetchOffset < at.logStartOffset) {
            partitions.push(errorPartition(r.request.partition, ErrorCode.OFFSET_OUT_OF_RANGE));
            respondNow = true;
            continue;
          }
          if (at.highWatermark < fetchOffset) {
            answer.divergingEpoch = { epoch: LEADER_EPOCH, endOffset: at.highWatermark };
            partitions.push(answer);
            respondNow = true;
            continue;
          }
        }
        if (fetchOffset < at.logStartOffset || fetchOffset > at.highWatermark) {
          partitions.push(errorPartition(r.request.partition, ErrorCode.OFFSET_OUT_OF_RANGE));
          respondNow = true;
          continue;
        }
        highWatermarks[slot] = at.highWatermark;
        partitions.push(answer);
        const upTo = isolation === READ_COMMITTED ? at.lastStableOffset : at.highWatermark;
        if (fetchOffset < upTo) toRead.push({ r, slot, upTo });
      }

      // Index reads in parallel, each bounded by what this partition could get at most.
      const indexReads = await Promise.all(
        toRead.map(async ({ r, upTo }) => {
          try {
            const cap = Math.max(1, Math.min(r.request.partitionMaxBytes, maxBytes));
            return await env.meta.log.read(r.ref!, r.request.fetchOffset, cap, upTo);
          } catch (e) {
            storageFailure(env, e, 'fetch index read');
            return null;
          }
        }),
      );

      // Kafka's ReplicaManager.readFromLog: limits apply in request order, and
      // the first partition with data gets its first batch whatever its size.
      let limit = maxBytes;
      let minOneBatch = !hardMaxBytesLimit;
      const selections: { slot: number; r: Requested; entries: IndexEntry[] }[] = [];
      toRead.forEach(({ r, slot }, i) => {
        const found = indexReads[i];
        if (found === null || found === undefined) {
          partitions[slot] = errorPartition(r.request.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER);
          highWatermarks[slot] = undefined;
          respondNow = true;
          return;
        }
        const budget = Math.min(Math.max(0, r.request.partitionMaxBytes), limit);
        const entries: IndexEntry[] = [];
        let size = 0;
        for (const e of found) {
          if (e.lastOffset < r.request.fetchOffset) continue;
          if (size + e.size <= budget || (entries.length === 0 && minOneBatch)) {
            entries.push(e);
            size += e.size;
            if (size > budget) break;
          } else {
            break;
          }
        }
        if (size > 0) {
          minOneBatch = false;
          limit = Math.max(0, limit - size);
          selections.push({ slot, r, entries });
        }
      });

      // Ranged GETs for every partition at once, each object read once however many partitions it holds;
      // alongside, the aborted transactions read_committed needs, up to the end of the data returned.
      let bytes = 0;
      const [reads, aborted] = await Promise.all([
        readBatchLists(
          env,
          selections.map((s) => s.entries),
        ),
        Promise.all(
          selections.map(async ({ r, entries }) => {
            if (isolation !== READ_COMMITTED) return null;
            try {
              const end = entries[entries.length - 1]!.lastOffset + 1n;
              return await env.meta.log.abortedTransactions(r.ref!, r.request.fetchOffset, end);
            } catch (e) {
              storageFailure(env, e, 'fetch aborted transactions');
              return undefined;
            }
          }),
        ),
      ]);
      selections.forEach(({ slot, r }, i) => {
        const read = reads[i]!;
        if (read.status === 'rejected') {
          const e: unknown = read.reason;
          if (e instanceof IndexMismatchError) {
            env.log.error('index and object disagree', { error: e.message });
          } else if (!isStorageFailure(e)) {
            throw e;
          } else {
            storageFailure(env, e, 'fetch object read');
          }
          partitions[slot] = errorPartition(r.request.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER);
          highWatermarks[slot] = undefined;
          respondNow = true;
          return;
        }
        const abortedHere = aborted[i];
        if (abortedHere === undefined) {
          partitions[slot] = errorPartition(r.request.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER);
          highWatermarks[slot] = undefined;
          respondNow = true;
          return;
        }
        if (abortedHere !== null) partitions[slot]!.abortedTransactions = abortedHere;
        let records = read.value;
        if (downConvertTo !== null) {
          const converted = downConvertBatches(records, downConvertTo, {
            fromOffset: r.request.fetchOffset,
            maxDecompressedBytes: MAX_DECOMPRESSED_BYTES,
          });
          if (!converted.ok) {
            env.log.warn('down-conversion failed', { error: converted.error.message });
            partitions[slot] = errorPartition(r.request.partition, converted.error.code);
            respondNow = true;
            return;
          }
          records = converted.value;
        }
        partitions[slot]!.records = records;
        bytes += records.length;
      });
      return { partitions, bytes, respondNow, highWatermarks };
    };

    let result = await pass();
    const waitUntil = Math.min(startMs + Math.max(0, body.maxWaitMs), ctx.deadline - DEADLINE_MARGIN_MS);
    while (!result.respondNow && result.bytes < minBytes) {
      const remaining = waitUntil - env.now();
      if (remaining <= 0) break;
      const targets = requested.flatMap((r, i) => {
        const highWatermark = result.highWatermarks[i];
        return r.ref === null || highWatermark === undefined ? [] : [{ ...r.ref, highWatermark }];
      });
      if (targets.length === 0) break;
      try {
        await env.meta.log.waitForAppend(targets, remaining);
      } catch (e) {
        storageFailure(env, e, 'fetch wait');
        break;
      }
      result = await pass();
    }

    return buildResponse(apiVersion, node, topicResponses, requested, result.partitions);
  },
});

function buildResponse(
  apiVersion: number,
  node: BrokerNode,
  topicResponses: Init<FetchResponseFetchableTopicResponse>[],
  requested: readonly Requested[],
  partitions: readonly PartitionData[],
) {
  let leaderHints = false;
  requested.forEach((r, i) => {
    const p = partitions[i]!;
    if (
      apiVersion >= 16 &&
      (p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || p.errorCode === ErrorCode.FENCED_LEADER_EPOCH)
    ) {
      p.currentLeader = { leaderId: node.nodeId, leaderEpoch: LEADER_EPOCH };
      leaderHints = true;
    }
    topicResponses[r.topicIndex]!.partitions!.push(p);
  });
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: 0,
    responses: topicResponses,
    nodeEndpoints: leaderHints ? [node] : [],
  };
}
