/**
 * Storage contract for SCRAM credentials: per user and mechanism, the salted
 * form Kafka keeps (salt, StoredKey, ServerKey, iterations; never a
 * password), in Kafka's text form (`shared/security/scram.ts` formats and
 * parses it). Alterations of one request apply as one atomic step, as one
 * controller record batch does in Kafka.
 */

export interface StoredCredential {
  readonly user: string;
  /** SASL mechanism name, e.g. `SCRAM-SHA-512`. */
  readonly mechanism: string;
  /** Kafka's text form: `salt=..,stored_key=..,server_key=..,iterations=..`. */
  readonly value: string;
}

export interface CredentialStore {
  /** One user's credential for a mechanism, in Kafka's text form, or null. */
  get(user: string, mechanism: string): Promise<string | null>;
  /** Every stored credential of the given users (all users when null), sorted by user then mechanism. */
  list(users: readonly string[] | null): Promise<StoredCredential[]>;
  /**
   * Deletes then upserts, one atomic step. Returns, per deletion in order,
   * whether the credential existed (a missing one deletes nothing).
   */
  alter(
    deletions: readonly { readonly user: string; readonly mechanism: string }[],
    upsertions: readonly StoredCredential[],
  ): Promise<boolean[]>;
}

/** How both stores key a credential: `<mechanism>:<user>` (a user name may hold colons, a mechanism not). */
export function credentialField(user: string, mechanism: string): string {
  return `${mechanism}:${user}`;
}

/** The credentials of `users` (all when null) among stored `[field, value]` entries, by user then mechanism. */
export function credentialsOf(
  entries: Iterable<readonly [string, string]>,
  users: readonly string[] | null,
): StoredCredential[] {
  const wanted = users === null ? null : new Set(users);
  const out: StoredCredential[] = [];
  for (const [f, value] of entries) {
    const colon = f.indexOf(':');
    const user = f.slice(colon + 1);
    if (wanted === null || wanted.has(user)) out.push({ user, mechanism: f.slice(0, colon), value });
  }
  const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return out.sort((a, b) => compare(a.user, b.user) || compare(a.mechanism, b.mechanism));
}
