/**
 * Health paths container platforms probe: OpenFaaS checks `/_/health` (and
 * `/_/ready`) on every function; they answer as `/healthz` does (the
 * MetaStore answers a ping).
 */

import type { FetchHandler } from '../node/server.js';

const ALIASES = new Set(['/_/health', '/_/ready']);

export function withPlatformHealth(fetch: FetchHandler): FetchHandler {
  return (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return fetch(request);
    const url = new URL(request.url);
    if (!ALIASES.has(url.pathname)) return fetch(request);
    url.pathname = '/healthz';
    return fetch(new Request(url, request));
  };
}
