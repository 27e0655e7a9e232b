/**
 * Storage contract for the transaction coordinator: one versioned value per
 * transactional id (the state machine in shared/transactions/ owns its
 * shape), moved with compare-and-set.
 */

export interface TransactionValue {
  /** Increases on every write; 0 never names a stored value. A value written again after a delete starts above every version it had. */
  readonly version: number;
  readonly value: string;
}

export interface TransactionStore {
  /** The transactional id's state, or null when none is stored. */
  get(transactionalId: string): Promise<TransactionValue | null>;
  /** Several at once, in one round trip; missing ids map to null. */
  getMany(transactionalIds: readonly string[]): Promise<Map<string, TransactionValue | null>>;
  /**
   * Writes `value` (null deletes) if the stored version is `expectedVersion`
   * (0: nothing stored). Returns the new version (0 after a delete), or null
   * when another writer got there first.
   */
  compareAndSet(transactionalId: string, expectedVersion: number, value: string | null): Promise<number | null>;
  /** Every transactional id with a stored state, sorted. */
  list(): Promise<string[]>;
}
