/**
 * The SchemaStore part of the MetaStore conformance suite. Subjects carry a
 * random suffix so suites may share backing state; tests of the global
 * config and mode restore what they found.
 */

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RegisterOutcome } from './schemas.js';
import type { MetaStore } from './types.js';

function unique(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

function registered(outcome: RegisterOutcome): { id: number; version: number } {
  if (outcome.kind !== 'registered') throw new Error(`expected registered, got ${JSON.stringify(outcome)}`);
  return { id: outcome.id, version: outcome.version };
}

export function schemaStoreConformance(open: () => Promise<MetaStore>): void {
  describe('schemas', () => {
    const schema = (text: string) => ({ schemaType: 'AVRO', schema: text, references: [] });

    it('hands out increasing ids, and the same schema, type and references the same id across subjects', async () => {
      const store = await open();
      const other = await open();
      const a = unique('a');
      const b = unique('b');
      const text = `"${unique('s')}"`;
      const first = registered(await store.schemas.register({ subject: a, ...schema(text) }));
      expect(first.version).toBe(1);
      const second = registered(await other.schemas.register({ subject: a, ...schema(`${text} `) }));
      expect(second.id).toBeGreaterThan(first.id);
      expect(second.version).toBe(2);
      const shared = registered(await store.schemas.register({ subject: b, ...schema(text) }));
      expect(shared).toEqual({ id: first.id, version: 1 });
      const asJson = registered(
        await store.schemas.register({ subject: b, schemaType: 'JSON', schema: text, references: [] }),
      );
      expect(asJson.id).not.toBe(first.id);
      expect(await other.schemas.getSchema(first.id)).toEqual({
        id: first.id,
        schemaType: 'AVRO',
        schema: text,
        references: [],
      });
      expect(await other.schemas.findSchema('AVRO', text, [])).toBe(first.id);
      expect(await other.schemas.findSchema('AVRO', `"${unique('none')}"`, [])).toBeNull();
      expect(await other.schemas.getSchema(2 ** 30)).toBeNull();
      expect((await other.schemas.usages(first.id)).map((u) => [u.subject, u.version])).toEqual(
        [
          [a, 1],
          [b, 1],
        ].sort((x, y) => (String(x[0]) < String(y[0]) ? -1 : 1)),
      );
    });

    it('registers idempotently: the same schema under a subject answers its existing version', async () => {
      const store = await open();
      const s = unique('idem');
      const text = `"${unique('s')}"`;
      const first = registered(await store.schemas.register({ subject: s, ...schema(text) }));
      expect(await store.schemas.register({ subject: s, ...schema(text) })).toEqual({ kind: 'exists', ...first });
      expect((await store.schemas.versions(s)).map((v) => v.version)).toEqual([1]);
    });

    it('refuses a register when the latest version moved on', async () => {
      const store = await open();
      const s = unique('cas');
      registered(await store.schemas.register({ subject: s, ...schema(`"${unique('x')}"`), expectedLatest: 0 }));
      expect(await store.schemas.register({ subject: s, ...schema(`"${unique('y')}"`), expectedLatest: 0 })).toEqual({
        kind: 'moved',
      });
      registered(await store.schemas.register({ subject: s, ...schema(`"${unique('y')}"`), expectedLatest: 1 }));
    });

    it('soft-deletes, then hard-deletes only what was soft-deleted', async () => {
      const store = await open();
      const s = unique('del');
      const v1 = registered(await store.schemas.register({ subject: s, ...schema(`"${unique('x')}"`) }));
      registered(await store.schemas.register({ subject: s, ...schema(`"${unique('y')}"`) }));
      expect(await store.schemas.deleteVersion(s, 1, true)).toEqual({ kind: 'not-soft-deleted' });
      expect(await store.schemas.deleteVersion(s, 1, false)).toEqual({ kind: 'deleted', versions: [1] });
      expect(await store.schemas.deleteVersion(s, 1, false)).toEqual({ kind: 'soft-deleted' });
      expect(await store.schemas.deleteVersion(s, 9, false)).toEqual({ kind: 'version-not-found' });
      expect(await store.schemas.deleteVersion(unique('none'), 1, false)).toEqual({ kind: 'subject-not-found' });
      expect((await store.schemas.versions(s)).map((v) => [v.version, v.deleted])).toEqual([
        [1, true],
        [2, false],
      ]);
      // A soft-deleted version's number is not reused; registering it again makes a new version with the same id.
      const again = await store.schemas.register({ subject: s, ...(await store.schemas.getSchema(v1.id))! });
      expect(again).toEqual({ kind: 'registered', id: v1.id, version: 3 });
      expect(await store.schemas.deleteVersion(s, 1, true)).toEqual({ kind: 'deleted', versions: [1] });
      expect((await store.schemas.versions(s)).map((v) => v.version)).toEqual([2, 3]);
      expect(await store.schemas.deleteSubject(s, true)).toEqual({ kind: 'not-soft-deleted' });
      expect(await store.schemas.deleteSubject(s, false)).toEqual({ kind: 'deleted', versions: [2, 3] });
      expect(await store.schemas.listSubjects(false)).not.toContain(s);
      expect(await store.schemas.listSubjects(true)).toContain(s);
      expect(await store.schemas.deleteSubject(s, false)).toEqual({ kind: 'soft-deleted' });
      await store.schemas.setConfig(s, { compatibilityLevel: 'NONE' });
      expect(await store.schemas.deleteSubject(s, true)).toEqual({ kind: 'deleted', versions: [2, 3] });
      expect(await store.schemas.versions(s)).toEqual([]);
      expect(await store.schemas.listSubjects(true)).not.toContain(s);
      expect(await store.schemas.getConfig(s)).toBeNull();
      // The schema itself keeps its id.
      expect(await store.schemas.getSchema(v1.id)).not.toBeNull();
    });

    it('keeps a referenced version from deletion until its referrers are gone', async () => {
      const store = await open();
      const base = unique('base');
      const user = unique('user');
      registered(await store.schemas.register({ subject: base, ...schema(`"${unique('x')}"`) }));
      const refs = [{ name: 'Base', subject: base, version: 1 }];
      const r = registered(
        await store.schemas.register({
          subject: user,
          schemaType: 'AVRO',
          schema: `"${unique('y')}"`,
          references: refs,
        }),
      );
      expect((await store.schemas.getSchema(r.id))?.references).toEqual(refs);
      expect(await store.schemas.referencedBy(base, 1)).toEqual([{ subject: user, version: 1 }]);
      expect(await store.schemas.deleteVersion(base, 1, false)).toEqual({
        kind: 'referenced',
        by: [{ subject: user, version: 1 }],
      });
      expect((await store.schemas.deleteSubject(base, false)).kind).toBe('referenced');
      expect(await store.schemas.deleteSubject(user, false)).toEqual({ kind: 'deleted', versions: [1] });
      expect((await store.schemas.deleteVersion(base, 1, false)).kind).toBe('referenced');
      expect(await store.schemas.deleteSubject(user, true)).toEqual({ kind: 'deleted', versions: [1] });
      expect(await store.schemas.referencedBy(base, 1)).toEqual([]);
      expect(await store.schemas.deleteVersion(base, 1, false)).toEqual({ kind: 'deleted', versions: [1] });
      expect(
        await store.schemas.register({
          subject: user,
          schemaType: 'AVRO',
          schema: '"z"',
          references: [{ name: 'M', subject: unique('missing'), version: 1 }],
        }),
      ).toMatchObject({ kind: 'reference-missing' });
    });

    it('registers with a given id and version (IMPORT), refusing taken ones, and new ids continue above', async () => {
      const store = await open();
      const s = unique('imp');
      const high = 1_000_000 + Math.floor(Math.random() * 1_000_000);
      const text = `"${unique('x')}"`;
      expect(await store.schemas.register({ subject: s, ...schema(text), id: high, version: 5 })).toEqual({
        kind: 'registered',
        id: high,
        version: 5,
      });
      expect(await store.schemas.register({ subject: s, ...schema(`"${unique('y')}"`), id: high })).toEqual({
        kind: 'id-conflict',
      });
      expect(
        await store.schemas.register({ subject: s, ...schema(`"${unique('y')}"`), id: high + 1, version: 5 }),
      ).toEqual({
        kind: 'version-conflict',
      });
      const next = registered(await store.schemas.register({ subject: s, ...schema(`"${unique('z')}"`) }));
      expect(next.id).toBeGreaterThan(high);
      expect(next.version).toBe(6);
    });

    it('keeps config and mode per subject and globally', async () => {
      const store = await open();
      const s = unique('cfg');
      expect(await store.schemas.getConfig(s)).toBeNull();
      await store.schemas.setConfig(s, { compatibilityLevel: 'FULL', normalize: true });
      expect(await store.schemas.getConfig(s)).toEqual({ compatibilityLevel: 'FULL', normalize: true });
      expect(await store.schemas.deleteConfig(s)).toEqual({ compatibilityLevel: 'FULL', normalize: true });
      expect(await store.schemas.deleteConfig(s)).toBeNull();
      expect(await store.schemas.getMode(s)).toBeNull();
      await store.schemas.setMode(s, 'READONLY');
      expect(await store.schemas.getMode(s)).toBe('READONLY');
      expect(await store.schemas.deleteMode(s)).toBe('READONLY');
      expect(await store.schemas.getMode(s)).toBeNull();

      const globalConfig = await store.schemas.getConfig(null);
      const globalMode = await store.schemas.getMode(null);
      try {
        await store.schemas.setConfig(null, { compatibilityLevel: 'NONE' });
        await store.schemas.setMode(null, 'IMPORT');
        expect(await store.schemas.getConfig(null)).toEqual({ compatibilityLevel: 'NONE' });
        expect(await store.schemas.getMode(null)).toBe('IMPORT');
      } finally {
        if (globalConfig === null) await store.schemas.deleteConfig(null);
        else await store.schemas.setConfig(null, globalConfig);
        if (globalMode === null) await store.schemas.deleteMode(null);
        else await store.schemas.setMode(null, globalMode);
      }
    });
  });
}
