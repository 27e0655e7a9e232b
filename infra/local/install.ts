/**
 * Finding and installing the local stack's programs: executables on PATH,
 * Debian packages (only where installing is allowed), the per-machine cache
 * directory and a lock so parallel test workers install once.
 */

import { accessSync, closeSync, constants, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { runCommand } from './processes.js';

/** `$XDG_CACHE_HOME/kafkaless`, by default `~/.cache/kafkaless`: outside any repository, kept across runs. */
export function cacheRoot(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'kafkaless');
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Looks `name` up on PATH, then in the usual system directories PATH may lack. */
export function findExecutable(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of [...dirs, '/usr/local/bin', '/usr/bin', '/usr/sbin', '/bin']) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Installing system packages is allowed as root and under CI; elsewhere we say what to run instead. */
export function installAllowed(): boolean {
  const ci = process.env.CI;
  const underCi = ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
  return process.getuid?.() === 0 || underCi;
}

/** Installs Debian packages with apt-get (through `sudo -n` when not root), refreshing stale package lists once. */
export async function aptInstall(packages: readonly string[]): Promise<void> {
  const apt = findExecutable('apt-get');
  if (apt === undefined)
    throw new Error(`cannot install ${packages.join(' ')}: apt-get not found (not a Debian system?)`);
  const asRoot = process.getuid?.() === 0;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[]) =>
    asRoot
      ? runCommand(apt, args, { env })
      : runCommand('sudo', ['-n', 'DEBIAN_FRONTEND=noninteractive', apt, ...args]);

  const install = ['install', '-y', '-q', '--no-install-recommends', ...packages];
  let result = await run(install);
  if (result.code !== 0) {
    // A fresh machine may have no package lists yet, or outdated ones.
    const update = await run(['update', '-q']);
    if (update.code !== 0) throw new Error(`apt-get update failed:\n${update.output}`);
    result = await run(install);
  }
  if (result.code !== 0) throw new Error(`apt-get install ${packages.join(' ')} failed:\n${result.output}`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function lockIsStale(lockFile: string): boolean {
  let content: string;
  let ageMs: number;
  try {
    content = readFileSync(lockFile, 'utf8');
    ageMs = Date.now() - statSync(lockFile).mtimeMs;
  } catch {
    return false; // Gone already: the next attempt will take it.
  }
  const pid = Number.parseInt(content, 10);
  // An empty file is a lock being written; only a long-empty one is abandoned.
  if (!Number.isInteger(pid) || pid <= 0) return ageMs > 10_000;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Runs `task` while holding an exclusive lock file (created with O_EXCL and
 * holding our pid). A lock whose owner died is taken over.
 */
export async function withFileLock<T>(lockFile: string, task: () => Promise<T>, timeoutMs = 20 * 60_000): Promise<T> {
  await mkdir(dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (lockIsStale(lockFile)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for lock ${lockFile}`);
    await sleep(250);
  }
  try {
    return await task();
  } finally {
    rmSync(lockFile, { force: true });
  }
}
