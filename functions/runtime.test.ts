/**
 * The function tests run on Node by default, and on Deno and Bun when the
 * runtime adapters' tests start them there (infra/runtimes/runtime-suite.ts,
 * which sets KAFKALESS_TEST_RUNTIME). This test makes sure they really ran
 * where the run says.
 */

import { expect, it } from 'vitest';

function currentRuntime(): string {
  if ('Deno' in globalThis) return 'deno';
  if ('Bun' in globalThis) return 'bun';
  return 'node';
}

it('runs on the runtime the run names', () => {
  expect(currentRuntime()).toBe(process.env.KAFKALESS_TEST_RUNTIME ?? 'node');
});
