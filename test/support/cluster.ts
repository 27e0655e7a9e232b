/**
 * The full stack for real-client tests: `kafkaless functions serve` and
 * `kafkaless proxy` as separate processes, on real Redis and S3. Each process
 * can be restarted (or killed) mid-test.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

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

  constructor(
    private readonly name: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly ready: RegExp,
  ) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, [BIN, ...this.args], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start:\n${this.tail()}`)), 30_000);
      const onData = (chunk: Buffer): void => {
        this.output = (this.output + chunk.toString()).slice(-20_000);
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

  tail(): string {
    return this.output.split('\n').slice(-30).join('\n');
  }
}

export interface Cluster {
  bootstrap: string;
  /** Where the function app listens (HTTP). */
  functionsPort: number;
  proxy: Service;
  functions: Service;
  stop(): Promise<void>;
}

/** Starts functions then proxy; every process talks to the same Redis and S3. */
export async function startCluster(backends: Backends, extraEnv: NodeJS.ProcessEnv = {}): Promise<Cluster> {
  const [proxyPort, functionsPort] = [await freePort(), await freePort()];
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
  const functions = new Service(
    'functions',
    ['functions', 'serve', '--functions-listen', `127.0.0.1:${functionsPort}`],
    env,
    /kafkaless functions serving/,
  );
  const proxy = new Service(
    'proxy',
    ['proxy', '--listen', `127.0.0.1:${proxyPort}`, '--functions', `http://127.0.0.1:${functionsPort}`],
    env,
    /kafkaless proxy listening/,
  );
  await functions.start();
  await proxy.start();
  return {
    bootstrap: `127.0.0.1:${proxyPort}`,
    functionsPort,
    proxy,
    functions,
    async stop() {
      await proxy.stop();
      await functions.stop();
    },
  };
}
