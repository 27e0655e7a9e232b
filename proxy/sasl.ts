/**
 * The proxy's half of SASL (Kafka's SaslServerAuthenticator): per
 * connection, which step authentication is in and what it chose; the
 * credential checks run in the SaslAuthenticate function (the split is
 * described in shared/sasl-invocation.ts).
 *
 * Until a connection authenticates, as Kafka:
 * - only ApiVersions and SaslHandshake are accepted before the handshake;
 *   any other request closes the connection without an answer;
 * - SaslHandshake is answered here: the enabled mechanisms are this
 *   listener's configuration. An unknown mechanism gets
 *   UNSUPPORTED_SASL_MECHANISM with the enabled list, then the connection
 *   closes;
 * - after a v1 handshake only SaslAuthenticate is accepted; anything else
 *   gets its API's error response with ILLEGAL_SASL_STATE, then the
 *   connection closes;
 * - after a v0 handshake the client sends raw tokens (size-prefixed, no
 *   Kafka header) and reads raw tokens back; the proxy wraps each in a
 *   SaslAuthenticate v0 request for the function and unwraps the answer. A
 *   failure closes the connection (v0 has no way to say why);
 * - requests are taken one at a time.
 * After authentication the connection's principal is the one the function
 * reported, and SaslHandshake and SaslAuthenticate reach their functions,
 * which answer ILLEGAL_SASL_STATE as KafkaApis does. With
 * `connectionsMaxReauthMs` (KIP-368) the session has that lifetime: a
 * SaslHandshake on the authenticated connection (at most one a second)
 * re-authenticates with the same mechanism and must yield the same
 * principal (else SASL_AUTHENTICATION_FAILED with Kafka's messages, and the
 * connection closes); any other request after expiry closes the connection.
 */

import { encodeRequest, encodeResponseChunks } from '../shared/protocol/frame.js';
import { ApiKey, apis } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import { Reader } from '../shared/protocol/primitives.js';

/** The mechanisms a listener may enable. */
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

export interface SaslListenerOptions {
  /** Enabled mechanisms, in the order the handshake lists them (`sasl.enabled.mechanisms`). */
  readonly mechanisms: readonly string[];
  /**
   * The invocation secrets: the SaslAuthenticate function's outcome must be
   * signed with one of them. Absent only when functions run in-process (`kafkaless dev`).
   */
  readonly outcomeSecrets?: readonly string[];
  /**
   * `connections.max.reauth.ms` (KIP-368): sessions last this long and
   * clients re-authenticate on the open connection; a request after expiry
   * closes it. 0 (default): sessions never expire.
   */
  readonly connectionsMaxReauthMs?: number;
}

export function checkMechanisms(mechanisms: readonly string[]): void {
  if (mechanisms.length === 0) throw new Error('SASL needs at least one mechanism');
  for (const m of mechanisms) {
    if (!(SASL_MECHANISMS as readonly string[]).includes(m)) {
      throw new Error(`unsupported SASL mechanism ${m}; supported: ${SASL_MECHANISMS.join(', ')}`);
    }
  }
}

/** Where a connection's authentication stands. */
export type AuthState = 'handshake' | 'authenticate' | 'raw' | 'done';

/** The mechanism a SaslHandshake request names, or undefined when it does not decode. */
export function handshakeMechanism(frame: Uint8Array, bodyOffset: number, version: number): string | undefined {
  try {
    const body = apis.get(ApiKey.SaslHandshake)!.request.read(new Reader(frame.subarray(bodyOffset)), version) as {
      mechanism: string;
    };
    return body.mechanism;
  } catch {
    return undefined;
  }
}

export function handshakeResponse(
  version: number,
  correlationId: number,
  enabled: readonly string[],
  accepted: boolean,
): Uint8Array[] {
  return encodeResponseChunks(ApiKey.SaslHandshake, version, correlationId, {
    errorCode: accepted ? ErrorCode.NONE : ErrorCode.UNSUPPORTED_SASL_MECHANISM,
    mechanisms: [...enabled],
  });
}

/** A raw v0 token wrapped as a SaslAuthenticate v0 request, so the function sees one shape. */
export function wrapRawToken(token: Uint8Array): Uint8Array {
  return encodeRequest(ApiKey.SaslAuthenticate, 0, 0, 'kafkaless-raw-sasl', { authBytes: token });
}

/** The token of a SaslAuthenticate v0 response, or undefined when it reports an error or does not decode. */
export function unwrapRawToken(body: readonly Uint8Array[]): Uint8Array | undefined {
  let size = 0;
  for (const c of body) size += c.length;
  const frame = new Uint8Array(size);
  let at = 0;
  for (const c of body) {
    frame.set(c, at);
    at += c.length;
  }
  try {
    // Response header v0: the correlation id only.
    const r = apis.get(ApiKey.SaslAuthenticate)!.response.read(new Reader(frame.subarray(4)), 0) as {
      errorCode: number;
      authBytes: Uint8Array;
    };
    return r.errorCode === ErrorCode.NONE ? r.authBytes : undefined;
  } catch {
    return undefined;
  }
}
