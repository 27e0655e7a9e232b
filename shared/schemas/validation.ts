/**
 * Broker-side schema validation, as Confluent Server's "Schema Validation"
 * does it: each non-null key or value of a topic that asks for it must carry
 * the wire envelope (wire.ts) with a schema id the registry holds under the
 * subject the topic's subject name strategy derives. Null keys and values
 * pass, as on Confluent Server (tombstones must stay possible). Kafkaless'
 * stricter mode also decodes the payload with the schema: Avro binary must be
 * one whole datum, Protobuf must decode as the message the indexes select,
 * JSON must parse and conform.
 *
 * Lookups, per function instance (one validator per SchemaStore):
 * - a parsed schema is kept by id for the instance's life: ids are
 *   immutable, so it never goes stale;
 * - which subjects hold an id may change, so that answer is kept only
 *   {@link HOLDERS_TTL_MS} and only to accept: a record it would refuse is
 *   checked against the store again, so a schema registered a moment ago is
 *   never refused from the cache, while one deleted a moment ago may still
 *   pass for those few seconds (as with Confluent Server's own caches);
 * - within one request every schema id is looked up at most once, however
 *   many batches and records use it.
 * Store failures (StorageUnavailableError) propagate for the caller to
 * answer as a retriable error; nothing is accepted unchecked.
 */

import avsc from 'avsc';
import protobuf from 'protobufjs';
import type { SchemaStore, StoredSchema } from '../storage/schemas.js';
import { avroRules } from './avro.js';
import { jsonDocumentValidator, jsonRules } from './json.js';
import { protobufRules } from './protobuf.js';
import { resolveReferences } from './references.js';
import { type ResolvedReference, SchemaParseError } from './types.js';
import { readEnvelope, readMessageIndexes, SubjectNameStrategy, subjectFor } from './wire.js';

export interface SchemaValidationSettings {
  /** The subject name strategy for keys, or null when keys are not checked. */
  readonly key: SubjectNameStrategy | null;
  /** The subject name strategy for values, or null when values are not checked. */
  readonly value: SubjectNameStrategy | null;
  /** Decode each payload with its schema too (`kafkaless.schema.validation.payload`). */
  readonly payload: boolean;
}

export interface RecordFields {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
}

export interface RecordSchemaError {
  /** The record's index within its batch. */
  readonly batchIndex: number;
  readonly message: string;
}

/** How long a schema id's holding subjects are trusted to accept a record without asking the store. */
export const HOLDERS_TTL_MS = 5_000;

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** The type a key or value claims to be. */
interface RecordType {
  /** What RecordNameStrategy names it by; null when the schema gives no name (a JSON schema without `title`). */
  readonly name: string | null;
  /** What stops `payload` decoding as this type, or null. */
  payloadProblem(payload: Uint8Array): string | null;
}

interface LoadedSchema {
  readonly protobuf: boolean;
  /** The type the message indexes select (Protobuf; the others have one type and no indexes). */
  select(indexes: readonly number[]): Outcome<RecordType>;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// --- Loading schemas -------------------------------------------------------

/** Drops every `default`: decoding a writer's data never reads them, and avsc refuses some Avro's Java accepts. */
function withoutDefaults(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(withoutDefaults);
  if (typeof json !== 'object' || json === null) return json;
  return Object.fromEntries(
    Object.entries(json)
      .filter(([key]) => key !== 'default')
      .map(([key, value]) => [key, withoutDefaults(value)]),
  );
}

/** Reads longs as raw bytes: avsc's own long type refuses values beyond 2^53, which Avro allows. */
const ANY_LONG = avsc.types.LongType.__with({
  fromBuffer: (b: Buffer) => b,
  toBuffer: (b: Buffer) => b,
  fromJSON: (x: unknown) => x,
  toJSON: (x: unknown) => x,
  isValid: () => true,
  compare: () => 0,
});

function isLong(schema: unknown): boolean {
  return (
    schema === 'long' || (typeof schema === 'object' && schema !== null && 'type' in schema && schema.type === 'long')
  );
}

/** An avsc decoder for an Avro schema, its references defined first (each once) in the same registry. */
function avscType(schema: string, references: readonly ResolvedReference[]): avsc.Type {
  const options = { registry: {}, typeHook: (s: unknown) => (isLong(s) ? ANY_LONG : undefined) };
  const defined = new Set<string>();
  const define = (refs: readonly ResolvedReference[]): void => {
    for (const ref of refs) {
      if (defined.has(ref.name)) continue;
      defined.add(ref.name);
      define(ref.references);
      avsc.Type.forSchema(withoutDefaults(JSON.parse(ref.schema)) as avsc.Schema, options);
    }
  };
  define(references);
  return avsc.Type.forSchema(withoutDefaults(JSON.parse(schema)) as avsc.Schema, options);
}

function loadAvro(stored: StoredSchema, references: readonly ResolvedReference[]): LoadedSchema {
  const { root } = avroRules.parse(stored.schema, references);
  let decoder: avsc.Type | undefined;
  const type: RecordType = {
    // Avro's Schema.getFullName: a named type's full name, else the type's name.
    name: 'fullName' in root ? root.fullName : root.type,
    payloadProblem(payload) {
      try {
        decoder ??= avscType(stored.schema, references);
        const { offset } = decoder.decode(asBuffer(payload), 0);
        if (offset < 0) return 'Avro data ends early';
        if (offset !== payload.length) return `${payload.length - offset} bytes left after the Avro datum`;
        return null;
      } catch (e) {
        return `invalid Avro data: ${errorText(e)}`;
      }
    },
  };
  return { protobuf: false, select: () => ({ ok: true, value: type }) };
}

function loadProtobuf(stored: StoredSchema, references: readonly ResolvedReference[]): LoadedSchema {
  const parsed = protobufRules.parse(stored.schema, references);
  const topMessages = parsed.topLevel
    .map((name) => parsed.resolved.lookup(name))
    .filter((t): t is protobuf.Type => t instanceof protobuf.Type);
  const types = new Map<string, RecordType>();
  return {
    protobuf: true,
    select(indexes) {
      // The first index picks a top-level message, each further one a message nested in the last.
      let candidates = topMessages;
      let message: protobuf.Type | undefined;
      for (const index of indexes) {
        message = candidates[index];
        if (message === undefined) return { ok: false, message: `message indexes [${indexes}] select no message` };
        candidates = message.nestedArray.filter((t): t is protobuf.Type => t instanceof protobuf.Type);
      }
      const selected = message!;
      const name = selected.fullName.replace(/^\./, '');
      let type = types.get(name);
      if (type === undefined) {
        type = {
          name,
          payloadProblem(payload) {
            try {
              selected.decode(payload);
              return null;
            } catch (e) {
              return `invalid Protobuf data for ${name}: ${errorText(e)}`;
            }
          },
        };
        types.set(name, type);
      }
      return { ok: true, value: type };
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function loadJson(stored: StoredSchema, references: readonly ResolvedReference[]): LoadedSchema {
  const parsed = jsonRules.parse(stored.schema, references);
  const root = parsed.schema;
  const title =
    typeof root === 'object' && root !== null && !Array.isArray(root) && typeof root.title === 'string'
      ? root.title
      : null;
  let validate: ((document: unknown) => string | null) | undefined;
  const type: RecordType = {
    name: title,
    payloadProblem(payload) {
      let document: unknown;
      try {
        document = JSON.parse(utf8.decode(payload));
      } catch (e) {
        return `invalid JSON: ${errorText(e)}`;
      }
      validate ??= jsonDocumentValidator(parsed);
      const problem = validate(document);
      return problem === null ? null : `JSON does not conform: ${problem}`;
    },
  };
  return { protobuf: false, select: () => ({ ok: true, value: type }) };
}

async function loadSchema(store: SchemaStore, stored: StoredSchema): Promise<LoadedSchema> {
  const references = await resolveReferences(store, stored.references);
  switch (stored.schemaType) {
    case 'AVRO':
      return loadAvro(stored, references);
    case 'PROTOBUF':
      return loadProtobuf(stored, references);
    case 'JSON':
      return loadJson(stored, references);
    default:
      throw new SchemaParseError(`schema type ${stored.schemaType} is not supported`);
  }
}

// --- Validating ------------------------------------------------------------

/** One key or value under check. */
interface Side {
  readonly batchIndex: number;
  readonly isKey: boolean;
  readonly strategy: SubjectNameStrategy;
  readonly bytes: Uint8Array;
  schemaId: number;
  /** Where what follows the envelope starts. */
  offset: number;
  subject: string;
  type: RecordType | null;
  problem: string | null;
}

/** The schema validator of one SchemaStore: what the instance has learnt of its schemas. */
export class SchemaValidator {
  readonly schemas = new Map<number, LoadedSchema>();
  readonly holders = new Map<number, { readonly subjects: ReadonlySet<string>; readonly atMs: number }>();

  constructor(readonly store: SchemaStore) {}

  /** A check for one request, at `nowMs`. */
  request(nowMs: number): RequestCheck {
    return new RequestCheck(this, nowMs);
  }
}

const validators = new WeakMap<SchemaStore, SchemaValidator>();

/** The validator of `store`, one per store for the life of the instance. */
export function validatorFor(store: SchemaStore): SchemaValidator {
  let validator = validators.get(store);
  if (validator === undefined) {
    validator = new SchemaValidator(store);
    validators.set(store, validator);
  }
  return validator;
}

/** The checks of one request: each schema id is looked up at most once. */
export class RequestCheck {
  private readonly schemaLoads = new Map<number, Promise<Outcome<LoadedSchema>>>();
  private readonly holderLoads = new Map<number, Promise<ReadonlySet<string>>>();

  constructor(
    private readonly validator: SchemaValidator,
    private readonly nowMs: number,
  ) {}

  /** The records' problems, at most one per record (its key's before its value's), in record order. */
  async validate(
    topic: string,
    records: readonly RecordFields[],
    settings: SchemaValidationSettings,
  ): Promise<RecordSchemaError[]> {
    const sides: Side[] = [];
    records.forEach((record, batchIndex) => {
      for (const [isKey, strategy, bytes] of [
        [true, settings.key, record.key],
        [false, settings.value, record.value],
      ] as const) {
        if (strategy === null || bytes === null) continue;
        const side: Side = {
          batchIndex,
          isKey,
          strategy,
          bytes,
          schemaId: -1,
          offset: 0,
          subject: '',
          type: null,
          problem: null,
        };
        const envelope = readEnvelope(bytes);
        if (envelope.ok) {
          side.schemaId = envelope.value.schemaId;
          side.offset = envelope.value.offset;
        } else side.problem = envelope.message;
        sides.push(side);
      }
    });
    const pending = (): Side[] => sides.filter((s) => s.problem === null);

    const ids = [...new Set(pending().map((s) => s.schemaId))];
    const schemas = new Map(await Promise.all(ids.map(async (id) => [id, await this.schema(id)] as const)));
    for (const side of pending()) this.identify(side, schemas.get(side.schemaId)!, topic);

    const wanted = new Map<number, Set<string>>();
    for (const side of pending()) {
      const subjects = wanted.get(side.schemaId) ?? new Set<string>();
      subjects.add(side.subject);
      wanted.set(side.schemaId, subjects);
    }
    const holders = new Map(
      await Promise.all([...wanted].map(async ([id, subjects]) => [id, await this.holders(id, subjects)] as const)),
    );
    for (const side of pending()) {
      if (!holders.get(side.schemaId)!.has(side.subject)) {
        side.problem = `schema id ${side.schemaId} is not registered under subject ${side.subject}`;
      } else if (settings.payload) {
        const problem = side.type!.payloadProblem(side.bytes.subarray(side.offset));
        if (problem !== null) side.problem = `payload does not match schema id ${side.schemaId}: ${problem}`;
      }
    }

    const errors: RecordSchemaError[] = [];
    for (const side of sides) {
      if (side.problem === null || errors.at(-1)?.batchIndex === side.batchIndex) continue;
      errors.push({ batchIndex: side.batchIndex, message: `${side.isKey ? 'key' : 'value'}: ${side.problem}` });
    }
    return errors;
  }

  /** Reads the message indexes (Protobuf) and derives the side's type and subject, or its problem. */
  private identify(side: Side, schema: Outcome<LoadedSchema>, topic: string): void {
    if (!schema.ok) {
      side.problem = schema.message;
      return;
    }
    let indexes: readonly number[] = [];
    if (schema.value.protobuf) {
      const read = readMessageIndexes(side.bytes, side.offset);
      if (!read.ok) {
        side.problem = read.message;
        return;
      }
      indexes = read.value.indexes;
      side.offset = read.value.offset;
    }
    const selected = schema.value.select(indexes);
    if (!selected.ok) {
      side.problem = `${selected.message} in schema id ${side.schemaId}`;
      return;
    }
    side.type = selected.value;
    if (side.strategy !== SubjectNameStrategy.TOPIC && selected.value.name === null) {
      side.problem = `schema id ${side.schemaId} names no record (a JSON schema needs a title for ${side.strategy})`;
      return;
    }
    side.subject = subjectFor(side.strategy, topic, side.isKey, selected.value.name ?? '');
  }

  /** The parsed schema of `id`, or why there is none. */
  private schema(id: number): Promise<Outcome<LoadedSchema>> {
    const known = this.validator.schemas.get(id);
    if (known !== undefined) return Promise.resolve({ ok: true, value: known });
    let load = this.schemaLoads.get(id);
    if (load === undefined) {
      load = (async (): Promise<Outcome<LoadedSchema>> => {
        const stored = await this.validator.store.getSchema(id);
        if (stored === null) return { ok: false, message: `schema id ${id} not found` };
        try {
          const loaded = await loadSchema(this.validator.store, stored);
          this.validator.schemas.set(id, loaded);
          return { ok: true, value: loaded };
        } catch (e) {
          if (!(e instanceof SchemaParseError)) throw e;
          return { ok: false, message: `schema id ${id} cannot be parsed: ${e.message}` };
        }
      })();
      this.schemaLoads.set(id, load);
    }
    return load;
  }

  /** The subjects with a live version holding `id`; from the cache only when it holds every subject wanted. */
  private holders(id: number, wanted: ReadonlySet<string>): Promise<ReadonlySet<string>> {
    const cached = this.validator.holders.get(id);
    if (
      cached !== undefined &&
      this.nowMs - cached.atMs < HOLDERS_TTL_MS &&
      [...wanted].every((s) => cached.subjects.has(s))
    ) {
      return Promise.resolve(cached.subjects);
    }
    let load = this.holderLoads.get(id);
    if (load === undefined) {
      load = (async () => {
        const usages = await this.validator.store.usages(id);
        const subjects = new Set(usages.filter((u) => !u.deleted).map((u) => u.subject));
        this.validator.holders.set(id, { subjects, atMs: this.nowMs });
        return subjects;
      })();
      this.holderLoads.set(id, load);
    }
    return load;
  }
}
