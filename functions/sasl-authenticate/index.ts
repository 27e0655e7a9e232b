/**
 * SaslAuthenticate (API key 36), versions 0-2.
 *
 * One step of a SASL exchange the proxy runs (the split is described in
 * shared/sasl-invocation.ts): the invocation carries the mechanism and the
 * sealed state of the previous step; this answers the next token and reports
 * the next state, or the principal once the client proved its credential.
 * Credentials are SCRAM credentials in the MetaStore.
 *
 * Mechanisms, as Kafka's SaslServerAuthenticator runs them:
 * - SCRAM-SHA-256/512 (ScramSaslServer): client-first → server-first,
 *   client-final → server-final. Failures Kafka raises as SaslException (an
 *   unknown user, a wrong proof) reach the client only as "Authentication
 *   failed during authentication due to invalid credentials with SASL
 *   mechanism <m>", so the answer does not tell whether a user exists.
 * - PLAIN (PlainSaslServer): Kafka checks the password against its JAAS
 *   configuration; there is none here, so the password is checked against
 *   the user's SCRAM credential (SCRAM-SHA-512, else SCRAM-SHA-256): PBKDF2
 *   of the password with the stored salt and iterations must give the stored
 *   StoredKey. One set of users serves both. Its failures carry Kafka's
 *   messages ("Authentication failed: Invalid username or password").
 *
 * A failure answers SASL_AUTHENTICATION_FAILED and asks the proxy to close
 * the connection after the answer, as Kafka closes it. A success reports the
 * session lifetime the proxy sends with the step (`connections.max.reauth.ms`,
 * KIP-368; 0 when unset); the proxy enforces it.
 *
 * Without a step (after authentication, or on a listener without SASL) this
 * answers ILLEGAL_SASL_STATE, as KafkaApis.handleSaslAuthenticateRequest does.
 */

import { randomBytes } from 'node:crypto';
import { Header } from '../../shared/invocation.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { SaslAuthenticateResponse } from '../../shared/protocol/generated/sasl-authenticate.js';
import type { Init } from '../../shared/protocol/schema.js';
import { decodeStep, openState, outcomeHeaders, type SaslOutcome, sealState } from '../../shared/sasl-invocation.js';
import {
  parseClientFirst,
  parseCredential,
  passwordMatches,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  type ScramCredential,
  ScramError,
  type ScramMechanism,
  type ScramServerState,
  scramMechanismNamed,
  serverFinal,
  serverFirst,
} from '../../shared/security/scram.js';
import { defineFunction, type FunctionEnv } from '../define.js';

/** Seals exchange state when the app has no invocation secret (`kafkaless dev`: proxy and functions share the process). */
const PROCESS_KEY = randomBytes(32).toString('hex');

/** How long a SCRAM exchange may pause between its two steps. */
const STEP_TTL_MS = 60_000;

const EMPTY = new Uint8Array(0);

type Answer = Init<SaslAuthenticateResponse>;

async function credentialOf(env: FunctionEnv, user: string, m: ScramMechanism): Promise<ScramCredential | null> {
  const text = await env.meta.credentials.get(user, m.name);
  return text === null ? null : parseCredential(text);
}

/** Kafka's message for a failure whose detail it withholds (SaslServerAuthenticator.handleSaslToken). */
const withheld = (mechanism: string): string =>
  `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;

/** PLAIN's `[authzid] NUL authcid NUL passwd`, as PlainSaslServer.extractTokens splits it. */
function plainTokens(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes).toString('utf8');
  const tokens = text.split('\u0000');
  if (tokens.length !== 3) {
    throw new ScramError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${tokens.length}`, true);
  }
  return tokens;
}

async function plain(env: FunctionEnv, bytes: Uint8Array): Promise<string> {
  const [authzid, user, password] = plainTokens(bytes) as [string, string, string];
  if (user === '') throw new ScramError('Authentication failed: username not specified', true);
  if (password === '') throw new ScramError('Authentication failed: password not specified', true);
  let ok = false;
  for (const m of [SCRAM_SHA_512, SCRAM_SHA_256]) {
    const credential = await credentialOf(env, user, m);
    if (credential !== null) {
      ok = passwordMatches(m, password, credential);
      break;
    }
  }
  if (!ok) throw new ScramError('Authentication failed: Invalid username or password', true);
  if (authzid !== '' && authzid !== user) {
    throw new ScramError(
      'Authentication failed: Client requested an authorization id that is different from username',
      true,
    );
  }
  return user;
}

export default defineFunction({
  apiKey: ApiKey.SaslAuthenticate,
  versions: [0, 2],
  async handle({ body, ctx, env, secrets = [], responseHeaders }): Promise<Answer> {
    const step = ctx.sasl === undefined ? undefined : decodeStep(ctx.sasl);
    if (step === undefined) {
      return {
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        errorMessage: 'SaslAuthenticate request received after successful authentication',
        authBytes: EMPTY,
        sessionLifetimeMs: 0n,
      };
    }
    const keys = secrets.length > 0 ? secrets : [PROCESS_KEY];
    const report = (outcome: Omit<SaslOutcome, 'nonce'>): void => {
      const headers = outcomeHeaders({ ...outcome, nonce: step.nonce }, ctx.connectionId, secrets[0]);
      for (const [name, value] of Object.entries(headers)) responseHeaders?.set(name, value);
    };
    const fail = (message: string): Answer => {
      env.log.info('SASL authentication failed', { connection: ctx.connectionId, mechanism: step.mechanism, message });
      report({});
      responseHeaders?.set(Header.action, 'close');
      return {
        errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
        errorMessage: message,
        authBytes: EMPTY,
        sessionLifetimeMs: 0n,
      };
    };
    const succeed = (user: string, token: Uint8Array): Answer => {
      report({ principal: `User:${user}` });
      const lifetime = BigInt(Math.max(0, Math.trunc(step.sessionLifetimeMs ?? 0)));
      return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: token, sessionLifetimeMs: lifetime };
    };
    try {
      if (step.mechanism === 'PLAIN') return succeed(await plain(env, body.authBytes), EMPTY);
      const m = scramMechanismNamed(step.mechanism);
      if (m === undefined) return fail(withheld(step.mechanism));
      if (step.state === null) {
        const first = parseClientFirst(body.authBytes);
        const { message, state } = serverFirst(m, first, await credentialOf(env, first.user, m));
        report({ state: sealState(state, ctx.connectionId, keys[0]!, env.now() + STEP_TTL_MS) });
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          authBytes: Buffer.from(message),
          sessionLifetimeMs: 0n,
        };
      }
      const state = openState<ScramServerState>(step.state, ctx.connectionId, keys, env.now());
      if (state === undefined) return fail(withheld(step.mechanism));
      const final = serverFinal(m, state, await credentialOf(env, state.user, m), body.authBytes);
      return succeed(state.user, Buffer.from(final));
    } catch (e) {
      if (!(e instanceof ScramError)) throw e;
      return fail(e.explicit ? e.message : withheld(step.mechanism));
    }
  },
});
