/**
 * The whole client matrix (test/clients/run.ts): every implementation under
 * test/clients/ against the reference broker and against Kafkaless on the
 * local stack. Any failing cell fails the test: on the reference broker it is
 * the implementation's fault, on Kafkaless it is Kafkaless's. Writes
 * docs/compatibility.md.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { expect, it } from 'vitest';
import { backendsFromEnv } from '../support/backends.js';
import { COMPATIBILITY_DOC, failureLines, renderCompatibility, renderTable, runMatrix } from './run.js';

it('every client passes every step of the scenario on both brokers', async () => {
  const matrix = await runMatrix({ backends: backendsFromEnv() });
  await mkdir(dirname(COMPATIBILITY_DOC), { recursive: true });
  await writeFile(COMPATIBILITY_DOC, renderCompatibility(matrix));
  const failures = failureLines(matrix);
  expect(failures, `${renderTable(matrix)}\n\n${failures.join('\n')}`).toEqual([]);
});
