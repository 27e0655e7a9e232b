/** The in-memory CredentialStore: `<mechanism>:<user>` → credential text, each method atomic. */

import { byUserThenMechanism, type CredentialStore, type StoredCredential } from '../credentials.js';

export class MemoryCredentialState {
  readonly values = new Map<string, string>();
}

const field = (user: string, mechanism: string): string => `${mechanism}:${user}`;

export class MemoryCredentials implements CredentialStore {
  constructor(
    private readonly s: MemoryCredentialState,
    private readonly open: () => void,
  ) {}

  async get(user: string, mechanism: string): Promise<string | null> {
    this.open();
    return this.s.values.get(field(user, mechanism)) ?? null;
  }

  async list(users: readonly string[] | null): Promise<StoredCredential[]> {
    this.open();
    const wanted = users === null ? null : new Set(users);
    const out: StoredCredential[] = [];
    for (const [f, value] of this.s.values) {
      const colon = f.indexOf(':');
      const user = f.slice(colon + 1);
      if (wanted === null || wanted.has(user)) out.push({ user, mechanism: f.slice(0, colon), value });
    }
    return out.sort(byUserThenMechanism);
  }

  async alter(
    deletions: readonly { readonly user: string; readonly mechanism: string }[],
    upsertions: readonly StoredCredential[],
  ): Promise<boolean[]> {
    this.open();
    const existed = deletions.map((d) => this.s.values.delete(field(d.user, d.mechanism)));
    for (const u of upsertions) this.s.values.set(field(u.user, u.mechanism), u.value);
    return existed;
  }
}
