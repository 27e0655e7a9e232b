/**
 * The Node adapter: a function app on a plain Node HTTP server, as
 * `kafkaless functions serve` and the container entry point run it.
 */

import { Server as HttpServer } from 'node:http';
import { serve } from '@hono/node-server';

export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * How long an idle invocation connection stays open. The proxy keeps
 * connections alive between invocations; Node closes an idle one after 5 s by
 * default, and a close racing an invocation on it resets that invocation. The
 * proxy retries those, and a long idle timeout makes them rare.
 */
export const KEEP_ALIVE_MS = 120_000;

export interface NodeServer {
  /** The bound address. */
  readonly address: { readonly host: string; readonly port: number };
  /**
   * Stops accepting connections, closes idle ones, lets invocations in
   * flight finish, and drops what is still open after `graceMs`.
   */
  close(graceMs?: number): Promise<void>;
}

export async function serveNode(fetch: FetchHandler, listen: { host: string; port: number }): Promise<NodeServer> {
  const server = serve({ fetch, hostname: listen.host, port: listen.port });
  if (server instanceof HttpServer) {
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.headersTimeout = KEEP_ALIVE_MS + 5_000;
  }
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const bound = server.address();
  const address =
    typeof bound === 'object' && bound !== null
      ? { host: bound.address, port: bound.port }
      : { host: listen.host, port: listen.port };
  let closing: Promise<void> | undefined;
  return {
    address,
    close(graceMs = 10_000) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          if (server instanceof HttpServer) server.closeAllConnections();
        }, graceMs);
        timer.unref();
        // A kept-alive connection goes idle when its invocation ends, and stays open until closed.
        const idle = setInterval(() => {
          if (server instanceof HttpServer) server.closeIdleConnections();
        }, 50);
        server.close(() => {
          clearTimeout(timer);
          clearInterval(idle);
          resolve();
        });
        if (server instanceof HttpServer) server.closeIdleConnections();
      });
      return closing;
    },
  };
}
