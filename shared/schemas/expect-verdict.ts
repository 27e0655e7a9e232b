import { expect } from 'vitest';

/**
 * Asserts a compatibility verdict: with `problem`, one of `problems` names
 * it (problems read `<kind> <where>: …`); without, there are none.
 */
export function expectVerdict(problems: readonly string[], problem: string | undefined): void {
  if (problem) {
    expect(
      problems.some((p) => p.startsWith(`${problem} `)),
      problems.join('\n') || 'no problems',
    ).toBe(true);
  } else {
    expect(problems).toEqual([]);
  }
}
