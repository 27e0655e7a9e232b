/**
 * The checks of the exactly-once tests (test/support/ledger.ts) catch what
 * they are there to catch: a duplicate, a loss, a reordering, a record of an
 * aborted transaction read as committed, a gap, a misplaced acknowledgement.
 */

import { describe, expect, it } from 'vitest';
import { checkSequence, exactlyOnce, ledger, type ReadRecord } from '../support/ledger.js';

/** Input k0..k5 over two partitions (i % 2), transformed by incarnation `inc`, at output offsets from 0. */
function output(keys: number[], inc = '0'): ReadRecord[] {
  const next = [0, 0];
  return keys.map((i) => {
    const p = i % 2;
    const offset = next[p]!++;
    return [p, offset, `k${i}`, `${inc}|${p}|${Math.floor(i / 2)}|v${i}`] as const;
  });
}

describe('exactly-once ledger', () => {
  it('passes a whole output', () => {
    const out = output([0, 1, 2, 3, 4, 5]);
    const l = ledger(6, out, out);
    expect(l).toEqual(exactlyOnce(l));
    expect(l).toMatchObject({ recordsOut: 6, abortedSeen: 0, committingIncarnations: 1 });
  });

  it('counts duplicates, losses and reordering', () => {
    const l = ledger(6, output([0, 1, 2, 2, 5]), output([0, 1, 2, 2, 5]));
    expect(l).toMatchObject({ duplicates: 1, losses: 2, outOfOrder: 0 });
    expect(l.examples).toMatchObject({ duplicated: ['k2×2'], lost: ['k3', 'k4'] });
    expect(l).not.toEqual(exactlyOnce(l));
    expect(ledger(6, output([0, 1, 4, 3, 2, 5]), []).outOfOrder).toBe(1);
  });

  it('counts the aborted records only read_uncommitted sees, and flags committed ones it misses', () => {
    const committed = output([0, 1, 2, 3, 4, 5]);
    const aborted: ReadRecord[] = [[0, 3, 'k0', '0|0|0|v0']];
    const l = ledger(6, committed, [...committed, ...aborted]);
    expect(l).toEqual(exactlyOnce(l));
    expect(l.abortedSeen).toBe(1);
    expect(ledger(6, committed, committed.slice(1)).committedMissingUncommitted).toBe(1);
  });

  it('flags output that is not a transformed input record', () => {
    const out = [...output([0, 1, 2, 3, 4, 5]), [0, 3, 'k9', '0|0|9|v9'] as const, [1, 3, 'k1', 'v1'] as const];
    expect(ledger(6, out, out).strangers).toBe(2);
  });
});

describe('idempotent sequence check', () => {
  // Records k0..k5 to partitions i % 2, acknowledged at offsets 0, 0, 1, 1, 2, 2.
  const acked = [0, 0, 1, 1, 2, 2];
  const stored = (keys: number[][]): ReadRecord[] =>
    keys.flatMap((ks, p) => ks.map((i, offset) => [p, offset, `k${i}`, `v${i}`] as const));

  it('passes the whole sequence', () => {
    expect(
      checkSequence(
        2,
        acked,
        stored([
          [0, 2, 4],
          [1, 3, 5],
        ]),
      ),
    ).toMatchObject({
      stored: 6,
      duplicates: 0,
      outOfOrder: 0,
      lost: 0,
      gaps: 0,
      misplaced: 0,
      strangers: 0,
    });
  });

  it('catches a duplicate, a reordering, a gap and a loss', () => {
    expect(
      checkSequence(
        2,
        acked,
        stored([
          [0, 0, 2, 4],
          [1, 3, 5],
        ]),
      ).duplicates,
    ).toBe(1);
    expect(
      checkSequence(
        2,
        acked,
        stored([
          [0, 4, 2],
          [1, 3, 5],
        ]),
      ).outOfOrder,
    ).toBe(1);
    const gap = checkSequence(
      2,
      [0, 0, -1, 1, 1, 2],
      stored([
        [0, 4],
        [1, 3, 5],
      ]),
    );
    expect(gap).toMatchObject({ gaps: 1, lost: 0 });
    expect(
      checkSequence(
        2,
        acked,
        stored([
          [0, 2],
          [1, 3, 5],
        ]),
      ),
    ).toMatchObject({ gaps: 1, lost: 1 });
  });

  it('catches an acknowledgement naming another record’s offset', () => {
    expect(
      checkSequence(
        2,
        [0, 0, 2, 1, 1, 2],
        stored([
          [0, 2, 4],
          [1, 3, 5],
        ]),
      ).misplaced,
    ).toBe(2);
  });
});
