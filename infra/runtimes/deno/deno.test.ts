/** The Deno adapter (`Deno.serve`), run by Deno itself from the npm registry's build. */

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../../local/install.js';
import { DENO, installRuntime } from '../install.js';
import { runtimeSuite, startServer } from '../runtime-suite.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

const DENO_ENV = { DENO_DIR: join(cacheRoot(), 'runtimes', 'deno-dir'), DENO_NO_UPDATE_CHECK: '1' };

runtimeSuite('deno', {
  zstd: true,
  start: async (env) =>
    startServer(await installRuntime(DENO), ['run', '--allow-all', '--sloppy-imports', '--no-lock', '--quiet', MAIN], {
      ...DENO_ENV,
      KAFKALESS_FUNCTIONS_LISTEN: '127.0.0.1:0',
      ...env,
    }),
  script: async () => ({
    command: await installRuntime(DENO),
    args: ['run', '--allow-all', '--no-lock', '--quiet'],
    env: DENO_ENV,
  }),
});
