/**
 * A Confluent-compatible schema registry as a Hono app: the REST endpoints
 * Kafka serializers and registry tools call (subjects and versions, schemas
 * by id, compatibility, config, mode, references), with Confluent's error
 * bodies (`{"error_code": 40401, "message": …}`) and statuses. Not a Kafka
 * API function: it answers HTTP clients directly, keeps no state of its own
 * and reads and writes the MetaStore's `schemas`.
 *
 * Answers are `application/vnd.schemaregistry.v1+json` unless the client
 * accepts only `application/vnd.schemaregistry+json` or `application/json`.
 * AVRO is the default schema type and, as Confluent does, left out of answers.
 */

import { type Context, Hono } from 'hono';
import {
  type CompatibilityLevel,
  compatibilityProblems,
  DEFAULT_COMPATIBILITY,
  isCompatibilityLevel,
} from '../../shared/schemas/compatibility.js';
import { rulesFor as defaultRulesFor, isSchemaType } from '../../shared/schemas/index.js';
import { resolveReferences } from '../../shared/schemas/references.js';
import { SchemaParseError, type SchemaRules, type SchemaType } from '../../shared/schemas/types.js';
import {
  REGISTRY_MODES,
  type RegistryConfig,
  type RegistryMode,
  type SchemaReference,
  type SchemaStore,
  type StoredSchema,
  type SubjectVersion,
} from '../../shared/storage/schemas.js';
import type { MetaStore } from '../../shared/storage/types.js';
import { StorageUnavailableError } from '../../shared/storage/types.js';
import { invalidSchema, RegistryError, SR_ERRORS, schemaNotFound, subjectNotFound, versionNotFound } from './errors.js';
import {
  DescriptorError,
  looksSerialized,
  protoTextFromSerialized,
  serializedFromProtoText,
} from './protobuf-serialized.js';

export interface SchemaRegistryEnv {
  readonly meta: Pick<MetaStore, 'schemas'>;
}

export interface SchemaRegistryOptions {
  /** The rules of each schema type (default: shared/schemas/index.ts); tests hand in their own. */
  readonly rulesFor?: (type: SchemaType) => SchemaRules<unknown> | undefined;
}

const V1 = 'application/vnd.schemaregistry.v1+json';
const GENERIC = 'application/vnd.schemaregistry+json';
const JSON_TYPE = 'application/json';
const ACCEPTED_BODIES = [V1, GENERIC, JSON_TYPE, 'application/octet-stream'];
const MAX_VERSION = 2 ** 31 - 1;
/** How often a register retries when another registration moved the subject on between check and write. */
const REGISTER_ATTEMPTS = 10;

/** The media type to answer with, or null when the client accepts none of ours. */
function answerType(accept: string | undefined): string | null {
  if (accept === undefined || accept.trim() === '') return V1;
  const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  if (types.some((t) => t === V1 || t === '*/*' || t === 'application/*')) return V1;
  if (types.includes(GENERIC)) return GENERIC;
  if (types.includes(JSON_TYPE)) return JSON_TYPE;
  return null;
}

function send(c: Context, body: unknown, status = 200): Response {
  const type = answerType(c.req.header('accept')) ?? V1;
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
}

function flag(c: Context, name: string): boolean {
  return (c.req.query(name) ?? '').toLowerCase() === 'true';
}

/** A version path segment: a number in [1, 2^31-1], `latest`, or -1 (latest). */
type VersionSpec = number | 'latest';

function parseVersion(text: string): VersionSpec {
  if (text.toLowerCase() === 'latest' || text === '-1') return 'latest';
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_VERSION) {
    throw new RegistryError(
      SR_ERRORS.INVALID_VERSION,
      `The specified version '${text}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    );
  }
  return n;
}

function parseId(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw schemaNotFound();
  return n;
}

interface SchemaRequest {
  readonly schema: string;
  readonly schemaType: SchemaType;
  readonly references: readonly SchemaReference[];
  readonly id?: number;
  readonly version?: number;
  readonly normalize?: boolean;
}

async function readBody(c: Context): Promise<Record<string, unknown>> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== '' && !ACCEPTED_BODIES.includes(type)) {
    throw new RegistryError(SR_ERRORS.UNSUPPORTED_MEDIA_TYPE, 'HTTP 415 Unsupported Media Type');
  }
  const text = await c.req.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RegistryError(SR_ERRORS.BAD_REQUEST, `Unparseable request body: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RegistryError(SR_ERRORS.BAD_REQUEST, 'The request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function optionalInteger(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new RegistryError(SR_ERRORS.BAD_REQUEST, `'${field}' must be an integer`);
  }
  return v;
}

function schemaRequest(body: Record<string, unknown>): SchemaRequest {
  const { schema, schemaType = 'AVRO', references = [] } = body;
  if (typeof schema !== 'string' || schema.trim() === '') throw invalidSchema('the schema is empty');
  const type = typeof schemaType === 'string' ? schemaType.toUpperCase() : schemaType;
  if (!isSchemaType(type)) throw invalidSchema(`unknown schema type ${JSON.stringify(schemaType)}`);
  const text = type === 'PROTOBUF' && looksSerialized(schema) ? protoText(schema) : schema;
  if (!Array.isArray(references)) throw invalidSchema("'references' must be a list");
  const refs = references.map((r: unknown): SchemaReference => {
    const ref = (r ?? {}) as Record<string, unknown>;
    if (typeof ref.name !== 'string' || typeof ref.subject !== 'string' || typeof ref.version !== 'number') {
      throw invalidSchema(`a reference needs a name, a subject and a version: ${JSON.stringify(r)}`);
    }
    return { name: ref.name, subject: ref.subject, version: ref.version };
  });
  const id = optionalInteger(body, 'id');
  const version = optionalInteger(body, 'version');
  return {
    schema: text,
    schemaType: type,
    references: refs,
    ...(id !== undefined && id >= 0 ? { id } : {}),
    ...(version !== undefined && version > 0 ? { version } : {}),
    ...(typeof body.normalize === 'boolean' ? { normalize: body.normalize } : {}),
  };
}

/** A Protobuf schema registered as a base64 FileDescriptorProto (librdkafka-based serializers), kept as .proto text. */
function protoText(serialized: string): string {
  try {
    return protoTextFromSerialized(serialized);
  } catch (e) {
    if (e instanceof DescriptorError) throw invalidSchema(e.message);
    throw e;
  }
}

/**
 * The schema text to answer with: with `?format=serialized`, a Protobuf
 * schema as a base64 FileDescriptorProto, as Confluent answers.
 */
function schemaText(s: StoredSchema, format: string | undefined): string {
  if (format !== 'serialized' || s.schemaType !== 'PROTOBUF') return s.schema;
  try {
    return serializedFromProtoText(s.schema);
  } catch (e) {
    throw invalidSchema(`schema ${s.id} cannot be serialized: ${(e as Error).message}`);
  }
}

/** Confluent's rendering of a registered schema: AVRO type and empty references left out. */
function schemaBody(s: StoredSchema, format?: string): Record<string, unknown> {
  return {
    ...(s.schemaType === 'AVRO' ? {} : { schemaType: s.schemaType }),
    schema: schemaText(s, format),
    ...(s.references.length > 0 ? { references: s.references } : {}),
  };
}

function live(versions: readonly SubjectVersion[]): SubjectVersion[] {
  return versions.filter((v) => !v.deleted);
}

/** Everything one request needs, with the schemas it parsed kept for the request's life. */
class Registry {
  private readonly parsed = new Map<string, unknown>();

  constructor(
    readonly store: SchemaStore,
    private readonly rulesFor: (type: SchemaType) => SchemaRules<unknown> | undefined,
  ) {}

  rules(type: SchemaType): SchemaRules<unknown> {
    const rules = this.rulesFor(type);
    if (rules === undefined) throw invalidSchema(`schema type ${type} is not supported`);
    return rules;
  }

  /** Live versions, or 40401 when there are none (with `deleted`, soft-deleted ones count). */
  async versions(subject: string, includeDeleted = false): Promise<SubjectVersion[]> {
    const all = await this.store.versions(subject);
    const shown = includeDeleted ? all : live(all);
    if (shown.length === 0) throw subjectNotFound(subject);
    return shown;
  }

  /** One version of a subject; `latest` is the latest live one. */
  async version(subject: string, spec: VersionSpec, includeDeleted = false): Promise<SubjectVersion> {
    const all = await this.store.versions(subject);
    if (all.length === 0) throw subjectNotFound(subject);
    if (spec === 'latest') {
      const shown = includeDeleted ? all : live(all);
      const latest = shown.at(-1);
      if (latest === undefined) throw subjectNotFound(subject);
      return latest;
    }
    const found = all.find((v) => v.version === spec);
    if (found === undefined || (found.deleted && !includeDeleted)) throw versionNotFound(spec);
    return found;
  }

  async schema(id: number): Promise<StoredSchema> {
    const s = await this.store.getSchema(id);
    if (s === null) throw schemaNotFound(id);
    return s;
  }

  /** Parses a schema with its references; 42201 when it does not parse. */
  async parse(type: SchemaType, schema: string, references: readonly SchemaReference[]): Promise<unknown> {
    const rules = this.rules(type);
    try {
      return rules.parse(schema, await resolveReferences(this.store, references));
    } catch (e) {
      if (e instanceof SchemaParseError) throw invalidSchema(e.message);
      throw e;
    }
  }

  /** A stored schema, parsed once per request. */
  async parsedStored(s: StoredSchema): Promise<unknown> {
    const key = String(s.id);
    if (!this.parsed.has(key)) {
      if (!isSchemaType(s.schemaType)) throw invalidSchema(`stored schema ${s.id} has type ${s.schemaType}`);
      this.parsed.set(key, await this.parse(s.schemaType, s.schema, s.references));
    }
    return this.parsed.get(key);
  }

  async config(subject: string | null): Promise<RegistryConfig> {
    const own = subject === null ? null : await this.store.getConfig(subject);
    const global = await this.store.getConfig(null);
    return { ...global, ...own };
  }

  async level(subject: string): Promise<CompatibilityLevel> {
    const level = (await this.config(subject)).compatibilityLevel;
    return isCompatibilityLevel(level) ? level : DEFAULT_COMPATIBILITY;
  }

  async mode(subject: string | null): Promise<RegistryMode> {
    return (
      (subject === null ? null : await this.store.getMode(subject)) ?? (await this.store.getMode(null)) ?? 'READWRITE'
    );
  }

  async writable(subject: string): Promise<RegistryMode> {
    const mode = await this.mode(subject);
    if (mode === 'READONLY') {
      throw new RegistryError(SR_ERRORS.OPERATION_NOT_PERMITTED, `Subject ${subject} is in read-only mode`);
    }
    return mode;
  }

  /**
   * Problems of `candidate` against the versions given (oldest first) at
   * `level`, worded for a verbose answer; empty when compatible.
   */
  async problems(
    type: SchemaType,
    candidate: unknown,
    against: readonly SubjectVersion[],
    level: CompatibilityLevel,
  ): Promise<string[]> {
    if (level === 'NONE' || against.length === 0) return [];
    const stored = await Promise.all(against.map((v) => this.schema(v.id)));
    const messages: string[] = [];
    // A schema of another type is never compatible, as Confluent rules.
    const sameType = stored.filter((s, i) => {
      if (s.schemaType === type) return true;
      messages.push(
        `Incompatible because of different schema type: version ${against[i]!.version} is ${s.schemaType}, not ${type}`,
      );
      return false;
    });
    if (messages.length > 0) return messages;
    const previous = await Promise.all(sameType.map((s) => this.parsedStored(s)));
    const found = compatibilityProblems(this.rules(type), level, candidate, previous);
    if (found.length === 0) return [];
    const first = found[0]!;
    for (const p of found) {
      const version = against[p.index]!.version;
      messages.push(
        p.direction === 'backward'
          ? `the new schema cannot read data written with version ${version}: ${p.message}`
          : `version ${version} cannot read data written with the new schema: ${p.message}`,
      );
    }
    messages.push(
      `{oldSchemaVersion: ${against[first.index]!.version}}`,
      `{oldSchema: '${stored[first.index]!.schema}'}`,
      `{compatibility: '${level}'}`,
    );
    return messages;
  }
}

function levelBody(body: Record<string, unknown>): RegistryConfig {
  const raw = body.compatibility ?? body.compatibilityLevel;
  const out: { compatibilityLevel?: string; normalize?: boolean } = {};
  if (raw !== undefined && raw !== null) {
    const level = typeof raw === 'string' ? raw.toUpperCase() : raw;
    if (!isCompatibilityLevel(level)) {
      throw new RegistryError(
        SR_ERRORS.INVALID_COMPATIBILITY_LEVEL,
        'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive',
      );
    }
    out.compatibilityLevel = level;
  }
  if (typeof body.normalize === 'boolean') out.normalize = body.normalize;
  return out;
}

function configAnswer(config: RegistryConfig, fallback: boolean): Record<string, unknown> {
  return {
    ...(config.compatibilityLevel !== undefined
      ? { compatibilityLevel: config.compatibilityLevel }
      : fallback
        ? { compatibilityLevel: DEFAULT_COMPATIBILITY }
        : {}),
    ...(config.normalize !== undefined ? { normalize: config.normalize } : {}),
  };
}

function modeBody(body: Record<string, unknown>): RegistryMode {
  const mode = typeof body.mode === 'string' ? body.mode.toUpperCase() : body.mode;
  if (!REGISTRY_MODES.includes(mode as RegistryMode)) {
    throw new RegistryError(SR_ERRORS.INVALID_MODE, `Invalid mode. Valid values are ${REGISTRY_MODES.join(', ')}`);
  }
  return mode as RegistryMode;
}

export function schemaRegistryApp(env: SchemaRegistryEnv, options: SchemaRegistryOptions = {}): Hono {
  const app = new Hono();
  const lookup = options.rulesFor ?? defaultRulesFor;
  // Confluent's order.
  const types = (): readonly SchemaType[] =>
    (['JSON', 'PROTOBUF', 'AVRO'] as const).filter((t) => lookup(t) !== undefined);
  const registry = (): Registry => new Registry(env.meta.schemas, lookup);

  app.use('*', async (c, next) => {
    if (answerType(c.req.header('accept')) === null) {
      throw new RegistryError(SR_ERRORS.NOT_ACCEPTABLE, 'HTTP 406 Not Acceptable');
    }
    await next();
  });

  app.get('/', (c) => send(c, {}));

  app.get('/schemas/types', (c) => send(c, types()));

  app.get('/subjects', async (c) => {
    const prefix = c.req.query('subjectPrefix') ?? '';
    const subjects = await env.meta.schemas.listSubjects(flag(c, 'deleted'));
    return send(
      c,
      subjects.filter((s) => s.startsWith(prefix)),
    );
  });

  app.get('/subjects/:subject/versions', async (c) => {
    const versions = await registry().versions(c.req.param('subject'), flag(c, 'deleted'));
    return send(
      c,
      versions.map((v) => v.version),
    );
  });

  app.get('/subjects/:subject/versions/:version', async (c) => {
    const r = registry();
    const v = await r.version(c.req.param('subject'), parseVersion(c.req.param('version')), flag(c, 'deleted'));
    const s = await r.schema(v.id);
    return send(c, { subject: v.subject, version: v.version, id: v.id, ...schemaBody(s, c.req.query('format')) });
  });

  app.get('/subjects/:subject/versions/:version/schema', async (c) => {
    const r = registry();
    const v = await r.version(c.req.param('subject'), parseVersion(c.req.param('version')), flag(c, 'deleted'));
    const s = await r.schema(v.id);
    return new Response(schemaText(s, c.req.query('format')), {
      headers: { 'content-type': answerType(c.req.header('accept')) ?? V1 },
    });
  });

  app.get('/subjects/:subject/versions/:version/referencedby', async (c) => {
    const r = registry();
    const v = await r.version(c.req.param('subject'), parseVersion(c.req.param('version')), true);
    const referrers = await r.store.referencedBy(v.subject, v.version);
    const ids: number[] = [];
    for (const ref of referrers) {
      const found = (await r.store.versions(ref.subject)).find((x) => x.version === ref.version);
      if (found !== undefined && !ids.includes(found.id)) ids.push(found.id);
    }
    return send(c, ids);
  });

  app.post('/subjects/:subject/versions', async (c) => {
    const subject = c.req.param('subject');
    const request = schemaRequest(await readBody(c));
    const r = registry();
    const mode = await r.writable(subject);
    if ((request.id !== undefined || request.version !== undefined) && mode !== 'IMPORT') {
      throw new RegistryError(
        SR_ERRORS.OPERATION_NOT_PERMITTED,
        `Subject ${subject} is not in import mode: a schema may be registered with an id or version only in IMPORT mode`,
      );
    }
    const references = await resolveLatest(r, request.references);
    const parsed = await r.parse(request.schemaType, request.schema, references);
    const config = await r.config(subject);
    const normalize =
      c.req.query('normalize') !== undefined ? flag(c, 'normalize') : (request.normalize ?? config.normalize ?? false);
    const canonical = r.rules(request.schemaType).canonical(parsed, normalize);
    const level = isCompatibilityLevel(config.compatibilityLevel) ? config.compatibilityLevel : DEFAULT_COMPATIBILITY;
    for (let attempt = 0; attempt < REGISTER_ATTEMPTS; attempt++) {
      const versions = live(await r.store.versions(subject));
      if (mode !== 'IMPORT') {
        // Registering what the subject already has answers its id, unchecked.
        const known = await r.store.findSchema(request.schemaType, canonical, references);
        if (known !== null && versions.some((v) => v.id === known)) return send(c, { id: known });
        const problems = await r.problems(request.schemaType, parsed, versions, level);
        if (problems.length > 0) {
          throw new RegistryError(
            SR_ERRORS.INCOMPATIBLE,
            `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${problems.join(', ')}]`,
          );
        }
      }
      const outcome = await r.store.register({
        subject,
        schemaType: request.schemaType,
        schema: canonical,
        references,
        ...(mode === 'IMPORT' ? {} : { expectedLatest: versions.at(-1)?.version ?? 0 }),
        ...(request.id !== undefined ? { id: request.id } : {}),
        ...(request.version !== undefined ? { version: request.version } : {}),
      });
      switch (outcome.kind) {
        case 'registered':
        case 'exists':
          return send(c, { id: outcome.id });
        case 'moved':
          continue;
        case 'id-conflict':
          throw new RegistryError(
            SR_ERRORS.OPERATION_NOT_PERMITTED,
            `Overwrite new schema with id ${request.id} is not permitted.`,
          );
        case 'version-conflict':
          throw new RegistryError(
            SR_ERRORS.OPERATION_NOT_PERMITTED,
            `Overwrite new schema of subject ${subject} with version ${request.version} is not permitted.`,
          );
        case 'reference-missing':
          throw invalidSchema(
            `reference to subject '${outcome.reference.subject}' version ${outcome.reference.version} not found`,
          );
      }
    }
    throw new RegistryError(SR_ERRORS.STORE_ERROR, `Register of subject ${subject} kept racing other registrations`);
  });

  app.post('/subjects/:subject', async (c) => {
    const subject = c.req.param('subject');
    const request = schemaRequest(await readBody(c));
    const r = registry();
    const includeDeleted = flag(c, 'deleted');
    const versions = await r.versions(subject, includeDeleted);
    const references = await resolveLatest(r, request.references);
    const parsed = await r.parse(request.schemaType, request.schema, references);
    const rules = r.rules(request.schemaType);
    const config = await r.config(subject);
    const normalize = c.req.query('normalize') !== undefined ? flag(c, 'normalize') : (config.normalize ?? false);
    for (const canonical of new Set([rules.canonical(parsed, normalize), rules.canonical(parsed, true)])) {
      const id = await r.store.findSchema(request.schemaType, canonical, references);
      const found = id === null ? undefined : versions.findLast((v) => v.id === id);
      if (found !== undefined) {
        const s = await r.schema(found.id);
        return send(c, { subject, version: found.version, id: found.id, ...schemaBody(s) });
      }
    }
    throw schemaNotFound();
  });

  app.delete('/subjects/:subject', async (c) => {
    const subject = c.req.param('subject');
    const r = registry();
    await r.writable(subject);
    const permanent = flag(c, 'permanent');
    const outcome = await r.store.deleteSubject(subject, permanent);
    switch (outcome.kind) {
      case 'deleted':
        return send(c, outcome.versions);
      case 'subject-not-found':
      case 'version-not-found':
        throw subjectNotFound(subject);
      case 'soft-deleted':
        throw new RegistryError(
          SR_ERRORS.SUBJECT_SOFT_DELETED,
          `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`,
        );
      case 'not-soft-deleted':
        throw new RegistryError(
          SR_ERRORS.SUBJECT_NOT_SOFT_DELETED,
          `Subject '${subject}' was not deleted first before being permanently deleted`,
        );
      case 'referenced':
        throw referenceExists(outcome.by);
    }
  });

  app.delete('/subjects/:subject/versions/:version', async (c) => {
    const subject = c.req.param('subject');
    const spec = parseVersion(c.req.param('version'));
    const permanent = flag(c, 'permanent');
    const r = registry();
    await r.writable(subject);
    const all = await r.store.versions(subject);
    if (all.length === 0) throw subjectNotFound(subject);
    const version = spec === 'latest' ? (permanent ? all : live(all)).at(-1)?.version : spec;
    if (version === undefined) throw subjectNotFound(subject);
    const outcome = await r.store.deleteVersion(subject, version, permanent);
    switch (outcome.kind) {
      case 'deleted':
        return send(c, version);
      case 'subject-not-found':
        throw subjectNotFound(subject);
      case 'version-not-found':
        throw versionNotFound(version);
      case 'soft-deleted':
        throw new RegistryError(
          SR_ERRORS.VERSION_SOFT_DELETED,
          `Subject '${subject}' Version ${version} was soft deleted. Set permanent=true to delete permanently`,
        );
      case 'not-soft-deleted':
        throw new RegistryError(
          SR_ERRORS.VERSION_NOT_SOFT_DELETED,
          `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`,
        );
      case 'referenced':
        throw referenceExists(outcome.by);
    }
  });

  app.get('/schemas/ids/:id', async (c) => {
    const r = registry();
    const id = parseId(c.req.param('id'));
    // `subject` names a context to look in (Confluent's multi-context registries); with one context
    // it changes nothing, and deserializers pass a subject the id need not be registered under.
    const s = await r.schema(id);
    return send(c, schemaBody(s, c.req.query('format')));
  });

  app.get('/schemas/ids/:id/schema', async (c) => {
    const s = await registry().schema(parseId(c.req.param('id')));
    return new Response(schemaText(s, c.req.query('format')), {
      headers: { 'content-type': answerType(c.req.header('accept')) ?? V1 },
    });
  });

  app.get('/schemas/ids/:id/versions', async (c) => {
    const r = registry();
    const id = parseId(c.req.param('id'));
    await r.schema(id);
    const used = await r.store.usages(id);
    const shown = flag(c, 'deleted') ? used : live(used);
    return send(
      c,
      shown.map((u) => ({ subject: u.subject, version: u.version })),
    );
  });

  app.get('/schemas/ids/:id/subjects', async (c) => {
    const r = registry();
    const id = parseId(c.req.param('id'));
    await r.schema(id);
    const used = await r.store.usages(id);
    const shown = flag(c, 'deleted') ? used : live(used);
    return send(c, [...new Set(shown.map((u) => u.subject))]);
  });

  async function compatibility(c: Context, spec: VersionSpec | 'all'): Promise<Response> {
    const subject = c.req.param('subject')!;
    const request = schemaRequest(await readBody(c));
    const r = registry();
    const versions = live(await r.store.versions(subject));
    let against: SubjectVersion[];
    if (spec === 'all') {
      against = versions;
    } else if (spec === 'latest') {
      against = versions.slice(-1);
    } else {
      const found = versions.find((v) => v.version === spec);
      if (found === undefined) throw versionNotFound(spec);
      against = [found];
    }
    const references = await resolveLatest(r, request.references);
    const parsed = await r.parse(request.schemaType, request.schema, references);
    const level = await r.level(subject);
    // Against one chosen version the transitive levels ask what their plain forms ask.
    const problems = await r.problems(request.schemaType, parsed, against, level);
    const verbose = flag(c, 'verbose');
    return send(c, { is_compatible: problems.length === 0, ...(verbose ? { messages: problems } : {}) });
  }

  app.post('/compatibility/subjects/:subject/versions', (c) => compatibility(c, 'all'));
  app.post('/compatibility/subjects/:subject/versions/:version', (c) =>
    compatibility(c, parseVersion(c.req.param('version'))),
  );

  app.get('/config', async (c) => {
    return send(c, configAnswer((await env.meta.schemas.getConfig(null)) ?? {}, true));
  });

  app.put('/config', async (c) => {
    const config = levelBody(await readBody(c));
    const current = (await env.meta.schemas.getConfig(null)) ?? {};
    await env.meta.schemas.setConfig(null, { ...current, ...config });
    return send(c, updateAnswer(config));
  });

  app.delete('/config', async (c) => {
    const previous = (await env.meta.schemas.deleteConfig(null)) ?? {};
    return send(c, configAnswer(previous, true));
  });

  app.get('/config/:subject', async (c) => {
    const subject = c.req.param('subject');
    const own = await env.meta.schemas.getConfig(subject);
    if (own !== null) return send(c, configAnswer(own, false));
    if (!flag(c, 'defaultToGlobal')) {
      throw new RegistryError(
        SR_ERRORS.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
        `Subject '${subject}' does not have subject-level compatibility configured`,
      );
    }
    return send(c, configAnswer((await env.meta.schemas.getConfig(null)) ?? {}, true));
  });

  app.put('/config/:subject', async (c) => {
    const subject = c.req.param('subject');
    const config = levelBody(await readBody(c));
    const current = (await env.meta.schemas.getConfig(subject)) ?? {};
    await env.meta.schemas.setConfig(subject, { ...current, ...config });
    return send(c, updateAnswer(config));
  });

  app.delete('/config/:subject', async (c) => {
    const subject = c.req.param('subject');
    const previous = await env.meta.schemas.deleteConfig(subject);
    if (previous === null && (await env.meta.schemas.versions(subject)).length === 0) throw subjectNotFound(subject);
    return send(c, configAnswer(previous ?? {}, false));
  });

  app.get('/mode', async (c) => send(c, { mode: await registry().mode(null) }));

  app.put('/mode', async (c) => {
    const mode = modeBody(await readBody(c));
    if (mode === 'IMPORT' && !flag(c, 'force') && (await env.meta.schemas.listSubjects(true)).length > 0) {
      throw new RegistryError(
        SR_ERRORS.OPERATION_NOT_PERMITTED,
        'Cannot import since found existing subjects; set force=true to import anyway',
      );
    }
    await env.meta.schemas.setMode(null, mode);
    return send(c, { mode });
  });

  app.get('/mode/:subject', async (c) => {
    const subject = c.req.param('subject');
    const own = await env.meta.schemas.getMode(subject);
    if (own !== null) return send(c, { mode: own });
    if (!flag(c, 'defaultToGlobal')) {
      throw new RegistryError(
        SR_ERRORS.SUBJECT_MODE_NOT_CONFIGURED,
        `Subject '${subject}' does not have subject-level mode configured`,
      );
    }
    return send(c, { mode: await registry().mode(null) });
  });

  app.put('/mode/:subject', async (c) => {
    const subject = c.req.param('subject');
    const mode = modeBody(await readBody(c));
    if (mode === 'IMPORT' && !flag(c, 'force') && (await env.meta.schemas.versions(subject)).length > 0) {
      throw new RegistryError(
        SR_ERRORS.OPERATION_NOT_PERMITTED,
        `Cannot import since subject ${subject} has schemas; set force=true to import anyway`,
      );
    }
    await env.meta.schemas.setMode(subject, mode);
    return send(c, { mode });
  });

  app.delete('/mode/:subject', async (c) => {
    const subject = c.req.param('subject');
    const previous = await env.meta.schemas.deleteMode(subject);
    if (previous === null) {
      if ((await env.meta.schemas.versions(subject)).length === 0) throw subjectNotFound(subject);
      throw new RegistryError(
        SR_ERRORS.SUBJECT_MODE_NOT_CONFIGURED,
        `Subject '${subject}' does not have subject-level mode configured`,
      );
    }
    return send(c, { mode: previous });
  });

  app.notFound((c) => send(c, { error_code: SR_ERRORS.NOT_FOUND, message: 'HTTP 404 Not Found' }, 404));

  app.onError((e, c) => {
    if (e instanceof RegistryError) return send(c, { error_code: e.code, message: e.message }, e.status);
    if (e instanceof StorageUnavailableError) {
      return send(
        c,
        { error_code: SR_ERRORS.STORE_ERROR, message: `Error in the backend data store: ${e.message}` },
        500,
      );
    }
    return send(c, { error_code: SR_ERRORS.STORE_ERROR, message: `Internal error: ${e.message}` }, 500);
  });

  return app;
}

/** A PUT /config answer: what was set, under Confluent's request field names. */
function updateAnswer(config: RegistryConfig): Record<string, unknown> {
  return {
    ...(config.compatibilityLevel !== undefined ? { compatibility: config.compatibilityLevel } : {}),
    ...(config.normalize !== undefined ? { normalize: config.normalize } : {}),
  };
}

function referenceExists(by: readonly { subject: string; version: number }[]): RegistryError {
  const list = by.map((b) => `{subject=${b.subject}, version=${b.version}}`).join(', ');
  return new RegistryError(SR_ERRORS.REFERENCE_EXISTS, `One or more references exist to the schema: ${list}`);
}

/** References as stored: `version: -1` (latest) pinned to the latest live version, so ids stay stable. */
async function resolveLatest(r: Registry, references: readonly SchemaReference[]): Promise<SchemaReference[]> {
  const out: SchemaReference[] = [];
  for (const ref of references) {
    if (ref.version !== -1) {
      out.push(ref);
      continue;
    }
    const latest = live(await r.store.versions(ref.subject)).at(-1);
    if (latest === undefined) throw invalidSchema(`reference ${ref.name} to subject '${ref.subject}' not found`);
    out.push({ ...ref, version: latest.version });
  }
  return out;
}
