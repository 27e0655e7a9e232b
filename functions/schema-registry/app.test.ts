import { beforeEach, describe, expect, it } from 'vitest';
import {
  type ResolvedReference,
  SchemaParseError,
  type SchemaRules,
  type SchemaType,
} from '../../shared/schemas/types.js';
import { MemoryMetaStore } from '../../shared/storage/memory/meta.js';
import { schemaRegistryApp } from './app.js';

/**
 * A fake schema language, so these tests pin the REST layer and not a real
 * type's rules: `{"name": "X", "fields": ["a", "b?"], "uses": ["Ref"]}`. A
 * reader reads a writer's data when every field it needs (no `?`) is
 * written; `uses` must name resolved references.
 */
interface Fake {
  readonly name: string;
  readonly fields: string[];
  readonly uses: string[];
}

function fakeRules(type: SchemaType): SchemaRules<Fake> {
  return {
    type,
    parse(schema: string, references: readonly ResolvedReference[]): Fake {
      let value: Partial<Fake>;
      try {
        value = JSON.parse(schema) as Partial<Fake>;
      } catch {
        throw new SchemaParseError('not JSON');
      }
      if (typeof value.name !== 'string' || !Array.isArray(value.fields)) throw new SchemaParseError('no name/fields');
      const known = new Set<string>();
      const walk = (refs: readonly ResolvedReference[]): void => {
        for (const r of refs) {
          known.add(r.name);
          walk(r.references);
        }
      };
      walk(references);
      for (const u of value.uses ?? []) if (!known.has(u)) throw new SchemaParseError(`unknown type ${u}`);
      return { name: value.name, fields: value.fields, uses: value.uses ?? [] };
    },
    canonical(p: Fake, normalize: boolean): string {
      const fields = normalize ? [...p.fields].sort() : p.fields;
      return JSON.stringify({ name: p.name, fields, ...(p.uses.length > 0 ? { uses: p.uses } : {}) });
    },
    readProblems(reader: Fake, writer: Fake): string[] {
      return reader.fields
        .filter((f) => !f.endsWith('?') && !writer.fields.includes(f))
        .map((f) => `READER_FIELD_MISSING_DEFAULT_VALUE: ${f}`);
    },
  };
}

const RULES: Record<SchemaType, SchemaRules<unknown>> = {
  AVRO: fakeRules('AVRO') as SchemaRules<unknown>,
  PROTOBUF: fakeRules('PROTOBUF') as SchemaRules<unknown>,
  JSON: fakeRules('JSON') as SchemaRules<unknown>,
};

const V1 = 'application/vnd.schemaregistry.v1+json';

let app: ReturnType<typeof schemaRegistryApp>;
let store: MemoryMetaStore;

beforeEach(() => {
  store = new MemoryMetaStore();
  app = schemaRegistryApp({ meta: store }, { rulesFor: (t) => RULES[t] });
});

interface Answer {
  status: number;
  type: string | null;
  body: unknown;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = { method, headers: { 'content-type': V1, ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await app.fetch(new Request(`http://registry${path}`, init));
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // raw schema text
  }
  return { status: res.status, type: res.headers.get('content-type'), body: parsed };
}

function schema(name: string, fields: string[], uses: string[] = []): string {
  return JSON.stringify({ name, fields, ...(uses.length > 0 ? { uses } : {}) });
}

async function register(subject: string, body: Record<string, unknown>, query = ''): Promise<Answer> {
  return call('POST', `/subjects/${encodeURIComponent(subject)}/versions${query}`, body);
}

function error(code: number): { status: number; body: { error_code: number } } {
  return { status: code < 1000 ? code : Math.floor(code / 100), body: expect.objectContaining({ error_code: code }) };
}

describe('schema registry REST API', () => {
  it('registers a schema and serves it by subject, version and id', async () => {
    const text = schema('User', ['a']);
    const reg = await register('users-value', { schema: text });
    expect(reg).toMatchObject({ status: 200, type: V1, body: { id: 1 } });
    expect((await call('GET', '/subjects')).body).toEqual(['users-value']);
    expect((await call('GET', '/subjects/users-value/versions')).body).toEqual([1]);
    const v1 = { subject: 'users-value', version: 1, id: 1, schema: text };
    expect((await call('GET', '/subjects/users-value/versions/1')).body).toEqual(v1);
    expect((await call('GET', '/subjects/users-value/versions/latest')).body).toEqual(v1);
    expect((await call('GET', '/subjects/users-value/versions/-1')).body).toEqual(v1);
    expect((await call('GET', '/subjects/users-value/versions/1/schema')).body).toEqual(JSON.parse(text));
    expect((await call('GET', '/schemas/ids/1')).body).toEqual({ schema: text });
    expect((await call('GET', '/schemas/ids/1/schema')).body).toEqual(JSON.parse(text));
    expect((await call('GET', '/schemas/ids/1/versions')).body).toEqual([{ subject: 'users-value', version: 1 }]);
    expect((await call('GET', '/schemas/ids/1/subjects')).body).toEqual(['users-value']);
    expect((await call('GET', '/schemas/ids/1?subject=users-value')).status).toBe(200);
    expect((await call('GET', '/schemas/ids/1?subject=other&fetchMaxId=false')).body).toEqual({ schema: text });
    expect(await call('GET', '/schemas/ids/99')).toMatchObject(error(40403));
    expect(await call('GET', '/schemas/ids/99/versions')).toMatchObject(error(40403));
    expect(await call('GET', '/subjects/nobody/versions')).toMatchObject(error(40401));
    expect(await call('GET', '/subjects/nobody/versions/1')).toMatchObject(error(40401));
    expect(await call('GET', '/subjects/users-value/versions/7')).toMatchObject(error(40402));
    expect(await call('GET', '/subjects/users-value/versions/0')).toMatchObject(error(42202));
    expect(await call('GET', '/subjects/users-value/versions/one')).toMatchObject(error(42202));
  });

  it('takes any subject name, percent-encoded', async () => {
    const subject = ':.ctx:com.example/User value';
    const path = `/subjects/${encodeURIComponent(subject)}`;
    expect((await register(subject, { schema: schema('U', ['a']) })).body).toEqual({ id: 1 });
    expect((await call('GET', '/subjects')).body).toEqual([subject]);
    expect((await call('GET', `${path}/versions/1`)).body).toMatchObject({ subject, version: 1 });
  });

  it('registers idempotently and shares ids across subjects', async () => {
    const text = schema('User', ['a']);
    expect((await register('a', { schema: text })).body).toEqual({ id: 1 });
    expect((await register('a', { schema: text })).body).toEqual({ id: 1 });
    expect((await call('GET', '/subjects/a/versions')).body).toEqual([1]);
    expect((await register('b', { schema: text })).body).toEqual({ id: 1 });
    expect((await register('c', { schema: text, schemaType: 'JSON' })).body).toEqual({ id: 2 });
    expect((await call('GET', '/schemas/ids/1/versions')).body).toEqual([
      { subject: 'a', version: 1 },
      { subject: 'b', version: 1 },
    ]);
  });

  it('names the schema type except for AVRO', async () => {
    const text = schema('P', ['a']);
    await register('p', { schema: text, schemaType: 'PROTOBUF' });
    expect((await call('GET', '/subjects/p/versions/1')).body).toEqual({
      subject: 'p',
      version: 1,
      id: 1,
      schemaType: 'PROTOBUF',
      schema: text,
    });
    expect((await call('GET', '/schemas/ids/1')).body).toEqual({ schemaType: 'PROTOBUF', schema: text });
    expect((await call('GET', '/schemas/types')).body).toEqual(['JSON', 'PROTOBUF', 'AVRO']);
  });

  it('refuses invalid schemas with 42201', async () => {
    expect(await register('x', { schema: 'not json' })).toMatchObject(error(42201));
    expect(await register('x', { schema: '' })).toMatchObject(error(42201));
    expect(await register('x', { schema: schema('X', ['a']), schemaType: 'XML' })).toMatchObject(error(42201));
    expect(await register('x', { schema: schema('X', ['a'], ['Missing']) })).toMatchObject(error(42201));
    expect(
      await register('x', {
        schema: schema('X', ['a'], ['Ref']),
        references: [{ name: 'Ref', subject: 'absent', version: 1 }],
      }),
    ).toMatchObject(error(42201));
    expect((await call('GET', '/subjects')).body).toEqual([]);
  });

  it('checks compatibility on register (BACKWARD by default) and answers 409', async () => {
    await register('s', { schema: schema('S', ['a']) });
    const needsB = { schema: schema('S', ['a', 'b']) };
    const rejected = await register('s', needsB);
    expect(rejected).toMatchObject(error(409));
    expect((rejected.body as { message: string }).message).toContain('READER_FIELD_MISSING_DEFAULT_VALUE: b');
    expect((await register('s', { schema: schema('S', ['a', 'b?']) })).body).toEqual({ id: 2 });
    // FORWARD: the latest (a, b?) must read the new one; dropping a breaks it.
    expect((await call('PUT', '/config/s', { compatibility: 'forward' })).body).toEqual({ compatibility: 'FORWARD' });
    expect(await register('s', { schema: schema('S', ['c']) })).toMatchObject(error(409));
    await call('PUT', '/config/s', { compatibility: 'NONE' });
    expect((await register('s', { schema: schema('S', ['c']) })).body).toEqual({ id: 3 });
    expect((await call('GET', '/subjects/s/versions')).body).toEqual([1, 2, 3]);
  });

  it('answers compatibility checks, verbose on demand', async () => {
    await call('PUT', '/config/s', { compatibility: 'NONE' });
    await register('s', { schema: schema('S', ['a']) });
    await register('s', { schema: schema('S', ['a', 'b']) });
    await call('PUT', '/config/s', { compatibility: 'BACKWARD' });
    const bad = { schema: schema('S', ['a', 'c']) };
    const good = { schema: schema('S', ['a']) };
    expect((await call('POST', '/compatibility/subjects/s/versions/latest', good)).body).toEqual({
      is_compatible: true,
    });
    expect((await call('POST', '/compatibility/subjects/s/versions/latest', bad)).body).toEqual({
      is_compatible: false,
    });
    const verbose = await call('POST', '/compatibility/subjects/s/versions/1?verbose=true', bad);
    expect(verbose.body).toMatchObject({
      is_compatible: false,
      messages: expect.arrayContaining(['{oldSchemaVersion: 1}']),
    });
    expect((await call('POST', '/compatibility/subjects/s/versions', bad)).body).toEqual({ is_compatible: false });
    await call('PUT', '/config/s', { compatibility: 'BACKWARD_TRANSITIVE' });
    // (a, b) reads the latest (a, b) but not v1 (a), which lacks b.
    const onlyB = { schema: schema('S', ['a', 'b']) };
    expect((await call('POST', '/compatibility/subjects/s/versions/latest', onlyB)).body).toEqual({
      is_compatible: true,
    });
    expect((await call('POST', '/compatibility/subjects/s/versions', onlyB)).body).toEqual({ is_compatible: false });
    expect(await call('POST', '/compatibility/subjects/s/versions/9', good)).toMatchObject(error(40402));
    expect((await call('POST', '/compatibility/subjects/new/versions/latest', good)).body).toEqual({
      is_compatible: true,
    });
    expect(await call('POST', '/compatibility/subjects/s/versions/latest', { schema: 'nope' })).toMatchObject(
      error(42201),
    );
    // A schema of another type is never compatible.
    expect(
      (await call('POST', '/compatibility/subjects/s/versions/latest', { ...good, schemaType: 'JSON' })).body,
    ).toEqual({ is_compatible: false });
  });

  it('serves global and subject config', async () => {
    expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect(await call('PUT', '/config', { compatibility: 'SIDEWAYS' })).toMatchObject(error(42203));
    expect((await call('PUT', '/config', { compatibility: 'FULL', normalize: true })).body).toEqual({
      compatibility: 'FULL',
      normalize: true,
    });
    expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'FULL', normalize: true });
    expect(await call('GET', '/config/s')).toMatchObject(error(40408));
    expect((await call('GET', '/config/s?defaultToGlobal=true')).body).toEqual({
      compatibilityLevel: 'FULL',
      normalize: true,
    });
    await call('PUT', '/config/s', { compatibility: 'NONE' });
    expect((await call('GET', '/config/s')).body).toEqual({ compatibilityLevel: 'NONE' });
    expect((await call('DELETE', '/config/s')).body).toEqual({ compatibilityLevel: 'NONE' });
    expect(await call('DELETE', '/config/s')).toMatchObject(error(40401));
    expect((await call('DELETE', '/config')).body).toEqual({ compatibilityLevel: 'FULL', normalize: true });
    expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('applies normalize to ids when asked', async () => {
    expect((await register('n', { schema: schema('N', ['b', 'a']) }, '?normalize=true')).body).toEqual({ id: 1 });
    expect((await register('n', { schema: schema('N', ['a', 'b']) }, '?normalize=true')).body).toEqual({ id: 1 });
    expect((await call('GET', '/schemas/ids/1')).body).toEqual({ schema: schema('N', ['a', 'b']) });
  });

  it('looks a schema up under a subject', async () => {
    const text = schema('L', ['a']);
    await register('l', { schema: text });
    expect((await call('POST', '/subjects/l', { schema: text })).body).toEqual({
      subject: 'l',
      version: 1,
      id: 1,
      schema: text,
    });
    expect(await call('POST', '/subjects/l', { schema: schema('L', ['z']) })).toMatchObject(error(40403));
    expect(await call('POST', '/subjects/nobody', { schema: text })).toMatchObject(error(40401));
    expect(await call('POST', '/subjects/l', { schema: '{' })).toMatchObject(error(42201));
    await call('DELETE', '/subjects/l/versions/1');
    expect(await call('POST', '/subjects/l', { schema: text })).toMatchObject(error(40401));
    expect((await call('POST', '/subjects/l?deleted=true', { schema: text })).body).toMatchObject({ version: 1 });
  });

  it('soft-deletes and then permanently deletes, as Confluent orders it', async () => {
    await register('d', { schema: schema('D', ['a']) });
    await register('d', { schema: schema('D', ['a', 'b?']) });
    expect(await call('DELETE', '/subjects/d/versions/1?permanent=true')).toMatchObject(error(40407));
    expect((await call('DELETE', '/subjects/d/versions/1')).body).toBe(1);
    expect(await call('DELETE', '/subjects/d/versions/1')).toMatchObject(error(40406));
    expect(await call('DELETE', '/subjects/d/versions/5')).toMatchObject(error(40402));
    expect(await call('DELETE', '/subjects/none/versions/1')).toMatchObject(error(40401));
    expect(await call('GET', '/subjects/d/versions/1')).toMatchObject(error(40402));
    expect((await call('GET', '/subjects/d/versions/1?deleted=true')).body).toMatchObject({ version: 1 });
    expect((await call('GET', '/subjects/d/versions')).body).toEqual([2]);
    expect((await call('GET', '/subjects/d/versions?deleted=true')).body).toEqual([1, 2]);
    expect((await call('GET', '/schemas/ids/1/versions')).body).toEqual([]);
    expect((await call('GET', '/schemas/ids/1/versions?deleted=true')).body).toEqual([{ subject: 'd', version: 1 }]);
    expect((await call('DELETE', '/subjects/d/versions/1?permanent=true')).body).toBe(1);
    expect(await call('DELETE', '/subjects/d?permanent=true')).toMatchObject(error(40405));
    expect((await call('DELETE', '/subjects/d')).body).toEqual([2]);
    expect((await call('GET', '/subjects')).body).toEqual([]);
    expect((await call('GET', '/subjects?deleted=true')).body).toEqual(['d']);
    expect(await call('DELETE', '/subjects/d')).toMatchObject(error(40404));
    expect((await call('DELETE', '/subjects/d?permanent=true')).body).toEqual([2]);
    expect((await call('GET', '/subjects?deleted=true')).body).toEqual([]);
    expect(await call('DELETE', '/subjects/d')).toMatchObject(error(40401));
    // The id outlives its subject versions; the same schema gets it back.
    expect((await register('d', { schema: schema('D', ['a']) })).body).toEqual({ id: 1 });
  });

  it('resolves references and keeps referenced versions from deletion (42206)', async () => {
    await register('base', { schema: schema('Base', ['x']) });
    const user = {
      schema: schema('User', ['a'], ['Base']),
      references: [{ name: 'Base', subject: 'base', version: 1 }],
    };
    expect((await register('user', user)).body).toEqual({ id: 2 });
    expect((await call('GET', '/subjects/user/versions/1')).body).toMatchObject({ references: user.references });
    expect((await call('GET', '/schemas/ids/2')).body).toMatchObject({ references: user.references });
    expect((await call('GET', '/subjects/base/versions/1/referencedby')).body).toEqual([2]);
    expect(await call('DELETE', '/subjects/base/versions/1')).toMatchObject(error(42206));
    expect(await call('DELETE', '/subjects/base')).toMatchObject(error(42206));
    // -1 pins the latest version, so the registration is the same schema as above.
    const latest = { ...user, references: [{ name: 'Base', subject: 'base', version: -1 }] };
    expect((await register('user2', latest)).body).toEqual({ id: 2 });
    await call('DELETE', '/subjects/user');
    await call('DELETE', '/subjects/user?permanent=true');
    await call('DELETE', '/subjects/user2');
    await call('DELETE', '/subjects/user2?permanent=true');
    expect((await call('GET', '/subjects/base/versions/1/referencedby')).body).toEqual([]);
    expect((await call('DELETE', '/subjects/base')).body).toEqual([1]);
  });

  it('enforces modes: READONLY refuses writes, IMPORT takes ids and versions', async () => {
    expect((await call('GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
    expect(await call('PUT', '/mode', { mode: 'SIDEWAYS' })).toMatchObject(error(42204));
    expect(await call('GET', '/mode/s')).toMatchObject(error(40409));
    expect((await call('GET', '/mode/s?defaultToGlobal=true')).body).toEqual({ mode: 'READWRITE' });
    expect(await register('s', { schema: schema('S', ['a']), id: 100 })).toMatchObject(error(42205));
    await register('s', { schema: schema('S', ['a']) });
    expect((await call('PUT', '/mode/s', { mode: 'READONLY' })).body).toEqual({ mode: 'READONLY' });
    expect(await register('s', { schema: schema('S', ['a', 'b?']) })).toMatchObject(error(42205));
    expect(await call('DELETE', '/subjects/s')).toMatchObject(error(42205));
    expect((await call('DELETE', '/mode/s')).body).toEqual({ mode: 'READONLY' });
    expect(await call('DELETE', '/mode/s')).toMatchObject(error(40409));

    expect(await call('PUT', '/mode', { mode: 'IMPORT' })).toMatchObject(error(42205));
    expect(await call('PUT', '/mode/s', { mode: 'IMPORT' })).toMatchObject(error(42205));
    expect((await call('PUT', '/mode/imported', { mode: 'IMPORT' })).body).toEqual({ mode: 'IMPORT' });
    // Imports skip compatibility and keep the given id and version.
    expect((await register('imported', { schema: schema('I', ['a']), id: 100, version: 3 })).body).toEqual({ id: 100 });
    expect((await register('imported', { schema: schema('I', ['z']), id: 101, version: 4 })).body).toEqual({ id: 101 });
    expect(await register('imported', { schema: schema('I', ['q']), id: 100, version: 5 })).toMatchObject(error(42205));
    expect(await register('imported', { schema: schema('I', ['q']), id: 102, version: 4 })).toMatchObject(error(42205));
    expect((await call('GET', '/subjects/imported/versions/3')).body).toMatchObject({ id: 100 });
    expect((await call('PUT', '/mode?force=true', { mode: 'IMPORT' })).body).toEqual({ mode: 'IMPORT' });
    expect((await call('PUT', '/mode', { mode: 'READWRITE' })).body).toEqual({ mode: 'READWRITE' });
    await call('DELETE', '/mode/imported');
    // New ids continue above imported ones.
    expect((await register('fresh', { schema: schema('F', ['a']) })).body).toEqual({ id: 102 });
  });

  it('negotiates content types and answers errors as JSON', async () => {
    await register('c', { schema: schema('C', ['a']) });
    expect((await call('GET', '/subjects', undefined, { accept: 'application/json' })).type).toBe('application/json');
    expect((await call('GET', '/subjects', undefined, { accept: 'application/vnd.schemaregistry+json' })).type).toBe(
      'application/vnd.schemaregistry+json',
    );
    expect((await call('GET', '/subjects', undefined, { accept: '*/*' })).type).toBe(V1);
    expect(await call('GET', '/subjects', undefined, { accept: 'text/html' })).toMatchObject(error(406));
    expect(
      await call('POST', '/subjects/c/versions', { schema: schema('C', ['a']) }, { 'content-type': 'text/plain' }),
    ).toMatchObject(error(415));
    for (const type of ['application/json', 'application/vnd.schemaregistry+json', 'application/octet-stream']) {
      expect(
        (await call('POST', '/subjects/c/versions', { schema: schema('C', ['a']) }, { 'content-type': type })).body,
      ).toEqual({ id: 1 });
    }
    expect(await call('POST', '/subjects/c/versions', '{not json')).toMatchObject(error(400));
    expect(await call('GET', '/no/such/path')).toMatchObject(error(404));
    expect((await call('GET', '/')).body).toEqual({});
  });

  it('answers 50001 when the store fails', async () => {
    await store.close();
    expect(await call('GET', '/subjects')).toMatchObject(error(50001));
  });

  it('gives racing registrations distinct versions, each checked against what it follows', async () => {
    await register('r', { schema: schema('R', ['a']) });
    const answers = await Promise.all(
      ['b?', 'c?', 'd?', 'e?'].map((f) => register('r', { schema: schema('R', ['a', f]) })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect((await call('GET', '/subjects/r/versions')).body).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('schema registry with the real schema rules', () => {
  const real = (): ReturnType<typeof schemaRegistryApp> => schemaRegistryApp({ meta: new MemoryMetaStore() });

  async function post(on: ReturnType<typeof schemaRegistryApp>, path: string, body: unknown): Promise<number> {
    const res = await on.fetch(
      new Request(`http://registry${path}`, {
        method: 'POST',
        headers: { 'content-type': V1 },
        body: JSON.stringify(body),
      }),
    );
    return res.status;
  }

  it('registers Avro, refuses a field added without a default, accepts one with a default', async () => {
    const on = real();
    const v1 = { type: 'record', name: 'User', namespace: 'com.example', fields: [{ name: 'name', type: 'string' }] };
    expect(await post(on, '/subjects/u/versions', { schema: JSON.stringify(v1) })).toBe(200);
    const noDefault = { ...v1, fields: [...v1.fields, { name: 'age', type: 'int' }] };
    expect(await post(on, '/subjects/u/versions', { schema: JSON.stringify(noDefault) })).toBe(409);
    const withDefault = { ...v1, fields: [...v1.fields, { name: 'age', type: 'int', default: 0 }] };
    expect(await post(on, '/subjects/u/versions', { schema: JSON.stringify(withDefault) })).toBe(200);
    const address = {
      type: 'record',
      name: 'Address',
      namespace: 'com.example',
      fields: [{ name: 'city', type: 'string' }],
    };
    expect(await post(on, '/subjects/addr/versions', { schema: JSON.stringify(address) })).toBe(200);
    const person = {
      type: 'record',
      name: 'Person',
      namespace: 'com.example',
      fields: [{ name: 'home', type: 'com.example.Address' }],
    };
    expect(await post(on, '/subjects/person/versions', { schema: JSON.stringify(person) })).toBe(422);
    const references = [{ name: 'com.example.Address', subject: 'addr', version: 1 }];
    expect(await post(on, '/subjects/person/versions', { schema: JSON.stringify(person), references })).toBe(200);
  });

  it('registers Protobuf and JSON Schema', async () => {
    const on = real();
    const proto = (type: string) => `syntax = "proto3";\npackage x;\nmessage M { ${type} a = 1; }\n`;
    expect(await post(on, '/subjects/p/versions', { schemaType: 'PROTOBUF', schema: proto('string') })).toBe(200);
    expect(await post(on, '/subjects/p/versions', { schemaType: 'PROTOBUF', schema: proto('int64') })).toBe(409);
    const json = { type: 'object', properties: { a: { type: 'string' } } };
    expect(await post(on, '/subjects/j/versions', { schemaType: 'JSON', schema: JSON.stringify(json) })).toBe(200);
    expect(await post(on, '/subjects/j/versions', { schemaType: 'JSON', schema: '{"type": 5}' })).toBe(422);
  });
});
