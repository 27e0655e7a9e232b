/** The container entry point: `PORT`, OpenFaaS's health paths, and the runtime suite. */

import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../../../test/support/cluster.js';
import { type RunningServer, runtimeSuite, SECRET, startServer } from '../runtime-suite.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

const startContainer = async (env: Record<string, string>): Promise<RunningServer> =>
  startServer(process.execPath, ['--import', 'tsx', MAIN], { PORT: String(await freePort()), ...env });

runtimeSuite('container', { zstd: true, start: startContainer });

const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop('SIGKILL')));
});

it('listens on every interface at $PORT and answers the platforms’ health probes', async () => {
  const port = await freePort();
  const server = await startContainer({ KAFKALESS_SECRET: SECRET, PORT: String(port) });
  running.push(server);
  expect(server.output()).toContain(`listening on 0.0.0.0:${port}`);
  for (const path of ['/healthz', '/_/health', '/_/ready']) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    expect([path, res.status, await res.text()]).toEqual([path, 200, 'ok']);
  }
  expect(await server.stop('SIGTERM')).toBe(0);
});
