/**
 * Storage contract for access-control lists: a set of bindings, each a
 * resource pattern and an entry (Kafka's AclBinding, stored as plain codes
 * and strings; the rules that read them live in shared/acls/), and a version
 * that moves with every change, so readers can cache the set and notice a
 * change by reading one number.
 *
 * Every change is one atomic step. Adding a binding already stored, or
 * removing one that is not, changes nothing (the version stays).
 */

export interface StoredAcl {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

/** The whole set as of one version. */
export interface AclSnapshot {
  /** 0 before the first change; increases with every change, never reused. */
  readonly version: number;
  readonly acls: readonly StoredAcl[];
}

export interface AclStore {
  /** The current version, cheaply (one read). */
  version(): Promise<number>;
  /** The version and the bindings, read together. */
  snapshot(): Promise<AclSnapshot>;
  /** Stores the bindings not already stored; returns the version after. */
  add(acls: readonly StoredAcl[]): Promise<number>;
  /** Removes those of the bindings that are stored; returns which were and the version after. */
  remove(acls: readonly StoredAcl[]): Promise<{ removed: StoredAcl[]; version: number }>;
}

/** A binding's identity, the same on every store: its fields as a JSON array. */
export function aclKey(a: StoredAcl): string {
  return JSON.stringify([
    a.resourceType,
    a.resourceName,
    a.patternType,
    a.principal,
    a.host,
    a.operation,
    a.permissionType,
  ]);
}

/** The binding an {@link aclKey} names, or null when the text is not one. */
export function aclFromKey(key: string): StoredAcl | null {
  let v: unknown;
  try {
    v = JSON.parse(key);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 7) return null;
  const [resourceType, resourceName, patternType, principal, host, operation, permissionType] = v as unknown[];
  const int = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
  const str = (x: unknown): x is string => typeof x === 'string';
  if (!int(resourceType) || !int(patternType) || !int(operation) || !int(permissionType)) return null;
  if (!str(resourceName) || !str(principal) || !str(host)) return null;
  return { resourceType, resourceName, patternType, principal, host, operation, permissionType };
}
