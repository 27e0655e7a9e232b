/**
 * Drives the protocol oracle: Apache Kafka's own Java message and record classes (kafka-clients 3.9.x)
 * in one long-lived JVM, spoken to in newline-delimited JSON over stdin/stdout.
 * See test/oracle/java/src/main/java/dev/kafkaless/oracle/ for the ops.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Stats } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { javaCommand, mavenOfflineFirst } from '../support/maven.js';

const JAVA_DIR = fileURLToPath(new URL('./java/', import.meta.url));
/** The kafka-clients version the oracle is built against unless a caller asks for another. */
export const DEFAULT_KAFKA_VERSION = '3.9.2';

/** Where one Kafka version's build of the oracle lives. */
interface Build {
  readonly kafkaVersion: string;
  readonly targetDir: string;
  readonly classesDir: string;
  readonly classpathFile: string;
  readonly stampFile: string;
  readonly lockDir: string;
}

function buildFor(kafkaVersion: string): Build {
  if (!/^[0-9][0-9A-Za-z.-]*$/.test(kafkaVersion)) throw new Error(`bad Kafka version ${kafkaVersion}`);
  const targetDir = join(JAVA_DIR, kafkaVersion === DEFAULT_KAFKA_VERSION ? 'target' : `target-${kafkaVersion}`);
  return {
    kafkaVersion,
    targetDir,
    classesDir: join(targetDir, 'classes'),
    classpathFile: join(targetDir, 'classpath.txt'),
    stampFile: join(targetDir, 'oracle-build.stamp'),
    lockDir: join(targetDir, 'oracle-build.lock'),
  };
}
const MAIN_CLASS = 'dev.kafkaless.oracle.Main';

const LOCK_STALE_MS = 15 * 60_000;
const CLOSE_GRACE_MS = 5_000;
const STDERR_KEEP_CHARS = 64 * 1024;

export interface OracleSuccess {
  /** The id the request carried (a raw line may carry any JSON value, or none: null). */
  readonly id: unknown;
  readonly ok: true;
  readonly [field: string]: unknown;
}

export interface OracleFailure {
  readonly id: unknown;
  readonly ok: false;
  /** Exception class and message, e.g. "org.apache.kafka.common.errors.UnsupportedVersionException: …". */
  readonly error: string;
  readonly errorClass: string;
}

export type OracleResponse = OracleSuccess | OracleFailure;

/** An ok:false answer, raised by the typed helpers. */
export class OracleError extends Error {
  override readonly name = 'OracleError';
  constructor(
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
  }
}

export interface UnknownTaggedField {
  /** Path of the struct holding the field: "" for the message itself, "topics[0].partitions[1]" inside it. */
  readonly path: string;
  readonly tag: number;
  /** Base64 of the field's raw bytes. */
  readonly data: string;
}

export interface DecodeResult {
  /** The JsonConverter's view of the message; int64 values are decimal strings. */
  readonly json: Record<string, unknown>;
  /** Bytes the reader left unconsumed. */
  readonly remaining: number;
  readonly unknownTaggedFields: readonly UnknownTaggedField[];
}

export interface OracleMessage {
  readonly name: string;
  readonly className: string;
  readonly kind: 'request' | 'response' | 'header' | 'data';
  readonly apiKey: number | null;
  readonly lowestSupportedVersion: number;
  readonly highestSupportedVersion: number;
  readonly flexibleVersions: readonly number[];
}

export interface OracleApi {
  readonly apiKey: number;
  readonly name: string;
  readonly lowestSupportedVersion: number;
  /** Includes an unstable latest version. */
  readonly highestSupportedVersion: number;
  readonly highestStableVersion: number;
  readonly latestVersionUnstable: boolean;
  readonly lowestDeprecatedVersion: number;
  /** -1 when no version is deprecated. */
  readonly highestDeprecatedVersion: number;
  readonly listeners: readonly string[];
  readonly headerVersions: readonly {
    readonly version: number;
    readonly requestHeaderVersion: number;
    readonly responseHeaderVersion: number;
  }[];
}

export interface MessagesResult {
  readonly kafkaVersion: string;
  readonly messages: readonly OracleMessage[];
  readonly apis: readonly OracleApi[];
}

export interface ProduceRunRequest {
  readonly bootstrap: string;
  readonly topic: string;
  /** Every record to this partition unless a record names its own. */
  readonly partition?: number;
  /** Producer properties, passed through (compression.type, acks, enable.idempotence, linger.ms…). */
  readonly config?: Readonly<Record<string, string>>;
  readonly records: readonly (BuildRecord & { readonly partition?: number })[];
}

export interface ConsumeRunRequest {
  readonly bootstrap: string;
  /** Assigned partitions; from the beginning unless an offset is given. */
  readonly partitions: readonly { readonly topic: string; readonly partition: number; readonly offset?: bigint }[];
  /** Stop after this many records, or at the timeout. */
  readonly count: number;
  readonly timeoutMs?: number;
  readonly config?: Readonly<Record<string, string>>;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly timestampType: string;
  /** Base64, or null. */
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly { readonly key: string; readonly value: string | null }[];
}

export interface BuildRecord {
  /** Only with explicit offsets (appendWithOffset); otherwise offsets follow baseOffset. */
  readonly offset?: bigint | string;
  readonly timestamp?: bigint | string;
  readonly key?: Uint8Array | null;
  readonly value?: Uint8Array | null;
  readonly headers?: readonly { readonly key: string; readonly value: Uint8Array | null }[];
}

export interface BuildRecordsRequest {
  readonly magic?: 0 | 1 | 2;
  readonly compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  readonly compressionLevel?: number;
  readonly baseOffset?: bigint | string;
  /** Defaults to NoTimestampType for magic 0 and CreateTime otherwise. */
  readonly timestampType?: 'CreateTime' | 'LogAppendTime' | 'NoTimestampType';
  /** Required with LogAppendTime. */
  readonly logAppendTime?: bigint | string;
  readonly producerId?: bigint | string;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly transactional?: boolean;
  readonly partitionLeaderEpoch?: number;
  readonly deleteHorizonMs?: bigint | string;
  /** Makes a control batch holding one end-transaction marker (magic 2 only). */
  readonly control?: {
    readonly type: 'COMMIT' | 'ABORT';
    readonly coordinatorEpoch?: number;
    readonly timestamp?: bigint | string;
  };
  readonly records?: readonly BuildRecord[];
}

export interface OracleRecord {
  readonly offset: string;
  readonly timestamp: string;
  readonly sequence: number;
  readonly sizeInBytes: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly { readonly key: string; readonly value: string | null }[];
  /** Present for records of a control batch. */
  readonly control?: { readonly type: string; readonly coordinatorEpoch?: number };
}

export interface OracleBatch {
  readonly baseOffset: string;
  readonly lastOffset: string;
  readonly nextOffset: string;
  readonly sizeInBytes: number;
  /** The batch length field (v2) or message size field (v0/v1). */
  readonly length: number;
  readonly partitionLeaderEpoch: number;
  readonly magic: number;
  readonly crc: number;
  readonly valid: boolean;
  readonly validError: string | null;
  readonly attributes: number;
  readonly lastOffsetDelta: number | null;
  readonly baseTimestamp: string | null;
  readonly compression: string;
  readonly timestampType: string;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  readonly maxTimestamp: string;
  readonly producerId: string;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastSequence: number;
  readonly count: number | null;
  readonly deleteHorizonMs: string | null;
  readonly records: readonly OracleRecord[] | null;
  readonly recordsError: string | null;
}

export interface ReadRecordsResult {
  readonly batches: readonly OracleBatch[];
  /** Bytes after the last whole batch (Kafka's reader skips a truncated tail silently). */
  readonly trailingBytes: number;
}

interface Pending {
  /** The id we sent, or null for a raw line whose id we do not know. */
  readonly id: number | null;
  readonly resolve: (response: OracleResponse) => void;
  readonly reject: (error: Error) => void;
}

/**
 * JSON text in which bigint values are bare number digits (Kafka's converter reads int64 from JSON
 * numbers, which Jackson parses exactly) and byte arrays are base64 strings.
 */
export function stringifyKafkaJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`JSON cannot carry ${value}`);
      return JSON.stringify(value);
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`cannot write ${typeof value} as JSON`);
  }
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) {
    return `[${value.map((item: unknown) => (item === undefined ? 'null' : stringifyKafkaJson(item))).join(',')}]`;
  }
  const parts: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) parts.push(`${JSON.stringify(key)}:${stringifyKafkaJson(item)}`);
  }
  return `{${parts.join(',')}}`;
}

const building = new Map<string, Promise<void>>();

/**
 * Builds the oracle with Maven when target/classes or the classpath is missing, or the pom or a source
 * file changed since the last build. Silent on success; Maven's output is in the error on failure.
 */
export function ensureOracleBuilt(kafkaVersion = DEFAULT_KAFKA_VERSION): Promise<void> {
  let pending = building.get(kafkaVersion);
  if (pending === undefined) {
    pending = buildIfStale(buildFor(kafkaVersion)).catch((error: unknown) => {
      building.delete(kafkaVersion);
      throw error;
    });
    building.set(kafkaVersion, pending);
  }
  return pending;
}

async function buildIfStale(b: Build): Promise<void> {
  if (await isFresh(b)) return;
  await withBuildLock(b, async () => {
    // Another process may have built it while we waited for the lock.
    if (await isFresh(b)) return;
    const startedAt = Date.now();
    await runMaven(b);
    await writeFile(b.stampFile, `${startedAt}\n`);
  });
}

async function isFresh(b: Build): Promise<boolean> {
  const [classes, stamp, classpath] = await Promise.all([
    statOrUndefined(b.classesDir),
    readFile(b.stampFile, 'utf8').catch(() => undefined),
    readFile(b.classpathFile, 'utf8').catch(() => undefined),
  ]);
  if (classes === undefined || stamp === undefined || classpath === undefined) return false;
  const builtAt = Number(stamp.trim());
  if (!Number.isFinite(builtAt)) return false;
  if ((await newestSourceMtime()) > builtAt) return false;
  // A cleared ~/.m2 leaves a classpath naming jars that are gone.
  const jars = classpathEntries(classpath);
  const present = await Promise.all(jars.map(async (jar) => (await statOrUndefined(jar)) !== undefined));
  return present.every(Boolean);
}

async function newestSourceMtime(): Promise<number> {
  let newest = (await stat(join(JAVA_DIR, 'pom.xml'))).mtimeMs;
  const srcDir = join(JAVA_DIR, 'src');
  for (const relative of await readdir(srcDir, { recursive: true })) {
    // Directories count too: a deleted source file only shows in its directory's mtime.
    newest = Math.max(newest, (await stat(join(srcDir, relative))).mtimeMs);
  }
  return newest;
}

async function runMaven(b: Build): Promise<void> {
  await mavenOfflineFirst(
    'building the oracle',
    [`-Dkafka.version=${b.kafkaVersion}`, `-Doracle.buildDir=${b.targetDir}`, 'package'],
    JAVA_DIR,
  );
}

async function withBuildLock(b: Build, body: () => Promise<void>): Promise<void> {
  await mkdir(b.targetDir, { recursive: true });
  const giveUpAt = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      await mkdir(b.lockDir);
      break;
    } catch (error: unknown) {
      if (!isErrno(error, 'EEXIST')) throw error;
      const lock = await statOrUndefined(b.lockDir);
      if (lock !== undefined && Date.now() - lock.mtimeMs > LOCK_STALE_MS) {
        await rm(b.lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > giveUpAt) throw new Error(`timed out waiting for the oracle build lock ${b.lockDir}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    await body();
  } finally {
    await rm(b.lockDir, { recursive: true, force: true });
  }
}

function statOrUndefined(path: string): Promise<Stats | undefined> {
  return stat(path).catch(() => undefined);
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

function classpathEntries(classpath: string): string[] {
  return classpath
    .trim()
    .split(delimiter)
    .filter((entry) => entry.length > 0);
}

/** One JVM running the oracle; requests are pipelined and answered in order. */
export class Oracle {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextRawId = -1;
  private stdoutBuffer = '';
  private stderrTail = '';
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEEP_CHARS);
    });
    // Writes after the JVM died fail with EPIPE; the exit handler reports it.
    child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        this.fail(new Error(`oracle JVM failed: ${error.message}`));
        resolve();
      });
      child.on('close', (code, signal) => {
        this.fail(new Error(`oracle JVM exited (code ${code}, signal ${signal})${this.stderrSuffix()}`));
        resolve();
      });
    });
  }

  /** Builds the oracle if needed, starts the JVM and waits until it answers. */
  static async start(kafkaVersion = DEFAULT_KAFKA_VERSION): Promise<Oracle> {
    await ensureOracleBuilt(kafkaVersion);
    const b = buildFor(kafkaVersion);
    const classpath = classpathEntries(await readFile(b.classpathFile, 'utf8'));
    const child = spawn(
      javaCommand(),
      ['-XX:+UseSerialGC', '-Xss8m', '-cp', [b.classesDir, ...classpath].join(delimiter), MAIN_CLASS],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const oracle = new Oracle(child);
    const ping = await oracle.call({ op: 'ping' });
    if (!ping.ok) {
      await oracle.close();
      throw new OracleError(ping.errorClass, `oracle ping failed: ${ping.error}`);
    }
    return oracle;
  }

  /** Sends one request; its `id` is assigned here. bigint values go out as JSON number digits. */
  call(request: object): Promise<OracleResponse> {
    const id = this.nextId++;
    return this.send(id, stringifyKafkaJson({ ...request, id }));
  }

  /** Sends one line exactly as given (for malformed-input tests); matched to its answer by order. */
  callRaw(line: string): Promise<OracleResponse> {
    if (line.includes('\n')) return Promise.reject(new Error('a raw request must be a single line'));
    return this.send(null, line);
  }

  async messages(): Promise<MessagesResult> {
    const response = expectOk(await this.call({ op: 'messages' }));
    if (!Array.isArray(response.messages) || !Array.isArray(response.apis)) {
      throw new Error('oracle messages answer lacks messages or apis');
    }
    return response as unknown as MessagesResult;
  }

  /** Kafka's bytes for `json` (JsonConverter field names) at `version`. */
  async encode(
    message: string,
    version: number,
    json: unknown,
    unknownTaggedFields?: readonly UnknownTaggedField[],
  ): Promise<Uint8Array> {
    const response = expectOk(await this.call({ op: 'encode', message, version, json, unknownTaggedFields }));
    return bytesField(response, 'bytes');
  }

  async decode(message: string, version: number, bytes: Uint8Array): Promise<DecodeResult> {
    const response = expectOk(await this.call({ op: 'decode', message, version, bytes }));
    const { json, remaining, unknownTaggedFields } = response;
    if (!isRecord(json) || typeof remaining !== 'number' || !Array.isArray(unknownTaggedFields)) {
      throw new Error('oracle decode answer is malformed');
    }
    return { json, remaining, unknownTaggedFields: unknownTaggedFields as UnknownTaggedField[] };
  }

  async buildRecords(request: BuildRecordsRequest): Promise<Uint8Array> {
    return bytesField(expectOk(await this.call({ ...request, op: 'buildRecords' })), 'bytes');
  }

  async readRecords(bytes: Uint8Array): Promise<ReadRecordsResult> {
    const response = expectOk(await this.call({ op: 'readRecords', bytes }));
    if (!Array.isArray(response.batches) || typeof response.trailingBytes !== 'number') {
      throw new Error('oracle readRecords answer is malformed');
    }
    return { batches: response.batches as OracleBatch[], trailingBytes: response.trailingBytes };
  }

  /** Runs Kafka's KafkaProducer against `bootstrap` and waits until every record is acknowledged. */
  async produce(request: ProduceRunRequest): Promise<{ partition: number; offset: string; timestamp: string }[]> {
    const response = expectOk(await this.call({ ...request, op: 'produce' }));
    if (!Array.isArray(response.results)) throw new Error('oracle produce answer lacks results');
    return response.results as { partition: number; offset: string; timestamp: string }[];
  }

  /** Runs Kafka's KafkaConsumer with assign() and returns what it read. */
  async consume(request: ConsumeRunRequest): Promise<ConsumedRecord[]> {
    const response = expectOk(await this.call({ ...request, op: 'consume' }));
    if (!Array.isArray(response.records)) throw new Error('oracle consume answer lacks records');
    return response.records as ConsumedRecord[];
  }

  /**
   * Runs one Kafka AdminClient call; a failure of the call itself comes back as
   * `{ error: 'TopicExistsException', message }` rather than a rejection.
   */
  async admin(bootstrap: string, action: string, args: object = {}): Promise<Record<string, unknown>> {
    return expectOk(await this.call({ ...args, bootstrap, action, op: 'admin' }));
  }

  /** One consumer-group member (subscribe, commitSync after each poll) until idle; see ClientRun.groupConsume. */
  async groupConsume(request: {
    bootstrap: string;
    topic: string;
    groupId: string;
    config?: Readonly<Record<string, string>>;
    idleMs?: number;
    maxRecords?: number;
    timeoutMs?: number;
  }): Promise<{ records: { partition: number; offset: string; key: string | null }[]; assignments: number[][] }> {
    const r = expectOk(await this.call({ ...request, op: 'groupConsume' }));
    return r as unknown as {
      records: { partition: number; offset: string; key: string | null }[];
      assignments: number[][];
    };
  }

  /** Producer or consumer throughput with records generated inside the JVM (`producePerf` / `consumePerf`). */
  async perf(
    op: 'producePerf' | 'consumePerf',
    args: object,
  ): Promise<{ records: number; bytes: number; seconds: number }> {
    const r = expectOk(await this.call({ ...args, op }));
    return { records: Number(r.records), bytes: Number(r.bytes), seconds: Number(r.seconds) };
  }

  /** Kills the JVM at once (SIGKILL), as a crashed client. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** Ends the JVM's input and waits for it to exit; kills it if it lingers. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
  }

  private send(id: number | null, line: string): Promise<OracleResponse> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(id ?? this.nextRawId--, { id, resolve, reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  private onStdout(chunk: string): void {
    this.stdoutBuffer += chunk;
    let newline = this.stdoutBuffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.stdoutBuffer.slice(0, newline);
      this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1);
      if (line.length > 0) this.onResponseLine(line);
      newline = this.stdoutBuffer.indexOf('\n');
    }
  }

  private onResponseLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.protocolError(`oracle wrote a line that is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    // Answers come in request order, so the oldest pending request owns this line.
    const oldest = this.pending.entries().next();
    if (oldest.done) {
      this.protocolError(`oracle answered with nothing pending: ${line.slice(0, 200)}`);
      return;
    }
    const [key, pending] = oldest.value;
    if (!isResponse(parsed) || (pending.id !== null && parsed.id !== pending.id)) {
      this.protocolError(`oracle answer does not match request ${pending.id}: ${line.slice(0, 200)}`);
      return;
    }
    this.pending.delete(key);
    pending.resolve(parsed);
  }

  private protocolError(message: string): void {
    this.fail(new Error(`${message}${this.stderrSuffix()}`));
    this.child.kill('SIGKILL');
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
  }

  private stderrSuffix(): string {
    const tail = this.stderrTail.trim();
    return tail.length > 0 ? `\n--- oracle stderr ---\n${tail}` : '';
  }
}

/** The success answer, or an OracleError carrying Kafka's exception. */
export function expectOk(response: OracleResponse): OracleSuccess {
  if (!response.ok) throw new OracleError(response.errorClass, response.error);
  return response;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isResponse(value: unknown): value is OracleResponse {
  if (!isRecord(value) || typeof value.ok !== 'boolean') return false;
  if (value.ok) return true;
  return typeof value.error === 'string' && typeof value.errorClass === 'string';
}

function bytesField(response: OracleSuccess, field: string): Uint8Array {
  const value = response[field];
  if (typeof value !== 'string') throw new Error(`oracle answer lacks '${field}'`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}
