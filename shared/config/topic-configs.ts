/**
 * Topic configurations by Kafka's names, with Kafka's defaults, types and
 * validation. A topic stores only what was set explicitly; everything else
 * resolves through broker-level overrides to Kafka's defaults.
 *
 * The table holds every topic config Apache Kafka 3.9 defines (LogConfig's
 * definitions, in their order, so the first bad value reported is the one
 * Kafka would report), and the read-only broker configs DescribeConfigs shows
 * for a BROKER resource: each topic config's broker-level synonyms
 * (retention.ms ↔ log.retention.ms, max.message.bytes ↔ message.max.bytes, …)
 * and the cluster settings a client asks about. Values are parsed and checked
 * as Kafka's ConfigDef does, and error messages read as Kafka's.
 *
 * After Kafka's own come the topic configs of Confluent Server's Schema
 * Validation and Kafkaless' stricter payload mode of it.
 */

import { SUBJECT_NAME_STRATEGIES, SubjectNameStrategy } from '../schemas/wire.js';

export type ConfigType = 'boolean' | 'int' | 'long' | 'double' | 'string' | 'list' | 'class' | 'password';

export interface ConfigDefinition {
  readonly name: string;
  readonly type: ConfigType;
  /** Kafka's default, as text; null where Kafka's default is null. */
  readonly default: string | null;
  readonly doc: string;
  /** Returns an error message when `value` is not acceptable. */
  readonly validate?: (value: string) => string | undefined;
  /**
   * For a topic config: the broker configs that set it cluster-wide, the one
   * that wins first (Kafka's ServerTopicConfigSynonyms). Absent when the
   * broker has no equivalent.
   */
  readonly serverSynonyms?: readonly string[];
  /**
   * A config Apache Kafka does not define (Confluent Server's, or
   * Kafkaless' own): accepted and validated like the others, but listed by
   * DescribeConfigs only where set, so a topic that does not use it
   * describes exactly as on Kafka.
   */
  readonly extension?: true;
}

// ---------------------------------------------------------------------------
// Parsing, as ConfigDef.parseType: values are trimmed; numbers are Java's.

/** A value as ConfigDef parses it: lists become arrays, integers bigint. */
export type ParsedValue = boolean | bigint | number | string | readonly string[];

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const LONG_MAX_TEXT = LONG_MAX.toString();
const INTEGER = /^[+-]?\d+$/;
const DOUBLE = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?$/;

/** Java's Double.toString, which Kafka uses to print doubles. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa = '', exponent = ''] = x.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

function invalid(name: string, shown: string, message: string): string {
  return `Invalid value ${shown} for configuration ${name}: ${message}`;
}

/** How Java prints a parsed value in a ConfigException. */
function shown(value: ParsedValue): string {
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  if (typeof value === 'number') return javaDouble(value);
  return String(value);
}

/** Parses `raw` as Kafka would for `type`; returns the value or an error message. */
export function parseConfigValue(
  name: string,
  type: ConfigType,
  raw: string,
): { ok: true; value: ParsedValue } | { ok: false; error: string } {
  const trimmed = raw.trim();
  const notNumber = (): { ok: false; error: string } => ({
    ok: false,
    error: invalid(name, raw, `Not a number of type ${type.toUpperCase()}`),
  });
  switch (type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true') return { ok: true, value: true };
      if (lower === 'false') return { ok: true, value: false };
      return { ok: false, error: invalid(name, raw, 'Expected value to be either true or false') };
    }
    case 'int':
    case 'long': {
      if (!INTEGER.test(trimmed)) return notNumber();
      const n = BigInt(trimmed);
      const [lo, hi] = type === 'int' ? [INT_MIN, INT_MAX] : [LONG_MIN, LONG_MAX];
      if (n < lo || n > hi) return notNumber();
      return { ok: true, value: n };
    }
    case 'double': {
      if (!DOUBLE.test(trimmed)) return notNumber();
      return { ok: true, value: Number(trimmed.replace(/[fFdD]$/, '')) };
    }
    case 'list':
      return { ok: true, value: trimmed === '' ? [] : trimmed.split(/\s*,\s*/) };
    case 'string':
    case 'class':
    case 'password':
      return { ok: true, value: trimmed };
  }
}

/** The text Kafka shows for a value once parsed (ConfigDef.convertToString). */
export function canonicalConfigValue(def: ConfigDefinition, raw: string): string {
  const parsed = parseConfigValue(def.name, def.type, raw);
  if (!parsed.ok) return raw;
  const v = parsed.value;
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'number') return javaDouble(v);
  return String(v);
}

// ---------------------------------------------------------------------------
// Validators over parsed values (ConfigDef.Range, ValidString, ValidList and
// the few custom ones LogConfig uses). Each returns Kafka's message.

type Check = (name: string, value: ParsedValue) => string | undefined;

function numeric(value: ParsedValue): number {
  return typeof value === 'bigint' ? Number(value) : (value as number);
}

function atLeast(min: number): Check {
  return (name, value) =>
    numeric(value) < min ? invalid(name, shown(value), `Value must be at least ${min}`) : undefined;
}

function between(min: number, max: number): Check {
  return (name, value) => {
    const n = numeric(value);
    if (n < min) return invalid(name, shown(value), `Value must be at least ${min}`);
    if (n > max) return invalid(name, shown(value), `Value must be no more than ${max}`);
    return undefined;
  };
}

function oneOf(...allowed: string[]): Check {
  return (name, value) =>
    allowed.includes(value as string)
      ? undefined
      : invalid(name, shown(value), `String must be one of: ${allowed.join(', ')}`);
}

function eachOneOf(...allowed: string[]): Check {
  const one = oneOf(...allowed);
  return (name, value) => {
    for (const item of value as readonly string[]) {
      const error = one(name, item);
      if (error !== undefined) return error;
    }
    return undefined;
  };
}

// gzip takes 1..9, or -1 for the library's default level.
const gzipLevel: Check = (name, value) => {
  const n = numeric(value);
  return n > 9 || (n < 1 && n !== -1)
    ? invalid(name, shown(value), 'Value must be between 1 and 9 or equal to -1')
    : undefined;
};

const throttledReplicas: Check = (name, value) => {
  const items = (value as readonly string[]).map((s) => s.trim());
  if (items.every((s) => /^(\d+:\d+)?$/.test(s)) || items.join('') === '*') return undefined;
  return invalid(
    name,
    shown(value),
    `${name} must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...`,
  );
};

// Kafka's MetadataVersion releases and inter-broker protocol sub-versions.
const METADATA_RELEASES: readonly (readonly [release: string, subVersions: readonly string[]])[] = [
  ['0.8.0', []],
  ['0.8.1', []],
  ['0.8.2', []],
  ['0.9.0', []],
  ['0.10.0', ['IV0', 'IV1']],
  ['0.10.1', ['IV0', 'IV1', 'IV2']],
  ['0.10.2', ['IV0']],
  ['0.11.0', ['IV0', 'IV1', 'IV2']],
  ['1.0', ['IV0']],
  ['1.1', ['IV0']],
  ['2.0', ['IV0', 'IV1']],
  ['2.1', ['IV0', 'IV1', 'IV2']],
  ['2.2', ['IV0', 'IV1']],
  ['2.3', ['IV0', 'IV1']],
  ['2.4', ['IV0', 'IV1']],
  ['2.5', ['IV0']],
  ['2.6', ['IV0']],
  ['2.7', ['IV0', 'IV1', 'IV2']],
  ['2.8', ['IV0', 'IV1']],
  ['3.0', ['IV0', 'IV1']],
  ['3.1', ['IV0']],
  ['3.2', ['IV0']],
  ['3.3', ['IV0', 'IV1', 'IV2', 'IV3']],
  ['3.4', ['IV0']],
  ['3.5', ['IV0', 'IV1', 'IV2']],
  ['3.6', ['IV0', 'IV1', 'IV2']],
  ['3.7', ['IV0', 'IV1', 'IV2', 'IV3', 'IV4']],
  ['3.8', ['IV0']],
  ['3.9', ['IV0']],
  // Not production-ready in 3.9: only the full names are accepted.
  ['4.0', ['IV0', 'IV1']],
];

const METADATA_VERSIONS: ReadonlySet<string> = new Set(
  METADATA_RELEASES.flatMap(([release, subs]) => [
    ...(subs.length === 0 ? [release] : subs.map((s) => `${release}-${s}`)),
    ...(release === '4.0' ? [] : [release]),
  ]),
);

// As MetadataVersion.fromVersionString: "3.9.1" reads as "3.9", "0.10.2.1" as "0.10.2".
const metadataVersion: Check = (name, value) => {
  const s = value as string;
  const segments = s.split('.');
  const keep = s.startsWith('0.') ? 3 : 2;
  const key = segments.length > keep ? segments.slice(0, keep).join('.') : s;
  return METADATA_VERSIONS.has(key) ? undefined : invalid(name, s, `Version ${s} is not a valid version`);
};

// ---------------------------------------------------------------------------
// The tables.

function define(
  name: string,
  type: ConfigType,
  defaultValue: string | null,
  doc: string,
  check?: Check,
  serverSynonyms?: readonly string[],
): ConfigDefinition {
  const validate = (value: string): string | undefined => {
    const parsed = parseConfigValue(name, type, value);
    if (!parsed.ok) return parsed.error;
    return check?.(name, parsed.value);
  };
  return serverSynonyms === undefined
    ? { name, type, default: defaultValue, doc, validate }
    : { name, type, default: defaultValue, doc, validate, serverSynonyms };
}

/** A config beyond Apache Kafka's ({@link ConfigDefinition.extension}). */
function extension(...args: Parameters<typeof define>): ConfigDefinition {
  return { ...define(...args), extension: true };
}

const SEVEN_DAYS_MS = '604800000';

export const TOPIC_CONFIGS: readonly ConfigDefinition[] = [
  define(
    'segment.bytes',
    'int',
    '1073741824',
    'Size at which Kafka closes a log segment file and starts a new one.',
    atLeast(14),
    ['log.segment.bytes'],
  ),
  define(
    'segment.ms',
    'long',
    SEVEN_DAYS_MS,
    'Time after which Kafka rolls a new segment even if the current one is not full, so old data can be retained or compacted.',
    atLeast(1),
    ['log.roll.ms', 'log.roll.hours'],
  ),
  define(
    'segment.jitter.ms',
    'long',
    '0',
    'Largest random amount subtracted from segment.ms, so segments of many partitions do not all roll at once.',
    atLeast(0),
    ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  ),
  define(
    'segment.index.bytes',
    'int',
    '10485760',
    'Size of the offset index that maps offsets to file positions in each segment.',
    atLeast(4),
    ['log.index.size.max.bytes'],
  ),
  define(
    'flush.messages',
    'long',
    LONG_MAX_TEXT,
    'Number of messages written between forced fsyncs of the log; the default leaves flushing to the operating system.',
    atLeast(1),
    ['log.flush.interval.messages'],
  ),
  define(
    'flush.ms',
    'long',
    LONG_MAX_TEXT,
    'Time between forced fsyncs of the log; the default leaves flushing to the operating system.',
    atLeast(0),
    ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
  ),
  define(
    'retention.bytes',
    'long',
    '-1',
    'Largest size a partition may grow to before old data is discarded under the delete policy; -1 means no size limit.',
    undefined,
    ['log.retention.bytes'],
  ),
  define(
    'retention.ms',
    'long',
    SEVEN_DAYS_MS,
    'How long data is kept before it is discarded under the delete policy; -1 means no time limit.',
    atLeast(-1),
    ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  ),
  define(
    'max.message.bytes',
    'int',
    '1048588',
    'Largest record batch the topic accepts, measured after compression.',
    atLeast(0),
    ['message.max.bytes'],
  ),
  define(
    'index.interval.bytes',
    'int',
    '4096',
    'How many bytes of log lie between entries of the offset index.',
    atLeast(0),
    ['log.index.interval.bytes'],
  ),
  define(
    'delete.retention.ms',
    'long',
    '86400000',
    'How long tombstones stay in a compacted topic, which bounds how quickly a reader must catch up to see deletes.',
    atLeast(0),
    ['log.cleaner.delete.retention.ms'],
  ),
  define('min.compaction.lag.ms', 'long', '0', 'Least time a message stays uncompacted in the log.', atLeast(0), [
    'log.cleaner.min.compaction.lag.ms',
  ]),
  define(
    'max.compaction.lag.ms',
    'long',
    LONG_MAX_TEXT,
    'Longest time a message may stay ineligible for compaction.',
    atLeast(1),
    ['log.cleaner.max.compaction.lag.ms'],
  ),
  define(
    'file.delete.delay.ms',
    'long',
    '60000',
    'Time to wait before deleting a file from the filesystem.',
    atLeast(0),
    ['log.segment.delete.delay.ms'],
  ),
  define(
    'min.cleanable.dirty.ratio',
    'double',
    '0.5',
    'Share of the log that must be uncompacted before the cleaner compacts it.',
    between(0, 1),
    ['log.cleaner.min.cleanable.ratio'],
  ),
  define(
    'cleanup.policy',
    'list',
    'delete',
    'What happens to old data: "delete" discards it by time or size, "compact" keeps the latest value per key; both may be given.',
    eachOneOf('compact', 'delete'),
    ['log.cleanup.policy'],
  ),
  define(
    'unclean.leader.election.enable',
    'boolean',
    'false',
    'Whether a replica outside the in-sync set may become leader as a last resort, at the risk of losing data.',
    undefined,
    ['unclean.leader.election.enable'],
  ),
  define(
    'min.insync.replicas',
    'int',
    '1',
    'Least number of replicas that must acknowledge a write made with acks=all.',
    atLeast(1),
    ['min.insync.replicas'],
  ),
  define(
    'compression.type',
    'string',
    'producer',
    'Compression of the stored data: a codec (uncompressed, zstd, lz4, snappy, gzip), or "producer" to keep what the producer sent.',
    oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'),
    ['compression.type'],
  ),
  define('compression.gzip.level', 'int', '-1', 'Compression level used when compression.type is gzip.', gzipLevel, [
    'compression.gzip.level',
  ]),
  define('compression.lz4.level', 'int', '9', 'Compression level used when compression.type is lz4.', between(1, 17), [
    'compression.lz4.level',
  ]),
  define(
    'compression.zstd.level',
    'int',
    '3',
    'Compression level used when compression.type is zstd.',
    between(-131072, 22),
    ['compression.zstd.level'],
  ),
  define(
    'preallocate',
    'boolean',
    'false',
    'Whether segment files are allocated on disk in full when created.',
    undefined,
    ['log.preallocate'],
  ),
  define(
    'message.format.version',
    'string',
    '3.0-IV1',
    'Deprecated: the message format version; ignored since inter-broker protocol 3.0.',
    metadataVersion,
    ['log.message.format.version'],
  ),
  define(
    'message.timestamp.type',
    'string',
    'CreateTime',
    'Which timestamp records carry: the one the producer set (CreateTime) or the time the log appended them (LogAppendTime).',
    oneOf('CreateTime', 'LogAppendTime'),
    ['log.message.timestamp.type'],
  ),
  define(
    'message.timestamp.difference.max.ms',
    'long',
    LONG_MAX_TEXT,
    'Deprecated: largest allowed difference between a record timestamp and the time it is received, with CreateTime.',
    atLeast(0),
    ['log.message.timestamp.difference.max.ms'],
  ),
  define(
    'message.timestamp.before.max.ms',
    'long',
    LONG_MAX_TEXT,
    'How far in the past a record timestamp may lie when it is received, with CreateTime.',
    atLeast(0),
    ['log.message.timestamp.before.max.ms'],
  ),
  define(
    'message.timestamp.after.max.ms',
    'long',
    LONG_MAX_TEXT,
    'How far in the future a record timestamp may lie when it is received, with CreateTime.',
    atLeast(0),
    ['log.message.timestamp.after.max.ms'],
  ),
  define(
    'leader.replication.throttled.replicas',
    'list',
    '',
    'Replicas whose log replication is throttled on the leader side: partitionId:brokerId pairs, or * for all.',
    throttledReplicas,
  ),
  define(
    'follower.replication.throttled.replicas',
    'list',
    '',
    'Replicas whose log replication is throttled on the follower side: partitionId:brokerId pairs, or * for all.',
    throttledReplicas,
  ),
  define(
    'message.downconversion.enable',
    'boolean',
    'true',
    'Whether the broker converts record batches to an older format for consumers fetching with old request versions.',
    undefined,
    ['log.message.downconversion.enable'],
  ),
  define(
    'remote.storage.enable',
    'boolean',
    'false',
    'Whether tiered storage is enabled for the topic (refused while the cluster has tiered storage off).',
  ),
  define(
    'local.retention.ms',
    'long',
    '-2',
    'With tiered storage, how long data stays on local disk; -2 means retention.ms applies.',
    atLeast(-2),
    ['log.local.retention.ms'],
  ),
  define(
    'local.retention.bytes',
    'long',
    '-2',
    'With tiered storage, how large the local part of a partition may grow; -2 means retention.bytes applies.',
    atLeast(-2),
    ['log.local.retention.bytes'],
  ),
  define(
    'remote.log.copy.disable',
    'boolean',
    'false',
    'With tiered storage, stop copying data to remote storage while still reading what is already there.',
  ),
  define(
    'remote.log.delete.on.disable',
    'boolean',
    'false',
    'Whether turning tiered storage off for the topic deletes the data already in remote storage.',
  ),
  // Confluent Server's Schema Validation, by its names and defaults, checked against Kafkaless' own registry.
  extension(
    'confluent.key.schema.validation',
    'boolean',
    'false',
    'Whether every non-null record key must carry a schema id registered under the subject the key strategy derives.',
  ),
  extension(
    'confluent.value.schema.validation',
    'boolean',
    'false',
    'Whether every non-null record value must carry a schema id registered under the subject the value strategy derives.',
  ),
  extension(
    'confluent.key.subject.name.strategy',
    'class',
    SubjectNameStrategy.TOPIC,
    'How the subject of a key schema is named: after the topic (<topic>-key), the record, or both (<topic>-<record>).',
    oneOf(...SUBJECT_NAME_STRATEGIES),
  ),
  extension(
    'confluent.value.subject.name.strategy',
    'class',
    SubjectNameStrategy.TOPIC,
    'How the subject of a value schema is named: after the topic (<topic>-value), the record, or both (<topic>-<record>).',
    oneOf(...SUBJECT_NAME_STRATEGIES),
  ),
  extension(
    'kafkaless.schema.validation.payload',
    'boolean',
    'false',
    'With schema validation on, also decode each key or value with its schema and refuse what does not match.',
  ),
];

/** The topic configs Apache Kafka itself defines: what a topic describes as when it sets no extension. */
export const KAFKA_TOPIC_CONFIGS: readonly ConfigDefinition[] = TOPIC_CONFIGS.filter((c) => !c.extension);

export const topicConfigDefinitions: ReadonlyMap<string, ConfigDefinition> = new Map(
  TOPIC_CONFIGS.map((c) => [c.name, c]),
);

/**
 * Broker configs a BROKER resource reports: the cluster settings clients ask
 * about and every broker-level synonym of a topic config. All are read-only
 * here: they come from the deployment's configuration, not from the wire.
 */
export const BROKER_CONFIGS: readonly ConfigDefinition[] = [
  define('broker.id', 'int', '-1', 'Id of this broker: the node the client is connected to, one per proxy in a fleet.'),
  define(
    'node.id',
    'int',
    '-1',
    'Id of this node in the cluster: the node the client is connected to, one per proxy in a fleet.',
  ),
  define('num.partitions', 'int', '1', 'Partitions a topic gets when created without a count.', atLeast(1)),
  define(
    'default.replication.factor',
    'int',
    '1',
    'Replication factor of topics created without one, including automatically created topics.',
  ),
  define(
    'auto.create.topics.enable',
    'boolean',
    'true',
    'Whether a topic is created when a client asks for metadata of, or produces to, a topic that does not exist.',
  ),
  define('delete.topic.enable', 'boolean', 'true', 'Whether topics can be deleted.'),
  define('log.segment.bytes', 'int', '1073741824', 'Cluster-wide default for segment.bytes.', atLeast(14)),
  define('log.roll.ms', 'long', null, 'Cluster-wide default for segment.ms; when unset, log.roll.hours applies.'),
  define('log.roll.hours', 'int', '168', 'Cluster-wide default for segment.ms, in hours.', atLeast(1)),
  define(
    'log.roll.jitter.ms',
    'long',
    null,
    'Cluster-wide default for segment.jitter.ms; when unset, log.roll.jitter.hours applies.',
  ),
  define('log.roll.jitter.hours', 'int', '0', 'Cluster-wide default for segment.jitter.ms, in hours.', atLeast(0)),
  define('log.index.size.max.bytes', 'int', '10485760', 'Cluster-wide default for segment.index.bytes.', atLeast(4)),
  define('log.flush.interval.messages', 'long', LONG_MAX_TEXT, 'Cluster-wide default for flush.messages.', atLeast(1)),
  define(
    'log.flush.interval.ms',
    'long',
    null,
    'Cluster-wide default for flush.ms; when unset, log.flush.scheduler.interval.ms applies.',
  ),
  define(
    'log.flush.scheduler.interval.ms',
    'long',
    LONG_MAX_TEXT,
    'How often the flusher checks whether a log needs flushing.',
  ),
  define('log.retention.bytes', 'long', '-1', 'Cluster-wide default for retention.bytes.'),
  define(
    'log.retention.ms',
    'long',
    null,
    'Cluster-wide default for retention.ms; when unset, log.retention.minutes, then log.retention.hours apply.',
  ),
  define('log.retention.minutes', 'int', null, 'Cluster-wide default for retention.ms, in minutes.'),
  define('log.retention.hours', 'int', '168', 'Cluster-wide default for retention.ms, in hours.'),
  define('message.max.bytes', 'int', '1048588', 'Cluster-wide default for max.message.bytes.', atLeast(0)),
  define('log.index.interval.bytes', 'int', '4096', 'Cluster-wide default for index.interval.bytes.', atLeast(0)),
  define(
    'log.cleaner.delete.retention.ms',
    'long',
    '86400000',
    'Cluster-wide default for delete.retention.ms.',
    atLeast(0),
  ),
  define(
    'log.cleaner.min.compaction.lag.ms',
    'long',
    '0',
    'Cluster-wide default for min.compaction.lag.ms.',
    atLeast(0),
  ),
  define(
    'log.cleaner.max.compaction.lag.ms',
    'long',
    LONG_MAX_TEXT,
    'Cluster-wide default for max.compaction.lag.ms.',
    atLeast(1),
  ),
  define('log.segment.delete.delay.ms', 'long', '60000', 'Cluster-wide default for file.delete.delay.ms.', atLeast(0)),
  define(
    'log.cleaner.min.cleanable.ratio',
    'double',
    '0.5',
    'Cluster-wide default for min.cleanable.dirty.ratio.',
    between(0, 1),
  ),
  define(
    'log.cleanup.policy',
    'list',
    'delete',
    'Cluster-wide default for cleanup.policy.',
    eachOneOf('compact', 'delete'),
  ),
  define(
    'unclean.leader.election.enable',
    'boolean',
    'false',
    'Cluster-wide default for unclean.leader.election.enable.',
  ),
  define('min.insync.replicas', 'int', '1', 'Cluster-wide default for min.insync.replicas.', atLeast(1)),
  define(
    'compression.type',
    'string',
    'producer',
    'Cluster-wide default for compression.type.',
    oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'),
  ),
  define('compression.gzip.level', 'int', '-1', 'Cluster-wide default for compression.gzip.level.', gzipLevel),
  define('compression.lz4.level', 'int', '9', 'Cluster-wide default for compression.lz4.level.', between(1, 17)),
  define(
    'compression.zstd.level',
    'int',
    '3',
    'Cluster-wide default for compression.zstd.level.',
    between(-131072, 22),
  ),
  define('log.preallocate', 'boolean', 'false', 'Cluster-wide default for preallocate.'),
  define(
    'log.message.format.version',
    'string',
    '3.0-IV1',
    'Cluster-wide default for message.format.version (deprecated).',
    metadataVersion,
  ),
  define(
    'log.message.timestamp.type',
    'string',
    'CreateTime',
    'Cluster-wide default for message.timestamp.type.',
    oneOf('CreateTime', 'LogAppendTime'),
  ),
  define(
    'log.message.timestamp.difference.max.ms',
    'long',
    LONG_MAX_TEXT,
    'Cluster-wide default for message.timestamp.difference.max.ms (deprecated).',
    atLeast(0),
  ),
  define(
    'log.message.timestamp.before.max.ms',
    'long',
    LONG_MAX_TEXT,
    'Cluster-wide default for message.timestamp.before.max.ms.',
    atLeast(0),
  ),
  define(
    'log.message.timestamp.after.max.ms',
    'long',
    LONG_MAX_TEXT,
    'Cluster-wide default for message.timestamp.after.max.ms.',
    atLeast(0),
  ),
  define(
    'log.message.downconversion.enable',
    'boolean',
    'true',
    'Cluster-wide default for message.downconversion.enable.',
  ),
  define('log.local.retention.ms', 'long', '-2', 'Cluster-wide default for local.retention.ms.', atLeast(-2)),
  define('log.local.retention.bytes', 'long', '-2', 'Cluster-wide default for local.retention.bytes.', atLeast(-2)),
];

export const brokerConfigDefinitions: ReadonlyMap<string, ConfigDefinition> = new Map(
  BROKER_CONFIGS.map((c) => [c.name, c]),
);

// Broker configs that stand for one another (Kafka's DynamicBrokerConfig.brokerConfigSynonyms).
const BROKER_SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['log.roll.ms', 'log.roll.hours'],
  ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
  ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
];

/** The broker configs that stand for `name`, in order of precedence (just `name` for most). */
export function brokerConfigSynonyms(name: string): readonly string[] {
  return BROKER_SYNONYM_GROUPS.find((g) => g.includes(name)) ?? [name];
}

/** Where a resolved value came from, as DescribeConfigs reports it. */
export type ConfigSource = 'topic' | 'broker' | 'default';

/** A topic's effective value for `name`: explicit, then broker override, then Kafka's default. */
export function resolveTopicConfig(
  name: string,
  explicit: Readonly<Record<string, string>>,
  brokerDefaults: Readonly<Record<string, string>>,
): { value: string | null; source: ConfigSource } {
  if (name in explicit) return { value: explicit[name]!, source: 'topic' };
  if (name in brokerDefaults) return { value: brokerDefaults[name]!, source: 'broker' };
  return { value: topicConfigDefinitions.get(name)?.default ?? null, source: 'default' };
}

/**
 * Checks a topic's explicit configs as Kafka does before it stores them
 * (LogConfig.validate): every name known, every value valid, then the rules
 * that span configs, over the values the topic would resolve to. Returns
 * Kafka's message for the first problem, or undefined.
 */
export function validateTopicConfigs(
  explicit: Readonly<Record<string, string>>,
  brokerDefaults: Readonly<Record<string, string>>,
): string | undefined {
  for (const name of Object.keys(explicit)) {
    if (!topicConfigDefinitions.has(name)) return `Unknown topic config name: ${name}`;
  }
  const resolved = new Map<string, ParsedValue>();
  for (const def of TOPIC_CONFIGS) {
    const { value } = resolveTopicConfig(def.name, explicit, brokerDefaults);
    if (value === null) continue;
    const error = def.validate?.(value);
    if (error !== undefined) return error;
    const parsed = parseConfigValue(def.name, def.type, value);
    if (parsed.ok) resolved.set(def.name, parsed.value);
  }
  const minLag = resolved.get('min.compaction.lag.ms');
  const maxLag = resolved.get('max.compaction.lag.ms');
  if (typeof minLag === 'bigint' && typeof maxLag === 'bigint' && minLag > maxLag) {
    return `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`;
  }
  // Kafkaless has no tiered storage to switch on (the whole log already lives in object storage).
  if (resolved.get('remote.storage.enable') === true) {
    return 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.';
  }
  return undefined;
}
