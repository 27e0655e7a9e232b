/**
 * Child processes of the local stack: short commands (installers, version
 * checks) and long-running servers that must never outlive this process.
 *
 * A server is killed by `stop()`, by the `exit` handler, on SIGINT/SIGTERM/
 * SIGHUP, and — when this process dies without running any handler (SIGKILL,
 * a crashed test runner) — by a watchdog: a tiny `sh` that blocks reading a
 * pipe from us and kills the server when the pipe closes.
 */

import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';

export interface CommandResult {
  /** Exit code, or null when a signal ended the command. */
  code: number | null;
  /** stdout and stderr interleaved, at most the last 64 KiB. */
  output: string;
}

const OUTPUT_LIMIT = 64 * 1024;

/** Runs a command to completion; never rejects for a non-zero exit, only when it cannot start. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 2 * OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output: output.slice(-OUTPUT_LIMIT) }));
  });
}

// ---------------------------------------------------------------------------
// Cleanup when this process goes away

const cleanups = new Set<() => void>();
let handlersInstalled = false;

function runCleanups(): void {
  // Last registered first: servers die before the directory holding their data is removed.
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort: the process is going away.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runCleanups();
  // Listening to a signal cancels its default action (terminate). When nobody
  // else handles it, step aside and re-raise it so the process still ends.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', runCleanups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

/**
 * Registers a synchronous cleanup to run if this process exits or is
 * signalled before the returned function unregisters it.
 */
export function onProcessExit(cleanup: () => void): () => void {
  installHandlers();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

// ---------------------------------------------------------------------------
// Servers

export interface ServerProcessInfo {
  readonly name: string;
  readonly pid: number;
  /** stdout and stderr of the server. */
  readonly logFile: string;
}

export interface ServerProcess extends ServerProcessInfo {
  /** Exit code or signal once the server has exited, undefined while it runs. */
  exitStatus(): string | undefined;
  /**
   * Stops the server: SIGTERM, then SIGKILL after `graceMs` (0 kills at once).
   * Resolves when the process has exited. Safe to call more than once.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Blocks on stdin until the parent's end of the pipe closes, then kills the
 * server ($1) and, once it is surely gone, removes the paths after $2 ($2 is
 * the log file, named only to trace a watchdog back to its stack).
 */
const WATCHDOG_SCRIPT =
  'while read -r _; do :; done; kill -KILL "$1" 2>/dev/null; shift 2; [ "$#" -eq 0 ] || { sleep 1; rm -rf -- "$@"; }';

function killQuietly(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    child.kill(signal);
  } catch {
    // Already gone.
  }
}

export interface StartServerOptions {
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Paths to remove when the server is killed because this process went away
   * without `stop()` (exit, signal, or death noticed by the watchdog).
   */
  removeWhenOrphaned?: readonly string[];
}

/** Spawns a long-running server with its output appended to `logFile`. */
export function startServer(options: StartServerOptions): Promise<ServerProcess> {
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }

  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => {
      const pid = child.pid!;
      let status: string | undefined;
      const exited = new Promise<void>((done) => {
        child.once('exit', (code, signal) => {
          status = signal ?? `exit code ${code}`;
          done();
        });
      });
      const watchdog = spawn(
        'sh',
        [
          '-c',
          WATCHDOG_SCRIPT,
          'kafkaless-watchdog',
          String(pid),
          options.logFile,
          ...(options.removeWhenOrphaned ?? []),
        ],
        { stdio: ['pipe', 'ignore', 'ignore'] },
      );
      watchdog.on('error', () => {
        // Without sh the exit and signal handlers still apply.
      });
      const unregister = onProcessExit(() => {
        killQuietly(child, 'SIGKILL');
        killQuietly(watchdog, 'SIGKILL');
        for (const path of options.removeWhenOrphaned ?? []) rmSync(path, { recursive: true, force: true });
      });

      let stopping: Promise<void> | undefined;
      const stop = (graceMs = 0): Promise<void> => {
        stopping ??= (async () => {
          // Dismiss the watchdog first: once the server has exited its pid may be reused.
          killQuietly(watchdog, 'SIGKILL');
          if (status === undefined) {
            if (graceMs > 0) {
              killQuietly(child, 'SIGTERM');
              const timer = setTimeout(() => killQuietly(child, 'SIGKILL'), graceMs);
              await exited;
              clearTimeout(timer);
            } else {
              killQuietly(child, 'SIGKILL');
              await exited;
            }
          }
          unregister();
        })();
        return stopping;
      };

      resolve({
        name: options.name,
        pid,
        logFile: options.logFile,
        exitStatus: () => status,
        stop,
      });
    });
  });
}

/** The last `lines` lines of a log file, or a note when it cannot be read. */
export function logTail(file: string, lines = 40): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(no log: ${error instanceof Error ? error.message : String(error)})`;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `ready` until it returns true. Fails with the server's log tail when
 * the server exits first or the deadline passes; errors thrown by `ready`
 * count as "not yet" and the last one is reported.
 */
export async function waitUntilReady(
  server: ServerProcess,
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const status = server.exitStatus();
    if (status !== undefined) {
      throw new Error(
        `${server.name} exited (${status}) before ${what}; log ${server.logFile}:\n${logTail(server.logFile)}`,
      );
    }
    try {
      if (await ready()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(
        `${server.name} did not reach "${what}" within ${timeoutMs} ms${cause}; log ${server.logFile}:\n${logTail(server.logFile)}`,
      );
    }
    await sleep(100);
  }
}
