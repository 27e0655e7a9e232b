/**
 * Listener security from the command line: TLS files and SASL mechanisms for
 * the proxy, and SCRAM users bootstrapped into the MetaStore (admin calls
 * such as AlterUserScramCredentials need an authenticated connection, so the
 * first user has to come from somewhere else).
 */

import { readFileSync } from 'node:fs';
import type { SaslListenerOptions, TlsListenerOptions } from '../proxy/index.js';
import { credentialFor, formatCredential, SCRAM_MECHANISMS } from '../shared/security/scram.js';
import type { MetaStore } from '../shared/storage/types.js';
import type { Options } from './options.js';

const CLIENT_AUTH = ['none', 'requested', 'required'] as const;

const list = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * The proxy's `tls` and `sasl` options. `outcomeSecrets` are the invocation
 * secrets the SaslAuthenticate function signs its outcome with (none in-process).
 */
export function listenerSecurity(
  o: Options,
  outcomeSecrets: readonly string[] | undefined,
): { tls?: TlsListenerOptions; sasl?: SaslListenerOptions } {
  const out: { tls?: TlsListenerOptions; sasl?: SaslListenerOptions } = {};
  if (o.tlsCert || o.tlsKey) {
    if (!o.tlsCert || !o.tlsKey) throw new Error('TLS needs both --tls-cert and --tls-key');
    const clientAuth = (o.tlsClientAuth ?? 'none') as (typeof CLIENT_AUTH)[number];
    if (!CLIENT_AUTH.includes(clientAuth))
      throw new Error(`--tls-client-auth must be one of ${CLIENT_AUTH.join(', ')}`);
    if (clientAuth !== 'none' && !o.tlsCa) throw new Error(`--tls-client-auth ${clientAuth} needs --tls-ca`);
    out.tls = {
      cert: readFileSync(o.tlsCert),
      key: readFileSync(o.tlsKey),
      ...(o.tlsCa ? { ca: readFileSync(o.tlsCa) } : {}),
      clientAuth,
    };
  }
  const mechanisms = list(o.saslMechanisms).map((m) => m.toUpperCase());
  if (mechanisms.length > 0) {
    const reauthMs = Number(o.connectionsMaxReauthMs ?? '0');
    if (!Number.isInteger(reauthMs) || reauthMs < 0) {
      throw new Error(`bad --connections-max-reauth-ms ${o.connectionsMaxReauthMs}`);
    }
    out.sasl = {
      mechanisms,
      connectionsMaxReauthMs: reauthMs,
      ...(outcomeSecrets !== undefined ? { outcomeSecrets } : {}),
    };
  }
  return out;
}

/** Gives each `user:password` of `--scram-users` SCRAM-SHA-256 and SCRAM-SHA-512 credentials (4096 iterations). */
export async function bootstrapScramUsers(meta: MetaStore, text: string | undefined): Promise<string[]> {
  const users: string[] = [];
  const upsertions = [];
  for (const pair of list(text)) {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new Error(`--scram-users: expected user:password, got ${JSON.stringify(pair)}`);
    const user = pair.slice(0, colon);
    const password = pair.slice(colon + 1);
    users.push(user);
    for (const m of SCRAM_MECHANISMS) {
      upsertions.push({ user, mechanism: m.name, value: formatCredential(credentialFor(m, password)) });
    }
  }
  if (upsertions.length > 0) await meta.credentials.alter([], upsertions);
  return users;
}
