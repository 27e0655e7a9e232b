/**
 * The Redis NonceStore: one key per claimed nonce, `{kl:n:<nonce>}`, set with
 * SET NX PX so the claim and its expiry are one command. Each nonce is its
 * own hash tag, so on a cluster claims spread over every master.
 */

import type { NonceStore } from '../nonces.js';
import type { RedisClient } from './cluster.js';
import type { KeyLayout } from './keys.js';

export interface NonceBackend {
  readonly keys: KeyLayout;
  run<T>(what: string, op: (client: RedisClient) => Promise<T>): Promise<T>;
}

export class RedisNonces implements NonceStore {
  constructor(private readonly b: NonceBackend) {}

  async claim(nonce: string, ttlMs: number): Promise<boolean> {
    const key = `{${this.b.keys.prefix}n:${nonce}}`;
    const reply = await this.b.run('nonces.claim', (c) => c.set(key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
    return reply === 'OK';
  }
}
