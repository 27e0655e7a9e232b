/**
 * A throwaway Redis for tests and `kafkaless dev --redis`: Debian's
 * redis-server on a free loopback port, nothing persisted.
 */

import { connect } from 'node:net';
import { join } from 'node:path';
import { aptInstall, cacheRoot, findExecutable, installAllowed, isExecutable, withFileLock } from './install.js';
import { freePorts } from './ports.js';
import { type ServerProcess, startServer, waitUntilReady } from './processes.js';

/** Set to a redis-server binary to use it instead of the one on PATH. */
export const REDIS_SERVER_ENV = 'KAFKALESS_REDIS_SERVER';

const START_TIMEOUT_MS = 30_000;

/**
 * Returns the path of redis-server, installing Debian's package when it is
 * missing and installing is allowed (root or CI).
 */
export async function ensureRedis(): Promise<string> {
  const override = process.env[REDIS_SERVER_ENV];
  if (override !== undefined && override !== '') {
    if (!isExecutable(override)) throw new Error(`${REDIS_SERVER_ENV}=${override} is not an executable file`);
    return override;
  }
  const found = findExecutable('redis-server');
  if (found !== undefined) return found;
  if (!installAllowed()) {
    throw new Error(
      `redis-server not found. Install it with \`sudo apt-get install redis-server\` (or set ${REDIS_SERVER_ENV} to a redis-server binary).`,
    );
  }
  // One installer at a time: apt-get itself fails when another holds the dpkg lock.
  return withFileLock(join(cacheRoot(), 'apt.lock'), async () => {
    if (findExecutable('redis-server') === undefined) await aptInstall(['redis-server']);
    const installed = findExecutable('redis-server');
    if (installed === undefined) throw new Error('apt-get installed redis-server but it is not on PATH');
    return installed;
  });
}

/** True when a Redis on `port` answers PING with PONG. */
export function pingRedis(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

export interface RunningRedis {
  url: string;
  port: number;
  process: ServerProcess;
}

/** No config file: everything on the command line, no persistence, loopback only; `extra` appended. */
export function redisServerArgs(port: number, dir: string, extra: readonly string[] = []): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    ...extra,
  ];
}

/** Starts redis-server in `dir` (its working directory) with its log in `dir/redis.log`. */
export async function startRedis(dir: string): Promise<RunningRedis> {
  const redisServer = await ensureRedis();
  const logFile = join(dir, 'redis.log');
  for (let attempt = 1; ; attempt++) {
    const [port] = await freePorts(1);
    const server = await startServer({
      name: 'redis-server',
      command: redisServer,
      args: redisServerArgs(port!, dir),
      cwd: dir,
      logFile,
    });
    try {
      await waitUntilReady(server, 'answering PING', () => pingRedis(port!), START_TIMEOUT_MS);
      return { url: `redis://127.0.0.1:${port}`, port: port!, process: server };
    } catch (error) {
      await server.stop();
      // Another process may have taken the port between our probe and Redis binding it.
      if (attempt < 3 && error instanceof Error && /Address already in use/i.test(error.message)) continue;
      throw error;
    }
  }
}
