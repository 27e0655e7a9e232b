/**
 * The in-memory TransactionStore: one versioned value per transactional id in
 * the shared {@link MemoryTransactionState}, each method atomic as a Redis
 * script is.
 */

import { checkVersion } from '../group-rules.js';
import type { TransactionStore, TransactionValue } from '../transactions.js';

export class MemoryTransactionState {
  readonly values = new Map<string, { version: number; value: string }>();
  /** Every write takes the next version, so an id written again after a delete starts above its earlier life. */
  lastVersion = 0;
}

export class MemoryTransactions implements TransactionStore {
  constructor(
    private readonly s: MemoryTransactionState,
    private readonly open: () => void,
  ) {}

  private snapshot(id: string): TransactionValue | null {
    const v = this.s.values.get(id);
    return v === undefined ? null : { version: v.version, value: v.value };
  }

  async get(transactionalId: string): Promise<TransactionValue | null> {
    this.open();
    return this.snapshot(transactionalId);
  }

  async getMany(transactionalIds: readonly string[]): Promise<Map<string, TransactionValue | null>> {
    this.open();
    return new Map(transactionalIds.map((id) => [id, this.snapshot(id)]));
  }

  async compareAndSet(transactionalId: string, expectedVersion: number, value: string | null): Promise<number | null> {
    this.open();
    checkVersion(expectedVersion, 'expected version');
    const current = this.s.values.get(transactionalId)?.version ?? 0;
    if (current !== expectedVersion) return null;
    if (value === null) {
      this.s.values.delete(transactionalId);
      return 0;
    }
    this.s.lastVersion += 1;
    this.s.values.set(transactionalId, { version: this.s.lastVersion, value });
    return this.s.lastVersion;
  }

  async list(): Promise<string[]> {
    this.open();
    return [...this.s.values.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
