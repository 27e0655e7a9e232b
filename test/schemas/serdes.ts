/**
 * Real schema-registry serializers for test/schemas: confluent-kafka-python's
 * (python/serde.py, in its own cached venv with the avro, json, protobuf and
 * schemaregistry extras) and @kafkajs/confluent-schema-registry's
 * (kafkajs/main.mjs, installed into the cache like the client matrix's Node
 * clients). Both scripts take one JSON argument and print JSON lines, the
 * last one the outcome; and the registry's REST API, as the tests check it.
 */

import { execFile, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheRoot } from '../../infra/local/install.js';
import { pinnedRequirements, pythonVenv } from '../support/python.js';

const run = promisify(execFile);

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PYTHON_DIR = join(HERE, 'python');
const KAFKAJS_DIR = join(HERE, 'kafkajs');
const NODE_BUILD = fileURLToPath(new URL('../clients/node-build.mjs', import.meta.url));

export type SerdeClient = 'python' | 'kafkajs';
export type SchemaFormat = 'avro' | 'json' | 'protobuf';

/** The pins of python/requirements.txt: confluent-kafka and its serializers' extras. */
export const PYTHON_SERDE_PACKAGES = pinnedRequirements(join(PYTHON_DIR, 'requirements.txt'));
/** What kafkajs/package.json pins. */
export const KAFKAJS_SERDE_VERSIONS = { kafkajs: '2.2.4', '@kafkajs/confluent-schema-registry': '3.9.0' } as const;

/** The interpreter of the cached venv with confluent-kafka and its serializers' dependencies. */
export function pythonWithSerdes(): Promise<string> {
  return pythonVenv({
    name: `python-confluent-kafka-serdes-${PYTHON_SERDE_PACKAGES['confluent-kafka']}`,
    packages: PYTHON_SERDE_PACKAGES,
    imports: [
      'confluent_kafka.schema_registry.avro',
      'confluent_kafka.schema_registry.json_schema',
      'confluent_kafka.schema_registry.protobuf',
    ],
  });
}

let kafkajsReady: Promise<string> | undefined;

/** The cache folder kafkajs/package.json is installed into (by node-build.mjs, which skips a current install). */
export function kafkajsWithSerdes(): Promise<string> {
  kafkajsReady ??= (async () => {
    const cache = join(cacheRoot(), 'schemas', 'kafkajs');
    await mkdir(cache, { recursive: true });
    await run(process.execPath, [NODE_BUILD, cache], { cwd: KAFKAJS_DIR, maxBuffer: 16 * 1024 * 1024 }).catch(
      (e: { stderr?: string; message: string }) => {
        throw new Error(`installing test/schemas/kafkajs failed:\n${(e.stderr ?? e.message).slice(-4000)}`);
      },
    );
    return cache;
  })();
  kafkajsReady.catch(() => {
    kafkajsReady = undefined;
  });
  return kafkajsReady;
}

/** A delivery report: the offset, or the Kafka error that refused the record. */
export type Delivery = { offset: number } | { error: string; code: number; message: string };

export interface ProduceOutcome {
  readonly event: 'done';
  readonly delivered: Delivery[];
}

/** Serializing failed before anything was produced (a registration the registry refused). */
export interface SerializeError {
  readonly event: 'serialize-error';
  readonly index: number;
  /** The registry's HTTP status. */
  readonly status: number;
  readonly message: string;
}

export interface ConsumedRecord {
  readonly offset: number;
  readonly magic: number;
  /** The schema id in bytes 1..4 of the value. */
  readonly id: number;
  readonly value: unknown;
}

interface Common {
  bootstrap: string;
  registry: string;
  topic: string;
  format: SchemaFormat;
  /** Avro, JSON: schema text; Protobuf: .proto text (kafkajs) or a FileDescriptorProto as JSON (Python). */
  schema?: string | object;
  /** Protobuf (Python): the message's full name. */
  message?: string;
}

export interface ProduceArgs extends Common {
  values: unknown[];
  /** Python: auto.register.schemas (default true). */
  auto_register?: boolean;
  /** Python: use.latest.version. */
  use_latest?: boolean;
  /** Python: the serializer's subject.name.strategy (default topic: `<topic>-value`; record: the record's full name). */
  subject_strategy?: 'topic' | 'record';
  /** kafkajs: the subject's compatibility level `register` expects (default BACKWARD). */
  compatibility?: string;
}

export interface ConsumeArgs extends Common {
  count: number;
  timeout_ms?: number;
}

async function runScript(client: SerdeClient, args: object): Promise<Record<string, unknown>> {
  const [file, argv] =
    client === 'python'
      ? [await pythonWithSerdes(), [join(PYTHON_DIR, 'serde.py')]]
      : [process.execPath, [join(KAFKAJS_DIR, 'main.mjs'), await kafkajsWithSerdes()]];
  const child = spawn(file, [...argv, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const lines = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const last = lines.at(-1);
  if (code !== 0 || last === undefined) {
    throw new Error(`${client} serde script exited with ${code}:\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr}`);
  }
  return last;
}

/** Serializes (registering as the client does) and produces each value, one at a time, to partition 0. */
export async function serializeAndProduce(
  client: SerdeClient,
  args: ProduceArgs,
): Promise<ProduceOutcome | SerializeError> {
  return (await runScript(client, { op: 'produce', ...args })) as unknown as ProduceOutcome | SerializeError;
}

/** Like {@link serializeAndProduce}, and fails unless every record was accepted; the offsets. */
export async function produceAll(client: SerdeClient, args: ProduceArgs): Promise<number[]> {
  const outcome = await serializeAndProduce(client, args);
  if (outcome.event !== 'done') throw new Error(`serializing failed: ${JSON.stringify(outcome)}`);
  return outcome.delivered.map((d) => {
    if (!('offset' in d)) throw new Error(`a record was refused: ${JSON.stringify(d)}`);
    return d.offset;
  });
}

/** Produces bytes as they are, no serializer, one record at a time. */
export async function produceRaw(
  client: SerdeClient,
  args: { bootstrap: string; topic: string; raw: Uint8Array[] },
): Promise<Delivery[]> {
  const outcome = (await runScript(client, {
    op: 'produce-raw',
    bootstrap: args.bootstrap,
    topic: args.topic,
    raw: args.raw.map((bytes) => Buffer.from(bytes).toString('base64')),
  })) as unknown as ProduceOutcome;
  return outcome.delivered;
}

/** Reads partition 0 from the start and deserializes up to `count` records. */
export async function consumeAndDeserialize(client: SerdeClient, args: ConsumeArgs): Promise<ConsumedRecord[]> {
  const outcome = await runScript(client, { op: 'consume', ...args });
  return outcome.records as ConsumedRecord[];
}

// ---------------------------------------------------------------------------
// The registry's REST API

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

export interface RegisteredVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
  schemaType?: string;
}

/** `GET /subjects/{subject}/versions/{version}`. */
export async function subjectVersion(
  registry: string,
  subject: string,
  version: number | 'latest',
): Promise<RegisteredVersion> {
  const { status, body } = await call(`${registry}/subjects/${encodeURIComponent(subject)}/versions/${version}`, 'GET');
  if (status !== 200) throw new Error(`GET ${subject} version ${version}: ${status} ${JSON.stringify(body)}`);
  return body as RegisteredVersion;
}

/** `GET /subjects/{subject}/versions`. */
export async function subjectVersions(registry: string, subject: string): Promise<number[]> {
  const { status, body } = await call(`${registry}/subjects/${encodeURIComponent(subject)}/versions`, 'GET');
  if (status !== 200) throw new Error(`GET ${subject} versions: ${status} ${JSON.stringify(body)}`);
  return body as number[];
}

/** `GET /subjects`. */
export async function subjects(registry: string): Promise<string[]> {
  const { status, body } = await call(`${registry}/subjects`, 'GET');
  if (status !== 200) throw new Error(`GET /subjects: ${status} ${JSON.stringify(body)}`);
  return body as string[];
}

/** `PUT /config/{subject}` with a compatibility level; the level the registry answers with. */
export async function setCompatibility(registry: string, subject: string, level: string): Promise<string> {
  const { status, body } = await call(`${registry}/config/${encodeURIComponent(subject)}`, 'PUT', {
    compatibility: level,
  });
  if (status !== 200) throw new Error(`PUT /config/${subject}: ${status} ${JSON.stringify(body)}`);
  return (body as { compatibility: string }).compatibility;
}

/** `POST /subjects/{subject}/versions` as a tool would, without a serializer. */
export async function registerSchema(
  registry: string,
  subject: string,
  schema: string,
  schemaType?: 'AVRO' | 'JSON' | 'PROTOBUF',
): Promise<number> {
  const { status, body } = await call(`${registry}/subjects/${encodeURIComponent(subject)}/versions`, 'POST', {
    schema,
    ...(schemaType === undefined ? {} : { schemaType }),
  });
  if (status !== 200) throw new Error(`registering under ${subject}: ${status} ${JSON.stringify(body)}`);
  return (body as { id: number }).id;
}

/** A record value in Confluent's envelope: magic byte 0, the schema id (big-endian), the payload. */
export function envelope(id: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  new DataView(out.buffer).setUint32(1, id);
  out.set(payload, 5);
  return out;
}
