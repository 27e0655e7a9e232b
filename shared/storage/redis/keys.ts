/**
 * Redis key layout. Every key starts with a configurable prefix (default
 * `kl:`) so several clusters can share one Redis, and carries a Redis Cluster
 * hash tag so each script touches a single slot:
 *
 * | key | type | holds |
 * |---|---|---|
 * | `{kl:t}:topics` | hash | topic name → TopicRecord JSON |
 * | `{kl:t}:ids` | hash | topic id → topic name |
 * | `{kl:p:<topicId>:<partition>}:state` | hash | `start` (log start offset), `hwm`, `maxts`, `maxtsoff`, `lso` (only while a transaction is open) |
 * | `{kl:p:<topicId>:<partition>}:idx` | sorted set | one member per batch, scored by its last offset |
 * | `{kl:p:<topicId>:<partition>}:ts` | sorted set | the same members, scored by the running maximum timestamp |
 * | `{kl:p:<topicId>:<partition>}:producers` | hash | producer id → its state (below) |
 * | `{kl:p:<topicId>:<partition>}:txns` | sorted set | producer ids with an open transaction, scored by its first offset |
 * | `{kl:p:<topicId>:<partition>}:aborted` | sorted set | aborted transactions, scored by their marker's offset: `<lastOffset, 19 digits>:<firstOffset>:<producerId>:<lsoAfter>` |
 * | `{kl:p:<topicId>:<partition>}:appended` | channel | published by every append, carrying the new high watermark |
 * | `{kl:pid}:allocated` | string | how many producer ids were handed out (INCR; the id is the new count - 1) |
 * | `{kl:g:<group>}:state` | hash | `v` (version), `value` (the group's state), `s:<member id>` (a session deadline extendSessions recorded) |
 * | `{kl:g:<group>}:offsets` | hash | `<topic>\0<partition>` → committed offset |
 * | `{kl:g:<group>}:changed` | channel | published by every state change, carrying the new version (0: deleted) |
 * | `{kl:groups}:index` | set | group ids, a superset of the groups with state or offsets |
 * | `{kl:g:<group>}:staged` | hash | `<producerId>:<topic>\0<partition>` → transactional offset staged by that producer (same encoding as committed ones) |
 * | `{kl:x:<transactional id>}:state` | hash | `v` (version), `value` (the transaction coordinator's state) |
 * | `{kl:txns}:index` | set | transactional ids, a superset of those with state |
 * | `{kl:sr}:*` | | the schema registry, all on one slot (layout in redis/schemas.ts) |
 * | `{kl:n:<nonce>}` | string | a signed invocation's nonce, claimed with SET NX PX until its timestamp is stale (redis/nonces.ts) |
 * | `{kl:scram}:credentials` | hash | `<mechanism>:<user>` → SCRAM credential in Kafka's text form (redis/credentials.ts) |
 * | `{kl:acl}:bindings`, `{kl:acl}:version` | set, string | ACL bindings and their version (redis/acls.ts) |
 *
 * `<group>` and `<transactional id>` are the id's UTF-8 bytes in base64url: ids may hold braces
 * and colons, which would break the hash tag. A group's keys share a slot, so
 * a commit conditional on the state version is one script. The index lives
 * in a slot of its own and cannot join those scripts; see redis/meta.ts for
 * how it is kept.
 *
 * All topics share one slot, so creating a topic (name and id index) is one
 * step. Partitions spread over slots by topic id and index. On a Redis
 * Cluster, calls covering several partitions or groups are pipelined per
 * node (redis/cluster.ts), and an index is written before the script that
 * may create what it lists, in a second round trip there (scripts.ts,
 * indexThenRunScript).
 *
 * An index member is `<baseOffset, 19 digits>:<lastOffset>:<maxTimestamp>:<position>:<size>:<object>`.
 * The padded base offset makes members of equal score sort in offset order;
 * the object key comes last because it may hold colons.
 *
 * A producer's state is `<epoch>|<coordinatorEpoch>|<lastTimestamp>|<txnFirstOffset>|`
 * followed by its retained batches, oldest first, each
 * `<firstSeq>,<lastSeq>,<baseOffset>,<lastOffset>,<timestamp>;`. `lsoAfter` of
 * an aborted transaction is the last stable offset once it ended, which
 * bounds the search for a fetch (Kafka's transaction index).
 *
 * A committed offset is `<offset>:<leaderEpoch>:<commitTimestamp>:<expireTimestamp>:<metadata>`,
 * the metadata `-` when null or `+` followed by the text.
 */

import type { CommittedOffset, TopicPartitionRef } from '../groups.js';
import type { AbortedEntry, ProducerEntry, RetainedBatch } from '../producer-rules.js';
import type { IndexEntry, PartitionRef } from '../types.js';
import { StorageUnavailableError } from '../types.js';

export const DEFAULT_PREFIX = 'kl:';

export interface PartitionKeys {
  readonly state: string;
  readonly index: string;
  readonly times: string;
  readonly producers: string;
  readonly txns: string;
  readonly aborted: string;
  readonly channel: string;
}

export interface GroupKeys {
  readonly state: string;
  readonly offsets: string;
  readonly channel: string;
  readonly staged: string;
}

export class KeyLayout {
  readonly topics: string;
  readonly topicIds: string;
  readonly producerIds: string;
  readonly groupIndex: string;
  readonly transactionIndex: string;
  readonly credentials: string;
  readonly acls: string;
  readonly aclVersion: string;

  constructor(readonly prefix: string = DEFAULT_PREFIX) {
    if (/[{}]/.test(prefix)) throw new TypeError(`key prefix ${JSON.stringify(prefix)} must not hold braces`);
    this.topics = `{${prefix}t}:topics`;
    this.topicIds = `{${prefix}t}:ids`;
    this.producerIds = `{${prefix}pid}:allocated`;
    this.groupIndex = `{${prefix}groups}:index`;
    this.transactionIndex = `{${prefix}txns}:index`;
    this.credentials = `{${prefix}scram}:credentials`;
    this.acls = `{${prefix}acl}:bindings`;
    this.aclVersion = `{${prefix}acl}:version`;
  }

  group(groupId: string): GroupKeys {
    const tag = `{${this.prefix}g:${Buffer.from(groupId, 'utf8').toString('base64url')}}`;
    return { state: `${tag}:state`, offsets: `${tag}:offsets`, channel: `${tag}:changed`, staged: `${tag}:staged` };
  }

  /** The state hash of a transactional id. */
  transaction(transactionalId: string): string {
    return `{${this.prefix}x:${Buffer.from(transactionalId, 'utf8').toString('base64url')}}:state`;
  }

  partition(ref: PartitionRef): PartitionKeys {
    const tag = `{${this.prefix}p:${ref.topicId}:${ref.partition}}`;
    return {
      state: `${tag}:state`,
      index: `${tag}:idx`,
      times: `${tag}:ts`,
      producers: `${tag}:producers`,
      txns: `${tag}:txns`,
      aborted: `${tag}:aborted`,
      channel: `${tag}:appended`,
    };
  }
}

/** Parses an index member; see the layout above. */
export function parseMember(member: string): IndexEntry {
  const fields: string[] = [];
  let at = 0;
  for (let i = 0; i < 5; i++) {
    const colon = member.indexOf(':', at);
    if (colon < 0) throw new StorageUnavailableError(`malformed index member ${JSON.stringify(member)}`);
    fields.push(member.slice(at, colon));
    at = colon + 1;
  }
  const [base, last, maxTs, position, size] = fields as [string, string, string, string, string];
  return {
    baseOffset: integer(base),
    lastOffset: integer(last),
    maxTimestamp: integer(maxTs),
    object: member.slice(at),
    position: Number(integer(position)),
    size: Number(integer(size)),
  };
}

/** A decimal integer Redis stored; anything else means the data is damaged. */
export function integer(text: string): bigint {
  if (!/^-?\d+$/.test(text))
    throw new StorageUnavailableError(`stored number ${JSON.stringify(text)} is not an integer`);
  return BigInt(text);
}

/** The staged-offsets field of a producer's partition. */
export function stagedField(producerId: bigint, ref: TopicPartitionRef): string {
  return `${producerId}:${offsetField(ref)}`;
}

/** The offsets-hash field of a partition. */
export function offsetField(ref: TopicPartitionRef): string {
  return `${ref.topic}\u0000${ref.partition}`;
}

export function encodeOffset(o: CommittedOffset): string {
  const metadata = o.metadata === null ? '-' : `+${o.metadata}`;
  return `${o.offset}:${o.leaderEpoch}:${o.commitTimestamp}:${o.expireTimestamp}:${metadata}`;
}

/** Parses an offsets-hash entry; see the layout above. */
export function decodeOffset(field: string, value: string): CommittedOffset {
  const nul = field.lastIndexOf('\u0000');
  const match = /^(-?\d+):(-?\d+):(-?\d+):(-?\d+):([-+])/.exec(value);
  if (nul < 0 || match === null) {
    throw new StorageUnavailableError(`malformed committed offset ${JSON.stringify(field)} ${JSON.stringify(value)}`);
  }
  const [head = '', offset = '', epoch = '', commit = '', expire = '', marker = ''] = match;
  return {
    topic: field.slice(0, nul),
    partition: Number(integer(field.slice(nul + 1))),
    offset: integer(offset),
    leaderEpoch: Number(epoch),
    metadata: marker === '-' ? null : value.slice(head.length),
    commitTimestamp: Number(commit),
    expireTimestamp: Number(expire),
  };
}

/** Parses a producer's stored state; see the layout above. */
export function decodeProducer(text: string): ProducerEntry {
  const parts = text.split('|');
  if (parts.length !== 5) throw new StorageUnavailableError(`malformed producer state ${JSON.stringify(text)}`);
  const [epoch, coordinatorEpoch, lastTimestamp, txnFirstOffset, batches] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    epoch: Number(integer(epoch)),
    coordinatorEpoch: Number(integer(coordinatorEpoch)),
    lastTimestamp: integer(lastTimestamp),
    txnFirstOffset: integer(txnFirstOffset),
    batches: batches
      .split(';')
      .filter((b) => b !== '')
      .map((b): RetainedBatch => {
        const f = b.split(',');
        if (f.length !== 5) throw new StorageUnavailableError(`malformed producer state ${JSON.stringify(text)}`);
        return {
          firstSeq: Number(integer(f[0]!)),
          lastSeq: Number(integer(f[1]!)),
          baseOffset: integer(f[2]!),
          lastOffset: integer(f[3]!),
          timestamp: integer(f[4]!),
        };
      }),
  };
}

/** Parses an aborted-transactions member; see the layout above. */
export function decodeAborted(member: string): AbortedEntry {
  const m = /^(\d+):(\d+):(\d+):(\d+)$/.exec(member);
  if (m === null) throw new StorageUnavailableError(`malformed aborted transaction ${JSON.stringify(member)}`);
  return { lastOffset: BigInt(m[1]!), firstOffset: BigInt(m[2]!), producerId: BigInt(m[3]!), lsoAfter: BigInt(m[4]!) };
}
