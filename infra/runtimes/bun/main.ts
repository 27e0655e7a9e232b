/**
 * The Bun adapter: the function app on `Bun.serve`, configured by the same
 * `KAFKALESS_*` variables as `kafkaless functions serve`, listening on
 * `KAFKALESS_FUNCTIONS_LISTEN` or `0.0.0.0:$PORT` when `PORT` is set.
 *
 *   bun infra/runtimes/bun/main.ts
 *
 * Bun runs the TypeScript sources and the npm dependencies (zstd-napi through
 * Node-API) as they are.
 */

import { listenAddress } from '../container/listen.js';
import { functionsFromEnvironment, startSweeping } from '../functions-env.js';

/** The part of Bun's API this adapter uses; tsconfig carries Node's types only. */
interface BunServer {
  readonly hostname: string;
  readonly port: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
}
interface BunApi {
  serve(options: {
    hostname: string;
    port: number;
    /** Seconds an idle connection stays open; at most 255. */
    idleTimeout?: number;
    fetch: (request: Request) => Response | Promise<Response>;
  }): BunServer;
}

const Bun = (globalThis as unknown as { Bun: BunApi }).Bun;

const functions = await functionsFromEnvironment(process.env);
const stopSweeping = startSweeping(functions.env, functions.options);
const listen = listenAddress(process.env, functions.options);
const server = Bun.serve({
  hostname: listen.host,
  port: listen.port,
  // Bun closes a connection idle for 10 s by default, and counts a Fetch long-polling for data as idle:
  // the longest it allows keeps both the proxy's pooled connections and waiting fetches open.
  idleTimeout: 255,
  fetch: functions.app.fetch,
});
console.log(`kafkaless functions (bun) listening on ${server.hostname}:${server.port}`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) process.exit(1);
  stopping = true;
  stopSweeping();
  // Without closeActiveConnections, stop lets requests in flight finish.
  await server.stop(false);
  await functions.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
