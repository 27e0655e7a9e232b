/**
 * Where a function server listens. Container platforms say it with `PORT`
 * (Knative, Cloud Run, Heroku-style hosts); OpenFaaS expects 8080 on every
 * interface. `KAFKALESS_FUNCTIONS_LISTEN`, when set, wins over both.
 */

import { type Options, parseHostPort } from '../../../cli/options.js';

export function listenAddress(
  vars: Readonly<Record<string, string | undefined>>,
  options: Options,
  fallback = options.functionsListen ?? '127.0.0.1:8080',
): { host: string; port: number } {
  const explicit = vars.KAFKALESS_FUNCTIONS_LISTEN;
  if (explicit !== undefined && explicit !== '') return parseHostPort(explicit, 'KAFKALESS_FUNCTIONS_LISTEN');
  const port = vars.PORT;
  if (port !== undefined && port !== '') {
    if (!/^\d+$/.test(port) || Number(port) > 65535) throw new Error(`PORT: expected a port number, got ${port}`);
    return { host: '0.0.0.0', port: Number(port) };
  }
  return parseHostPort(fallback, 'the listen address');
}
