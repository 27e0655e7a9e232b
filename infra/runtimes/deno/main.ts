/**
 * The Deno adapter: the function app on `Deno.serve`, configured by the same
 * `KAFKALESS_*` variables as `kafkaless functions serve`, listening on
 * `KAFKALESS_FUNCTIONS_LISTEN` or `0.0.0.0:$PORT` when `PORT` is set.
 *
 *   deno run -A --sloppy-imports infra/runtimes/deno/main.ts
 *
 * Deno reads the repository's package.json and node_modules (npm
 * dependencies, zstd-napi through Node-API); `--sloppy-imports` lets it
 * resolve the sources' `.js` specifiers to their `.ts` files.
 */

import { listenAddress } from '../container/listen.js';
import { functionsFromEnvironment, startSweeping } from '../functions-env.js';

/** The part of Deno's namespace this adapter uses; tsconfig carries Node's types only. */
interface DenoServer {
  readonly finished: Promise<void>;
  shutdown(): Promise<void>;
}
interface DenoApi {
  serve(
    options: { hostname: string; port: number; onListen?: (addr: { hostname: string; port: number }) => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): DenoServer;
  readonly env: { toObject(): Record<string, string> };
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
  exit(code: number): never;
}

const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

const vars = Deno.env.toObject();
const functions = await functionsFromEnvironment(vars);
const stopSweeping = startSweeping(functions.env, functions.options);
const listen = listenAddress(vars, functions.options);
const server = Deno.serve(
  {
    hostname: listen.host,
    port: listen.port,
    onListen: ({ hostname, port }) => console.log(`kafkaless functions (deno) listening on ${hostname}:${port}`),
  },
  functions.app.fetch,
);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) Deno.exit(1);
  stopping = true;
  stopSweeping();
  // Lets invocations in flight finish.
  await server.shutdown();
  await functions.close();
  Deno.exit(0);
};
Deno.addSignalListener('SIGTERM', () => void stop());
Deno.addSignalListener('SIGINT', () => void stop());
await server.finished;
