/**
 * The in-memory MetaStore, for `kafkaless dev` and unit tests. State lives in
 * a {@link MemoryMetaBackend}; several stores opened on one backend behave
 * like several function instances sharing one Redis. Every method does its
 * whole change synchronously, so each is atomic exactly as a Redis script is.
 */

import { EventEmitter } from 'node:events';
import type { AclStore } from '../acls.js';
import type { CredentialStore } from '../credentials.js';
import {
  byId,
  byTopicPartition,
  checkCommittedOffset,
  checkExpiry,
  checkSessions,
  checkTopicPartition,
  checkVersion,
  copyOffset,
  offsetExpired,
} from '../group-rules.js';
import type { CommittedOffset, GroupStore, OffsetExpiry, TopicPartitionRef, VersionedValue } from '../groups.js';
import { checkBatches, checkPartition, EMPTY_OFFSETS } from '../log-rules.js';
import type { NonceStore } from '../nonces.js';
import {
  type AbortedEntry,
  checkMarker,
  checkProducerBatch,
  collectAborted,
  lastStableOffset,
  markerFenced,
  type ProducerEntry,
  producerStateOf,
  recordMarker,
  recordProducerBatch,
} from '../producer-rules.js';
import type { SchemaStore } from '../schemas.js';
import { byName, changeConfigs, checkTopic, copyTopic } from '../topic-record.js';
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
import { MemoryAclState, MemoryAcls } from './acls.js';
import { MemoryCredentialState, MemoryCredentials } from './credentials.js';
import { MemoryNonceState, MemoryNonces } from './nonces.js';
import { MemorySchemaState, MemorySchemas } from './schemas.js';
import { MemoryTransactionState, MemoryTransactions } from './transactions.js';

interface PartitionLog {
  logStartOffset: bigint;
  highWatermark: bigint;
  maxTimestamp: bigint;
  maxTimestampBatchOffset: bigint;
  /** In offset order. */
  entries: IndexEntry[];
  /** Largest timestamp of entries[0..i]: monotonic, so findByTimestamp can bisect it. */
  runningMax: bigint[];
  /** Producer id → its state on the partition. */
  producers: Map<bigint, ProducerEntry>;
  /** Aborted transactions, in the order they ended. */
  aborted: AbortedEntry[];
}

/** The shared state behind one or more memory stores. */
export class MemoryMetaBackend {
  readonly topics = new Map<string, TopicRecord>();
  readonly names = new Map<string, string>();
  readonly logs = new Map<string, PartitionLog>();
  readonly appended = new EventEmitter().setMaxListeners(0);
  /** The last producer id handed out; -1 before the first. */
  lastProducerId = -1n;
  readonly groups = new Map<string, { version: number; value: string; sessions: Map<string, number> }>();
  /** Group id → `topic\0partition` → offset. Empty maps are removed. */
  readonly groupOffsets = new Map<string, Map<string, CommittedOffset>>();
  /** Emits `g:<groupId>` when a group's state changes (the prefix keeps ids such as `error` apart from special events). */
  readonly groupChanged = new EventEmitter().setMaxListeners(0);
  /** Every state write takes the next version, so a group's later life starts above its earlier one. */
  lastGroupVersion = 0;
  /** Group id → producer id → `topic\0partition` → staged transactional offset. Empty maps are removed. */
  readonly stagedOffsets = new Map<string, Map<bigint, Map<string, CommittedOffset>>>();
  readonly transactions = new MemoryTransactionState();
  readonly schemas = new MemorySchemaState();
  readonly credentials = new MemoryCredentialState();
  readonly acls = new MemoryAclState();
  readonly nonces = new MemoryNonceState();
}

function logKey(ref: PartitionRef): string {
  return `${ref.topicId}:${ref.partition}`;
}

/** First offset of the earliest open transaction, if any. */
function earliestOpen(log: PartitionLog, except?: bigint): bigint | undefined {
  let first: bigint | undefined;
  for (const [id, p] of log.producers) {
    if (id !== except && p.txnFirstOffset >= 0n && (first === undefined || p.txnFirstOffset < first)) {
      first = p.txnFirstOffset;
    }
  }
  return first;
}

function offsetsOf(log: PartitionLog | undefined): PartitionOffsets {
  if (log === undefined) return EMPTY_OFFSETS;
  return {
    logStartOffset: log.logStartOffset,
    highWatermark: log.highWatermark,
    maxTimestamp: log.maxTimestamp,
    maxTimestampBatchOffset: log.maxTimestampBatchOffset,
    lastStableOffset: lastStableOffset(log.logStartOffset, log.highWatermark, earliestOpen(log)),
  };
}

/** First index in [0, length) where `pass` holds, given it holds on a suffix; length if nowhere. */
function firstWhere(length: number, pass: (i: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pass(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

class MemoryTopics implements TopicStore {
  constructor(
    private readonly b: MemoryMetaBackend,
    private readonly open: () => void,
  ) {}

  async createTopic(topic: TopicRecord): Promise<CreateTopicResult> {
    this.open();
    checkTopic(topic);
    const existing = this.b.topics.get(topic.name);
    if (existing !== undefined) return { created: false, existing: copyTopic(existing) };
    if (this.b.names.has(topic.id)) throw new Error(`topic id ${topic.id} is already in use`);
    this.b.topics.set(topic.name, copyTopic(topic));
    this.b.names.set(topic.id, topic.name);
    return { created: true, topic: copyTopic(topic) };
  }

  async getTopic(name: string): Promise<TopicRecord | null> {
    this.open();
    const topic = this.b.topics.get(name);
    return topic === undefined ? null : copyTopic(topic);
  }

  async getTopicById(id: string): Promise<TopicRecord | null> {
    this.open();
    const name = this.b.names.get(id);
    return name === undefined ? null : this.getTopic(name);
  }

  async getTopics(names: readonly string[]): Promise<Map<string, TopicRecord | null>> {
    this.open();
    const out = new Map<string, TopicRecord | null>();
    for (const name of names) {
      const topic = this.b.topics.get(name);
      out.set(name, topic === undefined ? null : copyTopic(topic));
    }
    return out;
  }

  async listTopics(): Promise<TopicRecord[]> {
    this.open();
    return [...this.b.topics.values()].map(copyTopic).sort(byName);
  }

  async deleteTopic(name: string): Promise<TopicRecord | null> {
    this.open();
    const topic = this.b.topics.get(name);
    if (topic === undefined) return null;
    this.b.topics.delete(name);
    this.b.names.delete(topic.id);
    for (let partition = 0; partition < topic.partitions; partition++) {
      this.b.logs.delete(logKey({ topicId: topic.id, partition }));
    }
    return copyTopic(topic);
  }

  async setPartitionCount(name: string, count: number): Promise<{ ok: boolean; topic: TopicRecord | null }> {
    this.open();
    const topic = this.b.topics.get(name);
    if (topic === undefined) return { ok: false, topic: null };
    if (count <= topic.partitions) return { ok: false, topic: copyTopic(topic) };
    const next = { ...copyTopic(topic), partitions: count };
    this.b.topics.set(name, next);
    return { ok: true, topic: copyTopic(next) };
  }

  async updateConfigs(
    name: string,
    changes: Readonly<Record<string, string | null>>,
    mode: 'replace' | 'patch',
  ): Promise<TopicRecord | null> {
    this.open();
    const topic = this.b.topics.get(name);
    if (topic === undefined) return null;
    const next = { ...copyTopic(topic), configs: changeConfigs(topic.configs, changes, mode) };
    this.b.topics.set(name, next);
    return copyTopic(next);
  }
}

class MemoryLog implements LogStore {
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly b: MemoryMetaBackend,
    private readonly open: () => void,
  ) {}

  private logFor(ref: PartitionRef): PartitionLog {
    const key = logKey(ref);
    let log = this.b.logs.get(key);
    if (log === undefined) {
      log = {
        logStartOffset: 0n,
        highWatermark: 0n,
        maxTimestamp: -1n,
        maxTimestampBatchOffset: -1n,
        entries: [],
        runningMax: [],
        producers: new Map(),
        aborted: [],
      };
      this.b.logs.set(key, log);
    }
    return log;
  }

  /** Adds one batch at the high watermark; returns its base offset. */
  private store(log: PartitionLog, batch: Omit<AppendBatch, 'producer'>): bigint {
    const baseOffset = log.highWatermark;
    const lastOffset = baseOffset + BigInt(batch.offsetCount) - 1n;
    log.entries.push({
      baseOffset,
      lastOffset,
      maxTimestamp: batch.maxTimestamp,
      object: batch.object,
      position: batch.position,
      size: batch.size,
    });
    if (batch.maxTimestamp > log.maxTimestamp || log.maxTimestampBatchOffset < 0n) {
      log.maxTimestamp = batch.maxTimestamp;
      log.maxTimestampBatchOffset = baseOffset;
    }
    log.runningMax.push(log.maxTimestamp);
    log.highWatermark = lastOffset + 1n;
    return baseOffset;
  }

  private appendOne(ref: PartitionRef, batches: readonly AppendBatch[]): AppendResult {
    const log = this.logFor(ref);
    const outcomes: BatchOutcome[] = [];
    for (const batch of batches) {
      const p = batch.producer;
      if (p === undefined) {
        outcomes.push({ kind: 'appended', baseOffset: this.store(log, batch) });
        continue;
      }
      const entry = log.producers.get(p.producerId);
      const refused = checkProducerBatch(entry, p);
      if (refused !== null) {
        outcomes.push(refused);
        continue;
      }
      const baseOffset = this.store(log, batch);
      const lastOffset = baseOffset + BigInt(batch.offsetCount) - 1n;
      log.producers.set(p.producerId, recordProducerBatch(entry, p, baseOffset, lastOffset, batch.maxTimestamp));
      outcomes.push({ kind: 'appended', baseOffset });
    }
    return { outcomes, offsets: offsetsOf(log) };
  }

  async append(
    appends: readonly { partition: PartitionRef; batches: readonly AppendBatch[] }[],
  ): Promise<AppendResult[]> {
    this.open();
    for (const a of appends) {
      checkPartition(a.partition);
      checkBatches(a.batches);
    }
    const results = appends.map((a) => this.appendOne(a.partition, a.batches));
    for (const a of appends) this.b.appended.emit(logKey(a.partition));
    return results;
  }

  async writeMarkers(
    markers: readonly { partition: PartitionRef; marker: TransactionMarker }[],
  ): Promise<MarkerOutcome[]> {
    this.open();
    for (const m of markers) {
      checkPartition(m.partition);
      checkBatches([m.marker.batch]);
      checkMarker(m.marker);
    }
    const outcomes = markers.map(({ partition, marker }): MarkerOutcome => {
      const log = this.logFor(partition);
      const entry = log.producers.get(marker.producerId);
      if (markerFenced(entry, marker)) return { kind: 'invalid-producer-epoch' };
      const offset = this.store(log, marker.batch);
      if (entry !== undefined && entry.txnFirstOffset >= 0n && !marker.commit) {
        log.aborted.push({
          producerId: marker.producerId,
          firstOffset: entry.txnFirstOffset,
          lastOffset: offset,
          lsoAfter: earliestOpen(log, marker.producerId) ?? offset + 1n,
        });
      }
      log.producers.set(marker.producerId, recordMarker(entry, marker));
      return { kind: 'written', offset, offsets: offsetsOf(log) };
    });
    markers.forEach((m, i) => {
      if (outcomes[i]!.kind === 'written') this.b.appended.emit(logKey(m.partition));
    });
    return outcomes;
  }

  async abortedTransactions(partition: PartitionRef, fromOffset: bigint, upTo: bigint): Promise<AbortedTransaction[]> {
    this.open();
    checkPartition(partition);
    const log = this.b.logs.get(logKey(partition));
    return log === undefined ? [] : collectAborted(log.aborted, fromOffset, upTo);
  }

  async producerStates(partition: PartitionRef): Promise<ProducerState[]> {
    this.open();
    checkPartition(partition);
    const log = this.b.logs.get(logKey(partition));
    if (log === undefined) return [];
    return [...log.producers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, e]) => producerStateOf(id, e));
  }

  async offsets(partitions: readonly PartitionRef[]): Promise<PartitionOffsets[]> {
    this.open();
    return partitions.map((p) => offsetsOf(this.b.logs.get(logKey(p))));
  }

  async read(partition: PartitionRef, fromOffset: bigint, maxBytes: number, upTo?: bigint): Promise<IndexEntry[]> {
    this.open();
    const log = this.b.logs.get(logKey(partition));
    if (log === undefined) return [];
    const out: IndexEntry[] = [];
    let bytes = 0;
    for (
      let i = firstWhere(log.entries.length, (j) => log.entries[j]!.lastOffset >= fromOffset);
      i < log.entries.length;
      i++
    ) {
      const entry = log.entries[i]!;
      if (upTo !== undefined && entry.lastOffset >= upTo) break;
      out.push(entry);
      bytes += entry.size;
      if (bytes >= maxBytes) break;
    }
    return out;
  }

  async findByTimestamp(partition: PartitionRef, timestamp: bigint): Promise<IndexEntry | null> {
    this.open();
    const log = this.b.logs.get(logKey(partition));
    if (log === undefined) return null;
    return log.entries[firstWhere(log.entries.length, (i) => log.runningMax[i]! >= timestamp)] ?? null;
  }

  async advanceLogStart(partition: PartitionRef, offset: bigint): Promise<PartitionOffsets | 'offset-out-of-range'> {
    this.open();
    checkPartition(partition);
    const log = this.b.logs.get(logKey(partition));
    const highWatermark = log?.highWatermark ?? 0n;
    if (offset < 0n || offset > highWatermark) return 'offset-out-of-range';
    if (log === undefined || offset <= log.logStartOffset) return offsetsOf(log);
    log.logStartOffset = offset;
    const drop = firstWhere(log.entries.length, (i) => log.entries[i]!.lastOffset >= offset);
    log.entries.splice(0, drop);
    log.aborted = log.aborted.filter((a) => a.lastOffset >= offset);
    // The running maximum must forget the dropped batches, or findByTimestamp
    // would answer with a batch whose own records are all older.
    log.runningMax = [];
    log.maxTimestamp = -1n;
    log.maxTimestampBatchOffset = -1n;
    for (const entry of log.entries) {
      if (entry.maxTimestamp > log.maxTimestamp || log.maxTimestampBatchOffset < 0n) {
        log.maxTimestamp = entry.maxTimestamp;
        log.maxTimestampBatchOffset = entry.baseOffset;
      }
      log.runningMax.push(log.maxTimestamp);
    }
    return offsetsOf(log);
  }

  async waitForAppend(partitions: readonly WaitTarget[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.open();
    if (signal?.aborted) return;
    for (const p of partitions) {
      const seen = p.highWatermark;
      if (seen !== undefined && offsetsOf(this.b.logs.get(logKey(p))).highWatermark !== seen) return;
    }
    const events = [...new Set(partitions.map(logKey))];
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        for (const e of events) this.b.appended.off(e, done);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      for (const e of events) this.b.appended.on(e, done);
      signal?.addEventListener('abort', done);
      this.waiters.add(done);
    });
  }

  /** Wakes every waiter of this store, for close(). */
  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

function offsetKey(ref: TopicPartitionRef): string {
  return `${ref.topic}\u0000${ref.partition}`;
}

function changeEvent(groupId: string): string {
  return `g:${groupId}`;
}

class MemoryGroups implements GroupStore {
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly b: MemoryMetaBackend,
    private readonly open: () => void,
  ) {}

  private versionOf(groupId: string): number {
    return this.b.groups.get(groupId)?.version ?? 0;
  }

  private changed(groupId: string): void {
    this.b.groupChanged.emit(changeEvent(groupId));
  }

  private snapshot(groupId: string): VersionedValue | null {
    const state = this.b.groups.get(groupId);
    if (state === undefined) return null;
    const { version, value, sessions } = state;
    return sessions.size === 0 ? { version, value } : { version, value, sessions: new Map(sessions) };
  }

  async get(groupId: string): Promise<VersionedValue | null> {
    this.open();
    return this.snapshot(groupId);
  }

  async getMany(groupIds: readonly string[]): Promise<Map<string, VersionedValue | null>> {
    this.open();
    return new Map(groupIds.map((id) => [id, this.snapshot(id)]));
  }

  async compareAndSet(
    groupId: string,
    expectedVersion: number,
    value: string | null,
    options: { readonly members?: readonly string[] } = {},
  ): Promise<number | null> {
    this.open();
    checkVersion(expectedVersion, 'expected version');
    const current = this.versionOf(groupId);
    if (current !== expectedVersion) return null;
    if (value === null) {
      if (current !== 0) {
        this.b.groups.delete(groupId);
        this.changed(groupId);
      }
      return 0;
    }
    this.b.lastGroupVersion += 1;
    const version = this.b.lastGroupVersion;
    const sessions = new Map(this.b.groups.get(groupId)?.sessions);
    if (options.members !== undefined) {
      const keep = new Set(options.members);
      for (const member of sessions.keys()) if (!keep.has(member)) sessions.delete(member);
    }
    this.b.groups.set(groupId, { version, value, sessions });
    this.changed(groupId);
    return version;
  }

  async extendSessions(groupId: string, ifVersion: number, deadlines: ReadonlyMap<string, number>): Promise<boolean> {
    this.open();
    checkVersion(ifVersion, 'version');
    checkSessions(deadlines);
    const state = this.b.groups.get(groupId);
    if (state === undefined || state.version !== ifVersion) return false;
    for (const [member, deadline] of deadlines) {
      if (deadline > (state.sessions.get(member) ?? Number.NEGATIVE_INFINITY)) state.sessions.set(member, deadline);
    }
    return true;
  }

  async list(): Promise<string[]> {
    this.open();
    return [...new Set([...this.b.groups.keys(), ...this.b.groupOffsets.keys()])].sort(byId);
  }

  async waitForChange(groupId: string, seenVersion: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.open();
    checkVersion(seenVersion, 'seen version');
    if (signal?.aborted || this.versionOf(groupId) !== seenVersion) return;
    const event = changeEvent(groupId);
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.b.groupChanged.off(event, done);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      this.b.groupChanged.on(event, done);
      signal?.addEventListener('abort', done);
      this.waiters.add(done);
    });
  }

  async commitOffsets(groupId: string, offsets: readonly CommittedOffset[], ifVersion?: number): Promise<boolean> {
    this.open();
    for (const o of offsets) checkCommittedOffset(o);
    if (ifVersion !== undefined) {
      checkVersion(ifVersion, 'version');
      if (this.versionOf(groupId) !== ifVersion) return false;
    }
    if (offsets.length === 0) return true;
    let stored = this.b.groupOffsets.get(groupId);
    if (stored === undefined) {
      stored = new Map();
      this.b.groupOffsets.set(groupId, stored);
    }
    for (const o of offsets) stored.set(offsetKey(o), copyOffset(o));
    return true;
  }

  private offsetsOf(groupId: string, partitions: readonly TopicPartitionRef[] | undefined): CommittedOffset[] {
    const stored = this.b.groupOffsets.get(groupId);
    if (stored === undefined) return [];
    if (partitions === undefined) return [...stored.values()].map(copyOffset).sort(byTopicPartition);
    const out: CommittedOffset[] = [];
    for (const p of partitions) {
      const o = stored.get(offsetKey(p));
      if (o !== undefined) out.push(copyOffset(o));
    }
    return out;
  }

  async fetchOffsets(groupId: string, partitions?: readonly TopicPartitionRef[]): Promise<CommittedOffset[]> {
    this.open();
    for (const p of partitions ?? []) checkTopicPartition(p);
    return this.offsetsOf(groupId, partitions);
  }

  async fetchOffsetsMany(
    requests: readonly { groupId: string; partitions?: readonly TopicPartitionRef[] }[],
  ): Promise<CommittedOffset[][]> {
    this.open();
    for (const r of requests) for (const p of r.partitions ?? []) checkTopicPartition(p);
    return requests.map((r) => this.offsetsOf(r.groupId, r.partitions));
  }

  async deleteOffsets(groupId: string, partitions: readonly TopicPartitionRef[], ifVersion?: number): Promise<boolean> {
    this.open();
    for (const p of partitions) checkTopicPartition(p);
    if (ifVersion !== undefined) {
      checkVersion(ifVersion, 'version');
      if (this.versionOf(groupId) !== ifVersion) return false;
    }
    const stored = this.b.groupOffsets.get(groupId);
    if (stored === undefined) return true;
    for (const p of partitions) stored.delete(offsetKey(p));
    if (stored.size === 0) this.b.groupOffsets.delete(groupId);
    return true;
  }

  async deleteGroup(groupId: string, ifVersion: number): Promise<boolean> {
    this.open();
    checkVersion(ifVersion, 'version');
    const current = this.versionOf(groupId);
    if (current !== ifVersion) return false;
    this.b.groupOffsets.delete(groupId);
    if (current !== 0) {
      this.b.groups.delete(groupId);
      this.changed(groupId);
    }
    return true;
  }

  async expireOffsets(groupId: string, now: number, expiry: OffsetExpiry = {}): Promise<number> {
    this.open();
    checkExpiry(now, expiry);
    if (expiry.ifVersion !== undefined && this.versionOf(groupId) !== expiry.ifVersion) return 0;
    const stored = this.b.groupOffsets.get(groupId);
    if (stored === undefined) return 0;
    const keep = new Set(expiry.keepTopics ?? []);
    let dropped = 0;
    for (const [key, o] of stored) {
      if (!offsetExpired(o, now, expiry, keep)) continue;
      stored.delete(key);
      dropped += 1;
    }
    if (stored.size === 0) this.b.groupOffsets.delete(groupId);
    return dropped;
  }

  async stageOffsets(
    groupId: string,
    producerId: bigint,
    offsets: readonly CommittedOffset[],
    ifVersion?: number,
  ): Promise<boolean> {
    this.open();
    for (const o of offsets) checkCommittedOffset(o);
    if (ifVersion !== undefined) {
      checkVersion(ifVersion, 'version');
      if (this.versionOf(groupId) !== ifVersion) return false;
    }
    if (offsets.length === 0) return true;
    let producers = this.b.stagedOffsets.get(groupId);
    if (producers === undefined) {
      producers = new Map();
      this.b.stagedOffsets.set(groupId, producers);
    }
    let staged = producers.get(producerId);
    if (staged === undefined) {
      staged = new Map();
      producers.set(producerId, staged);
    }
    for (const o of offsets) staged.set(offsetKey(o), copyOffset(o));
    return true;
  }

  async completeStagedOffsets(groupId: string, producerId: bigint, commit: boolean): Promise<number> {
    this.open();
    const producers = this.b.stagedOffsets.get(groupId);
    const staged = producers?.get(producerId);
    if (producers === undefined || staged === undefined) return 0;
    producers.delete(producerId);
    if (producers.size === 0) this.b.stagedOffsets.delete(groupId);
    if (commit) {
      let stored = this.b.groupOffsets.get(groupId);
      if (stored === undefined) {
        stored = new Map();
        this.b.groupOffsets.set(groupId, stored);
      }
      for (const [key, o] of staged) {
        const existing = stored.get(key);
        if (existing === undefined || existing.commitTimestamp <= o.commitTimestamp) stored.set(key, o);
      }
    }
    return staged.size;
  }

  async stagedPartitions(groupId: string, partitions?: readonly TopicPartitionRef[]): Promise<TopicPartitionRef[]> {
    this.open();
    for (const p of partitions ?? []) checkTopicPartition(p);
    const keys = new Map<string, TopicPartitionRef>();
    for (const staged of this.b.stagedOffsets.get(groupId)?.values() ?? []) {
      for (const [key, o] of staged) keys.set(key, { topic: o.topic, partition: o.partition });
    }
    if (partitions === undefined) return [...keys.values()].sort(byTopicPartition);
    return partitions.filter((p) => keys.has(offsetKey(p))).map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  /** Wakes every waiter of this store, for close(). */
  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

class MemoryProducers implements ProducerStore {
  constructor(
    private readonly b: MemoryMetaBackend,
    private readonly open: () => void,
  ) {}

  async allocateProducerId(): Promise<bigint> {
    this.open();
    this.b.lastProducerId += 1n;
    return this.b.lastProducerId;
  }
}

export class MemoryMetaStore implements MetaStore {
  readonly topics: TopicStore;
  readonly log: LogStore;
  readonly producers: ProducerStore;
  readonly groups: GroupStore;
  readonly transactions: TransactionStore;
  readonly schemas: SchemaStore;
  readonly credentials: CredentialStore;
  readonly acls: AclStore;
  readonly nonces: NonceStore;
  private readonly memoryLog: MemoryLog;
  private readonly memoryGroups: MemoryGroups;
  private closed = false;

  constructor(readonly backend: MemoryMetaBackend = new MemoryMetaBackend()) {
    const open = (): void => {
      if (this.closed) throw new StorageUnavailableError('memory store is closed');
    };
    this.topics = new MemoryTopics(backend, open);
    this.memoryLog = new MemoryLog(backend, open);
    this.log = this.memoryLog;
    this.producers = new MemoryProducers(backend, open);
    this.memoryGroups = new MemoryGroups(backend, open);
    this.groups = this.memoryGroups;
    this.transactions = new MemoryTransactions(backend.transactions, open);
    this.schemas = new MemorySchemas(backend.schemas, open);
    this.credentials = new MemoryCredentials(backend.credentials, open);
    this.acls = new MemoryAcls(backend.acls, open);
    this.nonces = new MemoryNonces(backend.nonces, open);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StorageUnavailableError('memory store is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.memoryLog.wakeAll();
    this.memoryGroups.wakeAll();
  }
}
