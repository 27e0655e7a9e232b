/**
 * The Redis CredentialStore: every credential is a field `<mechanism>:<user>`
 * of one hash, `{kl:scram}:credentials`, so a request's alterations are one
 * MULTI on one slot (Redis Cluster included) and listing every user is one
 * HGETALL. Mechanism names hold no colon, so the first colon splits a field.
 */

import { type CredentialStore, credentialField, credentialsOf, type StoredCredential } from '../credentials.js';
import { StorageUnavailableError } from '../types.js';
import type { RedisClient } from './cluster.js';
import type { KeyLayout } from './keys.js';

export interface CredentialBackend {
  readonly keys: KeyLayout;
  run<T>(what: string, op: (client: RedisClient) => Promise<T>): Promise<T>;
}

export class RedisCredentials implements CredentialStore {
  constructor(private readonly b: CredentialBackend) {}

  async get(user: string, mechanism: string): Promise<string | null> {
    return this.b.run('credentials.get', (c) => c.hget(this.b.keys.credentials, credentialField(user, mechanism)));
  }

  async list(users: readonly string[] | null): Promise<StoredCredential[]> {
    const all = await this.b.run('credentials.list', (c) => c.hgetall(this.b.keys.credentials));
    return credentialsOf(Object.entries(all), users);
  }

  async alter(
    deletions: readonly { readonly user: string; readonly mechanism: string }[],
    upsertions: readonly StoredCredential[],
  ): Promise<boolean[]> {
    if (deletions.length === 0 && upsertions.length === 0) return [];
    const key = this.b.keys.credentials;
    const replies = await this.b.run('credentials.alter', async (c) => {
      const tx = c.multi();
      for (const d of deletions) tx.hdel(key, credentialField(d.user, d.mechanism));
      for (const u of upsertions) tx.hset(key, credentialField(u.user, u.mechanism), u.value);
      const out = await tx.exec();
      if (out === null) throw new StorageUnavailableError('redis discarded the transaction');
      return out.map(([error, reply]) => {
        if (error !== null) throw error;
        return reply;
      });
    });
    return deletions.map((_, i) => replies[i] === 1);
  }
}
