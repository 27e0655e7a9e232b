/**
 * Replays a recorded corpus against a Kafka endpoint and compares every
 * response with the recorded one.
 *
 * Each recorded connection gets its own connection, and its requests go out
 * in recorded order. Across connections a request waits only for the
 * exchanges whose responses had arrived before it was recorded as sent (see
 * exchange.ts), so long polls (Fetch with a max wait, JoinGroup) overlap as
 * they did, and an admin's CreateTopics still precedes the producer that
 * writes to the topic.
 *
 * Requests are rewritten before sending only where the recording carries
 * values the reference broker generated: identifiers learned from earlier
 * response pairs (topic ids, member ids, producer ids, node ids, including
 * the producer id inside produced record batches), and incremental fetches,
 * which become the equivalent full fetch because Kafkaless keeps no fetch
 * sessions. Everything else goes out byte for byte as the client wrote it.
 */

import { decodeRequest, decodeResponse, encodeRequest } from '../../shared/protocol/frame.js';
import { ApiKey as Api, type ApiKey, apis } from '../../shared/protocol/generated/api-keys.js';
import { iterateBatches, PRODUCER_ID_OFFSET, writeBatchCrc } from '../../shared/records/batch.js';
import { WireClient } from '../support/proxy/kafka-wire.js';
import { Comparer, type Difference, IdMappings } from './compare.js';
import { type Exchange, frames } from './exchange.js';
import { normalisePair } from './normalise.js';
import { MAPPED_FIELDS } from './rules.js';

type Struct = Record<string, unknown>;

/** How long one replayed response may take (long polls and rebalances included). */
const RESPONSE_TIMEOUT_MS = 30_000;

export interface Mismatch {
  /** `conn 3 #2 Fetch v16`. */
  readonly exchange: string;
  /** The request as sent to Kafkaless, decoded. */
  readonly request: unknown;
  readonly differences: readonly Difference[];
}

export interface ReplayReport {
  readonly exchanges: number;
  readonly mismatches: readonly Mismatch[];
}

const apiName = (apiKey: number): string =>
  apis.get(apiKey as ApiKey)?.request.schema.name.replace(/Request$/, '') ?? `API ${apiKey}`;

const label = (e: Exchange): string => `conn ${e.conn} #${e.seq} ${apiName(e.apiKey)} v${e.apiVersion}`;

/** Every API version the corpus's clients used, by API key. */
export function usedVersions(corpus: readonly Exchange[]): Map<number, Set<number>> {
  const used = new Map<number, Set<number>>();
  for (const e of corpus) {
    let versions = used.get(e.apiKey);
    if (versions === undefined) {
      versions = new Set();
      used.set(e.apiKey, versions);
    }
    versions.add(e.apiVersion);
  }
  return used;
}

/** Rewrites the producer id of every magic-2 batch whose id is mapped, recomputing its CRC; true if any changed. */
function remapBatchProducers(records: Uint8Array, ids: IdMappings): boolean {
  let changed = false;
  for (const slice of iterateBatches(records)) {
    if (slice.kind !== 'batch' || slice.magic !== 2) continue;
    const view = new DataView(records.buffer, records.byteOffset + slice.position + PRODUCER_ID_OFFSET, 8);
    const producerId = view.getBigInt64(0);
    const mapped = ids.map('producer id', producerId);
    if (mapped === producerId) continue;
    view.setBigInt64(0, mapped as bigint);
    writeBatchCrc(records, slice.position);
    changed = true;
  }
  return changed;
}

/** Replaces mapped identifiers in a decoded request, in place; true if any changed. */
function remapIds(value: unknown, ids: IdMappings): boolean {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  if (Array.isArray(value)) return value.map((item) => remapIds(item, ids)).some(Boolean);
  const struct = value as Struct;
  let changed = false;
  for (const [field, item] of Object.entries(struct)) {
    const kind = MAPPED_FIELDS[field];
    if (kind !== undefined && !(typeof item === 'object' && item !== null)) {
      const mapped = ids.map(kind, item);
      if (mapped !== item) {
        struct[field] = mapped;
        changed = true;
      }
    } else if (kind !== undefined && Array.isArray(item)) {
      const mapped = item.map((id: unknown) => ids.map(kind, id));
      changed = mapped.some((id, i) => id !== item[i]) || changed;
      struct[field] = mapped;
    } else if (field === 'records' && item instanceof Uint8Array) {
      changed = remapBatchProducers(item, ids) || changed;
    } else changed = remapIds(item, ids) || changed;
  }
  return changed;
}

const NO_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A fetch request topic's key: its id from v13, its name before. */
const topicKey = (t: Struct): string => (t.topicId !== NO_TOPIC_ID ? `id:${t.topicId}` : `name:${t.topic}`);

/**
 * The partitions of one connection's fetch session at the reference broker
 * (KIP-227), so an incremental fetch can be replayed as the full fetch it
 * stands for.
 */
class FetchSession {
  private topics = new Map<string, { topic: Struct; partitions: Map<number, Struct> }>();

  /** Applies a recorded request; true (and `body` rewritten to a sessionless full fetch) if it was incremental. */
  apply(body: Struct): boolean {
    const epoch = body.sessionEpoch as number;
    const requested = body.topics as Struct[];
    if (epoch <= 0) {
      this.topics = new Map();
      this.add(requested);
      return false;
    }
    this.add(requested);
    for (const forgotten of body.forgottenTopicsData as Struct[]) {
      const entry = this.topics.get(topicKey(forgotten));
      for (const p of forgotten.partitions as number[]) entry?.partitions.delete(p);
    }
    body.sessionId = 0;
    body.sessionEpoch = -1;
    body.forgottenTopicsData = [];
    body.topics = [...this.topics.values()]
      .filter((t) => t.partitions.size > 0)
      .map((t) => ({ ...t.topic, partitions: [...t.partitions.values()] }));
    return true;
  }

  private add(topics: readonly Struct[]): void {
    for (const t of topics) {
      const key = topicKey(t);
      let entry = this.topics.get(key);
      if (entry === undefined) {
        entry = { topic: { ...t, partitions: [] }, partitions: new Map() };
        this.topics.set(key, entry);
      }
      for (const p of t.partitions as Struct[]) entry.partitions.set(p.partition as number, structuredClone(p));
    }
  }
}

interface Connection {
  readonly client: WireClient;
  readonly session: FetchSession;
  /** Settles after the previous response on this connection was read. */
  reading: Promise<void>;
}

/** Replays `corpus` against the listener at `port` (127.0.0.1) and compares every response. */
export async function replay(corpus: readonly Exchange[], port: number): Promise<ReplayReport> {
  const ids = new IdMappings();
  const used = usedVersions(corpus);
  const mismatches: Mismatch[] = [];
  const connections = new Map<number, Promise<Connection>>();
  const ordered = [...corpus].sort((a, b) => a.sent - b.sent);
  const byAnswer = ordered.filter((e) => e.answered !== null).sort((a, b) => a.answered! - b.answered!);
  const done = new Map<Exchange, Promise<void>>();
  let answeredBefore = 0;

  const connection = (conn: number): Promise<Connection> => {
    let c = connections.get(conn);
    if (c === undefined) {
      c = WireClient.connect(port).then((client) => ({
        client,
        session: new FetchSession(),
        reading: Promise.resolve(),
      }));
      connections.set(conn, c);
    }
    return c;
  };

  const fail = (e: Exchange, request: unknown, path: string, expected: string, actual: string): void => {
    mismatches.push({ exchange: label(e), request, differences: [{ path, expected, actual }] });
  };

  try {
    for (const e of ordered) {
      // Wait for every exchange answered before this request was sent.
      const prerequisites: Promise<void>[] = [];
      while (answeredBefore < byAnswer.length && byAnswer[answeredBefore]!.answered! < e.sent) {
        prerequisites.push(done.get(byAnswer[answeredBefore]!) ?? Promise.resolve());
        answeredBefore++;
      }
      await Promise.all(prerequisites);

      const c = await connection(e.conn);
      const recorded = frames(e);
      const decoded = decodeRequest(recorded.request);
      const body = decoded.body as Struct;
      const incrementalFetch = e.apiKey === Api.Fetch && e.apiVersion >= 7 && c.session.apply(body);
      const rewritten = remapIds(body, ids) || incrementalFetch;
      const request = rewritten
        ? encodeRequest(e.apiKey as ApiKey, e.apiVersion, decoded.header.correlationId, decoded.header.clientId, body)
        : recorded.request;
      const size = Buffer.alloc(4);
      size.writeInt32BE(request.length);
      c.client.sendRaw(size);
      c.client.sendRaw(request);
      if (recorded.response === null) continue;
      const expectedFrame = recorded.response;

      const reading = c.reading.then(async () => {
        let frame: Uint8Array;
        try {
          frame = await c.client.next(RESPONSE_TIMEOUT_MS);
        } catch (error) {
          fail(e, body, '(response)', 'a response', error instanceof Error ? error.message : String(error));
          return;
        }
        let expected: Struct;
        let actual: Struct;
        try {
          expected = decodeResponse(e.apiKey as ApiKey, e.apiVersion, expectedFrame).body as unknown as Struct;
          const answer = decodeResponse(e.apiKey as ApiKey, e.apiVersion, frame);
          if (answer.correlationId !== decoded.header.correlationId) {
            fail(e, body, 'correlationId', String(decoded.header.correlationId), String(answer.correlationId));
            return;
          }
          actual = answer.body as unknown as Struct;
        } catch (error) {
          fail(e, body, '(decoding)', 'a decodable response', error instanceof Error ? error.message : String(error));
          return;
        }
        const [normalExpected, normalActual] = normalisePair(expected, actual, {
          apiKey: e.apiKey,
          apiVersion: e.apiVersion,
          request: body,
          usedVersions: used,
          incrementalFetch,
          ids,
        });
        const comparer = new Comparer(ids);
        comparer.compare(normalExpected, normalActual);
        if (comparer.differences.length > 0) {
          mismatches.push({ exchange: label(e), request: body, differences: comparer.differences });
        }
      });
      c.reading = reading;
      done.set(e, reading);
    }
    await Promise.all([...connections.values()].map(async (c) => (await c).reading));
  } finally {
    for (const c of connections.values()) (await c.catch(() => undefined))?.client.close();
  }
  return { exchanges: corpus.length, mismatches };
}

/** A readable account of the mismatches: each exchange, then `path: expected … actual …` per difference. */
export function formatMismatches(mismatches: readonly Mismatch[]): string {
  return mismatches
    .map((m) =>
      [
        `${m.exchange}:`,
        ...m.differences.map((d) => `  ${d.path}\n    expected ${d.expected}\n    actual   ${d.actual}`),
      ].join('\n'),
    )
    .join('\n');
}
