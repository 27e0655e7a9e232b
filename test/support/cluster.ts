/**
 * The full stack for real-client tests: `kafkaless functions serve` and
 * `kafkaless proxy` as separate processes, on real Redis and S3. Each process
 * can be restarted (or killed) mid-test.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../../infra/local/install.js';

const BIN = fileURLToPath(new URL('../../bin/kafkaless.js', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Backends {
  redisUrl: string;
  /** http://host:port/bucket */
  s3Url: string;
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
}

class Service {
  private child: ChildProcess | undefined;
  private output = '';
  private partial = '';
  /** Every whole output line matching `collect`, across restarts. */
  readonly collected: string[] = [];

  constructor(
    private readonly name: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly ready: RegExp,
    private readonly collect?: RegExp,
    private readonly logFile?: string,
  ) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, [BIN, ...this.args], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    if (this.logFile !== undefined) {
      const log = createWriteStream(this.logFile, { flags: 'a' });
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
      child.once('exit', () => log.end());
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start:\n${this.tail()}`)), 30_000);
      const onData = (chunk: Buffer): void => {
        this.output = (this.output + chunk.toString()).slice(-20_000);
        if (this.collect !== undefined) this.collectLines(chunk.toString());
        if (this.ready.test(this.output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code}:\n${this.tail()}`));
      });
    });
  }

  /** SIGTERM (graceful) or SIGKILL, then wait for the exit. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.start();
  }

  private collectLines(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (this.collect?.test(line)) this.collected.push(line);
  }

  tail(): string {
    return this.output.split('\n').slice(-30).join('\n');
  }
}

export interface Cluster {
  bootstrap: string;
  /** Where the (first) function app listens (HTTP). */
  functionsPort: number;
  proxy: Service;
  /** Every proxy, the first being `proxy` ({@link ClusterOptions.proxies}). */
  proxies: Service[];
  /** Each proxy's Kafka address, in order. */
  bootstraps: string[];
  /** Each proxy's Prometheus `/metrics` URL, when {@link ClusterOptions.proxies} asked for a fleet. */
  proxyMetricsUrls: string[];
  /** The function app's instances, which the proxy invokes in turn. */
  functions: Service[];
  /** The schema registry of each function instance, in order, when {@link ClusterOptions.registry} asked for it. */
  registryUrls: string[];
  /** The first instance's schema registry (`schema.registry.url`), when {@link ClusterOptions.registry} asked for it. */
  registryUrl?: string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** How many `functions serve` processes the proxy spreads invocations over (default 1). */
  readonly functionInstances?: number;
  /** Output lines of the function processes to keep, in each one's `collected`. */
  readonly collect?: RegExp;
  /** A folder where each process appends its whole output: `proxy.log`, `functions-<i>.log`. */
  readonly logDir?: string;
  /** Each function process also serves the schema registry (`--registry-listen`), on its own port. */
  readonly registry?: boolean;
  /**
   * How many proxies front the functions (default 1). With more, each gets
   * `--advertised-proxies` naming them all, and serves its metrics.
   */
  readonly proxies?: number;
}

/** An empty `~/.cache/kafkaless/logs/<name>` for a cluster's process logs ({@link ClusterOptions.logDir}). */
export async function freshLogDir(name: string): Promise<string> {
  const dir = join(cacheRoot(), 'logs', name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Starts functions then proxy; every process talks to the same Redis and S3. */
export async function startCluster(
  backends: Backends,
  extraEnv: NodeJS.ProcessEnv = {},
  options: ClusterOptions = {},
): Promise<Cluster> {
  const proxyPorts: number[] = [];
  const metricsPorts: number[] = [];
  for (let i = 0; i < (options.proxies ?? 1); i++) {
    proxyPorts.push(await freePort());
    if ((options.proxies ?? 1) > 1) metricsPorts.push(await freePort());
  }
  const fleet = proxyPorts.map((port) => `127.0.0.1:${port}`);
  const functionsPorts: number[] = [];
  const registryPorts: number[] = [];
  for (let i = 0; i < (options.functionInstances ?? 1); i++) {
    functionsPorts.push(await freePort());
    if (options.registry === true) registryPorts.push(await freePort());
  }
  const secret = randomBytes(24).toString('hex');
  const env: NodeJS.ProcessEnv = {
    KAFKALESS_SECRET: secret,
    KAFKALESS_REDIS: backends.redisUrl,
    KAFKALESS_S3: backends.s3Url,
    AWS_ACCESS_KEY_ID: backends.s3AccessKeyId,
    AWS_SECRET_ACCESS_KEY: backends.s3SecretAccessKey,
    KAFKALESS_LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const functions = functionsPorts.map(
    (port, i) =>
      new Service(
        `functions #${i}`,
        [
          'functions',
          'serve',
          '--functions-listen',
          `127.0.0.1:${port}`,
          ...(options.registry === true ? ['--registry-listen', `127.0.0.1:${registryPorts[i]}`] : []),
        ],
        env,
        // With a registry, its line comes after the function app's.
        options.registry === true ? /kafkaless schema registry on/ : /kafkaless functions serving/,
        options.collect,
        options.logDir === undefined ? undefined : join(options.logDir, `functions-${i}.log`),
      ),
  );
  const urls = functionsPorts.map((port) => `http://127.0.0.1:${port}`).join(',');
  const proxies = proxyPorts.map(
    (port, i) =>
      new Service(
        i === 0 ? 'proxy' : `proxy #${i}`,
        [
          'proxy',
          '--listen',
          `127.0.0.1:${port}`,
          '--functions',
          urls,
          ...(metricsPorts.length > 0
            ? ['--advertised-proxies', fleet.join(','), '--metrics-listen', `127.0.0.1:${metricsPorts[i]}`]
            : []),
        ],
        env,
        /kafkaless proxy listening/,
        undefined,
        options.logDir === undefined ? undefined : join(options.logDir, i === 0 ? 'proxy.log' : `proxy-${i}.log`),
      ),
  );
  const proxy = proxies[0]!;
  await Promise.all(functions.map((f) => f.start()));
  await Promise.all(proxies.map((p) => p.start()));
  const registryUrls = registryPorts.map((port) => `http://127.0.0.1:${port}`);
  return {
    bootstrap: fleet[0]!,
    bootstraps: fleet,
    proxyMetricsUrls: metricsPorts.map((port) => `http://127.0.0.1:${port}/metrics`),
    functionsPort: functionsPorts[0]!,
    proxy,
    proxies,
    functions,
    registryUrls,
    registryUrl: registryUrls[0],
    async stop() {
      await Promise.all(proxies.map((p) => p.stop()));
      await Promise.all(functions.map((f) => f.stop()));
    },
  };
}
