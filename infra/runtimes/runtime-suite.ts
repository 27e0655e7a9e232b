/**
 * Test support: one suite every server runtime (Node, container, Deno, Bun)
 * passes. The runtime runs in its own process, started as a deployment would
 * start it; the proxy's HttpInvoker drives a signed Kafka conversation
 * through it, with in-memory stores and with the local stack's Redis and
 * SeaweedFS; kcat goes through a proxy in front of it; SIGTERM lets a
 * long-polling Fetch finish before the process exits. Deno and Bun also run
 * the functions' own test files, vitest and all, on themselves.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { HttpInvoker, startProxy } from '../../proxy/index.js';
import { encodeRequest } from '../../shared/protocol/frame.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { kcat, runToExit } from '../../test/support/command.js';
import { type Call, invocationContext, runKafkaScenario } from './kafka-scenario.js';

export const SECRET = 'runtime-suite-secret';

export interface RunningServer {
  /** Base URL of the function app. */
  readonly url: string;
  /** What the process printed so far, for failure messages. */
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `command` and waits until it prints `on host:port` (`listening on`, `serving … on`). The
 * environment is the test's own, less any `KAFKALESS_*` settings, plus `env`.
 */
export async function startServer(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<RunningServer> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('KAFKALESS_') || k.startsWith('KAFKALESS_TEST_')),
  );
  const child: ChildProcess = spawn(command, args, {
    env: { ...base, KAFKALESS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} did not listen within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /\bon ([^\s:,]+):(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        const host = m[1] === '0.0.0.0' || m[1] === '::' ? '127.0.0.1' : m[1]!;
        resolve(`http://${host}:${m[2]}`);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

function httpCall(invoker: HttpInvoker): Call {
  return async (apiKey, frame, ctx) => {
    const res = await invoker.invoke(apiKey, frame, ctx);
    return { status: res.status, body: Buffer.concat(res.body) };
  };
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What vitest's JSON reporter says of one test file. */
interface FileReport {
  readonly name: string;
  readonly status: string;
  readonly assertionResults: readonly { readonly status: string }[];
}

/**
 * Runs the functions' own test files (vitest's `unit` project under `functions/`) with `command`
 * (the runtime's executable and its arguments before the script), and returns vitest's JSON report
 * per file, by path from the repository's root. `functions/runtime.test.ts` checks the files really
 * ran on `runtime`.
 */
async function runFunctionTests(
  runtime: string,
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ files: Map<string, FileReport>; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), `kafkaless-${runtime}-functions-`));
  const report = join(dir, 'report.json');
  // The outer vitest's own variables would make the inner one think it is a worker.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && !k.startsWith('KAFKALESS_')),
  );
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const vitestArgs = ['run', '--project', 'unit', 'functions/', '--reporter=json', `--outputFile=${report}`];
  try {
    const run = await runToExit(command, [...args, vitest, ...vitestArgs], {
      cwd: ROOT,
      env: { ...base, NODE_ENV: 'test', KAFKALESS_TEST_RUNTIME: runtime, ...env },
    });
    const output = `${run.stdout}${run.stderr}\nexit ${run.code}`;
    const json = JSON.parse(await readFile(report, 'utf8').catch(() => '{"testResults":[]}')) as {
      testResults: FileReport[];
    };
    return { files: new Map(json.testResults.map((f) => [relative(ROOT, f.name), f])), output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every `*.test.ts` under `functions/`, by path from the repository's root. */
async function functionTestFiles(): Promise<string[]> {
  const entries = await readdir(join(ROOT, 'functions'), { recursive: true });
  return entries
    .filter((e) => e.endsWith('.test.ts'))
    .map((e) => join('functions', e))
    .sort();
}

export interface RuntimeSuiteOptions {
  /** Starts the runtime serving the function app, configured by `env` (`KAFKALESS_*`). */
  readonly start: (env: Record<string, string>) => Promise<RunningServer>;
  /** Whether zstd-napi loads in this runtime. */
  readonly zstd: boolean;
  /**
   * How this runtime runs a Node script (its executable and the arguments before the script), to run
   * the functions' own test suite on it; and the environment it needs. Left out for Node itself,
   * which runs that suite in the unit project.
   */
  readonly script?: () => Promise<{ command: string; args: readonly string[]; env?: Record<string, string> }>;
}

export function runtimeSuite(name: string, options: RuntimeSuiteOptions): void {
  describe(`${name} runtime`, () => {
    const servers: RunningServer[] = [];
    const invokers: HttpInvoker[] = [];
    const start = async (env: Record<string, string>): Promise<RunningServer> => {
      const server = await options.start({ KAFKALESS_SECRET: SECRET, ...env });
      servers.push(server);
      return server;
    };
    const invoker = (url: string, signed = true): HttpInvoker => {
      const i = new HttpInvoker({ baseUrl: url, ...(signed ? { secret: SECRET } : {}) });
      invokers.push(i);
      return i;
    };
    afterAll(async () => {
      await Promise.all(invokers.map((i) => i.close()));
      await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    });

    it('serves a signed Kafka conversation with in-memory stores, and kcat through a proxy', async () => {
      const server = await start({});
      const functions = invoker(server.url);
      await runKafkaScenario(httpCall(functions), { prefix: `${name}-memory`, zstd: options.zstd });

      const proxy = await startProxy({ invoker: functions, listen: { host: '127.0.0.1', port: 0 } });
      try {
        const bootstrap = `127.0.0.1:${proxy.address.port}`;
        expect(await kcat(bootstrap, ['-L'])).toContain(`broker 0 at ${bootstrap}`);
        const lines = Array.from({ length: 20 }, (_, i) => `k${i}:v${i}`);
        await kcat(bootstrap, ['-P', '-t', `${name}-kcat`, '-K', ':'], `${lines.join('\n')}\n`);
        const out = await kcat(bootstrap, ['-C', '-t', `${name}-kcat`, '-o', 'beginning', '-e', '-q', '-K', ':']);
        expect(out.trim().split('\n')).toEqual(lines);
      } finally {
        await proxy.close();
      }
    });

    it('serves the same conversation on Redis and SeaweedFS', async () => {
      const stack = inject('kafkalessLocalStack');
      const server = await start({
        KAFKALESS_REDIS: stack.redisUrl,
        KAFKALESS_S3: `${stack.s3.endpoint}/${stack.s3.bucket}`,
        AWS_ACCESS_KEY_ID: stack.s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: stack.s3.secretAccessKey,
        AWS_REGION: stack.s3.region,
      });
      const prefix = `${name}-redis-${Date.now().toString(36)}`;
      await runKafkaScenario(httpCall(invoker(server.url)), { prefix, zstd: options.zstd });
    });

    if (options.script !== undefined) {
      const script = options.script;
      it('passes every function test file', { timeout: 1_200_000 }, async () => {
        const { command, args, env } = await script();
        const [expected, { files, output }] = await Promise.all([
          functionTestFiles(),
          runFunctionTests(name, command, args, env ?? {}),
        ]);
        expect([...files.keys()].sort(), output.slice(-4000)).toEqual(expected);
        for (const [file, result] of files) {
          expect(result.status, `${file}\n${output.slice(-4000)}`).toBe('passed');
          expect(result.assertionResults.length, file).toBeGreaterThan(0);
          expect(
            result.assertionResults.filter((t) => t.status !== 'passed'),
            file,
          ).toEqual([]);
        }
      });
    }

    it('refuses unsigned invocations, and lets a long-polling Fetch finish on SIGTERM', async () => {
      const server = await start({ KAFKALESS_AUTO_CREATE_TOPICS: 'true' });
      const ctx = invocationContext('unsigned');
      const versions = encodeRequest(ApiKey.ApiVersions, 3, 1, 'x', {
        clientSoftwareName: 'x',
        clientSoftwareVersion: '1',
      });
      const refused = await invoker(server.url, false).invoke(ApiKey.ApiVersions, versions, ctx);
      expect(refused.status).toBe(401);

      const signed = invoker(server.url);
      const call = httpCall(signed);
      // Creates the topic (auto-creation), so the Fetch below waits for data rather than failing.
      await call(ApiKey.Metadata, encodeRequest(ApiKey.Metadata, 12, 2, 'x', { topics: [{ name: 'waiting' }] }), ctx);
      const fetch = encodeRequest(ApiKey.Fetch, 12, 3, 'x', {
        maxWaitMs: 1500,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        topics: [{ topic: 'waiting', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
      });
      const started = Date.now();
      const waiting = call(ApiKey.Fetch, fetch, ctx);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const exited = server.stop('SIGTERM');
      expect((await waiting).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      expect(await exited).toBe(0);
    });
  });
}
