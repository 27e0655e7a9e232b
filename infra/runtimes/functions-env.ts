/**
 * What every runtime adapter builds the same way from the `KAFKALESS_*`
 * settings (flags or environment, see cli/options.ts): the stores, the
 * cluster config, the function app (all APIs or `only` a few, signatures
 * required) and the periodic sweep of long-running servers. The adapters
 * differ only in how a `Request` reaches `app.fetch`.
 *
 * Uses only what Node, Deno and Bun all provide.
 */

import type { Hono } from 'hono';
import { authorizerOptions } from '../../cli/authorizer.js';
import { type Options, parseOptions } from '../../cli/options.js';
import { allInOneApp, appFor } from '../../functions/app.js';
import type { ClusterConfig, FunctionEnv } from '../../functions/define.js';
import { sweepGroups } from '../../functions/group-sweeper.js';
import { sweepTransactions } from '../../functions/transaction-sweeper.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { openBlobStore, openMetaStore } from '../../shared/storage/index.js';

/** An integer option at least `min`, or an error naming it. */
export function integer(value: string | undefined, min: number, what: string): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) throw new Error(`bad ${what} ${value}`);
  return n;
}

export function clusterConfig(o: Options): ClusterConfig {
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
    authorizer: authorizerOptions(o),
  };
}

/** Stores from `--redis` and `--s3` (memory when unset), the cluster config and a logger. */
export async function functionEnv(o: Options, log: Logger): Promise<FunctionEnv> {
  const meta = await openMetaStore(o.redis ?? 'memory', { log: log.child('meta') });
  const blobs = await openBlobStore(o.s3 ?? 'memory', { log: log.child('blobs') });
  return { meta, blobs, config: clusterConfig(o), log: log.child('functions'), now: Date.now };
}

/** `--secret`: comma-separated, the first signs, any verifies. */
export const invocationSecrets = (o: Options): string[] =>
  (o.secret ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** `--only`: the API names to serve, empty for all. */
export const onlyApis = (o: Options): string[] =>
  (o.only ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** The function app a deployment serves: every API or `--only` a few, refusing unsigned invocations. */
export function deployedApp(o: Options, env: FunctionEnv): Hono {
  const secrets = invocationSecrets(o);
  if (secrets.length === 0) throw new Error('deployed functions need --secret (or KAFKALESS_SECRET)');
  const only = onlyApis(o);
  const options = { secrets, requireSignature: true };
  return only.length > 0 ? appFor(only, env, options) : allInOneApp(env, options);
}

/** How often long-running servers sweep groups whose timers passed (sessions, rebalance deadlines). */
export const SWEEP_INTERVAL_MS = 1000;

/**
 * Runs the group and transaction sweeps every second, and with offset
 * retention every `offsets.retention.check.interval.ms`, one run at a time;
 * returns the function that stops it. FaaS deployments, which keep nothing
 * running, schedule `POST /sweep` instead.
 */
export function startSweeping(env: FunctionEnv, o: Options): () => void {
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
  // Node and Bun return a Timeout that must not keep the process alive; Deno returns a number.
  if (typeof timer === 'object' && timer !== null && 'unref' in timer) timer.unref();
  return () => clearInterval(timer);
}

/** A deployed function app and what it holds open. */
export interface RuntimeFunctions {
  readonly app: Hono;
  readonly env: FunctionEnv;
  readonly options: Options;
  /** Closes the stores. */
  close(): Promise<void>;
}

/**
 * The function app from the `KAFKALESS_*` variables of `vars` (a runtime's
 * environment), as `kafkaless functions serve` builds it from its flags.
 */
export async function functionsFromEnvironment(
  vars: Readonly<Record<string, string | undefined>>,
  log: Logger = createLogger('functions'),
): Promise<RuntimeFunctions> {
  const { options } = parseOptions([], vars as NodeJS.ProcessEnv);
  const env = await functionEnv(options, log);
  try {
    const app = deployedApp(options, env);
    return {
      app,
      env,
      options,
      async close() {
        await env.meta.close();
        await env.blobs.close();
      },
    };
  } catch (e) {
    await env.meta.close();
    await env.blobs.close();
    throw e;
  }
}
