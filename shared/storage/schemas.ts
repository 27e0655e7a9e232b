/**
 * Storage contract for the schema registry (Confluent-compatible): schemas
 * by global id, subjects as lists of versions pointing at ids, the
 * references between subject versions, and registry config and mode. The
 * store knows no schema language: callers hand it canonical text, and two
 * registrations of the same type, text and references share one id.
 *
 * Every change is one atomic step; register is conditional on the subject's
 * latest version, so a compatibility check made against it stays true.
 */

import { createHash } from 'node:crypto';

/** A schema's reference to a registered subject version, under the name the schema uses for it. */
export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

export interface StoredSchema {
  readonly id: number;
  /** AVRO, PROTOBUF or JSON; the store does not check it. */
  readonly schemaType: string;
  readonly schema: string;
  readonly references: readonly SchemaReference[];
}

export interface SubjectVersion {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  /** Soft-deleted: still stored, hidden unless asked for. */
  readonly deleted: boolean;
}

export interface SubjectVersionRef {
  readonly subject: string;
  readonly version: number;
}

export interface RegisterRequest {
  readonly subject: string;
  readonly schemaType: string;
  readonly schema: string;
  readonly references: readonly SchemaReference[];
  /**
   * The subject's latest live version the caller checked against (0: none).
   * When given and another version has become the latest, nothing is
   * written and the answer is `moved`.
   */
  readonly expectedLatest?: number;
  /** IMPORT mode: the id to register under (refused when it holds another schema). */
  readonly id?: number;
  /** IMPORT mode: the version to register as (refused when the subject has it). */
  readonly version?: number;
}

/**
 * - `registered`: a new version; `id` is the existing id when the same
 *   schema was registered before (under any subject), else a new one;
 * - `exists`: the subject already has the schema as a live version;
 * - `moved`: the latest version is not `expectedLatest` any more;
 * - `id-conflict`: the requested id holds another schema;
 * - `version-conflict`: the requested version exists in the subject;
 * - `reference-missing`: a referenced subject version is gone.
 */
export type RegisterOutcome =
  | { readonly kind: 'registered'; readonly id: number; readonly version: number }
  | { readonly kind: 'exists'; readonly id: number; readonly version: number }
  | { readonly kind: 'moved' }
  | { readonly kind: 'id-conflict' }
  | { readonly kind: 'version-conflict' }
  | { readonly kind: 'reference-missing'; readonly reference: SubjectVersionRef };

/**
 * - `deleted`: the versions deleted (soft: marked; permanent: removed);
 * - `subject-not-found` / `version-not-found`: nothing stored under that name;
 * - `soft-deleted`: a soft delete of what is already soft-deleted (Confluent 40404/40406);
 * - `not-soft-deleted`: a permanent delete of a live version (40405/40407);
 * - `referenced`: another subject version references one of them (42206).
 */
export type DeleteOutcome =
  | { readonly kind: 'deleted'; readonly versions: readonly number[] }
  | { readonly kind: 'subject-not-found' }
  | { readonly kind: 'version-not-found' }
  | { readonly kind: 'soft-deleted' }
  | { readonly kind: 'not-soft-deleted' }
  | { readonly kind: 'referenced'; readonly by: readonly SubjectVersionRef[] };

/** Registry config, global or per subject; absent fields are not set at that level. */
export interface RegistryConfig {
  readonly compatibilityLevel?: string;
  readonly normalize?: boolean;
}

export type RegistryMode = 'READWRITE' | 'READONLY' | 'IMPORT';

export const REGISTRY_MODES: readonly RegistryMode[] = ['READWRITE', 'READONLY', 'IMPORT'];

export interface SchemaStore {
  getSchema(id: number): Promise<StoredSchema | null>;
  /** The id of a registered schema of that type, text and references, or null. */
  findSchema(schemaType: string, schema: string, references: readonly SchemaReference[]): Promise<number | null>;
  /** Subjects with a live version (with `includeDeleted`, also those with only soft-deleted ones), sorted. */
  listSubjects(includeDeleted: boolean): Promise<string[]>;
  /** Every stored version of the subject, soft-deleted ones included, by version. */
  versions(subject: string): Promise<SubjectVersion[]>;
  /** Every stored subject version holding the id, by subject then version. */
  usages(id: number): Promise<SubjectVersion[]>;
  /** The stored subject versions referencing the subject version, by subject then version. */
  referencedBy(subject: string, version: number): Promise<SubjectVersionRef[]>;
  register(request: RegisterRequest): Promise<RegisterOutcome>;
  /** Deletes one version (soft, or permanently once soft-deleted). */
  deleteVersion(subject: string, version: number, permanent: boolean): Promise<DeleteOutcome>;
  /**
   * Soft-deletes the subject's live versions, or (permanent) removes every
   * version once none is live, with the subject's config and mode.
   */
  deleteSubject(subject: string, permanent: boolean): Promise<DeleteOutcome>;
  /** The config set at that level (null subject: global), or null. */
  getConfig(subject: string | null): Promise<RegistryConfig | null>;
  setConfig(subject: string | null, config: RegistryConfig): Promise<void>;
  /** Removes the config at that level; returns what it was. */
  deleteConfig(subject: string | null): Promise<RegistryConfig | null>;
  getMode(subject: string | null): Promise<RegistryMode | null>;
  setMode(subject: string | null, mode: RegistryMode): Promise<void>;
  deleteMode(subject: string | null): Promise<RegistryMode | null>;
}

/** What identifies a schema for id reuse: its type, canonical text and references. */
export function schemaFingerprint(schemaType: string, schema: string, references: readonly SchemaReference[]): string {
  const refs = references.map((r) => [r.name, r.subject, r.version]);
  return createHash('sha256')
    .update(JSON.stringify([schemaType, schema, refs]))
    .digest('base64url');
}

export function compareSubjectVersions(a: SubjectVersionRef, b: SubjectVersionRef): number {
  if (a.subject !== b.subject) return a.subject < b.subject ? -1 : 1;
  return a.version - b.version;
}
