/** The in-memory NonceStore: claimed nonces with their expiry, pruned as claims arrive. */

import type { NonceStore } from '../nonces.js';

export class MemoryNonceState {
  readonly expiries = new Map<string, number>();
  nextPrune = 0;
}

export class MemoryNonces implements NonceStore {
  constructor(
    private readonly state: MemoryNonceState,
    private readonly open: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(nonce: string, ttlMs: number): Promise<boolean> {
    this.open();
    const now = this.now();
    const s = this.state;
    if (now >= s.nextPrune) {
      for (const [n, expiry] of s.expiries) if (expiry <= now) s.expiries.delete(n);
      s.nextPrune = now + 1000;
    }
    const expiry = s.expiries.get(nonce);
    if (expiry !== undefined && expiry > now) return false;
    s.expiries.set(nonce, now + Math.max(1, ttlMs));
    return true;
  }
}
