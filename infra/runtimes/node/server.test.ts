/**
 * The Node adapter as `kafkaless functions serve` runs it, and split
 * deployments: `--only` on each, and a proxy routing by an inline table
 * whose `"*"` names the app for every other API (as infra/aws/template.yaml
 * configures its proxies).
 */

import { fileURLToPath } from 'node:url';
import { afterAll, expect, inject, it } from 'vitest';
import { allFunctions } from '../../../functions/registry.js';
import { ApiKey, apis } from '../../../shared/protocol/generated/api-keys.js';
import { kcat } from '../../../test/support/command.js';
import { type RunningServer, runtimeSuite, SECRET, startServer } from '../runtime-suite.js';

const BIN = fileURLToPath(new URL('../../../bin/kafkaless.js', import.meta.url));

const functionsServe = (env: Record<string, string>): Promise<RunningServer> =>
  startServer(process.execPath, [BIN, 'functions', 'serve', '--functions-listen', '127.0.0.1:0'], env);

runtimeSuite('node', { zstd: true, start: functionsServe });

const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop('SIGKILL')));
});

it('routes Produce to its own deployment and every other API to "*" through an inline routes table', async () => {
  const stack = inject('kafkalessLocalStack');
  const stores = {
    KAFKALESS_SECRET: SECRET,
    KAFKALESS_REDIS: stack.redisUrl,
    KAFKALESS_S3: `${stack.s3.endpoint}/${stack.s3.bucket}`,
    AWS_ACCESS_KEY_ID: stack.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.s3.secretAccessKey,
    AWS_REGION: stack.s3.region,
  };
  // The rest serves everything but Produce, so a Produce routed there would close the connection.
  const others = allFunctions.map((f) => apis.get(f.apiKey)!.name).filter((name) => name !== 'Produce');
  expect(others).not.toContain(apis.get(ApiKey.Produce)!.name);
  const produce = await functionsServe({ ...stores, KAFKALESS_ONLY: 'Produce' });
  const rest = await functionsServe({ ...stores, KAFKALESS_ONLY: others.join(',') });
  running.push(produce, rest);
  const proxy = await startServer(process.execPath, [BIN, 'proxy', '--listen', '127.0.0.1:0'], {
    KAFKALESS_SECRET: SECRET,
    KAFKALESS_FUNCTIONS: JSON.stringify({ '*': rest.url, Produce: produce.url }),
  });
  running.push(proxy);
  const bootstrap = proxy.url.replace('http://', '');
  const topic = `split-${Date.now().toString(36)}`;
  const lines = Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`);
  await kcat(bootstrap, ['-P', '-t', topic, '-K', ':'], `${lines.join('\n')}\n`);
  const out = await kcat(bootstrap, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-K', ':']);
  expect(out.trim().split('\n')).toEqual(lines);
});
