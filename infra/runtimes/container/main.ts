/**
 * The container entry point (Knative, Cloud Run, OpenFaaS, any Kubernetes
 * Deployment): the Node adapter on `0.0.0.0:$PORT` (8080 without `PORT`, as
 * OpenFaaS expects), configured by the `KAFKALESS_*` environment, with
 * OpenFaaS's health paths beside `/healthz`, the periodic sweep, and a
 * graceful stop on SIGTERM: no new connections, invocations in flight
 * finish (up to `KAFKALESS_DRAIN_MS`, default 20 s, inside Kubernetes' 30 s
 * grace period), then the stores close.
 *
 *   node --import tsx infra/runtimes/container/main.ts
 */

import { functionsFromEnvironment, startSweeping } from '../functions-env.js';
import { serveNode } from '../node/server.js';
import { withPlatformHealth } from './health.js';
import { listenAddress } from './listen.js';

const functions = await functionsFromEnvironment(process.env);
const stopSweeping = startSweeping(functions.env, functions.options);
const server = await serveNode(
  withPlatformHealth(functions.app.fetch),
  listenAddress(process.env, functions.options, '0.0.0.0:8080'),
);
console.log(`kafkaless functions (container) listening on ${server.address.host}:${server.address.port}`);

const drainMs = Number(process.env.KAFKALESS_DRAIN_MS ?? 20_000);
let stopping = false;
const stop = async (signal: string): Promise<void> => {
  if (stopping) process.exit(1);
  stopping = true;
  functions.env.log.info('draining', { signal });
  stopSweeping();
  await server.close(drainMs);
  await functions.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
