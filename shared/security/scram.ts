/**
 * SCRAM (RFC 5802, RFC 7677) as Kafka speaks it: the key derivations, the
 * stored credential form, and the server side of the two-step exchange.
 *
 * Kafka's rules kept here (ScramSaslServer, ScramFormatter, ScramMechanism):
 * - SCRAM-SHA-256 and SCRAM-SHA-512, at least 4096 iterations each;
 * - a credential is salt, StoredKey = H(HMAC(SaltedPassword, "Client Key")),
 *   ServerKey = HMAC(SaltedPassword, "Server Key") and iterations, never the
 *   password (`salt=..,stored_key=..,server_key=..,iterations=..`, as
 *   ScramCredentialUtils writes it);
 * - the client-first message may carry extensions (`tokenauth` for
 *   delegation tokens, unsupported here: such an attempt fails), an
 *   authorization id only if it equals the user name, and no channel binding.
 *
 * Pure: bytes and strings in and out, no storage, no Kafka framing.
 */

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ScramMechanism {
  /** The SASL name, e.g. `SCRAM-SHA-512`. */
  readonly name: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  /** Kafka's `ScramMechanism` type byte in the admin APIs (1: SHA-256, 2: SHA-512). */
  readonly type: 1 | 2;
  readonly hash: 'sha256' | 'sha512';
  readonly keyLength: number;
  readonly minIterations: number;
}

export const SCRAM_SHA_256: ScramMechanism = {
  name: 'SCRAM-SHA-256',
  type: 1,
  hash: 'sha256',
  keyLength: 32,
  minIterations: 4096,
};
export const SCRAM_SHA_512: ScramMechanism = {
  name: 'SCRAM-SHA-512',
  type: 2,
  hash: 'sha512',
  keyLength: 64,
  minIterations: 4096,
};

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [SCRAM_SHA_256, SCRAM_SHA_512];

/** Kafka's ceiling on iterations in AlterUserScramCredentials (ScramControlManager.MAX_ITERATIONS). */
export const MAX_SCRAM_ITERATIONS = 16384;

export function scramMechanismNamed(name: string): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === name);
}

export function scramMechanismOfType(type: number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.type === type);
}

/** What is stored per user and mechanism. */
export interface ScramCredential {
  readonly salt: Uint8Array;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
  readonly iterations: number;
}

const hmac = (m: ScramMechanism, key: Uint8Array, text: string | Uint8Array): Buffer =>
  createHmac(m.hash, key).update(text).digest();
const hash = (m: ScramMechanism, data: Uint8Array): Buffer => createHash(m.hash).update(data).digest();

/** Hi(password, salt, i) of RFC 5802: PBKDF2 with the mechanism's HMAC. */
export function saltedPassword(m: ScramMechanism, password: string, salt: Uint8Array, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, m.keyLength, m.hash);
}

/** The stored form of a salted password (what AlterUserScramCredentials sends is already salted). */
export function credentialFromSalted(
  m: ScramMechanism,
  salted: Uint8Array,
  salt: Uint8Array,
  iterations: number,
): ScramCredential {
  const clientKey = hmac(m, salted, 'Client Key');
  return { salt, storedKey: hash(m, clientKey), serverKey: hmac(m, salted, 'Server Key'), iterations };
}

/** A fresh credential for a password, with a random salt. */
export function credentialFor(m: ScramMechanism, password: string, iterations = m.minIterations): ScramCredential {
  const salt = randomBytes(m.keyLength);
  return credentialFromSalted(m, saltedPassword(m, password, salt, iterations), salt, iterations);
}

/** Whether `password` matches a stored credential (SASL/PLAIN checks against SCRAM credentials this way). */
export function passwordMatches(m: ScramMechanism, password: string, credential: ScramCredential): boolean {
  const salted = saltedPassword(m, password, credential.salt, credential.iterations);
  const storedKey = hash(m, hmac(m, salted, 'Client Key'));
  return storedKey.length === credential.storedKey.length && timingSafeEqual(storedKey, credential.storedKey);
}

/** Kafka's text form: `salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>`. */
export function formatCredential(c: ScramCredential): string {
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
  return `salt=${b64(c.salt)},stored_key=${b64(c.storedKey)},server_key=${b64(c.serverKey)},iterations=${c.iterations}`;
}

export function parseCredential(text: string): ScramCredential {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const bytes = (name: string): Uint8Array => {
    const v = fields.get(name);
    if (v === undefined) throw new Error(`SCRAM credential without ${name}`);
    return new Uint8Array(Buffer.from(v, 'base64'));
  };
  const iterations = Number(fields.get('iterations'));
  if (!Number.isInteger(iterations)) throw new Error('SCRAM credential without iterations');
  return { salt: bytes('salt'), storedKey: bytes('stored_key'), serverKey: bytes('server_key'), iterations };
}

/**
 * Why an exchange failed. `generic` failures reach the client only as
 * Kafka's fixed message (ScramSaslServer throws SaslException, whose text
 * Kafka withholds since it may tell whether a user exists); `explicit`
 * failures carry their own message (SaslAuthenticationException).
 */
export class ScramError extends Error {
  override name = 'ScramError';
  constructor(
    message: string,
    readonly explicit = false,
  ) {
    super(message);
  }
}

/** `saslname` of RFC 5802 decoded: `=2C` is a comma, `=3D` an equals sign. */
export function decodeSaslName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) throw new ScramError(`Invalid username: ${name}`);
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

export interface ClientFirst {
  readonly authorizationId: string;
  readonly user: string;
  readonly nonce: string;
  /** `client-first-message-bare`: what the signatures cover. */
  readonly bare: string;
  readonly extensions: ReadonlyMap<string, string>;
}

/** Parses `gs2-header client-first-message-bare` (ScramMessages.ClientFirstMessage). */
export function parseClientFirst(bytes: Uint8Array): ClientFirst {
  const text = Buffer.from(bytes).toString('utf8');
  const m = /^n,(?:a=([^,]*))?,(n=([^,]*),r=([\x21-\x2b\x2d-\x7e]+)((?:,[a-zA-Z0-9]+=[^,]*)*))$/.exec(text);
  if (m === null) throw new ScramError('Invalid SCRAM client first message format');
  const extensions = new Map<string, string>();
  for (const ext of (m[5] ?? '').split(',').filter((s) => s !== '')) {
    const eq = ext.indexOf('=');
    extensions.set(ext.slice(0, eq), ext.slice(eq + 1));
  }
  return {
    authorizationId: m[1] === undefined ? '' : decodeSaslName(m[1]),
    bare: m[2]!,
    user: decodeSaslName(m[3]!),
    nonce: m[4]!,
    extensions,
  };
}

/** The state the server carries from the first step to the second. */
export interface ScramServerState {
  readonly user: string;
  readonly clientFirstBare: string;
  readonly serverFirst: string;
  /** The combined nonce (client's then server's). */
  readonly nonce: string;
}

/**
 * The server's answer to a client-first message for `credential` (null when
 * the user has none for this mechanism). Throws a {@link ScramError} when the
 * exchange cannot go on.
 */
export function serverFirst(
  m: ScramMechanism,
  first: ClientFirst,
  credential: ScramCredential | null,
  serverNonce = randomBytes(24).toString('base64url'),
): { message: string; state: ScramServerState } {
  if (first.extensions.get('tokenauth') === 'true') {
    throw new ScramError(`Token Authentication failed: Invalid tokenId : ${first.user}`);
  }
  if (credential === null) throw new ScramError('Authentication failed: Invalid user credentials');
  if (first.authorizationId !== '' && first.authorizationId !== first.user) {
    throw new ScramError(
      'Authentication failed: Client requested an authorization id that is different from username',
      true,
    );
  }
  if (credential.iterations < m.minIterations) {
    throw new ScramError(
      `Iterations ${credential.iterations} is less than the minimum ${m.minIterations} for ${m.name}`,
    );
  }
  const nonce = first.nonce + serverNonce;
  const message = `r=${nonce},s=${Buffer.from(credential.salt).toString('base64')},i=${credential.iterations}`;
  return { message, state: { user: first.user, clientFirstBare: first.bare, serverFirst: message, nonce } };
}

/**
 * Checks a client-final message against the state and credential; returns
 * the server-final message (`v=<server signature>`).
 */
export function serverFinal(
  m: ScramMechanism,
  state: ScramServerState,
  credential: ScramCredential | null,
  bytes: Uint8Array,
): string {
  const text = Buffer.from(bytes).toString('utf8');
  const f = /^(c=([a-zA-Z0-9+/=]+),r=([\x21-\x2b\x2d-\x7e]+)(?:,[a-zA-Z0-9]+=[^,]*)*),p=([a-zA-Z0-9+/=]+)$/.exec(text);
  if (f === null) throw new ScramError('Invalid SCRAM client final message format');
  const withoutProof = f[1]!;
  const channelBinding = Buffer.from(f[2]!, 'base64').toString('utf8');
  if (!channelBinding.startsWith('n,')) throw new ScramError('Invalid channel binding');
  if (f[3] !== state.nonce) throw new ScramError('Invalid client nonce in the final client message.');
  if (credential === null) throw new ScramError('Invalid client credentials');
  const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
  const proof = Buffer.from(f[4]!, 'base64');
  const clientSignature = hmac(m, credential.storedKey, authMessage);
  if (proof.length !== clientSignature.length) throw new ScramError('Invalid client credentials');
  const clientKey = Buffer.alloc(proof.length);
  for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
  const computed = hash(m, clientKey);
  if (computed.length !== credential.storedKey.length || !timingSafeEqual(computed, credential.storedKey)) {
    throw new ScramError('Invalid client credentials');
  }
  return `v=${hmac(m, credential.serverKey, authMessage).toString('base64')}`;
}

/** A SCRAM client, for tests and tools: RFC 5802 from the other side. */
export class ScramClient {
  readonly nonce = randomBytes(18).toString('base64url');
  private bare = '';
  private expectedServerSignature: Buffer | undefined;

  constructor(
    private readonly m: ScramMechanism,
    private readonly user: string,
    private readonly password: string,
  ) {}

  first(): Uint8Array {
    this.bare = `n=${this.user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.nonce}`;
    return Buffer.from(`n,,${this.bare}`);
  }

  final(serverFirstBytes: Uint8Array): Uint8Array {
    const serverFirst = Buffer.from(serverFirstBytes).toString('utf8');
    const s = /^r=([^,]+),s=([^,]+),i=(\d+)/.exec(serverFirst);
    if (s === null || !s[1]!.startsWith(this.nonce)) throw new Error(`bad server-first message ${serverFirst}`);
    const salted = saltedPassword(this.m, this.password, Buffer.from(s[2]!, 'base64'), Number(s[3]));
    const withoutProof = `c=biws,r=${s[1]}`;
    const authMessage = `${this.bare},${serverFirst},${withoutProof}`;
    const clientKey = hmac(this.m, salted, 'Client Key');
    const signature = hmac(this.m, hash(this.m, clientKey), authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.expectedServerSignature = hmac(this.m, hmac(this.m, salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** Whether the server-final message proves the server knew the credential. */
  verify(serverFinalBytes: Uint8Array): boolean {
    const text = Buffer.from(serverFinalBytes).toString('utf8');
    return (
      this.expectedServerSignature !== undefined && text === `v=${this.expectedServerSignature.toString('base64')}`
    );
  }
}
