/**
 * The CredentialStore part of the MetaStore conformance suite. User names
 * carry a random suffix so suites may share backing state.
 */

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MetaStore } from './types.js';

function unique(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

export function credentialStoreConformance(open: () => Promise<MetaStore>): void {
  describe('credentials', () => {
    it('stores, reads back, lists and deletes credentials per user and mechanism', async () => {
      const store = await open();
      const other = await open();
      const alice = unique('alice');
      // Names may hold what hash tags and field separators use.
      const odd = `${unique('b')}:{x},=y`;
      expect(await store.credentials.get(alice, 'SCRAM-SHA-256')).toBeNull();
      expect(
        await store.credentials.alter(
          [],
          [
            {
              user: alice,
              mechanism: 'SCRAM-SHA-512',
              value: 'salt=YQ==,stored_key=Yg==,server_key=Yw==,iterations=8192',
            },
            {
              user: alice,
              mechanism: 'SCRAM-SHA-256',
              value: 'salt=ZA==,stored_key=ZQ==,server_key=Zg==,iterations=4096',
            },
            { user: odd, mechanism: 'SCRAM-SHA-256', value: 'v' },
          ],
        ),
      ).toEqual([]);
      expect(await other.credentials.get(alice, 'SCRAM-SHA-512')).toBe(
        'salt=YQ==,stored_key=Yg==,server_key=Yw==,iterations=8192',
      );
      expect(await other.credentials.get(odd, 'SCRAM-SHA-256')).toBe('v');
      expect((await other.credentials.list([alice, odd, unique('nobody')])).map((c) => [c.user, c.mechanism])).toEqual(
        [
          [alice, 'SCRAM-SHA-256'],
          [alice, 'SCRAM-SHA-512'],
          [odd, 'SCRAM-SHA-256'],
        ].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0)),
      );
      const all = await other.credentials.list(null);
      expect(all.filter((c) => c.user === alice)).toHaveLength(2);
      expect(
        await store.credentials.alter(
          [
            { user: alice, mechanism: 'SCRAM-SHA-256' },
            { user: odd, mechanism: 'SCRAM-SHA-512' },
          ],
          [{ user: odd, mechanism: 'SCRAM-SHA-512', value: 'w' }],
        ),
      ).toEqual([true, false]);
      expect(await other.credentials.get(alice, 'SCRAM-SHA-256')).toBeNull();
      expect(await other.credentials.get(odd, 'SCRAM-SHA-512')).toBe('w');
      await store.credentials.alter(
        [
          { user: alice, mechanism: 'SCRAM-SHA-512' },
          { user: odd, mechanism: 'SCRAM-SHA-256' },
          { user: odd, mechanism: 'SCRAM-SHA-512' },
        ],
        [],
      );
      expect(await other.credentials.list([alice, odd])).toEqual([]);
    });

    it('replaces a credential on upsert', async () => {
      const store = await open();
      const user = unique('u');
      await store.credentials.alter([], [{ user, mechanism: 'SCRAM-SHA-256', value: 'one' }]);
      await store.credentials.alter([], [{ user, mechanism: 'SCRAM-SHA-256', value: 'two' }]);
      expect(await store.credentials.list([user])).toEqual([{ user, mechanism: 'SCRAM-SHA-256', value: 'two' }]);
    });
  });
}
