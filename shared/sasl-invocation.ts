/**
 * How a SASL exchange crosses the proxy ↔ function contract.
 *
 * The split: the proxy keeps each connection's SASL state (which step it is
 * in, the mechanism the handshake chose, the principal once authenticated)
 * because that state lives exactly as long as the TCP connection; functions
 * keep the credentials (in Redis) and do every check against them, because
 * the proxy holds no data. A SaslAuthenticate step is an ordinary invocation
 * of the SaslAuthenticate function carrying {@link Header.sasl}: the mechanism,
 * a fresh nonce, and the opaque state the function returned from the previous
 * step (for SCRAM, the first messages and nonces between client-first and
 * client-final). The function answers the Kafka response frame plus
 * {@link Header.saslOutcome}: the nonce again, the next opaque state, or the
 * principal once the exchange succeeded.
 *
 * Trust: the state is HMAC-sealed by the function (with the invocation
 * secret, or a per-process key in `kafkaless dev`) and bound to the
 * connection id and an expiry, so neither the client nor anyone replaying an
 * invocation can forge or move it. The outcome is HMAC-signed with the
 * invocation secret over the connection id and the outcome (which repeats the
 * proxy's nonce), so a principal cannot be injected into the proxy by anyone
 * between proxy and function, nor replayed from another exchange. Functions
 * stay stateless: any instance can serve any step.
 */

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SaslHeader = {
  /** On a SaslAuthenticate invocation during authentication: base64url JSON {@link SaslStep}. */
  step: 'x-kafkaless-sasl',
  /** On the function's answer: base64url JSON {@link SaslOutcome}. */
  outcome: 'x-kafkaless-sasl-outcome',
  /** On the function's answer: `v1=<hex HMAC-SHA256>` of the outcome, when the app has a secret. */
  signature: 'x-kafkaless-sasl-signature',
} as const;

/** What the proxy sends with a SaslAuthenticate step. */
export interface SaslStep {
  /** The mechanism the handshake chose, e.g. `SCRAM-SHA-512`. */
  readonly mechanism: string;
  /** Fresh per step; the outcome must repeat it. */
  readonly nonce: string;
  /** The opaque state the previous step returned, null on the first. */
  readonly state: string | null;
  /** The session lifetime a successful step reports (KIP-368); 0 or absent: none. */
  readonly sessionLifetimeMs?: number;
}

/** What the function reports about a step, besides the response frame. */
export interface SaslOutcome {
  readonly nonce: string;
  /** The exchange continues with this state. */
  readonly state?: string;
  /** The exchange succeeded: the connection's principal from now on, e.g. `User:alice`. */
  readonly principal?: string;
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function decode<T>(text: string): T {
  return JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as T;
}

export function encodeStep(step: SaslStep): string {
  return encode(step);
}

export function decodeStep(text: string): SaslStep | undefined {
  try {
    const s = decode<SaslStep>(text);
    if (typeof s.mechanism !== 'string' || typeof s.nonce !== 'string') return undefined;
    return {
      mechanism: s.mechanism,
      nonce: s.nonce,
      state: typeof s.state === 'string' ? s.state : null,
      sessionLifetimeMs: typeof s.sessionLifetimeMs === 'number' ? s.sessionLifetimeMs : 0,
    };
  } catch {
    return undefined;
  }
}

export function newStep(mechanism: string, state: string | null): SaslStep {
  return { mechanism, nonce: randomBytes(16).toString('base64url'), state };
}

const mac = (secret: string, text: string): string => createHmac('sha256', secret).update(text).digest('hex');

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

const outcomeText = (connectionId: string, outcome: string): string => `sasl-outcome\n${connectionId}\n${outcome}`;

/** The outcome headers a function sets; signed when it has a secret. */
export function outcomeHeaders(
  outcome: SaslOutcome,
  connectionId: string,
  secret: string | undefined,
): Record<string, string> {
  const value = encode(outcome);
  const headers: Record<string, string> = { [SaslHeader.outcome]: value };
  if (secret !== undefined) headers[SaslHeader.signature] = `v1=${mac(secret, outcomeText(connectionId, value))}`;
  return headers;
}

/** The outcome headers of an answer, as the invokers pass them on. */
export interface SaslOutcomeHeaders {
  readonly outcome: string;
  readonly signature: string | null;
}

/**
 * Reads an outcome for the step the proxy sent; undefined when missing,
 * malformed, for another step, or (with `secrets`) not signed by one of them.
 */
export function readOutcome(
  headers: SaslOutcomeHeaders | undefined,
  step: SaslStep,
  connectionId: string,
  secrets: readonly string[] | undefined,
): SaslOutcome | undefined {
  if (headers === undefined) return undefined;
  if (secrets !== undefined) {
    const signature = headers.signature?.startsWith('v1=') ? headers.signature.slice(3) : '';
    const text = outcomeText(connectionId, headers.outcome);
    if (!secrets.some((s) => sameHex(signature, mac(s, text)))) return undefined;
  }
  try {
    const o = decode<SaslOutcome>(headers.outcome);
    if (o.nonce !== step.nonce) return undefined;
    return o;
  } catch {
    return undefined;
  }
}

/** Reads outcome headers from any header bag (fetch `Headers` or Node's incoming headers). */
export function outcomeFrom(
  get: (name: string) => string | string[] | null | undefined,
): SaslOutcomeHeaders | undefined {
  const outcome = get(SaslHeader.outcome);
  if (typeof outcome !== 'string') return undefined;
  const signature = get(SaslHeader.signature);
  return { outcome, signature: typeof signature === 'string' ? signature : null };
}

/** Seals a function's exchange state: `<base64url JSON>.<hex HMAC>`, bound to the connection and an expiry. */
export function sealState(value: unknown, connectionId: string, key: string, expiresAt: number): string {
  const body = encode({ v: value, c: connectionId, e: expiresAt });
  return `${body}.${mac(key, `sasl-state\n${body}`)}`;
}

/** Opens a sealed state with any of `keys`; undefined when forged, moved to another connection, or expired. */
export function openState<T>(
  sealed: string,
  connectionId: string,
  keys: readonly string[],
  now: number,
): T | undefined {
  const dot = sealed.lastIndexOf('.');
  if (dot < 0) return undefined;
  const body = sealed.slice(0, dot);
  const tag = sealed.slice(dot + 1);
  if (!keys.some((k) => sameHex(tag, mac(k, `sasl-state\n${body}`)))) return undefined;
  try {
    const s = decode<{ v: T; c: string; e: number }>(body);
    if (s.c !== connectionId || !(now < s.e)) return undefined;
    return s.v;
  } catch {
    return undefined;
  }
}
