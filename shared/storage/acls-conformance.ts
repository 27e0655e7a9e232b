/**
 * The AclStore part of the MetaStore conformance suite. Bindings carry a
 * random resource name so suites may share backing state; the version is
 * only ever compared with itself.
 */

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredAcl } from './acls.js';
import type { MetaStore } from './types.js';

const unique = (label: string): string => `${label}-${randomBytes(6).toString('hex')}`;

function acl(name: string, overrides: Partial<StoredAcl> = {}): StoredAcl {
  return {
    resourceType: 2,
    resourceName: name,
    patternType: 3,
    principal: 'User:alice',
    host: '*',
    operation: 3,
    permissionType: 3,
    ...overrides,
  };
}

const mine = (acls: readonly StoredAcl[], name: string): StoredAcl[] =>
  acls.filter((a) => a.resourceName.startsWith(name)).sort((a, b) => a.operation - b.operation);

export function aclStoreConformance(open: () => Promise<MetaStore>): void {
  describe('acls', () => {
    it('adds bindings once, moves the version only on a change, and shows them to every instance', async () => {
      const store = await open();
      const other = await open();
      const name = unique('topic');
      const before = await other.acls.version();
      const read = acl(name);
      const write = acl(name, { operation: 4, principal: 'User:b{r}a:ce ü', host: '10.0.0.1' });
      const v1 = await store.acls.add([read, write]);
      expect(v1).toBeGreaterThan(before);
      expect(await other.acls.version()).toBe(v1);
      expect(await store.acls.add([read])).toBe(v1);
      const snap = await other.acls.snapshot();
      expect(snap.version).toBe(v1);
      expect(mine(snap.acls, name)).toEqual([read, write]);
    });

    it('removes only what is stored and reports it', async () => {
      const store = await open();
      const other = await open();
      const name = unique('group');
      const kept = acl(name, { resourceType: 3, patternType: 4 });
      const gone = acl(name, { resourceType: 3, operation: 6, permissionType: 2 });
      const v1 = await store.acls.add([kept, gone]);
      const missing = acl(name, { operation: 8 });
      const result = await other.acls.remove([gone, missing]);
      expect(result.removed).toEqual([gone]);
      expect(result.version).toBeGreaterThan(v1);
      expect(await store.acls.remove([gone])).toEqual({ removed: [], version: result.version });
      expect(mine((await store.acls.snapshot()).acls, name)).toEqual([kept]);
      await store.acls.remove([kept]);
      expect(mine((await other.acls.snapshot()).acls, name)).toEqual([]);
    });

    it('gives racing writers distinct versions, and the last one reflects every change', async () => {
      const store = await open();
      const other = await open();
      const name = unique('race');
      const versions = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? store : other).acls.add([acl(`${name}-${i}`)])),
      );
      expect(new Set(versions).size).toBe(6);
      const snap = await store.acls.snapshot();
      expect(snap.version).toBeGreaterThanOrEqual(Math.max(...versions));
      expect(mine(snap.acls, name)).toHaveLength(6);
      await other.acls.remove(mine(snap.acls, name));
    });
  });
}
