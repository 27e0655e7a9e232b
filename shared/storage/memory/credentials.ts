/** The in-memory CredentialStore: `<mechanism>:<user>` → credential text, each method atomic. */

import { type CredentialStore, credentialField, credentialsOf, type StoredCredential } from '../credentials.js';

export class MemoryCredentialState {
  readonly values = new Map<string, string>();
}

export class MemoryCredentials implements CredentialStore {
  constructor(
    private readonly s: MemoryCredentialState,
    private readonly open: () => void,
  ) {}

  async get(user: string, mechanism: string): Promise<string | null> {
    this.open();
    return this.s.values.get(credentialField(user, mechanism)) ?? null;
  }

  async list(users: readonly string[] | null): Promise<StoredCredential[]> {
    this.open();
    return credentialsOf(this.s.values, users);
  }

  async alter(
    deletions: readonly { readonly user: string; readonly mechanism: string }[],
    upsertions: readonly StoredCredential[],
  ): Promise<boolean[]> {
    this.open();
    const existed = deletions.map((d) => this.s.values.delete(credentialField(d.user, d.mechanism)));
    for (const u of upsertions) this.s.values.set(credentialField(u.user, u.mechanism), u.value);
    return existed;
  }
}
