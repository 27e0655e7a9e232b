/**
 * SASL and TLS on the proxy, against the real functions in-process (memory
 * stores): Kafka's pre-authentication rules, the SCRAM and PLAIN exchanges
 * through the SaslAuthenticate function, v0 raw tokens, outcome signatures,
 * and kafkajs over SASL_SSL and mutual TLS.
 */

import { readFile } from 'node:fs/promises';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapScramUsers } from '../cli/security.js';
import { allInOneApp } from '../functions/app.js';
import { harness } from '../functions/test-harness.js';
import { createLogger } from '../shared/log.js';
import { decodeResponse } from '../shared/protocol/frame.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import { SCRAM_SHA_256, SCRAM_SHA_512, ScramClient } from '../shared/security/scram.js';
import { WireClient } from '../test/support/proxy/kafka-wire.js';
import { makeTestPki, type TestPki } from '../test/support/tls.js';
import { sizePrefix } from './framing.js';
import { InProcessInvoker, type Proxy as KafkalessProxy, type ProxyOptions, startProxy } from './index.js';

const SECRET = 'test-invocation-secret';
const h = harness();
const principals: (string | null)[] = [];
/** API keys invoked, in order. */
const invoked: number[] = [];
// Signatures are checked against the real clock.
const app = allInOneApp({ ...h.env, now: Date.now }, { secrets: [SECRET], requireSignature: true });
const spied = {
  fetch(request: Request) {
    principals.push(request.headers.get('x-kafkaless-principal'));
    invoked.push(Number(request.headers.get('x-kafkaless-api-key')));
    return app.fetch(request);
  },
};
const open: { close(): unknown }[] = [];

async function proxy(options: Partial<ProxyOptions> = {}, secret = SECRET): Promise<KafkalessProxy> {
  const p = await startProxy({
    invoker: new InProcessInvoker(spied, { secret }),
    listen: { host: '127.0.0.1', port: 0 },
    sasl: { mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'], outcomeSecrets: [SECRET] },
    log: createLogger('proxy', () => {}),
    ...options,
  });
  open.push(p);
  return p;
}

async function client(p: KafkalessProxy): Promise<WireClient> {
  const c = await WireClient.connect(p.address.port);
  open.push(c);
  return c;
}

beforeAll(async () => {
  await bootstrapScramUsers(h.meta, 'alice:alice-secret,admin:admin-secret');
});

afterAll(async () => {
  for (const o of open.reverse()) await o.close();
});

async function handshake(c: WireClient, mechanism: string, version = 1) {
  return (await c.request(ApiKey.SaslHandshake, version, { mechanism })).body;
}

async function scram(c: WireClient, m = SCRAM_SHA_512, user = 'alice', password = 'alice-secret') {
  expect((await handshake(c, m.name)).errorCode).toBe(ErrorCode.NONE);
  const sc = new ScramClient(m, user, password);
  const first = (await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: sc.first() })).body;
  if (first.errorCode !== ErrorCode.NONE) return first;
  const final = (await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: sc.final(first.authBytes) })).body;
  if (final.errorCode === ErrorCode.NONE) expect(sc.verify(final.authBytes)).toBe(true);
  return final;
}

describe('SASL before authentication', () => {
  it('closes the connection, unanswered, on a request other than ApiVersions or SaslHandshake', async () => {
    const c = await client(await proxy());
    c.send(ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false });
    await c.closed;
    await expect(c.next(100)).rejects.toThrow();
  });

  it('answers ApiVersions, listing the SASL and SCRAM APIs', async () => {
    const c = await client(await proxy());
    const versions = (await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }))
      .body;
    const keys = new Map(versions.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect(keys.get(ApiKey.SaslHandshake)).toEqual([0, 1]);
    expect(keys.get(ApiKey.SaslAuthenticate)).toEqual([0, 2]);
    expect(keys.get(ApiKey.DescribeUserScramCredentials)).toEqual([0, 0]);
    expect(keys.get(ApiKey.AlterUserScramCredentials)).toEqual([0, 0]);
    expect((await handshake(c, 'SCRAM-SHA-256')).errorCode).toBe(ErrorCode.NONE);
  });

  it('refuses an unknown mechanism with UNSUPPORTED_SASL_MECHANISM and the enabled list, then closes', async () => {
    const c = await client(await proxy());
    const answer = await handshake(c, 'GSSAPI');
    expect(answer).toEqual({
      errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'],
    });
    await c.closed;
  });

  it('answers another request after the handshake with ILLEGAL_SASL_STATE, then closes', async () => {
    const c = await client(await proxy());
    await handshake(c, 'PLAIN');
    const answer = (await c.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false })).body;
    expect(answer.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(answer.errorMessage).toBe('Unexpected Kafka request of type DESCRIBE_CLUSTER during SASL authentication.');
    await c.closed;
  });
});

describe('SASL exchanges', () => {
  it('authenticates SCRAM-SHA-512 and SCRAM-SHA-256, then carries the principal and refuses SASL requests', async () => {
    for (const m of [SCRAM_SHA_512, SCRAM_SHA_256]) {
      const c = await client(await proxy());
      const final = await scram(c, m);
      expect(final.errorCode).toBe(ErrorCode.NONE);
      expect(final.sessionLifetimeMs).toBe(0n);
      principals.length = 0;
      await c.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false });
      expect(principals).toEqual(['User:alice']);
      const again = (await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: new Uint8Array(0) })).body;
      expect(again.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
      expect(again.errorMessage).toBe('SaslAuthenticate request received after successful authentication');
      expect((await handshake(c, m.name)).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    }
  });

  it("fails a wrong password or an unknown user with SASL_AUTHENTICATION_FAILED and Kafka's message, then closes", async () => {
    for (const [user, password] of [
      ['alice', 'wrong'],
      ['mallory', 'x'],
    ] as const) {
      const c = await client(await proxy());
      const answer = await scram(c, SCRAM_SHA_512, user, password);
      expect(answer.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
      expect(answer.errorMessage).toBe(
        'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
      );
      await c.closed;
    }
  });

  it('checks PLAIN passwords against the SCRAM credentials', async () => {
    const ok = await client(await proxy());
    await handshake(ok, 'PLAIN');
    const good = (await ok.request(ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from('\0admin\0admin-secret') }))
      .body;
    expect(good.errorCode).toBe(ErrorCode.NONE);
    const bad = await client(await proxy());
    await handshake(bad, 'PLAIN');
    const wrong = (await bad.request(ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from('\0admin\0nope') })).body;
    expect(wrong).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: 'Authentication failed: Invalid username or password',
    });
    await bad.closed;
  });

  it('runs a SaslHandshake v0 exchange with raw tokens', async () => {
    const c = await client(await proxy());
    expect((await handshake(c, 'SCRAM-SHA-256', 0)).errorCode).toBe(ErrorCode.NONE);
    const sc = new ScramClient(SCRAM_SHA_256, 'alice', 'alice-secret');
    const raw = (token: Uint8Array) => {
      c.sendRaw(sizePrefix(token.length));
      c.sendRaw(token);
      return c.next();
    };
    const serverFirst = await raw(sc.first());
    expect(Buffer.from(serverFirst).toString()).toMatch(/^r=.*,s=.*,i=4096$/);
    expect(sc.verify(await raw(sc.final(serverFirst)))).toBe(true);
    principals.length = 0;
    const answer = decodeResponse(
      ApiKey.DescribeCluster,
      0,
      await (async () => {
        c.send(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false });
        return c.next();
      })(),
    );
    expect(answer.body.errorCode).toBe(ErrorCode.NONE);
    expect(principals).toEqual(['User:alice']);
  });

  it('refuses an outcome not signed with its secret', async () => {
    // The proxy signs invocations with a secret the app accepts, but expects outcomes signed with another.
    const p = await startProxy({
      invoker: new InProcessInvoker(spied, { secret: SECRET }),
      listen: { host: '127.0.0.1', port: 0 },
      sasl: { mechanisms: ['SCRAM-SHA-512'], outcomeSecrets: ['another-secret'] },
      log: createLogger('proxy', () => {}),
    });
    open.push(p);
    const c = await client(p);
    await handshake(c, 'SCRAM-SHA-512');
    const sc = new ScramClient(SCRAM_SHA_512, 'alice', 'alice-secret');
    c.send(ApiKey.SaslAuthenticate, 2, { authBytes: sc.first() });
    await c.closed;
  });
});

describe('SASL sessions (KIP-368)', () => {
  const reauthProxy = (ms: number) =>
    proxy({
      sasl: {
        mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256'],
        outcomeSecrets: [SECRET],
        connectionsMaxReauthMs: ms,
      },
    });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('reports the session lifetime, re-authenticates on the connection, and refuses a changed principal', async () => {
    const c = await client(await reauthProxy(60_000));
    const first = await scram(c);
    expect(first.sessionLifetimeMs).toBe(60_000n);
    const again = await scram(c);
    expect(again).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 60_000n });
    principals.length = 0;
    await c.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false });
    expect(principals).toEqual(['User:alice']);
    await sleep(1_000);
    const other = await scram(c, SCRAM_SHA_512, 'admin', 'admin-secret');
    expect(other).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: 'Cannot change principals during re-authentication from User.alice: User.admin',
    });
    await c.closed;
  });

  it('refuses re-authentication with another mechanism', async () => {
    const c = await client(await reauthProxy(60_000));
    await scram(c);
    expect((await handshake(c, 'SCRAM-SHA-256')).errorCode).toBe(ErrorCode.NONE);
    const answer = (await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from('n,,n=alice,r=x') })).body;
    expect(answer).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage:
        "SASL mechanism 'SCRAM-SHA-256' requested by client is not supported for re-authentication of mechanism 'SCRAM-SHA-512'",
    });
    await c.closed;
  });

  it('closes a connection whose session expired on its next request', async () => {
    const c = await client(await reauthProxy(200));
    await scram(c);
    await sleep(300);
    c.send(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false });
    await c.closed;
  });

  it('keeps kafkajs working across its re-authentications', async () => {
    // Sessions of 2.5 s; kafkajs re-authenticates when less than 1 s is left, so sends 0.6 s apart
    // cross several re-authentications, and any send after an expiry would find the connection closed.
    const p = await reauthProxy(2_500);
    const kafka = new Kafka({
      clientId: 'reauth-test',
      brokers: [`127.0.0.1:${p.address.port}`],
      sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' },
      reauthenticationThreshold: 1_000,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = kafka.producer();
    await producer.connect();
    const before = p.metrics.connectionsTotal;
    invoked.length = 0;
    for (let i = 0; i < 10; i++) {
      await producer.send({ topic: 'reauth-topic', messages: [{ value: `m${i}` }] });
      await sleep(600);
    }
    // Every send went over the connections opened at the start: none was closed for an expired session.
    expect(p.metrics.connectionsTotal).toBe(before);
    // Two SaslAuthenticate steps per re-authentication, several of them.
    expect(invoked.filter((k) => k === ApiKey.SaslAuthenticate).length).toBeGreaterThanOrEqual(4);
    await producer.disconnect();
  }, 30_000);
});

describe('TLS', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await makeTestPki();
  });

  const tlsOptions = async (clientAuth: 'none' | 'requested' | 'required') => ({
    cert: await readFile(pki.serverCert),
    key: await readFile(pki.serverKey),
    ca: pki.caPem,
    clientAuth,
  });

  it('serves kafkajs over SASL_SSL with SCRAM-SHA-512, and fails a wrong password', async () => {
    const p = await proxy({ tls: await tlsOptions('none') });
    const broker = `127.0.0.1:${p.address.port}`;
    const kafka = (password: string) =>
      new Kafka({
        clientId: 'sasl-test',
        brokers: [broker],
        ssl: { ca: [pki.caPem] },
        sasl: { mechanism: 'scram-sha-512', username: 'alice', password },
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      });
    const producer = kafka('alice-secret').producer();
    await producer.connect();
    await producer.send({ topic: 'tls-topic', messages: [{ value: 'over tls' }] });
    await producer.disconnect();
    const admin = kafka('wrong').admin();
    await expect(admin.connect()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
  });

  it('takes the principal from a verified client certificate, in RFC 2253 form', async () => {
    const p = await proxy({ tls: await tlsOptions('required'), sasl: undefined });
    const alice = await pki.client('alice', '/C=US/O=acme/OU=eng/CN=alice');
    const kafka = new Kafka({
      clientId: 'mtls-test',
      brokers: [`127.0.0.1:${p.address.port}`],
      ssl: { ca: [pki.caPem], cert: await readFile(alice.cert, 'utf8'), key: await readFile(alice.key, 'utf8') },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    principals.length = 0;
    await admin.connect();
    await admin.describeCluster();
    await admin.disconnect();
    expect(new Set(principals)).toEqual(new Set(['User:CN=alice,OU=eng,O=acme,C=US']));
  });

  it('takes a client without a certificate as User:ANONYMOUS when client auth is only requested', async () => {
    const p = await proxy({ tls: await tlsOptions('requested'), sasl: undefined });
    const kafka = new Kafka({
      clientId: 'mtls-test',
      brokers: [`127.0.0.1:${p.address.port}`],
      ssl: { ca: [pki.caPem] },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    principals.length = 0;
    await admin.connect();
    await admin.describeCluster();
    await admin.disconnect();
    expect(new Set(principals)).toEqual(new Set(['User:ANONYMOUS']));
  });

  it('prefers the SASL principal to the certificate on SASL_SSL with client certificates', async () => {
    const p = await proxy({ tls: await tlsOptions('required') });
    const carol = await pki.client('carol', '/CN=carol');
    const kafka = new Kafka({
      clientId: 'mtls-sasl-test',
      brokers: [`127.0.0.1:${p.address.port}`],
      ssl: { ca: [pki.caPem], cert: await readFile(carol.cert, 'utf8'), key: await readFile(carol.key, 'utf8') },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    await admin.connect();
    principals.length = 0;
    await admin.describeCluster();
    await admin.disconnect();
    expect(new Set(principals)).toEqual(new Set(['User:alice']));
  });

  it('refuses a client without a certificate when client auth is required', async () => {
    const p = await proxy({ tls: await tlsOptions('required'), sasl: undefined });
    const kafka = new Kafka({
      clientId: 'mtls-test',
      brokers: [`127.0.0.1:${p.address.port}`],
      ssl: { ca: [pki.caPem] },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 2000,
    });
    await expect(kafka.admin().connect()).rejects.toThrow();
  });
});
