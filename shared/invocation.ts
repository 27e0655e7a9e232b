/**
 * The proxy ↔ function contract: how a Kafka request frame travels as an HTTP
 * invocation, what connection context rides along in headers, and how the
 * invocation is signed so a function can refuse anything the proxy did not send.
 *
 * Request:  POST <function base URL>/kafka, body = request frame (header + body,
 *           no size prefix), headers below.
 * Response: 200 with the response frame (header + body, no size prefix);
 *           204 when Kafka sends no response (Produce with acks=0);
 *           any other status is a failed invocation: the proxy answers the
 *           client with a well-formed error response for that API, or closes
 *           the connection when the function says `close` (as Kafka would).
 *
 * Uses only WebCrypto and fetch-standard types, so it runs on every FaaS runtime.
 */

export const INVOKE_PATH = '/kafka';

export const Header = {
  /** Unique id of the client's TCP connection at the proxy. */
  connectionId: 'x-kafkaless-connection-id',
  /** The client's address as host:port. */
  clientAddress: 'x-kafkaless-client-address',
  /** Authenticated principal, e.g. `User:alice`; `User:ANONYMOUS` without SASL. */
  principal: 'x-kafkaless-principal',
  /** The listener the client connected to, as the address to advertise: host:port. */
  listener: 'x-kafkaless-listener',
  /** Kafka API key of the frame, for routing and metrics without parsing. */
  apiKey: 'x-kafkaless-api-key',
  /** Milliseconds since the epoch after which the proxy stops waiting. */
  deadline: 'x-kafkaless-deadline',
  /** Milliseconds since the epoch when the proxy signed the invocation. */
  timestamp: 'x-kafkaless-timestamp',
  /** Random per invocation, signed: a function runs each nonce once (replay protection). */
  nonce: 'x-kafkaless-nonce',
  /** The proxy fleet clients may be told about, `host:port` comma-separated in node-id order; absent: the listener alone. */
  brokers: 'x-kafkaless-brokers',
  /** Lowercase hex HMAC-SHA256, see {@link signingString}; `v1=<hex>`, comma-separated while keys rotate. */
  signature: 'x-kafkaless-signature',
  /** On a failed invocation: `close` asks the proxy to close the client connection. */
  action: 'x-kafkaless-action',
} as const;

/** Connection context a function receives with every invocation. */
export interface InvocationContext {
  connectionId: string;
  clientAddress: string;
  principal: string;
  /** Where clients reach this cluster: what Metadata and FindCoordinator advertise. */
  listener: { host: string; port: number };
  /** Milliseconds since the epoch. */
  deadline: number;
  /**
   * Every proxy in front of the functions (`--advertised-proxies`), in
   * node-id order; the listener is one of them. Absent: the listener alone.
   */
  brokers?: readonly { host: string; port: number }[];
  /** On a SaslAuthenticate step during authentication: the encoded step (shared/sasl-invocation.ts). */
  sasl?: string;
}

/** Signed fields, in order; the body enters as its SHA-256. */
const SIGNED_HEADERS = [
  Header.timestamp,
  Header.connectionId,
  Header.clientAddress,
  Header.principal,
  Header.listener,
  Header.apiKey,
  Header.deadline,
] as const;

/** Carries a SASL step (shared/sasl-invocation.ts). */
const SASL_STEP_HEADER = 'x-kafkaless-sasl';

/**
 * How far a signature's timestamp may be from the function's clock. A
 * function remembers each nonce until its timestamp leaves this window, so
 * the window bounds that memory as well as how long a capture stays usable.
 */
export const MAX_CLOCK_SKEW_MS = 60_000;

const encoder = new TextEncoder();

/**
 * Node's synchronous hashing where the runtime has it (Node, Bun, Deno, and
 * Workers with node compatibility): several times faster per invocation than
 * WebCrypto's promise round trips. WebCrypto is the fallback.
 */
const nodeCrypto = await import('node:crypto').catch(() => undefined);

function toHex(buffer: ArrayBuffer): string {
  const b = new Uint8Array(buffer);
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

async function sha256Hex(body: Uint8Array): Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(body).digest('hex');
  return toHex(await crypto.subtle.digest('SHA-256', body as Uint8Array<ArrayBuffer>));
}

/** The exact string an invocation's HMAC covers. */
export async function signingString(headers: Headers, body: Uint8Array): Promise<string> {
  const lines = SIGNED_HEADERS.map((h) => `${h}:${headers.get(h) ?? ''}`);
  // Signed only where present, so invocations without SASL sign as before.
  const sasl = headers.get(SASL_STEP_HEADER);
  if (sasl !== null) lines.push(`${SASL_STEP_HEADER}:${sasl}`);
  for (const h of [Header.nonce, Header.brokers]) {
    const value = headers.get(h);
    if (value !== null) lines.push(`${h}:${value}`);
  }
  lines.push(`body:${await sha256Hex(body)}`);
  return lines.join('\n');
}

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

const keyCache = new Map<string, Promise<HmacKey>>();

function hmacKey(secret: string): Promise<HmacKey> {
  let key = keyCache.get(secret);
  if (key === undefined) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keyCache.set(secret, key);
  }
  return key;
}

async function hmacHex(secret: string, text: string): Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHmac('sha256', secret).update(text).digest('hex');
  return toHex(await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(text)));
}

/** Compares two equal-length hex strings in time independent of where they differ. */
function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Sets the timestamp and signature headers; signs with the first secret. */
export async function signInvocation(
  headers: Headers,
  body: Uint8Array,
  secret: string,
  now = Date.now(),
): Promise<void> {
  headers.set(Header.timestamp, String(now));
  headers.set(Header.nonce, toHex(crypto.getRandomValues(new Uint8Array(16)).buffer));
  headers.set(Header.signature, `v1=${await hmacHex(secret, await signingString(headers, body))}`);
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * Checks an invocation's signature against any of `secrets` (several while a
 * key rotates) and its timestamp against the clock. Replay of a captured
 * invocation inside the window is the caller's to refuse: it claims the
 * signed nonce for {@link nonceLifetimeMs} (functions/define.ts does).
 */
export async function verifyInvocation(
  headers: Headers,
  body: Uint8Array,
  secrets: readonly string[],
  now = Date.now(),
): Promise<VerifyResult> {
  const signature = headers.get(Header.signature);
  const timestamp = Number(headers.get(Header.timestamp));
  if (!signature) return { ok: false, reason: 'unsigned invocation' };
  if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, reason: 'stale or missing invocation timestamp' };
  }
  const macs = signature
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='))
    .map((s) => s.slice(3));
  const text = await signingString(headers, body);
  for (const secret of secrets) {
    const expected = await hmacHex(secret, text);
    for (const mac of macs) if (sameHex(mac, expected)) return { ok: true };
  }
  return { ok: false, reason: 'bad invocation signature' };
}

/**
 * How long a function must remember an invocation's nonce: until its
 * timestamp falls out of the window {@link verifyInvocation} accepts.
 */
export function nonceLifetimeMs(headers: Headers, now = Date.now()): number {
  return Math.max(1, Number(headers.get(Header.timestamp)) + MAX_CLOCK_SKEW_MS - now + 1);
}

function hostPort(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  return { host: text.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(text.slice(colon + 1)) };
}

function showHostPort(a: { host: string; port: number }): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** Reads the connection context from an invocation's headers. */
export function readContext(headers: Headers): InvocationContext {
  const listener = headers.get(Header.listener) ?? '127.0.0.1:9092';
  const colon = listener.lastIndexOf(':');
  return {
    connectionId: headers.get(Header.connectionId) ?? '',
    clientAddress: headers.get(Header.clientAddress) ?? '',
    principal: headers.get(Header.principal) ?? 'User:ANONYMOUS',
    listener: { host: listener.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(listener.slice(colon + 1)) },
    deadline: Number(headers.get(Header.deadline) ?? Date.now() + 30_000),
    ...(headers.has(SASL_STEP_HEADER) ? { sasl: headers.get(SASL_STEP_HEADER)! } : {}),
    ...(headers.has(Header.brokers) ? { brokers: headers.get(Header.brokers)!.split(',').map(hostPort) } : {}),
  };
}

/** Writes the connection context into an invocation's headers. */
export function writeContext(headers: Headers, ctx: InvocationContext, apiKey: number): void {
  headers.set(Header.connectionId, ctx.connectionId);
  headers.set(Header.clientAddress, ctx.clientAddress);
  headers.set(Header.principal, ctx.principal);
  const host = ctx.listener.host.includes(':') ? `[${ctx.listener.host}]` : ctx.listener.host;
  headers.set(Header.listener, `${host}:${ctx.listener.port}`);
  headers.set(Header.apiKey, String(apiKey));
  headers.set(Header.deadline, String(ctx.deadline));
  if (ctx.sasl !== undefined) headers.set(SASL_STEP_HEADER, ctx.sasl);
  if (ctx.brokers !== undefined && ctx.brokers.length > 0)
    headers.set(Header.brokers, ctx.brokers.map(showHostPort).join(','));
}
