/**
 * `kafkaless <command> [options]`. The only place proxy and functions meet:
 * `dev` runs both in one process; `proxy` and `functions serve` run them apart.
 */

import { readFileSync } from 'node:fs';
import { Server as HttpServer } from 'node:http';
import { serve } from '@hono/node-server';
import type { ClusterConfig, FunctionEnv } from '../functions/define.js';
import { createLogger, type Logger } from '../shared/log.js';
import { openBlobStore, openMetaStore } from '../shared/storage/index.js';
import { type OptionName, type Options, optionsHelp, parseHostPort, parseOptions } from './options.js';

const DEV_OPTIONS: OptionName[] = [
  'listen',
  'advertise',
  'redis',
  's3',
  'metricsListen',
  'registryListen',
  'clusterId',
  'nodeId',
  'autoCreateTopics',
  'numPartitions',
  'groupInitialRebalanceDelayMs',
  'maxFrameBytes',
];
const PROXY_OPTIONS: OptionName[] = [
  'functions',
  'listen',
  'advertise',
  'secret',
  'metricsListen',
  'maxFrameBytes',
  'invokeTimeoutMs',
];
const SERVE_OPTIONS: OptionName[] = [
  'functionsListen',
  'registryListen',
  'only',
  'redis',
  's3',
  'secret',
  'clusterId',
  'nodeId',
  'autoCreateTopics',
  'numPartitions',
  'groupInitialRebalanceDelayMs',
];

const USAGE = `Usage: kafkaless <command> [options]

Commands:
  dev               proxy and functions in one process (in-memory stores unless --redis/--s3)
${optionsHelp(DEV_OPTIONS)}

  proxy             the TCP sidecar, invoking functions over HTTP
${optionsHelp(PROXY_OPTIONS)}

  functions serve   the function app(s) on a Node HTTP server
${optionsHelp(SERVE_OPTIONS)}

  version           print the version
  help              print this text
`;

/** An integer option at least `min`, or an error naming it. */
function integer(value: string | undefined, min: number, what: string): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) throw new Error(`bad ${what} ${value}`);
  return n;
}

function clusterConfig(o: Options): ClusterConfig {
  return {
    clusterId: o.clusterId ?? 'kafkaless',
    nodeId: integer(o.nodeId, 0, 'node id'),
    autoCreateTopics: o.autoCreateTopics !== 'false',
    defaultPartitions: integer(o.numPartitions, 1, 'partition count'),
    topicDefaults: {},
    groupInitialRebalanceDelayMs: integer(o.groupInitialRebalanceDelayMs, 0, 'group initial rebalance delay'),
    offsetsRetentionMinutes: integer(o.offsetsRetentionMinutes, 1, 'offsets retention'),
    transactionMaxTimeoutMs: integer(o.transactionMaxTimeoutMs, 1, 'transaction max timeout'),
    transactionalIdExpirationMs: integer(o.transactionalIdExpirationMs, 1, 'transactional id expiration'),
  };
}

/** How often `dev` and `functions serve` sweep groups whose timers passed (sessions, rebalance deadlines). */
const SWEEP_INTERVAL_MS = 1000;
/** How long `functions serve` keeps an idle invocation connection open. */
const FUNCTIONS_KEEP_ALIVE_MS = 120_000;

/**
 * Runs the group and transaction sweeps every second, and with offset retention every
 * `offsets.retention.check.interval.ms`, one run at a time; returns the
 * function that stops it.
 */
async function startSweeping(env: FunctionEnv, o: Options): Promise<() => void> {
  const { sweepGroups } = await import('../functions/group-sweeper.js');
  const { sweepTransactions } = await import('../functions/transaction-sweeper.js');
  const offsetsEveryMs = integer(o.offsetsRetentionCheckIntervalMs, 1, 'offsets retention check interval');
  let running = false;
  let offsetsDue = Date.now() + offsetsEveryMs;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    const offsets = Date.now() >= offsetsDue;
    if (offsets) offsetsDue = Date.now() + offsetsEveryMs;
    sweepGroups(env, { offsets })
      .catch((e: unknown) => env.log.warn('group sweep failed', { error: (e as Error).message }))
      .then(() => sweepTransactions(env))
      .catch((e: unknown) => env.log.warn('transaction sweep failed', { error: (e as Error).message }))
      .finally(() => {
        running = false;
      });
  }, SWEEP_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

async function functionEnv(o: Options, log: Logger): Promise<FunctionEnv> {
  const meta = await openMetaStore(o.redis ?? 'memory', { log: log.child('meta') });
  const blobs = await openBlobStore(o.s3 ?? 'memory', { log: log.child('blobs') });
  return { meta, blobs, config: clusterConfig(o), log: log.child('functions'), now: Date.now };
}

const secrets = (o: Options): string[] =>
  (o.secret ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Resolves when SIGTERM or SIGINT arrives; a second signal exits at once. */
function untilSignal(log: Logger): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string): void => {
      log.info('draining', { signal });
      process.once('SIGTERM', () => process.exit(1));
      process.once('SIGINT', () => process.exit(1));
      resolve(signal);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

/** Where `kafkaless dev` serves the schema registry unless told otherwise. */
const DEV_REGISTRY_LISTEN = '127.0.0.1:8081';

/**
 * The schema registry on its own HTTP listener (`--registry-listen`), or
 * nothing when that is `none` or empty. Its own listener, not a path of the
 * function app: serializers call it unsigned, and it need not be exposed
 * where the functions are. When `listen` is only the default and the
 * address is taken, it warns and goes without.
 */
async function startRegistry(
  env: FunctionEnv,
  listen: string,
  explicit: boolean,
  log: Logger,
): Promise<{ url: string; close: () => Promise<void> } | undefined> {
  const text = listen.trim();
  if (text === '' || text.toLowerCase() === 'none') return undefined;
  const { schemaRegistryApp } = await import('../functions/schema-registry/app.js');
  const { host, port } = parseHostPort(text, '--registry-listen');
  const server = serve({ fetch: schemaRegistryApp(env).fetch, hostname: host, port });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve());
      server.once('error', reject);
    });
  } catch (e) {
    if (explicit) throw new Error(`--registry-listen ${text}: ${(e as Error).message}`);
    log.warn('schema registry not started', { address: text, error: (e as Error).message });
    process.stdout.write(`Schema registry not started: ${text} is unavailable (${(e as Error).message}).\n`);
    return undefined;
  }
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function dev(o: Options): Promise<number> {
  const log = createLogger('kafkaless');
  const { startProxy, InProcessInvoker } = await import('../proxy/index.js');
  const { allInOneApp } = await import('../functions/app.js');
  const env = await functionEnv(o, log);
  const app = allInOneApp(env, { secrets: [], requireSignature: false });
  const stopSweeping = await startSweeping(env, o);
  const listen = parseHostPort(o.listen!, '--listen');
  const proxy = await startProxy({
    listen,
    advertise: o.advertise ? parseHostPort(o.advertise, '--advertise') : undefined,
    invoker: new InProcessInvoker(app),
    maxFrameBytes: Number(o.maxFrameBytes),
    metricsListen: o.metricsListen ? parseHostPort(o.metricsListen, '--metrics-listen') : undefined,
    log: log.child('proxy'),
  });
  const where = `${proxy.address.host}:${proxy.address.port}`;
  const stores = `metadata ${o.redis ? `in Redis at ${o.redis}` : 'in memory'}, batches ${o.s3 ? `in S3 at ${o.s3}` : 'in memory'}`;
  const registry = await startRegistry(
    env,
    o.registryListen ?? DEV_REGISTRY_LISTEN,
    o.registryListen !== undefined,
    log,
  );
  process.stdout.write(
    `Kafkaless is listening on ${where} (${stores}).\nConnect with bootstrap.servers=${where}, e.g.\n  kcat -b ${where} -L\n${
      registry ? `Schema registry at ${registry.url} (schema.registry.url=${registry.url})\n` : ''
    }`,
  );
  await untilSignal(log);
  stopSweeping();
  await registry?.close();
  await proxy.drain(10_000);
  await env.meta.close();
  await env.blobs.close();
  return 0;
}

async function proxyCommand(o: Options): Promise<number> {
  const log = createLogger('proxy');
  const { startProxy, HttpInvoker } = await import('../proxy/index.js');
  if (!o.functions) throw new Error('kafkaless proxy needs --functions URL or a routes JSON file');
  const routes = /^https?:\/\//.test(o.functions)
    ? { baseUrl: o.functions.split(',').map((url) => url.trim()) }
    : { routes: JSON.parse(readFileSync(o.functions, 'utf8')) as Record<string, string | string[]> };
  const keys = secrets(o);
  if (keys.length === 0) throw new Error('kafkaless proxy needs --secret (or KAFKALESS_SECRET) to sign invocations');
  const proxy = await startProxy({
    listen: parseHostPort(o.listen!, '--listen'),
    advertise: o.advertise ? parseHostPort(o.advertise, '--advertise') : undefined,
    invoker: new HttpInvoker({ ...routes, secret: keys[0]!, log: log.child('invoker') }),
    invocationTimeoutMs: Number(o.invokeTimeoutMs),
    maxFrameBytes: Number(o.maxFrameBytes),
    metricsListen: o.metricsListen ? parseHostPort(o.metricsListen, '--metrics-listen') : undefined,
    log,
  });
  process.stdout.write(
    `kafkaless proxy listening on ${proxy.address.host}:${proxy.address.port}, functions at ${o.functions}\n`,
  );
  await untilSignal(log);
  await proxy.drain(10_000);
  return 0;
}

async function functionsServe(o: Options): Promise<number> {
  const log = createLogger('functions');
  const { allInOneApp, appFor } = await import('../functions/app.js');
  const keys = secrets(o);
  if (keys.length === 0) throw new Error('kafkaless functions serve needs --secret (or KAFKALESS_SECRET)');
  const env = await functionEnv(o, log);
  const options = { secrets: keys, requireSignature: true };
  const only = (o.only ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const app = only.length > 0 ? appFor(only, env, options) : allInOneApp(env, options);
  const { host, port } = parseHostPort(o.functionsListen!, '--functions-listen');
  const stopSweeping = await startSweeping(env, o);
  const server = serve({ fetch: app.fetch, hostname: host, port });
  // The proxy keeps connections here alive between invocations. Node closes one idle for 5 s by default,
  // and a close racing an invocation on it resets that invocation; the proxy retries those, and a long
  // idle timeout makes them rare.
  if (server instanceof HttpServer) {
    server.keepAliveTimeout = FUNCTIONS_KEEP_ALIVE_MS;
    server.headersTimeout = FUNCTIONS_KEEP_ALIVE_MS + 5_000;
  }
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const bound =
    typeof address === 'object' && address !== null ? `${address.address}:${address.port}` : String(address);
  process.stdout.write(`kafkaless functions serving ${only.length > 0 ? only.join(',') : 'all APIs'} on ${bound}\n`);
  const registry = o.registryListen ? await startRegistry(env, o.registryListen, true, log) : undefined;
  if (registry) process.stdout.write(`kafkaless schema registry on ${registry.url}\n`);
  await untilSignal(log);
  stopSweeping();
  await registry?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await env.meta.close();
  await env.blobs.close();
  return 0;
}

export async function main(args: string[]): Promise<number> {
  const [command = 'help', sub] = args;
  try {
    switch (command) {
      case 'version':
      case '--version': {
        const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
          version: string;
        };
        console.log(pkg.version);
        return 0;
      }
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return 0;
      case 'dev':
        return await dev(parseOptions(args.slice(1)).options);
      case 'proxy':
        return await proxyCommand(parseOptions(args.slice(1)).options);
      case 'functions':
        if (sub !== 'serve') break;
        return await functionsServe(parseOptions(args.slice(2)).options);
    }
    process.stderr.write(`kafkaless: unknown command '${args.join(' ')}'\n\n${USAGE}`);
    return 2;
  } catch (e) {
    process.stderr.write(`kafkaless: ${(e as Error).message}\n`);
    return 1;
  }
}
