/**
 * Compatibility levels, composed from one question each schema type answers
 * (`readProblems`: what stops a reader reading a writer's data). BACKWARD:
 * the new schema reads data written with the latest; FORWARD: the latest
 * reads data written with the new; FULL: both. The TRANSITIVE levels ask
 * the same of every earlier live version, not only the latest.
 */

import type { SchemaRules } from './types.js';

export type CompatibilityLevel =
  | 'NONE'
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE';

export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
];

/** Confluent's default. */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(value);
}

/** One reason a candidate breaks the level against one earlier schema. */
export interface CompatibilityProblem {
  /** Index into `previous` of the schema it clashes with. */
  readonly index: number;
  /** `backward`: the candidate cannot read that schema's data; `forward`: that schema cannot read the candidate's. */
  readonly direction: 'backward' | 'forward';
  readonly message: string;
}

/**
 * What stops `candidate` from joining a subject at `level`, given the
 * subject's live schemas oldest first (the last is the latest). Empty when
 * it may.
 */
export function compatibilityProblems<P>(
  rules: Pick<SchemaRules<P>, 'readProblems'>,
  level: CompatibilityLevel,
  candidate: P,
  previous: readonly P[],
): CompatibilityProblem[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const transitive = level.endsWith('_TRANSITIVE');
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: CompatibilityProblem[] = [];
  // Newest first, as Confluent reports them.
  const from = transitive ? 0 : previous.length - 1;
  for (let index = previous.length - 1; index >= from; index--) {
    const old = previous[index] as P;
    if (backward) {
      for (const message of rules.readProblems(candidate, old))
        problems.push({ index, direction: 'backward', message });
    }
    if (forward) {
      for (const message of rules.readProblems(old, candidate)) problems.push({ index, direction: 'forward', message });
    }
  }
  return problems;
}
