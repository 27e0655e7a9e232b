/**
 * The proxy over real HTTP: the fake function app served by
 * @hono/node-server, the HTTP invoker with signing and pooling, and kcat
 * (librdkafka) as a real client.
 */

import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Header } from '../shared/invocation.js';
import { createLogger } from '../shared/log.js';
import { encodeRequest } from '../shared/protocol/frame.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import type { HeartbeatRequest } from '../shared/protocol/generated/heartbeat.js';
import type { ProduceRequest } from '../shared/protocol/generated/produce.js';
import { fakeApp, fakeControl, serveApp, sleep } from '../test/support/proxy/fake-functions.js';
import { correlationOf, WireClient } from '../test/support/proxy/kafka-wire.js';
import { HttpInvoker, type HttpInvokerOptions, startProxy } from './index.js';

const SECRET = 'http-test-secret';
const open: { close(): Promise<void> | void }[] = [];

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

const heartbeat = (delayMs = 0) => ({ groupId: 'g', generationId: delayMs, memberId: 'm' });

/** A local port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function setup(invokerOptions: (url: string) => HttpInvokerOptions, proxyOptions = {}) {
  const control = fakeControl();
  control.before = async (apiKey, input) => {
    if (apiKey === ApiKey.Heartbeat) await sleep((input.body as HeartbeatRequest).generationId);
  };
  const served = await serveApp(fakeApp(control, { secrets: [SECRET] }));
  open.push(served);
  const logs: string[] = [];
  const invoker = new HttpInvoker(invokerOptions(served.url));
  open.push(invoker);
  const proxy = await startProxy({
    invoker,
    listen: { host: '127.0.0.1', port: 0 },
    log: createLogger('proxy', (line) => logs.push(line)),
    ...proxyOptions,
  });
  open.push(proxy);
  const client = async (): Promise<WireClient> => {
    const c = await WireClient.connect(proxy.address.port);
    open.push(c);
    return c;
  };
  return { control, served, proxy, client, logs };
}

function kcat(args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', args, { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

describe('HTTP invoker', () => {
  it('answers pipelined requests in order over pooled, signed HTTP invocations', async () => {
    const { client, control } = await setup((url) => ({ baseUrl: url, secret: SECRET }));
    const c = await client();
    const delays = [60, 40, 20, 0, 10, 0, 30, 5];
    const sent = delays.map((d) => c.send(ApiKey.Heartbeat, 4, heartbeat(d)));
    const got: number[] = [];
    for (const _ of delays) got.push(correlationOf(await c.next()));
    expect(got).toEqual(sent);
    expect(control.maxRunning).toBeGreaterThan(3);
  });

  it('gives acks=0 Produce no response over HTTP (the function answers 204)', async () => {
    const { client } = await setup((url) => ({ baseUrl: url, secret: SECRET }));
    const c = await client();
    c.send(ApiKey.Produce, 9, { acks: 0, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [] }] });
    const next = c.send(ApiKey.Heartbeat, 4, heartbeat());
    expect(correlationOf(await c.next())).toBe(next);
  });

  it('passes a large request and its response through intact', async () => {
    const { client } = await setup((url) => ({ baseUrl: url, secret: SECRET }));
    const c = await client();
    const records = new Uint8Array(4 * 1024 * 1024).map((_, i) => i & 255);
    const answer = await c.request(ApiKey.Produce, 9, {
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: 'big', partitionData: [{ index: 0, records }] }],
    });
    expect(answer.body.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  });

  it('is refused by the function without the right secret', async () => {
    const { client, logs } = await setup((url) => ({ baseUrl: url, secret: 'wrong' }));
    const c = await client();
    const h = await c.request(ApiKey.Heartbeat, 4, heartbeat());
    expect(h.body.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(logs.some((l) => l.includes('HTTP 401'))).toBe(true);
  });

  it('routes APIs to their own URLs, and closes for an API with no route', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const { client } = await setup((url) => ({
      routes: { ApiVersions: url, '12': dead },
      secret: SECRET,
    }));
    const c = await client();
    const v = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    expect(v.body.errorCode).toBe(0);
    const h = await c.request(ApiKey.Heartbeat, 4, heartbeat());
    expect(h.body.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    c.send(ApiKey.Metadata, 12, { topics: null });
    await c.closed;
    expect(() => new HttpInvoker({ routes: { Nope: dead } })).toThrow(/unknown API 'Nope'/);
    expect(() => new HttpInvoker({})).toThrow(/baseUrl or routes/);
  });

  it('answers error responses while the function is down, and keeps serving other connections', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const { client, proxy } = await setup((url) => ({ baseUrl: dead, routes: { ApiVersions: url }, secret: SECRET }));
    const a = await client();
    const p = await a.request(ApiKey.Produce, 9, {
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: null }] }],
    });
    expect(p.body.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const m = await a.request(ApiKey.Metadata, 12, { topics: [{ name: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
    expect(m.body.topics[0]!.errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
    const b = await client();
    const v = await b.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    expect(v.body.errorCode).toBe(0);
    expect(a.isOpen && b.isOpen).toBe(true);
    expect(proxy.metrics.errors('Produce')).toBe(1);
  });

  it('answers REQUEST_TIMED_OUT when the function is too slow', async () => {
    const { client, control } = await setup((url) => ({ baseUrl: url, secret: SECRET }), { invocationTimeoutMs: 150 });
    control.before = () => sleep(2000);
    const c = await client();
    const started = Date.now();
    const d = await c.request(ApiKey.DescribeCluster, 1, {});
    expect(d.body.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('retries once, on a fresh connection, when a pooled one turns out to be closed by the function server', async () => {
    // A bare HTTP/1.1 server: answers the first request on each connection, resets the connection on the second.
    const answered = new WeakSet<object>();
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      let buffered = '';
      socket.on('data', (chunk: Buffer) => {
        if (answered.has(socket)) {
          socket.resetAndDestroy();
          return;
        }
        buffered += chunk.toString('latin1');
        const end = buffered.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(buffered)?.[1] ?? 0);
        if (end < 0 || buffered.length < end + 4 + length) return;
        answered.add(socket);
        socket.write('HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n');
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const { port } = server.address() as { port: number };
    const invoker = new HttpInvoker({ baseUrl: `http://127.0.0.1:${port}` });
    open.push(invoker);
    const frame = encodeRequest(ApiKey.Produce, 9, 3, null, { acks: 0, timeoutMs: 1, topicData: [] });
    const ctx = {
      connectionId: 'c-1',
      clientAddress: '10.0.0.1:5555',
      principal: 'User:ANONYMOUS',
      listener: { host: '127.0.0.1', port: 9092 },
      deadline: Date.now() + 5000,
    };
    expect((await invoker.invoke(ApiKey.Produce, frame, ctx)).status).toBe(204);
    expect((await invoker.invoke(ApiKey.Produce, frame, ctx)).status).toBe(204);
    expect(connections).toBe(2);
    // Two pooled connections, both gone stale: the retry takes a fresh one, not the other stale one.
    const pair = await Promise.all([0, 1].map(() => invoker.invoke(ApiKey.Produce, frame, ctx)));
    expect(pair.map((r) => r.status)).toEqual([204, 204]);
    expect(connections).toBe(4);
    expect((await invoker.invoke(ApiKey.Produce, frame, ctx)).status).toBe(204);
    expect(connections).toBe(5);
  });

  it('signs what the contract says and sends the connection context', async () => {
    const seen: Headers[] = [];
    const served = await serveApp({
      fetch: (req) => {
        seen.push(req.headers);
        return new Response(null, { status: 204 });
      },
    });
    open.push(served);
    const invoker = new HttpInvoker({ baseUrl: `${served.url}/base/`, secret: SECRET });
    open.push(invoker);
    const frame = encodeRequest(ApiKey.Produce, 9, 3, null, { acks: 0, timeoutMs: 1, topicData: [] });
    const ctx = {
      connectionId: 'c-1',
      clientAddress: '10.0.0.1:5555',
      principal: 'User:ANONYMOUS',
      listener: { host: '::1', port: 9092 },
      deadline: Date.now() + 5000,
    };
    const result = await invoker.invoke(ApiKey.Produce, frame, ctx);
    expect(result).toEqual({ status: 204, body: [], close: false });
    const h = seen[0]!;
    expect(h.get(Header.listener)).toBe('[::1]:9092');
    expect(h.get(Header.apiKey)).toBe('0');
    expect(h.get(Header.signature)).toMatch(/^v1=[0-9a-f]{64}$/);
    const { verifyInvocation } = await import('../shared/invocation.js');
    expect(await verifyInvocation(h, frame, [SECRET])).toEqual({ ok: true });
  });

  it("spreads a route's instances: a connection's consecutive requests take them in turn", async () => {
    const hits: string[] = [];
    const instance = (name: string) =>
      serveApp({
        fetch: () => {
          hits.push(name);
          return new Response(null, { status: 204 });
        },
      });
    const [a, b, c] = await Promise.all([instance('a'), instance('b'), instance('c')]);
    open.push(a, b, c);
    const invoker = new HttpInvoker({ baseUrl: [a.url, b.url, c.url], routes: { Heartbeat: [c.url] } });
    open.push(invoker);
    const ctx = (connectionId: string) => ({
      connectionId,
      clientAddress: '10.0.0.1:5555',
      principal: 'User:ANONYMOUS',
      listener: { host: '127.0.0.1', port: 9092 },
      deadline: Date.now() + 5000,
    });
    const produce = (correlationId: number) =>
      encodeRequest(ApiKey.Produce, 9, correlationId, null, { acks: 0, timeoutMs: 1, topicData: [] });
    for (const connection of ['c-1', 'c-2', 'c-3', 'c-4']) {
      hits.length = 0;
      for (let id = 7; id < 13; id++) await invoker.invoke(ApiKey.Produce, produce(id), ctx(connection));
      expect(hits.slice(0, 3).sort()).toEqual(['a', 'b', 'c']);
      expect(hits.slice(3)).toEqual(hits.slice(0, 3));
    }
    hits.length = 0;
    const beat = encodeRequest(ApiKey.Heartbeat, 4, 4, null, heartbeat());
    await invoker.invoke(ApiKey.Heartbeat, beat, ctx('c-1'));
    expect(hits).toEqual(['c']);
    expect(() => new HttpInvoker({ baseUrl: [] })).toThrow(/at least one URL/);
  });
});

describe('kcat through the proxy', () => {
  it('lists metadata, with the proxy advertised as the broker', async () => {
    const { proxy } = await setup((url) => ({ baseUrl: url, secret: SECRET }));
    const bootstrap = `127.0.0.1:${proxy.address.port}`;
    const { stdout } = await kcat(['-L', '-b', bootstrap, '-t', 'orders', '-m', '10']);
    expect(stdout).toContain('1 brokers:');
    expect(stdout).toContain(`broker 0 at ${bootstrap}`);
    expect(stdout).toMatch(/topic "orders" with 1 partitions:/);
  });

  for (const acks of ['all', '1', '0']) {
    it(`produces with acks=${acks}`, async () => {
      const { proxy, control } = await setup((url) => ({ baseUrl: url, secret: SECRET }));
      const produced: { acks: number; messages: number }[] = [];
      control.before = (apiKey, input) => {
        if (apiKey !== ApiKey.Produce) return;
        const body = input.body as ProduceRequest;
        produced.push({ acks: body.acks, messages: body.topicData.length });
      };
      const bootstrap = `127.0.0.1:${proxy.address.port}`;
      await kcat(
        ['-P', '-b', bootstrap, '-t', 'orders', '-X', `acks=${acks}`, '-X', 'linger.ms=0'],
        'one\ntwo\nthree\n',
      );
      // With acks=0 kcat may exit before the invocation lands.
      for (let waited = 0; produced.length === 0 && waited < 2000; waited += 20) await sleep(20);
      expect(produced.length).toBeGreaterThan(0);
      expect(produced.every((p) => p.acks === (acks === 'all' ? -1 : Number(acks)))).toBe(true);
      expect(proxy.metrics.errors('Produce')).toBe(0);
    });
  }
});
