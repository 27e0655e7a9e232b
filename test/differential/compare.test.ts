/** The comparison rules the differential replay relies on: learned identifier mappings, ignored fields, array pairing. */

import { describe, expect, it } from 'vitest';
import { Comparer, IdMappings } from './compare.js';

const differences = (expected: unknown, actual: unknown, ids = new IdMappings()): string[] => {
  const comparer = new Comparer(ids);
  comparer.compare(expected, actual);
  return comparer.differences.map((d) => `${d.path}: ${d.expected} vs ${d.actual}`);
};

describe('differential comparison', () => {
  it('learns an identifier pair once and holds both sides to it', () => {
    const ids = new IdMappings();
    expect(differences({ memberId: 'ref-a' }, { memberId: 'kl-a' }, ids)).toEqual([]);
    expect(ids.map('member id', 'ref-a')).toBe('kl-a');
    expect(differences({ leader: 'ref-a' }, { leader: 'kl-b' }, ids)).toHaveLength(1);
    expect(differences({ memberId: 'ref-b' }, { memberId: 'kl-a' }, ids)).toHaveLength(1);
  });

  it('compares unset identifiers literally', () => {
    expect(differences({ producerId: -1n }, { producerId: 7n })).toHaveLength(1);
  });

  it('skips ignored fields and reports every other difference with its path', () => {
    expect(differences({ throttleTimeMs: 5, errorCode: 0 }, { throttleTimeMs: 0, errorCode: 3 })).toEqual([
      'errorCode: 0 vs 3',
    ]);
  });

  it('pairs array elements by their identifying field, whatever the order', () => {
    const expected = {
      topics: [
        { name: 'a', errorCode: 0 },
        { name: 'b', errorCode: 0 },
      ],
    };
    expect(
      differences(expected, {
        topics: [
          { name: 'b', errorCode: 0 },
          { name: 'a', errorCode: 0 },
        ],
      }),
    ).toEqual([]);
    expect(differences(expected, { topics: [{ name: 'a', errorCode: 0 }] })).toEqual([
      'topics[1]: {"name":"b","errorCode":0} vs (absent) (missing)',
    ]);
  });

  it('keeps record headers in order', () => {
    const headers = (...keys: string[]) => ({ headers: keys.map((headerKey) => ({ headerKey, value: null })) });
    expect(differences(headers('x', 'y'), headers('y', 'x'))).toHaveLength(2);
  });
});
