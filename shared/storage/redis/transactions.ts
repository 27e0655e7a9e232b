/**
 * The Redis TransactionStore: each transactional id's state is one hash on its
 * own hash tag, moved by TRANSACTION_CAS. The id index (`{kl:txns}:index`)
 * lives in another slot, so it is kept as the group index is: the id is
 * added in the same round trip before a write, removed after a delete, and
 * list() drops ids whose state is gone.
 */

import { checkVersion } from '../group-rules.js';
import type { TransactionStore, TransactionValue } from '../transactions.js';
import { StorageUnavailableError } from '../types.js';
import { type RedisClient, slotPipelines } from './cluster.js';
import { integer, type KeyLayout } from './keys.js';
import { indexThenRunScript, runScript, TRANSACTION_CAS } from './scripts.js';

/** What the store needs of the MetaStore's connection. */
export interface TransactionBackend {
  readonly keys: KeyLayout;
  run<T>(what: string, op: (client: RedisClient) => Promise<T>): Promise<T>;
}

function valueFrom(reply: unknown): TransactionValue | null {
  if (reply === null || typeof reply !== 'object') return null;
  const hash = reply as Record<string, string>;
  if (hash.v === undefined || hash.value === undefined) return null;
  return { version: Number(integer(hash.v)), value: hash.value };
}

export class RedisTransactions implements TransactionStore {
  constructor(private readonly b: TransactionBackend) {}

  async get(transactionalId: string): Promise<TransactionValue | null> {
    return valueFrom(await this.b.run('transactions.get', (c) => c.hgetall(this.b.keys.transaction(transactionalId))));
  }

  async getMany(transactionalIds: readonly string[]): Promise<Map<string, TransactionValue | null>> {
    const ids = [...new Set(transactionalIds)];
    if (ids.length === 0) return new Map();
    const replies = await this.b.run('transactions.getMany', async (c) => {
      const keys = ids.map((id) => this.b.keys.transaction(id));
      const out = await slotPipelines(c, keys, (pipe, i) => pipe.hgetall(keys[i]!));
      if (out === null) throw new StorageUnavailableError('redis discarded the pipeline');
      return out.map(([error, reply]) => {
        if (error !== null) throw error;
        return reply;
      });
    });
    return new Map(ids.map((id, i) => [id, valueFrom(replies[i])]));
  }

  async compareAndSet(transactionalId: string, expectedVersion: number, value: string | null): Promise<number | null> {
    checkVersion(expectedVersion, 'expected version');
    const keys = [this.b.keys.transaction(transactionalId)];
    const args = [String(expectedVersion), value === null ? 'delete' : 'set', value ?? ''];
    const reply = await this.b.run('transactions.compareAndSet', async (c) => {
      if (value === null) return runScript(c, TRANSACTION_CAS, keys, args);
      return indexThenRunScript(c, this.b.keys.transactionIndex, transactionalId, TRANSACTION_CAS, keys, args);
    });
    if (reply === null) return null;
    if (typeof reply !== 'string') throw new StorageUnavailableError('unexpected reply to transactions.compareAndSet');
    if (value === null) {
      // Best effort: list() drops ids whose state is gone anyway.
      await this.b
        .run('transactions.index', (c) => c.srem(this.b.keys.transactionIndex, transactionalId))
        .catch(() => undefined);
    }
    return Number(integer(reply));
  }

  async list(): Promise<string[]> {
    const ids = await this.b.run('transactions.list', async (c) => {
      const found = new Set<string>();
      let cursor = '0';
      do {
        const [next, page] = await c.sscan(this.b.keys.transactionIndex, cursor, 'COUNT', 1000);
        for (const id of page) found.add(id);
        cursor = next;
      } while (cursor !== '0');
      return [...found];
    });
    if (ids.length === 0) return [];
    const alive = await this.b.run('transactions.list', async (c) => {
      const keys = ids.map((id) => this.b.keys.transaction(id));
      const out = await slotPipelines(c, keys, (pipe, i) => pipe.exists(keys[i]!));
      if (out === null) throw new StorageUnavailableError('redis discarded the pipeline');
      return out.map(([error, reply]) => {
        if (error !== null) throw error;
        return reply !== 0;
      });
    });
    return ids.filter((_, i) => alive[i]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
