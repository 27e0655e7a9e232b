/**
 * A throwaway Redis Cluster for tests: `masters` redis-server processes with
 * cluster mode on (no replicas, nothing persisted), each in a directory of
 * its own under `dir`, the slots split evenly and the nodes joined by
 * CLUSTER MEET. Resolves once every node reports `cluster_state:ok` and
 * knows every other; its URL is the `redis-cluster://` form the MetaStore
 * takes.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePorts } from './ports.js';
import { type ServerProcess, startServer, waitUntilReady } from './processes.js';
import { ensureRedis, pingRedis, redisServerArgs } from './redis.js';

const SLOTS = 16384;
const START_TIMEOUT_MS = 30_000;

export interface RunningRedisCluster {
  /** `redis-cluster://127.0.0.1:<port>,…` */
  url: string;
  ports: number[];
  processes: ServerProcess[];
}

async function startNode(redisServer: string, dir: string, port: number, busPort: number): Promise<ServerProcess> {
  mkdirSync(dir, { recursive: true });
  const server = await startServer({
    name: `redis-server cluster :${port}`,
    command: redisServer,
    args: redisServerArgs(port, dir, [
      '--cluster-port',
      String(busPort),
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, 'nodes.conf'),
      '--cluster-node-timeout',
      '5000',
    ]),
    cwd: dir,
    logFile: join(dir, 'redis.log'),
  });
  try {
    await waitUntilReady(server, 'answering PING', () => pingRedis(port), START_TIMEOUT_MS);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** Assigns slots, joins the nodes and waits for a healthy cluster. */
async function formCluster(ports: readonly number[], busPorts: readonly number[]): Promise<void> {
  const clients = ports.map(
    (port) => new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 }),
  );
  try {
    const per = Math.ceil(SLOTS / ports.length);
    await Promise.all(
      clients.map((c, i) => {
        const slots: number[] = [];
        for (let s = i * per; s < Math.min(SLOTS, (i + 1) * per); s++) slots.push(s);
        return c.call('CLUSTER', 'ADDSLOTS', ...slots.map(String));
      }),
    );
    for (let i = 1; i < ports.length; i++) {
      await clients[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(ports[i]), String(busPorts[i]));
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const infos = await Promise.all(clients.map((c) => c.call('CLUSTER', 'INFO') as Promise<string>));
      const healthy = infos.every(
        (info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${ports.length}\r`),
      );
      if (healthy) return;
      if (Date.now() > deadline) throw new Error(`redis cluster did not become healthy:\n${infos.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** Starts a cluster of `masters` nodes in subdirectories `redis-cluster-<i>` of `dir`. */
export async function startRedisCluster(dir: string, masters = 3): Promise<RunningRedisCluster> {
  const redisServer = await ensureRedis();
  for (let attempt = 1; ; attempt++) {
    const all = await freePorts(masters * 2);
    const ports = all.slice(0, masters);
    const busPorts = all.slice(masters);
    const started = await Promise.allSettled(
      ports.map((port, i) => startNode(redisServer, join(dir, `redis-cluster-${i}`), port, busPorts[i]!)),
    );
    const processes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    try {
      if (failed !== undefined) throw failed.reason;
      await formCluster(ports, busPorts);
      return { url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, ports, processes };
    } catch (error) {
      await Promise.all(processes.map((p) => p.stop()));
      // Another process may have taken a port between our probe and Redis binding it.
      if (attempt < 3 && error instanceof Error && /Address already in use/i.test(error.message)) continue;
      throw error;
    }
  }
}
