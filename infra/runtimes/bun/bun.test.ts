/** The Bun adapter (`Bun.serve`), run by Bun itself from the npm registry's build. */

import { fileURLToPath } from 'node:url';
import { BUN, installRuntime } from '../install.js';
import { runtimeSuite, startServer } from '../runtime-suite.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

runtimeSuite('bun', {
  zstd: true,
  start: async (env) =>
    startServer(await installRuntime(BUN), ['run', MAIN], { KAFKALESS_FUNCTIONS_LISTEN: '127.0.0.1:0', ...env }),
  // `--bun` runs vitest itself, and the workers it starts, on Bun rather than on the Node its shebang names.
  script: async () => ({ command: await installRuntime(BUN), args: ['--bun'] }),
});
