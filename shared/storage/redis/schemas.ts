/**
 * The Redis SchemaStore. The whole registry shares one hash tag, so every
 * change is one script on one slot (Redis Cluster included):
 *
 * | key | type | holds |
 * |---|---|---|
 * | `{kl:sr}:next` | string | the last schema id handed out |
 * | `{kl:sr}:schemas` | hash | id → `{"schemaType","schema","references","fingerprint"}` |
 * | `{kl:sr}:fp` | hash | fingerprint → the first id registered with it |
 * | `{kl:sr}:subjects` | hash | subject → `[[version, id, deleted (0/1)], …]` |
 * | `{kl:sr}:refby` | hash | `<subject>\0<version>` → `[[subject, version], …]` referencing it |
 * | `{kl:sr}:config` | hash | `g` (global) or `s:<subject>` → config JSON |
 * | `{kl:sr}:mode` | hash | `g` or `s:<subject>` → mode |
 *
 * A registry holds thousands of schemas, not millions: a subject's versions
 * live in one field, and lookups across subjects read the subjects hash whole.
 */

import {
  compareSubjectVersions,
  type DeleteOutcome,
  REGISTRY_MODES,
  type RegisterOutcome,
  type RegisterRequest,
  type RegistryConfig,
  type RegistryMode,
  type SchemaReference,
  type SchemaStore,
  type StoredSchema,
  type SubjectVersion,
  type SubjectVersionRef,
  schemaFingerprint,
} from '../schemas.js';
import { StorageUnavailableError } from '../types.js';
import type { RedisClient } from './cluster.js';
import type { KeyLayout } from './keys.js';
import { runScript, Script } from './scripts.js';

/** What the store needs of the MetaStore's connection. */
export interface SchemaBackend {
  readonly keys: KeyLayout;
  run<T>(what: string, op: (client: RedisClient) => Promise<T>): Promise<T>;
}

const LUA_HELPERS = `local NUL = string.char(0)
local function versionsOf(raw)
  if not raw then return {} end
  local t = cjson.decode(raw)
  if type(t) ~= 'table' then return {} end
  return t
end
local function referrers(refby, subject, version)
  local raw = redis.call('HGET', refby, subject .. NUL .. string.format('%d', version))
  if not raw then return {} end
  return versionsOf(raw)
end
local function forget(keys, subject, v)
  local raw = redis.call('HGET', keys.schemas, string.format('%d', v[2]))
  if not raw then return end
  local refs = cjson.decode(raw).references
  if type(refs) ~= 'table' then return end
  for _, ref in ipairs(refs) do
    local field = ref.subject .. NUL .. string.format('%d', ref.version)
    local left = {}
    for _, x in ipairs(referrers(keys.refby, ref.subject, ref.version)) do
      if not (x[1] == subject and x[2] == v[1]) then table.insert(left, x) end
    end
    if #left == 0 then redis.call('HDEL', keys.refby, field) else redis.call('HSET', keys.refby, field, cjson.encode(left)) end
  end
end
local function flat(list)
  local out = {}
  for _, x in ipairs(list) do table.insert(out, x[1]); table.insert(out, x[2]) end
  return out
end
`;

/**
 * KEYS: next, schemas, fp, subjects, refby.
 * ARGV: subject, fingerprint, schema JSON, expected latest ('' for any), id (''), version (''), references JSON [[subject, version], …].
 */
const REGISTER = new Script(
  'schema-register',
  `${LUA_HELPERS}local subject = ARGV[1]
local versions = versionsOf(redis.call('HGET', KEYS[4], subject))
local known = nil
if ARGV[5] ~= '' then known = tonumber(ARGV[5]) else known = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '') end
local latest, highest = 0, 0
for _, v in ipairs(versions) do
  if v[1] > highest then highest = v[1] end
  if v[3] == 0 then
    if v[1] > latest then latest = v[1] end
    if known and v[2] == known then
      local held = redis.call('HGET', KEYS[2], string.format('%d', known))
      if held and cjson.decode(held).fingerprint == ARGV[2] then return {'exists', known, v[1]} end
    end
  end
end
if ARGV[4] ~= '' and tonumber(ARGV[4]) ~= latest then return {'moved'} end
local refs = cjson.decode(ARGV[7])
for _, ref in ipairs(refs) do
  local found = false
  for _, v in ipairs(versionsOf(redis.call('HGET', KEYS[4], ref[1]))) do
    if v[1] == ref[2] then found = true end
  end
  if not found then return {'reference-missing', ref[1], ref[2]} end
end
if ARGV[5] ~= '' then
  local held = redis.call('HGET', KEYS[2], ARGV[5])
  if held and cjson.decode(held).fingerprint ~= ARGV[2] then return {'id-conflict'} end
end
if ARGV[6] ~= '' then
  for _, v in ipairs(versions) do
    if v[1] == tonumber(ARGV[6]) then return {'version-conflict'} end
  end
end
local id
if ARGV[5] ~= '' then
  id = tonumber(ARGV[5])
  if id > tonumber(redis.call('GET', KEYS[1]) or '0') then redis.call('SET', KEYS[1], ARGV[5]) end
elseif known then
  id = known
else
  id = redis.call('INCR', KEYS[1])
end
local idText = string.format('%d', id)
redis.call('HSETNX', KEYS[2], idText, ARGV[3])
redis.call('HSETNX', KEYS[3], ARGV[2], idText)
local version = highest + 1
if ARGV[6] ~= '' then version = tonumber(ARGV[6]) end
table.insert(versions, {version, id, 0})
redis.call('HSET', KEYS[4], subject, cjson.encode(versions))
for _, ref in ipairs(refs) do
  local field = ref[1] .. NUL .. string.format('%d', ref[2])
  local list = referrers(KEYS[5], ref[1], ref[2])
  table.insert(list, {subject, version})
  redis.call('HSET', KEYS[5], field, cjson.encode(list))
end
return {'registered', id, version}
`,
);

/**
 * KEYS: schemas, subjects, refby, config, mode. ARGV: subject, version ('' for the whole subject), '1' permanent or '0'.
 * Returns {'deleted', versions…}, {'referenced', subject, version, …} or {outcome}.
 */
const DELETE = new Script(
  'schema-delete',
  `${LUA_HELPERS}local keys = {schemas = KEYS[1], refby = KEYS[3]}
local subject = ARGV[1]
local permanent = ARGV[3] == '1'
local raw = redis.call('HGET', KEYS[2], subject)
if not raw then return {'subject-not-found'} end
local versions = versionsOf(raw)
local targets = {}
if ARGV[2] ~= '' then
  local want = tonumber(ARGV[2])
  for _, v in ipairs(versions) do if v[1] == want then table.insert(targets, v) end end
  if #targets == 0 then return {'version-not-found'} end
  if not permanent and targets[1][3] == 1 then return {'soft-deleted'} end
  if permanent and targets[1][3] == 0 then return {'not-soft-deleted'} end
else
  for _, v in ipairs(versions) do
    if v[3] == 0 then table.insert(targets, v) end
  end
  if not permanent and #targets == 0 then return {'soft-deleted'} end
  if permanent and #targets > 0 then return {'not-soft-deleted'} end
  if permanent then targets = versions end
end
local by = {}
for _, v in ipairs(targets) do
  for _, x in ipairs(referrers(KEYS[3], subject, v[1])) do table.insert(by, x) end
end
if #by > 0 then
  local out = flat(by)
  table.insert(out, 1, 'referenced')
  return out
end
local gone = {}
local left = {}
for _, v in ipairs(versions) do
  local hit = false
  for _, t in ipairs(targets) do if t[1] == v[1] then hit = true end end
  if hit then
    table.insert(gone, v[1])
    if permanent then forget(keys, subject, v) else v[3] = 1; table.insert(left, v) end
  else
    table.insert(left, v)
  end
end
if #left == 0 then
  redis.call('HDEL', KEYS[2], subject)
else
  redis.call('HSET', KEYS[2], subject, cjson.encode(left))
end
if permanent and ARGV[2] == '' then
  redis.call('HDEL', KEYS[4], 's:' .. subject)
  redis.call('HDEL', KEYS[5], 's:' .. subject)
end
table.insert(gone, 1, 'deleted')
return gone
`,
);

/** KEYS: the hash. ARGV: field. Returns the value it held, removing it. */
const TAKE = new Script(
  'schema-take',
  `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then redis.call('HDEL', KEYS[1], ARGV[1]) end
return v
`,
);

export const SCHEMA_SCRIPTS: readonly Script[] = [REGISTER, DELETE, TAKE];

interface SchemaKeys {
  readonly next: string;
  readonly schemas: string;
  readonly fingerprints: string;
  readonly subjects: string;
  readonly referrers: string;
  readonly config: string;
  readonly mode: string;
}

function schemaKeys(prefix: string): SchemaKeys {
  const tag = `{${prefix}sr}`;
  return {
    next: `${tag}:next`,
    schemas: `${tag}:schemas`,
    fingerprints: `${tag}:fp`,
    subjects: `${tag}:subjects`,
    referrers: `${tag}:refby`,
    config: `${tag}:config`,
    mode: `${tag}:mode`,
  };
}

function levelField(subject: string | null): string {
  return subject === null ? 'g' : `s:${subject}`;
}

type Tuple = [number, number, number];

function damaged(what: string): StorageUnavailableError {
  return new StorageUnavailableError(`malformed schema registry ${what}`);
}

function parseVersions(subject: string, raw: string): SubjectVersion[] {
  const value: unknown = JSON.parse(raw);
  // cjson writes an empty list as {}.
  if (!Array.isArray(value)) return [];
  return (value as Tuple[])
    .map((t) => {
      if (!Array.isArray(t) || t.length !== 3) throw damaged(`versions of ${JSON.stringify(subject)}`);
      return { subject, version: Number(t[0]), id: Number(t[1]), deleted: Number(t[2]) === 1 };
    })
    .sort((a, b) => a.version - b.version);
}

function parseRefs(raw: string): SubjectVersionRef[] {
  const value: unknown = JSON.parse(raw);
  if (!Array.isArray(value)) return [];
  return (value as [string, number][]).map(([subject, version]) => ({ subject, version: Number(version) }));
}

function pairs(reply: unknown[], from: number): SubjectVersionRef[] {
  const out: SubjectVersionRef[] = [];
  for (let i = from; i + 1 < reply.length; i += 2) {
    out.push({ subject: String(reply[i]), version: Number(reply[i + 1]) });
  }
  return out.sort(compareSubjectVersions);
}

export class RedisSchemas implements SchemaStore {
  private readonly k: SchemaKeys;

  constructor(private readonly b: SchemaBackend) {
    this.k = schemaKeys(b.keys.prefix);
  }

  async getSchema(id: number): Promise<StoredSchema | null> {
    const raw = await this.b.run('schemas.get', (c) => c.hget(this.k.schemas, String(id)));
    if (raw === null) return null;
    const parsed = JSON.parse(raw) as { schemaType: string; schema: string; references: unknown };
    const references = Array.isArray(parsed.references) ? (parsed.references as SchemaReference[]) : [];
    return { id, schemaType: parsed.schemaType, schema: parsed.schema, references };
  }

  async findSchema(schemaType: string, schema: string, references: readonly SchemaReference[]): Promise<number | null> {
    const fp = schemaFingerprint(schemaType, schema, references);
    const raw = await this.b.run('schemas.find', (c) => c.hget(this.k.fingerprints, fp));
    return raw === null ? null : Number(raw);
  }

  private async allSubjects(): Promise<SubjectVersion[][]> {
    const all = await this.b.run('schemas.subjects', (c) => c.hgetall(this.k.subjects));
    return Object.entries(all).map(([subject, raw]) => parseVersions(subject, raw));
  }

  async listSubjects(includeDeleted: boolean): Promise<string[]> {
    return (await this.allSubjects())
      .filter((vs) => vs.length > 0 && (includeDeleted || vs.some((v) => !v.deleted)))
      .map((vs) => vs[0]!.subject)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async versions(subject: string): Promise<SubjectVersion[]> {
    const raw = await this.b.run('schemas.versions', (c) => c.hget(this.k.subjects, subject));
    return raw === null ? [] : parseVersions(subject, raw);
  }

  async usages(id: number): Promise<SubjectVersion[]> {
    return (await this.allSubjects())
      .flat()
      .filter((v) => v.id === id)
      .sort(compareSubjectVersions);
  }

  async referencedBy(subject: string, version: number): Promise<SubjectVersionRef[]> {
    const raw = await this.b.run('schemas.referencedBy', (c) => c.hget(this.k.referrers, `${subject}\u0000${version}`));
    return raw === null ? [] : parseRefs(raw).sort(compareSubjectVersions);
  }

  async register(r: RegisterRequest): Promise<RegisterOutcome> {
    const fingerprint = schemaFingerprint(r.schemaType, r.schema, r.references);
    const record = JSON.stringify({
      schemaType: r.schemaType,
      schema: r.schema,
      references: r.references,
      fingerprint,
    });
    const k = this.k;
    const reply = await this.b.run('schemas.register', (c) =>
      runScript(
        c,
        REGISTER,
        [k.next, k.schemas, k.fingerprints, k.subjects, k.referrers],
        [
          r.subject,
          fingerprint,
          record,
          r.expectedLatest === undefined ? '' : String(r.expectedLatest),
          r.id === undefined ? '' : String(r.id),
          r.version === undefined ? '' : String(r.version),
          JSON.stringify(r.references.map((ref) => [ref.subject, ref.version])),
        ],
      ),
    );
    if (!Array.isArray(reply)) throw damaged('reply to register');
    const [kind] = reply as unknown[];
    switch (kind) {
      case 'registered':
      case 'exists':
        return { kind, id: Number(reply[1]), version: Number(reply[2]) };
      case 'moved':
      case 'id-conflict':
      case 'version-conflict':
        return { kind };
      case 'reference-missing':
        return { kind, reference: { subject: String(reply[1]), version: Number(reply[2]) } };
      default:
        throw damaged('reply to register');
    }
  }

  private async remove(subject: string, version: number | null, permanent: boolean): Promise<DeleteOutcome> {
    const k = this.k;
    const reply = await this.b.run('schemas.delete', (c) =>
      runScript(
        c,
        DELETE,
        [k.schemas, k.subjects, k.referrers, k.config, k.mode],
        [subject, version === null ? '' : String(version), permanent ? '1' : '0'],
      ),
    );
    if (!Array.isArray(reply)) throw damaged('reply to delete');
    const [kind] = reply as unknown[];
    switch (kind) {
      case 'deleted':
        return { kind, versions: reply.slice(1).map(Number) };
      case 'referenced':
        return { kind, by: pairs(reply, 1) };
      case 'subject-not-found':
      case 'version-not-found':
      case 'soft-deleted':
      case 'not-soft-deleted':
        return { kind };
      default:
        throw damaged('reply to delete');
    }
  }

  deleteVersion(subject: string, version: number, permanent: boolean): Promise<DeleteOutcome> {
    return this.remove(subject, version, permanent);
  }

  deleteSubject(subject: string, permanent: boolean): Promise<DeleteOutcome> {
    return this.remove(subject, null, permanent);
  }

  async getConfig(subject: string | null): Promise<RegistryConfig | null> {
    const raw = await this.b.run('schemas.getConfig', (c) => c.hget(this.k.config, levelField(subject)));
    return raw === null ? null : (JSON.parse(raw) as RegistryConfig);
  }

  async setConfig(subject: string | null, config: RegistryConfig): Promise<void> {
    await this.b.run('schemas.setConfig', (c) => c.hset(this.k.config, levelField(subject), JSON.stringify(config)));
  }

  async deleteConfig(subject: string | null): Promise<RegistryConfig | null> {
    const raw = await this.b.run('schemas.deleteConfig', (c) =>
      runScript(c, TAKE, [this.k.config], [levelField(subject)]),
    );
    return typeof raw === 'string' ? (JSON.parse(raw) as RegistryConfig) : null;
  }

  async getMode(subject: string | null): Promise<RegistryMode | null> {
    const raw = await this.b.run('schemas.getMode', (c) => c.hget(this.k.mode, levelField(subject)));
    return asMode(raw);
  }

  async setMode(subject: string | null, mode: RegistryMode): Promise<void> {
    await this.b.run('schemas.setMode', (c) => c.hset(this.k.mode, levelField(subject), mode));
  }

  async deleteMode(subject: string | null): Promise<RegistryMode | null> {
    const raw = await this.b.run('schemas.deleteMode', (c) => runScript(c, TAKE, [this.k.mode], [levelField(subject)]));
    return asMode(raw);
  }
}

function asMode(raw: unknown): RegistryMode | null {
  if (raw === null || raw === undefined) return null;
  const mode = String(raw) as RegistryMode;
  if (!REGISTRY_MODES.includes(mode)) throw damaged(`mode ${JSON.stringify(raw)}`);
  return mode;
}
