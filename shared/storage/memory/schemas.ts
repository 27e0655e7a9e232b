/**
 * The in-memory SchemaStore: the registry's state in the shared
 * {@link MemorySchemaState}, each method atomic as the Redis scripts are.
 */

import {
  compareSubjectVersions,
  type DeleteOutcome,
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

interface StoredVersion {
  readonly version: number;
  readonly id: number;
  deleted: boolean;
}

export class MemorySchemaState {
  lastId = 0;
  readonly schemas = new Map<number, StoredSchema & { fingerprint: string }>();
  readonly byFingerprint = new Map<string, number>();
  readonly subjects = new Map<string, StoredVersion[]>();
  /** `subject\0version` → the subject versions referencing it. */
  readonly referrers = new Map<string, SubjectVersionRef[]>();
  /** '' → global, `s:<subject>` → subject. */
  readonly configs = new Map<string, RegistryConfig>();
  readonly modes = new Map<string, RegistryMode>();
}

function refKey(subject: string, version: number): string {
  return `${subject}\u0000${version}`;
}

function levelKey(subject: string | null): string {
  return subject === null ? '' : `s:${subject}`;
}

export class MemorySchemas implements SchemaStore {
  constructor(
    private readonly s: MemorySchemaState,
    private readonly open: () => void,
  ) {}

  async getSchema(id: number): Promise<StoredSchema | null> {
    this.open();
    const found = this.s.schemas.get(id);
    return found === undefined
      ? null
      : { id, schemaType: found.schemaType, schema: found.schema, references: found.references };
  }

  async findSchema(schemaType: string, schema: string, references: readonly SchemaReference[]): Promise<number | null> {
    this.open();
    return this.s.byFingerprint.get(schemaFingerprint(schemaType, schema, references)) ?? null;
  }

  async listSubjects(includeDeleted: boolean): Promise<string[]> {
    this.open();
    return [...this.s.subjects]
      .filter(([, versions]) => includeDeleted || versions.some((v) => !v.deleted))
      .map(([subject]) => subject)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async versions(subject: string): Promise<SubjectVersion[]> {
    this.open();
    return (this.s.subjects.get(subject) ?? [])
      .map((v) => ({ subject, version: v.version, id: v.id, deleted: v.deleted }))
      .sort((a, b) => a.version - b.version);
  }

  async usages(id: number): Promise<SubjectVersion[]> {
    this.open();
    const out: SubjectVersion[] = [];
    for (const [subject, versions] of this.s.subjects) {
      for (const v of versions) if (v.id === id) out.push({ subject, version: v.version, id, deleted: v.deleted });
    }
    return out.sort(compareSubjectVersions);
  }

  async referencedBy(subject: string, version: number): Promise<SubjectVersionRef[]> {
    this.open();
    return [...(this.s.referrers.get(refKey(subject, version)) ?? [])].sort(compareSubjectVersions);
  }

  async register(r: RegisterRequest): Promise<RegisterOutcome> {
    this.open();
    const fingerprint = schemaFingerprint(r.schemaType, r.schema, r.references);
    const versions = this.s.subjects.get(r.subject) ?? [];
    const known = r.id ?? this.s.byFingerprint.get(fingerprint);
    let latest = 0;
    let highest = 0;
    for (const v of versions) {
      highest = Math.max(highest, v.version);
      if (v.deleted) continue;
      latest = Math.max(latest, v.version);
      if (v.id === known && this.s.schemas.get(v.id)?.fingerprint === fingerprint) {
        return { kind: 'exists', id: v.id, version: v.version };
      }
    }
    if (r.expectedLatest !== undefined && r.expectedLatest !== latest) return { kind: 'moved' };
    for (const ref of r.references) {
      if (!this.s.subjects.get(ref.subject)?.some((v) => v.version === ref.version)) {
        return { kind: 'reference-missing', reference: { subject: ref.subject, version: ref.version } };
      }
    }
    if (r.id !== undefined) {
      const held = this.s.schemas.get(r.id);
      if (held !== undefined && held.fingerprint !== fingerprint) return { kind: 'id-conflict' };
    }
    if (r.version !== undefined && versions.some((v) => v.version === r.version)) {
      return { kind: 'version-conflict' };
    }
    let id: number;
    if (r.id !== undefined) {
      id = r.id;
      this.s.lastId = Math.max(this.s.lastId, id);
    } else if (known !== undefined) {
      id = known;
    } else {
      this.s.lastId += 1;
      id = this.s.lastId;
    }
    if (!this.s.schemas.has(id)) {
      this.s.schemas.set(id, {
        id,
        schemaType: r.schemaType,
        schema: r.schema,
        references: r.references.map((ref) => ({ ...ref })),
        fingerprint,
      });
    }
    if (!this.s.byFingerprint.has(fingerprint)) this.s.byFingerprint.set(fingerprint, id);
    const version = r.version ?? highest + 1;
    versions.push({ version, id, deleted: false });
    this.s.subjects.set(r.subject, versions);
    for (const ref of r.references) {
      const key = refKey(ref.subject, ref.version);
      this.s.referrers.set(key, [...(this.s.referrers.get(key) ?? []), { subject: r.subject, version }]);
    }
    return { kind: 'registered', id, version };
  }

  private referrersOf(subject: string, versions: readonly StoredVersion[]): SubjectVersionRef[] {
    return versions.flatMap((v) => this.s.referrers.get(refKey(subject, v.version)) ?? []);
  }

  /** Removes a version's own references from the referrer lists of what it references. */
  private forget(subject: string, v: StoredVersion): void {
    for (const ref of this.s.schemas.get(v.id)?.references ?? []) {
      const key = refKey(ref.subject, ref.version);
      const left = (this.s.referrers.get(key) ?? []).filter((x) => x.subject !== subject || x.version !== v.version);
      if (left.length === 0) this.s.referrers.delete(key);
      else this.s.referrers.set(key, left);
    }
  }

  async deleteVersion(subject: string, version: number, permanent: boolean): Promise<DeleteOutcome> {
    this.open();
    const versions = this.s.subjects.get(subject);
    if (versions === undefined) return { kind: 'subject-not-found' };
    const v = versions.find((x) => x.version === version);
    if (v === undefined) return { kind: 'version-not-found' };
    if (!permanent && v.deleted) return { kind: 'soft-deleted' };
    if (permanent && !v.deleted) return { kind: 'not-soft-deleted' };
    const by = this.referrersOf(subject, [v]);
    if (by.length > 0) return { kind: 'referenced', by };
    if (permanent) {
      this.forget(subject, v);
      const left = versions.filter((x) => x !== v);
      if (left.length === 0) this.s.subjects.delete(subject);
      else this.s.subjects.set(subject, left);
    } else {
      v.deleted = true;
    }
    return { kind: 'deleted', versions: [version] };
  }

  async deleteSubject(subject: string, permanent: boolean): Promise<DeleteOutcome> {
    this.open();
    const versions = this.s.subjects.get(subject);
    if (versions === undefined) return { kind: 'subject-not-found' };
    const live = versions.filter((v) => !v.deleted);
    if (!permanent && live.length === 0) return { kind: 'soft-deleted' };
    if (permanent && live.length > 0) return { kind: 'not-soft-deleted' };
    const targets = permanent ? versions : live;
    const by = this.referrersOf(subject, targets);
    if (by.length > 0) return { kind: 'referenced', by };
    const numbers = targets.map((v) => v.version).sort((a, b) => a - b);
    if (permanent) {
      for (const v of versions) this.forget(subject, v);
      this.s.subjects.delete(subject);
      this.s.configs.delete(levelKey(subject));
      this.s.modes.delete(levelKey(subject));
    } else {
      for (const v of live) v.deleted = true;
    }
    return { kind: 'deleted', versions: numbers };
  }

  async getConfig(subject: string | null): Promise<RegistryConfig | null> {
    this.open();
    const c = this.s.configs.get(levelKey(subject));
    return c === undefined ? null : { ...c };
  }

  async setConfig(subject: string | null, config: RegistryConfig): Promise<void> {
    this.open();
    this.s.configs.set(levelKey(subject), { ...config });
  }

  async deleteConfig(subject: string | null): Promise<RegistryConfig | null> {
    this.open();
    const c = this.s.configs.get(levelKey(subject));
    this.s.configs.delete(levelKey(subject));
    return c === undefined ? null : { ...c };
  }

  async getMode(subject: string | null): Promise<RegistryMode | null> {
    this.open();
    return this.s.modes.get(levelKey(subject)) ?? null;
  }

  async setMode(subject: string | null, mode: RegistryMode): Promise<void> {
    this.open();
    this.s.modes.set(levelKey(subject), mode);
  }

  async deleteMode(subject: string | null): Promise<RegistryMode | null> {
    this.open();
    const m = this.s.modes.get(levelKey(subject)) ?? null;
    this.s.modes.delete(levelKey(subject));
    return m;
  }
}
