/**
 * `kafkaless <command> [options]`. The only place proxy and functions meet:
 * `dev` runs both in one process; `proxy` and `functions serve` run them apart.
 */

import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import type { FunctionEnv } from '../functions/define.js';
import { createLogger, type Logger } from '../shared/log.js';
import { type OptionName, type Options, optionsHelp, parseHostPort, parseOptions } from './options.js';
import { bootstrapScramUsers, listenerSecurity } from './security.js';

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
  'tlsCert',
  'tlsKey',
  'tlsCa',
  'tlsClientAuth',
  'saslMechanisms',
  'connectionsMaxReauthMs',
  'scramUsers',
  'authorizer',
  'superUsers',
  'allowEveryoneIfNoAclFound',
];
const PROXY_OPTIONS: OptionName[] = [
  'functions',
  'listen',
  'advertise',
  'advertisedProxies',
  'secret',
  'metricsListen',
  'maxFrameBytes',
  'invokeTimeoutMs',
  'tlsCert',
  'tlsKey',
  'tlsCa',
  'tlsClientAuth',
  'saslMechanisms',
  'connectionsMaxReauthMs',
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
  'scramUsers',
  'authorizer',
  'superUsers',
  'allowEveryoneIfNoAclFound',
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
  const { functionEnv, startSweeping } = await import('../infra/runtimes/functions-env.js');
  const env = await functionEnv(o, log);
  const app = allInOneApp(env, { secrets: [], requireSignature: false });
  await bootstrapScramUsers(env.meta, o.scramUsers);
  const stopSweeping = startSweeping(env, o);
  const listen = parseHostPort(o.listen!, '--listen');
  const proxy = await startProxy({
    ...listenerSecurity(o, undefined),
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

/**
 * `--functions`: base URL(s), comma-separated; or a routes table, inline
 * JSON or a JSON file, mapping API names to a URL or a list of URLs, where
 * `"*"` names the app serving every API without a route of its own.
 */
function functionRoutes(functions: string): { baseUrl?: string[]; routes?: Record<string, string | string[]> } {
  const text = functions.trim();
  if (/^https?:\/\//.test(text)) return { baseUrl: text.split(',').map((url) => url.trim()) };
  const { '*': fallback, ...routes } = JSON.parse(text.startsWith('{') ? text : readFileSync(text, 'utf8')) as Record<
    string,
    string | string[]
  >;
  return {
    routes,
    ...(fallback === undefined ? {} : { baseUrl: typeof fallback === 'string' ? [fallback] : fallback }),
  };
}

async function proxyCommand(o: Options): Promise<number> {
  const log = createLogger('proxy');
  const { startProxy, HttpInvoker } = await import('../proxy/index.js');
  if (!o.functions) throw new Error('kafkaless proxy needs --functions URL or a routes JSON file');
  const routes = functionRoutes(o.functions);
  const keys = secrets(o);
  if (keys.length === 0) throw new Error('kafkaless proxy needs --secret (or KAFKALESS_SECRET) to sign invocations');
  const proxy = await startProxy({
    ...listenerSecurity(o, keys),
    listen: parseHostPort(o.listen!, '--listen'),
    advertise: o.advertise ? parseHostPort(o.advertise, '--advertise') : undefined,
    advertisedProxies: (o.advertisedProxies ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => parseHostPort(s, '--advertised-proxies')),
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
  const { deployedApp, functionEnv, onlyApis, startSweeping } = await import('../infra/runtimes/functions-env.js');
  const { serveNode } = await import('../infra/runtimes/node/server.js');
  if (secrets(o).length === 0) throw new Error('kafkaless functions serve needs --secret (or KAFKALESS_SECRET)');
  const env = await functionEnv(o, log);
  await bootstrapScramUsers(env.meta, o.scramUsers);
  const app = deployedApp(o, env);
  const only = onlyApis(o);
  const stopSweeping = startSweeping(env, o);
  const server = await serveNode(app.fetch, parseHostPort(o.functionsListen!, '--functions-listen'));
  const bound = `${server.address.host}:${server.address.port}`;
  process.stdout.write(`kafkaless functions serving ${only.length > 0 ? only.join(',') : 'all APIs'} on ${bound}\n`);
  const registry = o.registryListen ? await startRegistry(env, o.registryListen, true, log) : undefined;
  if (registry) process.stdout.write(`kafkaless schema registry on ${registry.url}\n`);
  await untilSignal(log);
  stopSweeping();
  await registry?.close();
  await server.close();
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
