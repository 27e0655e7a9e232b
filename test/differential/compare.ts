/**
 * Field-by-field comparison of two decoded messages, the reference broker's
 * (expected) and Kafkaless's (actual), under the rules of rules.ts:
 * identifiers are compared through {@link IdMappings} (learning a mapping
 * the first time a pair is seen), ignored fields are skipped, and arrays of
 * structs are matched by their identifying field (topic name, partition
 * index, group id...) before falling back to position, since Kafka leaves
 * the order of such arrays unspecified.
 */

import { type IdKind, IGNORED_FIELDS, isUnsetId, MAPPED_FIELDS } from './rules.js';

export interface Difference {
  /** e.g. `responses[0].partitions[1].highWatermark`. */
  readonly path: string;
  readonly expected: string;
  readonly actual: string;
}

/** Reference ↔ Kafkaless values of server-generated identifiers, one-to-one per kind. */
export class IdMappings {
  private readonly forward = new Map<IdKind, Map<string, unknown>>();
  private readonly backward = new Map<IdKind, Map<string, unknown>>();

  /** The Kafkaless value for a reference value, or the value itself when unmapped. */
  map(kind: IdKind, reference: unknown): unknown {
    if (isUnsetId(reference)) return reference;
    const known = this.forward.get(kind)?.get(keyOf(reference));
    return known === undefined ? reference : known;
  }

  has(kind: IdKind, reference: unknown): boolean {
    return this.forward.get(kind)?.has(keyOf(reference)) ?? false;
  }

  /**
   * Checks `actual` against the mapping of `expected`, learning the pair if
   * neither side is mapped yet; returns a message when they conflict.
   */
  match(kind: IdKind, expected: unknown, actual: unknown): string | undefined {
    if (isUnsetId(expected) || isUnsetId(actual)) {
      return Object.is(keyOf(expected), keyOf(actual)) ? undefined : `${kind}s differ`;
    }
    const forward = this.table(this.forward, kind);
    const backward = this.table(this.backward, kind);
    const mapped = forward.get(keyOf(expected));
    if (mapped !== undefined) {
      return keyOf(mapped) === keyOf(actual) ? undefined : `${kind} ${render(expected)} maps to ${render(mapped)}`;
    }
    const taken = backward.get(keyOf(actual));
    if (taken !== undefined) return `${kind} ${render(actual)} already stands for ${render(taken)}`;
    forward.set(keyOf(expected), actual);
    backward.set(keyOf(actual), expected);
    return undefined;
  }

  private table(tables: Map<IdKind, Map<string, unknown>>, kind: IdKind): Map<string, unknown> {
    let table = tables.get(kind);
    if (table === undefined) {
      table = new Map();
      tables.set(kind, table);
    }
    return table;
  }
}

function keyOf(value: unknown): string {
  return typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
}

/** A value as it reads in a diff: bigints with `n`, bytes as UTF-8 when printable, else hex. */
export function render(value: unknown): string {
  if (value === undefined) return '(absent)';
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) {
    const text = Buffer.from(value).toString('utf8');
    const shown = /^[\x20-\x7e]*$/.test(text) ? JSON.stringify(text) : `0x${Buffer.from(value).toString('hex')}`;
    return shown.length > 120 ? `${shown.slice(0, 117)}... (${value.length} bytes)` : shown;
  }
  const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  return json.length > 160 ? `${json.slice(0, 157)}...` : json;
}

type Struct = Record<string, unknown>;

const isStruct = (v: unknown): v is Struct =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** Fields that identify an element of an array of structs, most telling first. */
const ELEMENT_KEYS = [
  'name',
  'topic',
  'topicName',
  'groupId',
  'resourceName',
  'apiKey',
  'partitionIndex',
  'topicId',
  'memberId',
  'nodeId',
  'brokerId',
] as const;

export class Comparer {
  readonly differences: Difference[] = [];

  constructor(private readonly ids: IdMappings) {}

  compare(expected: unknown, actual: unknown, path = ''): void {
    if (isStruct(expected) && isStruct(actual)) {
      for (const field of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
        if (field in IGNORED_FIELDS) continue;
        this.compareField(field, expected[field], actual[field], path === '' ? field : `${path}.${field}`);
      }
      return;
    }
    if (Array.isArray(expected) && Array.isArray(actual)) {
      this.compareArrays(expected, actual, path);
      return;
    }
    if (expected instanceof Uint8Array && actual instanceof Uint8Array) {
      if (Buffer.compare(expected, actual) !== 0) this.differ(path, expected, actual);
      return;
    }
    if (keyOf(expected) !== keyOf(actual)) this.differ(path, expected, actual);
  }

  private compareField(field: string, expected: unknown, actual: unknown, path: string): void {
    const kind = MAPPED_FIELDS[field];
    if (kind === undefined) {
      this.compare(expected, actual, path);
      return;
    }
    if (Array.isArray(expected) && Array.isArray(actual)) {
      // Node id lists (replicas, ISR) are sets.
      if (expected.length !== actual.length) {
        this.differ(path, expected, actual);
        return;
      }
      const byValue = (a: unknown, b: unknown): number => Number(a) - Number(b);
      const sortedExpected = [...expected].sort((a, b) => byValue(this.ids.map(kind, a), this.ids.map(kind, b)));
      const sortedActual = [...actual].sort(byValue);
      for (const [i, e] of sortedExpected.entries()) this.compareId(kind, e, sortedActual[i], `${path}[${i}]`);
      return;
    }
    this.compareId(kind, expected, actual, path);
  }

  private compareId(kind: IdKind, expected: unknown, actual: unknown, path: string): void {
    const conflict = this.ids.match(kind, expected, actual);
    if (conflict !== undefined) this.differ(path, expected, actual, conflict);
  }

  /** Pairs elements by identifying field, then the rest by position; extra or missing elements are differences. */
  private compareArrays(expected: readonly unknown[], actual: readonly unknown[], path: string): void {
    const keyField = ELEMENT_KEYS.find(
      (k) => expected.every((e) => isStruct(e) && k in e) && actual.every((a) => isStruct(a) && k in a),
    );
    const pairs: [number, number][] = [];
    const unmatchedExpected: number[] = [];
    const usedActual = new Set<number>();
    if (keyField !== undefined && (expected.length > 1 || actual.length > 1)) {
      const kind = MAPPED_FIELDS[keyField];
      const byKey = new Map<string, number>();
      for (const [i, a] of actual.entries()) byKey.set(keyOf((a as Struct)[keyField]), i);
      expected.forEach((e, i) => {
        const raw = (e as Struct)[keyField];
        const key = keyOf(kind === undefined ? raw : this.ids.map(kind, raw));
        const j = byKey.get(key);
        if (j !== undefined && !usedActual.has(j)) {
          pairs.push([i, j]);
          usedActual.add(j);
        } else unmatchedExpected.push(i);
      });
    } else unmatchedExpected.push(...expected.keys());
    const unmatchedActual = actual.map((_, j) => j).filter((j) => !usedActual.has(j));
    while (unmatchedExpected.length > 0 && unmatchedActual.length > 0) {
      pairs.push([unmatchedExpected.shift()!, unmatchedActual.shift()!]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    for (const [i, j] of pairs) this.compare(expected[i], actual[j], `${path}[${i}]`);
    for (const i of unmatchedExpected) this.differ(`${path}[${i}]`, expected[i], undefined, 'missing');
    for (const j of unmatchedActual) this.differ(`${path}[+${j}]`, undefined, actual[j], 'unexpected');
  }

  private differ(path: string, expected: unknown, actual: unknown, note?: string): void {
    this.differences.push({
      path,
      expected: render(expected),
      actual: note === undefined ? render(actual) : `${render(actual)} (${note})`,
    });
  }
}
