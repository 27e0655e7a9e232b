/**
 * Redis connections that fail fast and heal by themselves. While Redis is
 * unreachable, calls fail within about `connectTimeoutMs` (no offline queue,
 * no resending after a reconnect: a command that timed out must not run
 * later behind the caller's back); a stuck Redis fails them after
 * `commandTimeoutMs`. The client keeps reconnecting in the background, at
 * most a second apart, so the same store works again once Redis is back.
 */

import { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import { StorageUnavailableError } from '../types.js';
import { isClusterUrl, parseClusterUrl, type RedisClient } from './cluster.js';

export interface RedisConnectionOptions {
  /** How long a call waits for a connection that is (re)connecting. Default 1000. */
  readonly connectTimeoutMs?: number;
  /** How long a sent command may take. Default 1500. */
  readonly commandTimeoutMs?: number;
  readonly log?: Logger;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 1000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 1500;

/** Milliseconds before reconnect attempt `times`: quick at first, then once a second. */
export function reconnectDelay(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 5), 1000);
}

/** A cluster's client for a `redis-cluster://` URL (see cluster.ts); the same failure behaviour per node. */
function createCluster(url: string, role: string, options: RedisConnectionOptions): Cluster {
  const { seeds, username, password, tls } = parseClusterUrl(url);
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Cluster([...seeds], {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: reconnectDelay,
    slotsRefreshTimeout: connectTimeout,
    redisOptions: {
      username,
      password,
      tls: tls ? {} : undefined,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false,
      connectTimeout,
      commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      connectionName: `kafkaless-${role}`,
    },
  });
}

export function createClient(url: string, role: string, options: RedisConnectionOptions): RedisClient {
  const client = isClusterUrl(url) ? createCluster(url, role, options) : createRedis(url, role, options);
  client.setMaxListeners(0);
  let down = false;
  client.on('error', (e: Error) => {
    // One line per outage, not one per reconnect attempt.
    if (down) return;
    down = true;
    options.log?.warn('redis unreachable', { role, error: e.message });
  });
  client.on('ready', () => {
    if (down) options.log?.info('redis reachable again', { role });
    down = false;
  });
  return client;
}

function createRedis(url: string, role: string, options: RedisConnectionOptions): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
    connectionName: `kafkaless-${role}`,
  });
}

/** Resolves once the client can take commands, or fails after `waitMs`. */
export async function whenReady(client: RedisClient, waitMs: number): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'end') throw new StorageUnavailableError('redis connection is closed');
  if (client.status === 'wait') client.connect().catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: StorageUnavailableError): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = (): void => settle();
    const onEnd = (): void => settle(new StorageUnavailableError('redis connection is closed'));
    const timer = setTimeout(
      () => settle(new StorageUnavailableError(`redis not reachable within ${waitMs} ms (${client.status})`)),
      waitMs,
    );
    client.on('ready', onReady);
    client.on('end', onEnd);
  });
}
