/**
 * The programs the exactly-once tests (test/transactions/) run as separate
 * processes: the Java tool (kafka-clients, test/transactions/java/), the
 * franz-go GroupTransactSession member (test/transactions/franz-go/) and the
 * confluent-kafka script (test/transactions/python/). Builds are cached under
 * ~/.cache/kafkaless/transactions/ and redone only when a source file is newer
 * than the last build. Each program speaks newline-delimited JSON events on
 * stdout (`done` last, or `error`) and logs on stderr.
 */

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, withFileLock } from '../../infra/local/install.js';
import { runCommand } from '../../infra/local/processes.js';
import { javaCommand, mavenOfflineFirst } from './maven.js';
import { pythonWithConfluentKafka } from './python.js';

const APPS = fileURLToPath(new URL('../transactions/', import.meta.url));
/** The kafka-clients release of the Java tool. */
export const JAVA_KAFKA_CLIENTS_VERSION = '3.9.2';

const cacheDir = (name: string): string => join(cacheRoot(), 'transactions', name);

async function newestMtime(path: string): Promise<number> {
  const s = await stat(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/**
 * Runs `build` unless the stamp in `cache` is newer than every file in `sources` and `outputs` exist;
 * one build at a time across processes.
 */
async function cachedBuild(cache: string, sources: string[], outputs: string[], build: () => Promise<void>) {
  const stampFile = join(cache, 'build.stamp');
  const fresh = async (): Promise<boolean> => {
    const stamp = Number((await readFile(stampFile, 'utf8').catch(() => '')).trim());
    if (!Number.isFinite(stamp) || stamp === 0) return false;
    for (const out of outputs) if ((await stat(out).catch(() => undefined)) === undefined) return false;
    for (const src of sources) if ((await newestMtime(src)) > stamp) return false;
    return true;
  };
  if (await fresh()) return;
  await mkdir(cache, { recursive: true });
  await withFileLock(join(cache, 'build.lock'), async () => {
    if (await fresh()) return;
    const startedAt = Date.now();
    await build();
    await writeFile(stampFile, `${startedAt}\n`);
  });
}

let javaBuilt: Promise<string[]> | undefined;

/** The command line (before mode and argument) of the Java tool, built on first use. */
export function javaTool(): Promise<string[]> {
  javaBuilt ??= (async () => {
    const src = join(APPS, 'java');
    const cache = cacheDir(`java-${JAVA_KAFKA_CLIENTS_VERSION}`);
    await cachedBuild(
      cache,
      [join(src, 'pom.xml'), join(src, 'src')],
      [join(cache, 'target', 'classes'), join(cache, 'lib')],
      () =>
        mavenOfflineFirst(
          'building the transactions Java tool',
          [`-Dkafka.version=${JAVA_KAFKA_CLIENTS_VERSION}`, `-Dapp.cache=${cache}`, 'package'],
          src,
        ),
    );
    return [
      javaCommand(),
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp',
      [join(cache, 'target', 'classes'), join(cache, 'lib', '*')].join(delimiter),
      'dev.kafkaless.transactions.Main',
    ];
  })();
  javaBuilt.catch(() => {
    javaBuilt = undefined;
  });
  return javaBuilt;
}

let goBuilt: Promise<string[]> | undefined;

/** The franz-go GroupTransactSession member's executable, built on first use. */
export function franzGoMember(): Promise<string[]> {
  goBuilt ??= (async () => {
    const src = join(APPS, 'franz-go');
    const cache = cacheDir('franz-go');
    const binary = join(cache, 'franz-go-eos');
    await cachedBuild(cache, [src], [binary], async () => {
      const result = await runCommand('go', ['build', '-o', binary, '.'], { cwd: src });
      if (result.code !== 0) throw new Error(`go build in ${src} failed (exit ${result.code}):\n${result.output}`);
    });
    return [binary];
  })();
  goBuilt.catch(() => {
    goBuilt = undefined;
  });
  return goBuilt;
}

/** The confluent-kafka (librdkafka) transactions script, on the cached virtualenv. */
export async function librdkafkaTransactions(): Promise<string[]> {
  return [await pythonWithConfluentKafka(), join(APPS, 'python', 'transactions.py')];
}

/** One event a program wrote. */
export type AppEvent = Readonly<Record<string, unknown>> & { readonly event: string };

/** A program run: its events as they come, its `done` event, and SIGKILL. */
export class AppProcess {
  readonly events: AppEvent[] = [];
  /** The `done` event; rejects when the program reports an error, exits without `done`, or is killed. */
  readonly done: Promise<AppEvent>;
  /** Settles when the process has exited, however. */
  readonly exited: Promise<void>;
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private killed = false;
  private readonly listeners: ((e: AppEvent) => void)[] = [];

  constructor(
    readonly name: string,
    command: readonly string[],
    args: readonly string[],
  ) {
    const [file, ...rest] = command;
    this.child = spawn(file!, [...rest, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {});
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-6000);
    });
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    this.done = new Promise((resolve, reject) => {
      let buffer = '';
      this.child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim() === '') continue;
          let event: AppEvent;
          try {
            event = JSON.parse(line) as AppEvent;
          } catch {
            this.stderr += `\n[stdout] ${line.slice(0, 300)}`;
            continue;
          }
          this.events.push(event);
          for (const listener of this.listeners) listener(event);
        }
      });
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => {
        const done = this.events.find((e) => e.event === 'done');
        const error = this.events.find((e) => e.event === 'error');
        if (done !== undefined && code === 0) resolve(done);
        else if (this.killed) reject(new Error(`${this.name} was killed`));
        else
          reject(
            new Error(
              `${this.name} failed (exit ${code ?? signal})` +
                (error === undefined
                  ? ''
                  : `: ${String(error.error)}${error.cause ? ` (cause: ${String(error.cause)})` : ''}`) +
                `\n--- stderr (tail) ---\n${this.stderr.slice(-3000)}`,
            ),
          );
      });
    });
    this.done.catch(() => {});
  }

  /** Calls `listener` on every event from now on. */
  onEvent(listener: (e: AppEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves with the first event (past or future) matching `test`; rejects if the program ends first. */
  waitFor(test: (e: AppEvent) => boolean, timeoutMs: number): Promise<AppEvent> {
    const seen = this.events.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no expected event within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.onEvent((e) => {
        if (test(e)) {
          clearTimeout(timer);
          resolve(e);
        }
      });
      // `done` settles once the process has exited: with its error, or without the event we wait for.
      this.done.then(
        () => {
          clearTimeout(timer);
          reject(new Error(`${this.name} ended before the expected event`));
        },
        (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9, then waits for the exit. */
  async kill(): Promise<void> {
    if (this.running) {
      this.killed = true;
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }

  /** SIGTERM, for a program that stops gracefully on it; SIGKILL after `graceMs`. Resolves with its `done` event. */
  async terminate(graceMs = 15_000): Promise<AppEvent> {
    if (this.running) this.child.kill('SIGTERM');
    const timer = setTimeout(() => void this.kill(), graceMs);
    try {
      return await this.done;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Tail of the program's stderr, for failure messages. */
  get log(): string {
    return this.stderr;
  }
}

/** Runs the Java tool in `mode` to completion and returns its `done` event. */
export async function runJavaTool(mode: string, request: object): Promise<AppEvent> {
  return new AppProcess(`java ${mode}`, await javaTool(), [mode, JSON.stringify(request)]).done;
}

/** Starts the Java tool in `mode`. */
export async function startJavaTool(mode: string, request: object): Promise<AppProcess> {
  return new AppProcess(`java ${mode}`, await javaTool(), [mode, JSON.stringify(request)]);
}
