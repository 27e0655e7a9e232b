/**
 * The Redis MetaStore. Key layout in keys.ts, scripts in scripts.ts,
 * connection behaviour in connection.ts. Every multi-key change is one
 * script on one hash tag; calls covering several partitions go out as one
 * pipeline.
 */

import type { AclStore } from '../acls.js';
import type { CredentialStore } from '../credentials.js';
import { unavailable } from '../errors.js';
import {
  byId,
  byTopicPartition,
  checkCommittedOffset,
  checkExpiry,
  checkSessions,
  checkTopicPartition,
  checkVersion,
} from '../group-rules.js';
import type { CommittedOffset, GroupStore, OffsetExpiry, TopicPartitionRef, VersionedValue } from '../groups.js';
import { checkBatches, checkPartition, EMPTY_OFFSETS } from '../log-rules.js';
import type { NonceStore } from '../nonces.js';
import { checkMarker, collectAborted, producerStateOf } from '../producer-rules.js';
import type { SchemaStore } from '../schemas.js';
import { byName, changeConfigs, checkTopic, decodeTopic, encodeTopic } from '../topic-record.js';
import type { TransactionStore } from '../transactions.js';
import {
  type AbortedTransaction,
  type AppendBatch,
  type AppendResult,
  type BatchOutcome,
  type CreateTopicResult,
  type IndexEntry,
  type LogStore,
  type MarkerOutcome,
  type MetaStore,
  type PartitionOffsets,
  type PartitionRef,
  type ProducerState,
  type ProducerStore,
  StorageUnavailableError,
  type TopicRecord,
  type TopicStore,
  type TransactionMarker,
  type WaitTarget,
} from '../types.js';
import { RedisAcls } from './acls.js';
import { isCluster, type RedisClient, slotPipelines } from './cluster.js';
import { createClient, DEFAULT_CONNECT_TIMEOUT_MS, type RedisConnectionOptions, whenReady } from './connection.js';
import { RedisCredentials } from './credentials.js';
import {
  decodeAborted,
  decodeOffset,
  decodeProducer,
  encodeOffset,
  type GroupKeys,
  integer,
  KeyLayout,
  offsetField,
  parseMember,
  stagedField,
} from './keys.js';
import { RedisNonces } from './nonces.js';
import { AppendNotifications } from './notifications.js';
import { RedisSchemas } from './schemas.js';
import {
  ABORTED,
  ADVANCE_LOG_START,
  APPEND,
  COMMIT_OFFSETS,
  COMPLETE_STAGED_OFFSETS,
  CREATE_TOPIC,
  DELETE_GROUP,
  DELETE_OFFSETS,
  DELETE_TOPIC,
  EXPIRE_OFFSETS,
  EXTEND_SESSIONS,
  GROUP_CAS,
  indexThenRunScript,
  isNoScript,
  queueScript,
  READ,
  REPLACE_TOPIC,
  runScript,
  SCRIPTS,
  type Script,
  TOPIC_BY_ID,
  WRITE_MARKER,
} from './scripts.js';
import { RedisTransactions } from './transactions.js';

export interface RedisMetaStoreOptions extends RedisConnectionOptions {
  /** Prefix of every key and channel; default `kl:`. */
  readonly prefix?: string;
}

/** Compare-and-set attempts before a topic change gives up. */
const MAX_CAS_ATTEMPTS = 64;

function strings(reply: unknown, what: string): string[] {
  if (Array.isArray(reply) && reply.every((r) => typeof r === 'string')) return reply;
  throw new StorageUnavailableError(`unexpected reply to ${what}`);
}

function optionalString(reply: unknown, what: string): string | null {
  if (reply === null || typeof reply === 'string') return reply;
  throw new StorageUnavailableError(`unexpected reply to ${what}`);
}

/** The state hash's `start`, `hwm`, `maxts`, `maxtsoff`, `lso` (absent: no open transaction, the high watermark). */
function offsetsFrom(fields: readonly (string | null | undefined)[]): PartitionOffsets {
  const [start, hwm, maxTs, maxTsOffset, lso] = fields;
  const highWatermark = hwm == null ? EMPTY_OFFSETS.highWatermark : integer(hwm);
  return {
    logStartOffset: start == null ? EMPTY_OFFSETS.logStartOffset : integer(start),
    highWatermark,
    maxTimestamp: maxTs == null ? EMPTY_OFFSETS.maxTimestamp : integer(maxTs),
    maxTimestampBatchOffset: maxTsOffset == null ? EMPTY_OFFSETS.maxTimestampBatchOffset : integer(maxTsOffset),
    lastStableOffset: lso == null || lso === '' ? highWatermark : integer(lso),
  };
}

const OFFSET_FIELDS = ['start', 'hwm', 'maxts', 'maxtsoff', 'lso'] as const;

/** Runs one pipeline of scripts, rerunning any that Redis did not know yet. */
async function pipelineScripts(
  client: RedisClient,
  script: Script,
  calls: readonly { keys: readonly string[]; args: readonly (string | number)[] }[],
): Promise<unknown[]> {
  const replies = await slotPipelines(
    client,
    calls.map((c) => c.keys[0]),
    (pipe, i) => queueScript(pipe, script, calls[i]!.keys, calls[i]!.args),
  );
  if (replies === null) throw new StorageUnavailableError('redis discarded the pipeline');
  return Promise.all(
    replies.map(async ([error, reply], i) => {
      if (error === null) return reply;
      if (isNoScript(error)) return runScript(client, script, calls[i]!.keys, calls[i]!.args);
      throw error;
    }),
  );
}

/** The replies of plain commands sent as pipelines (see slotPipelines), throwing the first error. */
async function execAll(
  client: RedisClient,
  keys: readonly string[],
  queue: Parameters<typeof slotPipelines>[2],
): Promise<unknown[]> {
  const replies = await slotPipelines(client, keys, queue);
  if (replies === null) throw new StorageUnavailableError('redis discarded the pipeline');
  return replies.map(([error, reply]) => {
    if (error !== null) throw error;
    return reply;
  });
}

class Backend {
  readonly client: RedisClient;
  readonly keys: KeyLayout;
  readonly connectTimeoutMs: number;
  private subscriber: RedisClient | undefined;
  private notifier: AppendNotifications | undefined;
  private closed = false;

  constructor(
    readonly url: string,
    readonly options: RedisMetaStoreOptions,
  ) {
    this.keys = new KeyLayout(options.prefix);
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.client = createClient(url, 'meta', options);
    // Loaded first thing on every connection, so EVALSHA rarely meets NOSCRIPT.
    this.client.on('ready', () => {
      const client = this.client;
      const nodes = isCluster(client) ? client.nodes('master') : [client];
      for (const node of nodes) for (const s of SCRIPTS) node.script('LOAD', s.lua).catch(() => undefined);
    });
    // Connect now, so the first call does not pay for it; failures surface per call.
    this.client.connect().catch(() => undefined);
  }

  /** Waits for a connection, runs `op`, and reports any failure as StorageUnavailableError. */
  async run<T>(what: string, op: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      await whenReady(this.client, this.connectTimeoutMs);
      return await op(this.client);
    } catch (e) {
      throw unavailable(`redis ${what}`, e);
    }
  }

  notifications(): AppendNotifications {
    if (this.closed) throw new StorageUnavailableError('redis store is closed');
    if (this.notifier === undefined) {
      this.subscriber = createClient(this.url, 'meta-subscriber', this.options);
      this.notifier = new AppendNotifications(this.subscriber, this.connectTimeoutMs);
    }
    return this.notifier;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notifier?.wakeAll();
    for (const c of [this.client, this.subscriber]) {
      if (c === undefined) continue;
      if (c.status === 'ready') await c.quit().catch(() => undefined);
      c.disconnect();
    }
  }
}

class RedisTopics implements TopicStore {
  constructor(private readonly b: Backend) {}

  private get k(): KeyLayout {
    return this.b.keys;
  }

  async createTopic(topic: TopicRecord): Promise<CreateTopicResult> {
    checkTopic(topic);
    const reply = await this.b.run('createTopic', async (c) =>
      strings(
        await runScript(c, CREATE_TOPIC, [this.k.topics, this.k.topicIds], [topic.name, topic.id, encodeTopic(topic)]),
        'createTopic',
      ),
    );
    switch (reply[0]) {
      case 'created':
        return { created: true, topic: decodeTopic(encodeTopic(topic)) };
      case 'exists':
        return { created: false, existing: decodeTopic(reply[1]!) };
      case 'id-taken':
        throw new Error(`topic id ${topic.id} is already in use`);
      default:
        throw new StorageUnavailableError('unexpected reply to createTopic');
    }
  }

  async getTopic(name: string): Promise<TopicRecord | null> {
    const json = await this.b.run('getTopic', (c) => c.hget(this.k.topics, name));
    return json === null ? null : decodeTopic(json);
  }

  async getTopicById(id: string): Promise<TopicRecord | null> {
    const json = await this.b.run('getTopicById', async (c) =>
      optionalString(await runScript(c, TOPIC_BY_ID, [this.k.topics, this.k.topicIds], [id]), 'getTopicById'),
    );
    return json === null ? null : decodeTopic(json);
  }

  async getTopics(names: readonly string[]): Promise<Map<string, TopicRecord | null>> {
    const out = new Map<string, TopicRecord | null>();
    if (names.length === 0) return out;
    const jsons = await this.b.run('getTopics', (c) => c.hmget(this.k.topics, ...names));
    names.forEach((name, i) => {
      const json = jsons[i];
      out.set(name, json == null ? null : decodeTopic(json));
    });
    return out;
  }

  async listTopics(): Promise<TopicRecord[]> {
    const jsons = await this.b.run('listTopics', (c) => c.hvals(this.k.topics));
    return jsons.map(decodeTopic).sort(byName);
  }

  async deleteTopic(name: string): Promise<TopicRecord | null> {
    const json = await this.b.run('deleteTopic', async (c) =>
      optionalString(await runScript(c, DELETE_TOPIC, [this.k.topics, this.k.topicIds], [name]), 'deleteTopic'),
    );
    if (json === null) return null;
    const topic = decodeTopic(json);
    // Each partition's keys share a slot; a crash before this leaves keys
    // under an id no topic will have again.
    await this.b.run('deleteTopic', async (c) => {
      const partitions = Array.from({ length: topic.partitions }, (_, partition) =>
        this.k.partition({ topicId: topic.id, partition }),
      );
      const replies = await slotPipelines(
        c,
        partitions.map((keys) => keys.state),
        (pipe, i) => {
          const keys = partitions[i]!;
          pipe.del(keys.state, keys.index, keys.times, keys.producers, keys.txns, keys.aborted);
        },
      );
      const failed = replies?.find(([error]) => error !== null);
      if (failed !== undefined) throw failed[0];
    });
    return topic;
  }

  /** Applies `change` by compare-and-set, retrying while the record moves under it. */
  private async modify(
    what: string,
    name: string,
    change: (current: TopicRecord) => TopicRecord | null,
  ): Promise<{ current: TopicRecord | null; next: TopicRecord | null }> {
    let json = await this.b.run(what, (c) => c.hget(this.k.topics, name));
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (json === null) return { current: null, next: null };
      const current = decodeTopic(json);
      const next = change(current);
      if (next === null) return { current, next: null };
      const expected = json;
      const reply = await this.b.run(what, async (c) =>
        strings(await runScript(c, REPLACE_TOPIC, [this.k.topics], [name, expected, encodeTopic(next)]), what),
      );
      if (reply[0] === 'ok') return { current, next };
      json = reply[0] === 'moved' ? reply[1]! : null;
    }
    throw new StorageUnavailableError(`${what}: topic ${name} kept changing`);
  }

  async setPartitionCount(name: string, count: number): Promise<{ ok: boolean; topic: TopicRecord | null }> {
    const { current, next } = await this.modify('setPartitionCount', name, (t) =>
      count > t.partitions ? { ...t, partitions: count } : null,
    );
    return next === null ? { ok: false, topic: current } : { ok: true, topic: next };
  }

  async updateConfigs(
    name: string,
    changes: Readonly<Record<string, string | null>>,
    mode: 'replace' | 'patch',
  ): Promise<TopicRecord | null> {
    const { next } = await this.modify('updateConfigs', name, (t) => ({
      ...t,
      configs: changeConfigs(t.configs, changes, mode),
    }));
    return next;
  }
}

function appendArgs(channel: string, batches: readonly AppendBatch[]): string[] {
  const args = [channel];
  for (const b of batches) {
    args.push(String(b.offsetCount), b.maxTimestamp.toString(), String(b.position), String(b.size), b.object);
    const p = b.producer;
    if (p === undefined) args.push('', '', '', '', '');
    else {
      args.push(
        p.producerId.toString(),
        String(p.producerEpoch),
        String(p.baseSequence),
        String(p.lastSequence),
        p.transactional ? '1' : '0',
      );
    }
  }
  return args;
}

function outcomesFrom(fields: readonly string[]): BatchOutcome[] {
  const out: BatchOutcome[] = [];
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const [kind, a, b] = [fields[i]!, fields[i + 1]!, fields[i + 2]!];
    switch (kind) {
      case 'appended':
        out.push({ kind, baseOffset: integer(a) });
        break;
      case 'duplicate':
        out.push({ kind, baseOffset: integer(a), timestamp: integer(b) });
        break;
      case 'out-of-order-sequence':
      case 'invalid-producer-epoch':
      case 'invalid-txn-state':
        out.push({ kind, message: a });
        break;
      default:
        throw new StorageUnavailableError(`unexpected outcome ${JSON.stringify(kind)} of append`);
    }
  }
  return out;
}

class RedisLog implements LogStore {
  constructor(private readonly b: Backend) {}

  async append(
    appends: readonly { partition: PartitionRef; batches: readonly AppendBatch[] }[],
  ): Promise<AppendResult[]> {
    for (const a of appends) {
      checkPartition(a.partition);
      checkBatches(a.batches);
    }
    if (appends.length === 0) return [];
    const calls = appends.map((a) => {
      const keys = this.b.keys.partition(a.partition);
      return {
        keys: [keys.state, keys.index, keys.times, keys.producers, keys.txns],
        args: appendArgs(keys.channel, a.batches),
      };
    });
    const replies = await this.b.run('append', (c) => pipelineScripts(c, APPEND, calls));
    return replies.map((reply, i) => {
      const fields = strings(reply, 'append');
      const outcomes = outcomesFrom(fields.slice(5));
      if (outcomes.length !== appends[i]!.batches.length)
        throw new StorageUnavailableError('unexpected reply to append');
      return { offsets: offsetsFrom(fields.slice(0, 5)), outcomes };
    });
  }

  async writeMarkers(
    markers: readonly { partition: PartitionRef; marker: TransactionMarker }[],
  ): Promise<MarkerOutcome[]> {
    for (const m of markers) {
      checkPartition(m.partition);
      checkBatches([m.marker.batch]);
      checkMarker(m.marker);
    }
    if (markers.length === 0) return [];
    const calls = markers.map(({ partition, marker }) => {
      const keys = this.b.keys.partition(partition);
      const { batch } = marker;
      return {
        keys: [keys.state, keys.index, keys.times, keys.producers, keys.txns, keys.aborted],
        args: [
          keys.channel,
          marker.producerId.toString(),
          String(marker.producerEpoch),
          marker.commit ? '1' : '0',
          String(marker.coordinatorEpoch),
          batch.maxTimestamp.toString(),
          String(batch.position),
          String(batch.size),
          batch.object,
        ],
      };
    });
    const replies = await this.b.run('writeMarkers', (c) => pipelineScripts(c, WRITE_MARKER, calls));
    return replies.map((reply): MarkerOutcome => {
      const fields = strings(reply, 'writeMarkers');
      if (fields[0] === 'fenced') return { kind: 'invalid-producer-epoch' };
      if (fields[0] !== 'written' || fields.length !== 7) {
        throw new StorageUnavailableError('unexpected reply to writeMarkers');
      }
      return { kind: 'written', offset: integer(fields[1]!), offsets: offsetsFrom(fields.slice(2)) };
    });
  }

  async abortedTransactions(partition: PartitionRef, fromOffset: bigint, upTo: bigint): Promise<AbortedTransaction[]> {
    checkPartition(partition);
    const members = await this.b.run('abortedTransactions', async (c) =>
      strings(
        await runScript(
          c,
          ABORTED,
          [this.b.keys.partition(partition).aborted],
          [fromOffset.toString(), upTo.toString()],
        ),
        'abortedTransactions',
      ),
    );
    return collectAborted(members.map(decodeAborted), fromOffset, upTo);
  }

  async producerStates(partition: PartitionRef): Promise<ProducerState[]> {
    checkPartition(partition);
    const reply = await this.b.run('producerStates', (c) => c.hgetall(this.b.keys.partition(partition).producers));
    return hashEntries(reply)
      .map(([id, text]) => producerStateOf(integer(id), decodeProducer(text)))
      .sort((a, b) => (a.producerId < b.producerId ? -1 : a.producerId > b.producerId ? 1 : 0));
  }

  async offsets(partitions: readonly PartitionRef[]): Promise<PartitionOffsets[]> {
    for (const p of partitions) checkPartition(p);
    if (partitions.length === 0) return [];
    return this.b.run('offsets', async (c) => {
      const keys = partitions.map((p) => this.b.keys.partition(p).state);
      const replies = await slotPipelines(c, keys, (pipe, i) => pipe.hmget(keys[i]!, ...OFFSET_FIELDS));
      if (replies === null) throw new StorageUnavailableError('redis discarded the pipeline');
      return replies.map(([error, fields]) => {
        if (error !== null) throw error;
        return offsetsFrom(fields as (string | null)[]);
      });
    });
  }

  async read(partition: PartitionRef, fromOffset: bigint, maxBytes: number, upTo?: bigint): Promise<IndexEntry[]> {
    checkPartition(partition);
    const limit = Number.isFinite(maxBytes)
      ? Math.min(Math.floor(maxBytes), Number.MAX_SAFE_INTEGER)
      : Number.MAX_SAFE_INTEGER;
    const args = [fromOffset.toString(), limit, upTo === undefined ? '' : upTo.toString()];
    return this.b.run('read', async (c) =>
      strings(await runScript(c, READ, [this.b.keys.partition(partition).index], args), 'read').map(parseMember),
    );
  }

  async findByTimestamp(partition: PartitionRef, timestamp: bigint): Promise<IndexEntry | null> {
    checkPartition(partition);
    const [member] = await this.b.run('findByTimestamp', (c) =>
      c.zrangebyscore(this.b.keys.partition(partition).times, timestamp.toString(), '+inf', 'LIMIT', 0, 1),
    );
    return member === undefined ? null : parseMember(member);
  }

  async advanceLogStart(partition: PartitionRef, offset: bigint): Promise<PartitionOffsets | 'offset-out-of-range'> {
    checkPartition(partition);
    const keys = this.b.keys.partition(partition);
    const reply = await this.b.run('advanceLogStart', async (c) =>
      strings(
        await runScript(
          c,
          ADVANCE_LOG_START,
          [keys.state, keys.index, keys.times, keys.txns, keys.aborted],
          [offset.toString()],
        ),
        'advanceLogStart',
      ),
    );
    return reply[0] === 'out-of-range' ? 'offset-out-of-range' : offsetsFrom(reply);
  }

  async waitForAppend(partitions: readonly WaitTarget[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    for (const p of partitions) checkPartition(p);
    const seen = partitions.filter((p) => p.highWatermark !== undefined);
    const moved =
      seen.length === 0
        ? undefined
        : async (): Promise<boolean> => {
            const now = await this.offsets(seen);
            return now.some((o, i) => o.highWatermark !== seen[i]!.highWatermark);
          };
    const channels = partitions.map((p) => this.b.keys.partition(p).channel);
    // A message carries the new high watermark; one not past what the caller saw is a late echo.
    const seenOn = new Map<string, bigint>();
    partitions.forEach((p, i) => {
      if (p.highWatermark !== undefined) seenOn.set(channels[i]!, p.highWatermark);
    });
    const known = (channel: string, message: string): boolean => {
      const hwm = seenOn.get(channel);
      return hwm !== undefined && /^\d+$/.test(message) && BigInt(message) <= hwm;
    };
    await this.b.notifications().wait(channels, timeoutMs, signal, moved, known);
  }
}

/** A group's state hash (HGETALL's pairs) as its versioned value, with any recorded sessions. */
function stateFrom(entries: readonly [string, string][]): VersionedValue | null {
  let version: string | undefined;
  let value: string | undefined;
  const sessions = new Map<string, number>();
  for (const [field, text] of entries) {
    if (field === 'v') version = text;
    else if (field === 'value') value = text;
    else if (field.startsWith('s:')) sessions.set(field.slice(2), Number(integer(text)));
  }
  if (version === undefined) return null;
  if (value === undefined) throw new StorageUnavailableError('group state without a value');
  const v = { version: Number(integer(version)), value };
  return sessions.size === 0 ? v : { ...v, sessions };
}

/** HGETALL's reply as pairs, whether ioredis turned it into an object or not. */
function hashEntries(reply: unknown): [string, string][] {
  if (Array.isArray(reply)) {
    const flat = strings(reply, 'HGETALL');
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
    return out;
  }
  if (typeof reply === 'object' && reply !== null) {
    return Object.entries(reply).map(([field, value]): [string, string] => {
      if (typeof value !== 'string') throw new StorageUnavailableError('unexpected reply to HGETALL');
      return [field, value];
    });
  }
  throw new StorageUnavailableError('unexpected reply to HGETALL');
}

function decodeSelected(
  partitions: readonly TopicPartitionRef[],
  values: readonly (string | null)[],
): CommittedOffset[] {
  const out: CommittedOffset[] = [];
  partitions.forEach((p, i) => {
    const value = values[i];
    if (value != null) out.push(decodeOffset(offsetField(p), value));
  });
  return out;
}

class RedisGroups implements GroupStore {
  constructor(private readonly b: Backend) {}

  private k(groupId: string): GroupKeys {
    return this.b.keys.group(groupId);
  }

  /**
   * Runs a script that may create the group, adding its id to the index first
   * in the same round trip.
   */
  private async indexedScript(
    c: RedisClient,
    groupId: string,
    script: Script,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    return indexThenRunScript(c, this.b.keys.groupIndex, groupId, script, keys, args);
  }

  /** Which of the groups hold state or offsets. */
  private async existing(c: RedisClient, groupIds: readonly string[]): Promise<boolean[]> {
    if (groupIds.length === 0) return [];
    const keys = groupIds.map((id) => this.k(id));
    return (
      await execAll(
        c,
        keys.map((k) => k.state),
        (pipe, i) => pipe.exists(keys[i]!.state, keys[i]!.offsets),
      )
    ).map((n) => n !== 0);
  }

  /** Index upkeep after a script: see the file comment. Best effort: the change itself is done. */
  private async settle(groupId: string, flag: string | undefined): Promise<void> {
    if (flag === 'created') {
      await this.b
        .run('groups.index', (c) => c.sadd(this.b.keys.groupIndex, groupId))
        .catch((e: unknown) => this.indexFailed(e));
    } else if (flag === 'emptied') {
      await this.forget([groupId]);
    }
  }

  private async forget(groupIds: readonly string[]): Promise<void> {
    try {
      await this.b.run('groups.index', async (c) => {
        await c.srem(this.b.keys.groupIndex, ...groupIds);
        const alive = await this.existing(c, groupIds);
        const back = groupIds.filter((_, i) => alive[i]);
        if (back.length > 0) await c.sadd(this.b.keys.groupIndex, ...back);
      });
    } catch (e) {
      this.indexFailed(e);
    }
  }

  private indexFailed(e: unknown): void {
    this.b.options.log?.warn('group index not updated', { error: e instanceof Error ? e.message : String(e) });
  }

  async get(groupId: string): Promise<VersionedValue | null> {
    const reply = await this.b.run('groups.get', (c) => c.hgetall(this.k(groupId).state));
    return stateFrom(hashEntries(reply));
  }

  async getMany(groupIds: readonly string[]): Promise<Map<string, VersionedValue | null>> {
    const ids = [...new Set(groupIds)];
    if (ids.length === 0) return new Map();
    const replies = await this.b.run('groups.getMany', (c) => {
      const keys = ids.map((id) => this.k(id).state);
      return execAll(c, keys, (pipe, i) => pipe.hgetall(keys[i]!));
    });
    return new Map(ids.map((id, i) => [id, stateFrom(hashEntries(replies[i]))]));
  }

  async compareAndSet(
    groupId: string,
    expectedVersion: number,
    value: string | null,
    options: { readonly members?: readonly string[] } = {},
  ): Promise<number | null> {
    checkVersion(expectedVersion, 'expected version');
    const k = this.k(groupId);
    const keys = [k.state, k.offsets];
    const args = [String(expectedVersion), value === null ? 'delete' : 'set', value ?? '', k.channel];
    if (options.members !== undefined) args.push('keep', ...options.members);
    const reply = await this.b.run('groups.compareAndSet', async (c) =>
      value === null ? runScript(c, GROUP_CAS, keys, args) : this.indexedScript(c, groupId, GROUP_CAS, keys, args),
    );
    if (reply === null) return null;
    const [version, flag] = strings(reply, 'compareAndSet');
    if (version === undefined) throw new StorageUnavailableError('unexpected reply to compareAndSet');
    await this.settle(groupId, flag);
    return Number(integer(version));
  }

  async extendSessions(groupId: string, ifVersion: number, deadlines: ReadonlyMap<string, number>): Promise<boolean> {
    checkVersion(ifVersion, 'version');
    checkSessions(deadlines);
    const args = [String(ifVersion)];
    for (const [member, deadline] of deadlines) args.push(member, String(deadline));
    const reply = await this.b.run('groups.extendSessions', (c) =>
      runScript(c, EXTEND_SESSIONS, [this.k(groupId).state], args),
    );
    return Number(reply) === 1;
  }

  async list(): Promise<string[]> {
    const ids = await this.b.run('groups.list', async (c) => {
      const found = new Set<string>();
      let cursor = '0';
      do {
        const [next, page] = await c.sscan(this.b.keys.groupIndex, cursor, 'COUNT', 1000);
        for (const id of page) found.add(id);
        cursor = next;
      } while (cursor !== '0');
      return [...found];
    });
    const alive = await this.b.run('groups.list', (c) => this.existing(c, ids));
    const stale = ids.filter((_, i) => !alive[i]);
    if (stale.length > 0) await this.forget(stale);
    return ids.filter((_, i) => alive[i]).sort(byId);
  }

  async waitForChange(groupId: string, seenVersion: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    checkVersion(seenVersion, 'seen version');
    const moved = async (): Promise<boolean> => ((await this.get(groupId))?.version ?? 0) !== seenVersion;
    // A message carries the new version (0: deleted); one the caller saw already is a late echo.
    const known = (_: string, message: string): boolean =>
      message === '0' ? seenVersion === 0 : /^\d+$/.test(message) && Number(message) <= seenVersion;
    await this.b.notifications().wait([this.k(groupId).channel], timeoutMs, signal, moved, known);
  }

  async commitOffsets(groupId: string, offsets: readonly CommittedOffset[], ifVersion?: number): Promise<boolean> {
    for (const o of offsets) checkCommittedOffset(o);
    if (ifVersion !== undefined) checkVersion(ifVersion, 'version');
    if (offsets.length === 0 && ifVersion === undefined) return true;
    const k = this.k(groupId);
    const keys = [k.state, k.offsets];
    const args = [ifVersion === undefined ? '' : String(ifVersion)];
    for (const o of offsets) args.push(offsetField(o), encodeOffset(o));
    const reply = await this.b.run('groups.commitOffsets', async (c) =>
      offsets.length === 0
        ? runScript(c, COMMIT_OFFSETS, keys, args)
        : this.indexedScript(c, groupId, COMMIT_OFFSETS, keys, args),
    );
    const [status, flag] = strings(reply, 'commitOffsets');
    if (status === 'moved') return false;
    await this.settle(groupId, flag);
    return true;
  }

  async fetchOffsets(groupId: string, partitions?: readonly TopicPartitionRef[]): Promise<CommittedOffset[]> {
    const [offsets] = await this.fetchOffsetsMany([partitions === undefined ? { groupId } : { groupId, partitions }]);
    return offsets ?? [];
  }

  async fetchOffsetsMany(
    requests: readonly { groupId: string; partitions?: readonly TopicPartitionRef[] }[],
  ): Promise<CommittedOffset[][]> {
    for (const r of requests) for (const p of r.partitions ?? []) checkTopicPartition(p);
    const asked = requests.filter((r) => r.partitions === undefined || r.partitions.length > 0);
    if (asked.length === 0) return requests.map(() => []);
    const replies = await this.b.run('groups.fetchOffsets', (c) => {
      const keys = asked.map((r) => this.k(r.groupId).offsets);
      return execAll(c, keys, (pipe, i) => {
        const partitions = asked[i]!.partitions;
        if (partitions === undefined) pipe.hgetall(keys[i]!);
        else pipe.hmget(keys[i]!, ...partitions.map(offsetField));
      });
    });
    let next = 0;
    return requests.map((r) => {
      if (r.partitions !== undefined && r.partitions.length === 0) return [];
      const reply = replies[next++];
      if (r.partitions !== undefined) return decodeSelected(r.partitions, reply as (string | null)[]);
      return hashEntries(reply)
        .map(([field, value]) => decodeOffset(field, value))
        .sort(byTopicPartition);
    });
  }

  async deleteOffsets(groupId: string, partitions: readonly TopicPartitionRef[], ifVersion?: number): Promise<boolean> {
    for (const p of partitions) checkTopicPartition(p);
    if (ifVersion !== undefined) checkVersion(ifVersion, 'version');
    const k = this.k(groupId);
    const args = [ifVersion === undefined ? '' : String(ifVersion), ...partitions.map(offsetField)];
    const reply = await this.b.run('groups.deleteOffsets', (c) =>
      runScript(c, DELETE_OFFSETS, [k.state, k.offsets], args),
    );
    const [outcome, left] = strings(reply, 'deleteOffsets');
    if (outcome === 'moved') return false;
    if (left === '0') await this.forget([groupId]);
    return true;
  }

  async deleteGroup(groupId: string, ifVersion: number): Promise<boolean> {
    checkVersion(ifVersion, 'version');
    const k = this.k(groupId);
    const reply = await this.b.run('groups.deleteGroup', (c) =>
      runScript(c, DELETE_GROUP, [k.state, k.offsets], [String(ifVersion), k.channel]),
    );
    if (reply !== 1) return false;
    await this.forget([groupId]);
    return true;
  }

  async expireOffsets(groupId: string, now: number, expiry: OffsetExpiry = {}): Promise<number> {
    checkExpiry(now, expiry);
    const k = this.k(groupId);
    const args = [
      String(now),
      expiry.retentionMs === undefined ? '' : String(expiry.retentionMs),
      expiry.since === undefined ? '' : String(expiry.since),
      expiry.ifVersion === undefined ? '' : String(expiry.ifVersion),
      ...(expiry.keepTopics ?? []),
    ];
    const reply = await this.b.run('groups.expireOffsets', async (c) =>
      strings(await runScript(c, EXPIRE_OFFSETS, [k.state, k.offsets], args), 'expireOffsets'),
    );
    if (reply[0] === 'moved') return 0;
    await this.settle(groupId, reply[1]);
    return Number(integer(reply[0] ?? ''));
  }

  async stageOffsets(
    groupId: string,
    producerId: bigint,
    offsets: readonly CommittedOffset[],
    ifVersion?: number,
  ): Promise<boolean> {
    for (const o of offsets) checkCommittedOffset(o);
    if (ifVersion !== undefined) checkVersion(ifVersion, 'version');
    if (offsets.length === 0 && ifVersion === undefined) return true;
    const k = this.k(groupId);
    const args = [ifVersion === undefined ? '' : String(ifVersion)];
    for (const o of offsets) args.push(stagedField(producerId, o), encodeOffset(o));
    // COMMIT_OFFSETS on the staged hash: the same conditional write, another hash.
    const reply = await this.b.run('groups.stageOffsets', (c) =>
      runScript(c, COMMIT_OFFSETS, [k.state, k.staged], args),
    );
    return strings(reply, 'stageOffsets')[0] !== 'moved';
  }

  async completeStagedOffsets(groupId: string, producerId: bigint, commit: boolean): Promise<number> {
    const k = this.k(groupId);
    const keys = [k.staged, k.offsets];
    const args = [`${producerId}:`, commit ? 'commit' : 'abort'];
    const reply = await this.b.run('groups.completeStagedOffsets', (c) =>
      commit
        ? this.indexedScript(c, groupId, COMPLETE_STAGED_OFFSETS, keys, args)
        : runScript(c, COMPLETE_STAGED_OFFSETS, keys, args),
    );
    return Number(reply);
  }

  async stagedPartitions(groupId: string, partitions?: readonly TopicPartitionRef[]): Promise<TopicPartitionRef[]> {
    for (const p of partitions ?? []) checkTopicPartition(p);
    if (partitions !== undefined && partitions.length === 0) return [];
    const fields = await this.b.run('groups.stagedPartitions', (c) => c.hkeys(this.k(groupId).staged));
    const staged = new Map<string, TopicPartitionRef>();
    for (const f of fields) {
      const field = f.slice(f.indexOf(':') + 1);
      const nul = field.lastIndexOf('\u0000');
      if (nul < 0) throw new StorageUnavailableError(`malformed staged offset field ${JSON.stringify(f)}`);
      staged.set(field, { topic: field.slice(0, nul), partition: Number(integer(field.slice(nul + 1))) });
    }
    if (partitions === undefined) return [...staged.values()].sort(byTopicPartition);
    return partitions
      .filter((p) => staged.has(offsetField(p)))
      .map((p) => ({ topic: p.topic, partition: p.partition }));
  }
}

class RedisProducers implements ProducerStore {
  constructor(private readonly b: Backend) {}

  async allocateProducerId(): Promise<bigint> {
    const allocated = await this.b.run('allocateProducerId', (c) => c.incr(this.b.keys.producerIds));
    return BigInt(allocated) - 1n;
  }
}

export class RedisMetaStore implements MetaStore {
  readonly topics: TopicStore;
  readonly log: LogStore;
  readonly producers: ProducerStore;
  readonly groups: GroupStore;
  readonly transactions: TransactionStore;
  readonly schemas: SchemaStore;
  readonly credentials: CredentialStore;
  readonly acls: AclStore;
  readonly nonces: NonceStore;
  private readonly backend: Backend;

  constructor(url: string, options: RedisMetaStoreOptions = {}) {
    this.backend = new Backend(url, options);
    this.topics = new RedisTopics(this.backend);
    this.log = new RedisLog(this.backend);
    this.producers = new RedisProducers(this.backend);
    this.groups = new RedisGroups(this.backend);
    this.transactions = new RedisTransactions(this.backend);
    this.schemas = new RedisSchemas(this.backend);
    this.credentials = new RedisCredentials(this.backend);
    this.acls = new RedisAcls(this.backend);
    this.nonces = new RedisNonces(this.backend);
  }

  /** The key layout in use, for tools and tests. */
  get keys(): KeyLayout {
    return this.backend.keys;
  }

  async ping(): Promise<void> {
    await this.backend.run('ping', (c) => c.ping());
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}
