/** The NonceStore contract, run against every MetaStore implementation. */

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MetaStore } from './types.js';

export function nonceStoreConformance(name: string, open: () => Promise<MetaStore>): void {
  describe(`NonceStore conformance: ${name}`, () => {
    it('claims a nonce once, and again only after its lifetime', async () => {
      const store = await open();
      const nonce = randomBytes(16).toString('hex');
      expect(await store.nonces.claim(nonce, 200)).toBe(true);
      expect(await store.nonces.claim(nonce, 200)).toBe(false);
      expect(await store.nonces.claim(randomBytes(16).toString('hex'), 200)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await store.nonces.claim(nonce, 200)).toBe(true);
    });

    it('lets exactly one of racing claims win', async () => {
      const [a, b] = [await open(), await open()];
      const nonce = randomBytes(16).toString('hex');
      const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).nonces.claim(nonce, 5_000)));
      expect(wins.filter((w) => w)).toHaveLength(1);
    });
  });
}
