import { describe, expect, it } from 'vitest';
import { type CompatibilityLevel, compatibilityProblems, isCompatibilityLevel } from './compatibility.js';

/**
 * A fake schema: the set of fields it has. A reader reads a writer's data when
 * every field the reader needs is written; fields ending in `?` are optional.
 */
const rules = {
  readProblems(reader: string[], writer: string[]): string[] {
    return reader
      .filter((f) => !f.endsWith('?') && !writer.includes(f))
      .map((f) => `reader needs ${f}, writer [${writer.join(',')}] lacks it`);
  },
};

function problems(level: CompatibilityLevel, candidate: string[], previous: string[][]): string[] {
  return compatibilityProblems(rules, level, candidate, previous).map((p) => `${p.direction}@${p.index}`);
}

describe('compatibility levels', () => {
  // v0 had a, v1 has a and b; each candidate below changes what the latest has.
  const history = [['a'], ['a', 'b']];
  const needsC = ['a', 'b', 'c']; // cannot read the latest's data
  const dropsB = ['a']; // the latest cannot read its data
  const needsB = ['b']; // reads the latest, not v0; v0 can't read it either (it lacks a)

  it('NONE accepts anything', () => {
    expect(problems('NONE', ['z'], history)).toEqual([]);
  });

  it('accepts anything into an empty subject', () => {
    expect(problems('FULL_TRANSITIVE', ['z'], [])).toEqual([]);
  });

  it('BACKWARD: the new schema reads the latest only', () => {
    expect(problems('BACKWARD', needsC, history)).toEqual(['backward@1']);
    expect(problems('BACKWARD', dropsB, history)).toEqual([]);
    expect(problems('BACKWARD', needsB, history)).toEqual([]);
  });

  it('BACKWARD_TRANSITIVE: the new schema reads every earlier one, newest reported first', () => {
    expect(problems('BACKWARD_TRANSITIVE', needsB, history)).toEqual(['backward@0']);
    expect(problems('BACKWARD_TRANSITIVE', needsC, history)).toEqual(['backward@1', 'backward@0', 'backward@0']);
  });

  it('FORWARD: the latest reads the new schema', () => {
    expect(problems('FORWARD', dropsB, history)).toEqual(['forward@1']);
    expect(problems('FORWARD', needsC, history)).toEqual([]);
  });

  it('FORWARD_TRANSITIVE: every earlier schema reads the new one', () => {
    const older = [['x'], ['a']];
    expect(problems('FORWARD', ['a'], older)).toEqual([]);
    expect(problems('FORWARD_TRANSITIVE', ['a'], older)).toEqual(['forward@0']);
    expect(problems('FORWARD_TRANSITIVE', needsB, history)).toEqual(['forward@1', 'forward@0']);
  });

  it('FULL and FULL_TRANSITIVE ask both ways', () => {
    expect(problems('FULL', ['a', 'b'], history)).toEqual([]);
    expect(problems('FULL', needsC, history)).toEqual(['backward@1']);
    expect(problems('FULL', dropsB, history)).toEqual(['forward@1']);
    expect(problems('FULL', ['a', 'b', 'c?'], history)).toEqual([]);
    expect(problems('FULL_TRANSITIVE', ['a', 'b', 'c?'], history)).toEqual(['backward@0']);
    expect(problems('FULL_TRANSITIVE', needsB, history)).toEqual(['forward@1', 'backward@0', 'forward@0']);
  });

  it('passes the problems through as the rules word them', () => {
    const [p] = compatibilityProblems(rules, 'BACKWARD', needsC, history);
    expect(p?.message).toBe('reader needs c, writer [a,b] lacks it');
  });

  it('knows the level names', () => {
    expect(isCompatibilityLevel('FULL_TRANSITIVE')).toBe(true);
    expect(isCompatibilityLevel('full')).toBe(false);
    expect(isCompatibilityLevel(3)).toBe(false);
  });
});
