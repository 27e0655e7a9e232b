/**
 * The proxy against the real function contract, in process: a `functionApp`
 * of fake handlers behind the in-process invoker, and a bare wire client.
 */

import { connect } from 'node:net';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../shared/log.js';
import { decodeResponse, encodeRequest } from '../shared/protocol/frame.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import type { HeartbeatRequest } from '../shared/protocol/generated/heartbeat.js';
import type { ProduceRequest } from '../shared/protocol/generated/produce.js';
import type { Init } from '../shared/protocol/schema.js';
import { type FakeControl, fakeApp, fakeControl, sleep, statusApp } from '../test/support/proxy/fake-functions.js';
import { correlationOf, WireClient } from '../test/support/proxy/kafka-wire.js';
import { sizePrefix } from './framing.js';
import {
  type FetchApp,
  InProcessInvoker,
  type Invoker,
  type Proxy as KafkalessProxy,
  type ProxyOptions,
  startProxy,
} from './index.js';

const open: { close(): Promise<void> | void }[] = [];

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

interface Setup {
  proxy: KafkalessProxy;
  control: FakeControl;
  logs: string[];
  client(): Promise<WireClient>;
}

async function setup(options: Partial<ProxyOptions> & { app?: FetchApp; secret?: string } = {}): Promise<Setup> {
  const control = fakeControl();
  const logs: string[] = [];
  const { app = fakeApp(control), secret, ...rest } = options;
  const proxy = await startProxy({
    invoker: new InProcessInvoker(app, secret === undefined ? {} : { secret }),
    listen: { host: '127.0.0.1', port: 0 },
    log: createLogger('proxy', (line) => logs.push(line)),
    ...rest,
  });
  open.push(proxy);
  return {
    proxy,
    control,
    logs,
    client: async () => {
      const c = await WireClient.connect(proxy.address.port);
      open.push(c);
      return c;
    },
  };
}

const heartbeat = (delayMs = 0, memberId = 'm'): Init<HeartbeatRequest> => ({
  groupId: 'g',
  generationId: delayMs,
  memberId,
});

/** Heartbeats wait for their generation id in ms: a knob for how long each request takes. */
function slowHeartbeats(control: FakeControl): void {
  control.before = async (apiKey, input) => {
    if (apiKey === ApiKey.Heartbeat) await sleep((input.body as HeartbeatRequest).generationId);
  };
}

const produce = (acks: number, timeoutMs = 5000): Init<ProduceRequest> => ({
  transactionalId: null,
  acks,
  timeoutMs,
  topicData: [
    {
      name: 'orders',
      partitionData: [
        { index: 0, records: new Uint8Array([1, 2, 3]) },
        { index: 1, records: null },
      ],
    },
  ],
});

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
  ]);
}

describe('pipelining', () => {
  it('answers pipelined requests in request order when later ones finish first', async () => {
    const { client, control } = await setup();
    slowHeartbeats(control);
    const c = await client();
    const delays = [90, 70, 50, 30, 10, 0, 0, 20, 5, 1];
    const sent = delays.map((d) => c.send(ApiKey.Heartbeat, 4, heartbeat(d)));
    const got: number[] = [];
    for (const _ of delays) got.push(correlationOf(await c.next()));
    expect(got).toEqual(sent);
    expect(control.maxRunning).toBeGreaterThan(5);
  });

  it('runs pipelined state changes one at a time, in the order sent, as a broker does', async () => {
    const { client, control } = await setup();
    const order: string[] = [];
    control.before = async (apiKey, input) => {
      const tag = apiKey === ApiKey.Produce ? `produce:${(input.body as ProduceRequest).timeoutMs}` : `hb`;
      order.push(`start ${tag}`);
      // Earlier produces take longer: run concurrently, they would finish out of order.
      if (apiKey === ApiKey.Produce) await sleep(60 - (input.body as ProduceRequest).timeoutMs / 100);
      if (apiKey === ApiKey.Heartbeat) await sleep(30);
      order.push(`end ${tag}`);
    };
    const c = await client();
    const sent = [
      c.send(ApiKey.Produce, 9, produce(1, 1000)),
      c.send(ApiKey.Produce, 9, produce(1, 2000)),
      c.send(ApiKey.Heartbeat, 4, heartbeat()),
      c.send(ApiKey.Heartbeat, 4, heartbeat()),
      c.send(ApiKey.Produce, 9, produce(1, 3000)),
    ];
    for (const id of sent) expect(correlationOf(await c.next())).toBe(id);
    expect(order).toEqual([
      'start produce:1000',
      'end produce:1000',
      'start produce:2000',
      'end produce:2000',
      // Heartbeats commute: they overlap each other, never a state change before or after them.
      'start hb',
      'start hb',
      'end hb',
      'end hb',
      'start produce:3000',
      'end produce:3000',
    ]);
    expect(control.maxRunning).toBe(2);
  });

  it('keeps a full window of requests in flight without leaking listeners', async () => {
    const { client, control } = await setup();
    slowHeartbeats(control);
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', onWarning);
    try {
      const c = await client();
      const sent = Array.from({ length: 32 }, () => c.send(ApiKey.Heartbeat, 4, heartbeat(20)));
      for (const id of sent) expect(correlationOf(await c.next())).toBe(id);
      expect(control.maxRunning).toBe(32);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('gives a Produce with acks=0 no response, and still answers the next request', async () => {
    const { client, control } = await setup();
    const c = await client();
    c.send(ApiKey.Produce, 9, produce(0));
    const second = c.send(ApiKey.Heartbeat, 4, heartbeat());
    const third = c.send(ApiKey.Produce, 3, produce(1));
    expect(correlationOf(await c.next())).toBe(second);
    const answer = decodeResponse(ApiKey.Produce, 3, await c.next());
    expect(answer.correlationId).toBe(third);
    expect(answer.body.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([0, 0]);
    await expect(c.next(200)).rejects.toThrow(/no response/);
    expect(control.seen.map((s) => s.apiKey)).toEqual([ApiKey.Produce, ApiKey.Heartbeat, ApiKey.Produce]);
  });

  it('reads an acks=0 Produce at v0-2, where acks is the first field', async () => {
    const { client } = await setup();
    const c = await client();
    c.send(ApiKey.Produce, 2, produce(0));
    const next = c.send(ApiKey.Heartbeat, 0, heartbeat());
    expect(correlationOf(await c.next())).toBe(next);
  });

  it('stops reading past the in-flight limit and resumes as responses go out', async () => {
    const { client, control, proxy } = await setup({ maxInFlightPerConnection: 3 });
    slowHeartbeats(control);
    const c = await client();
    const sent = Array.from({ length: 12 }, () => c.send(ApiKey.Heartbeat, 4, heartbeat(20)));
    await sleep(10);
    expect(proxy.metrics.inFlight).toBe(3);
    const got: number[] = [];
    for (const _ of sent) got.push(correlationOf(await c.next()));
    expect(got).toEqual(sent);
    expect(control.maxRunning).toBe(3);
  });
});

describe('hostile and broken clients', () => {
  it('closes a connection whose frame declares more than the limit, without waiting for the body', async () => {
    const { client, proxy, logs } = await setup({ maxFrameBytes: 1024 });
    const c = await client();
    c.sendRaw(sizePrefix(1025));
    await within(c.closed, 1000, 'close');
    expect(proxy.metrics.render()).toContain('kafkaless_proxy_frames_rejected_total{reason="size"} 1');
    expect(logs.some((l) => l.includes('bad request frame') && l.includes('exceeds the 1024-byte limit'))).toBe(true);
    const other = await client();
    expect((await other.request(ApiKey.Heartbeat, 4, heartbeat())).body.errorCode).toBe(0);
  });

  it('closes a connection whose frame declares a negative size', async () => {
    const { client, logs } = await setup();
    const c = await client();
    c.sendRaw(new Uint8Array([0x80, 0, 0, 0]));
    await within(c.closed, 1000, 'close');
    expect(logs.some((l) => l.includes('negative frame size'))).toBe(true);
  });

  it('accepts a frame of exactly the limit', async () => {
    const body = { groupId: 'g'.repeat(100), generationId: 0, memberId: 'm' };
    const size = encodeRequest(ApiKey.Heartbeat, 4, 1, 'wire-client', body).length;
    const { client } = await setup({ maxFrameBytes: size });
    const c = await client();
    expect((await c.request(ApiKey.Heartbeat, 4, body)).body.errorCode).toBe(0);
  });

  it('closes cleanly on garbage bytes', async () => {
    const { client, proxy } = await setup();
    const c = await client();
    c.sendRaw(new Uint8Array([0, 0, 0, 3, 1, 2, 3]));
    await within(c.closed, 1000, 'close');
    expect(proxy.metrics.render()).toContain('reason="header"} 1');
  });

  it('closes on an unknown API key, answering nothing', async () => {
    const { client, control, logs } = await setup();
    const c = await client();
    // API key 1000, version 0, correlation id 1, null client id.
    c.sendRaw(new Uint8Array([0, 0, 0, 10, 0x03, 0xe8, 0, 0, 0, 0, 0, 1, 0xff, 0xff]));
    await within(c.closed, 1000, 'close');
    expect(control.seen).toEqual([]);
    expect(logs.some((l) => l.includes('unknown API key 1000'))).toBe(true);
  });

  it('survives clients that disconnect mid-request or mid-frame', async () => {
    const { client, control, proxy } = await setup();
    slowHeartbeats(control);
    const a = await client();
    a.send(ApiKey.Heartbeat, 4, heartbeat(100));
    a.send(ApiKey.Heartbeat, 4, heartbeat(0));
    await sleep(20);
    a.close();
    const b = await client();
    b.sendRaw(new Uint8Array([0, 0, 1, 0, 0, 12]));
    await sleep(10);
    b.close();
    await sleep(150);
    expect(proxy.metrics.inFlight).toBe(0);
    expect(proxy.connections).toBe(0);
    const c = await client();
    expect((await c.request(ApiKey.Heartbeat, 4, heartbeat())).body.errorCode).toBe(0);
    expect(proxy.metrics.render()).toContain('outcome="abandoned"');
  });

  it('still delivers a request whose client hangs up right after sending it', async () => {
    const { client, control, proxy } = await setup();
    control.before = () => sleep(50);
    const c = await client();
    c.send(ApiKey.Produce, 9, produce(0));
    c.close();
    await sleep(120);
    expect(control.seen.map((s) => s.apiKey)).toEqual([ApiKey.Produce]);
    expect(control.running).toBe(0);
    expect(proxy.connections).toBe(0);
  });

  it('drain waits for invocations whose client already left', async () => {
    const { client, control, proxy } = await setup();
    let done = false;
    control.before = async () => {
      await sleep(150);
      done = true;
    };
    const c = await client();
    c.send(ApiKey.Heartbeat, 4, heartbeat());
    await sleep(20);
    c.close();
    await c.closed;
    await proxy.drain(2000);
    expect(done).toBe(true);
  });

  it('closes connections idle past the idle timeout', async () => {
    const { client } = await setup({ idleTimeoutMs: 100 });
    const c = await client();
    await c.request(ApiKey.Heartbeat, 4, heartbeat());
    await within(c.closed, 1000, 'idle close');
  });
});

describe('failing functions', () => {
  it("answers each API's error response when its function fails", async () => {
    const { client, control, proxy } = await setup();
    control.before = () => {
      throw new Error('boom');
    };
    const c = await client();
    const p = await c.request(ApiKey.Produce, 9, produce(-1));
    expect(p.body.responses[0]!.partitionResponses.map((r) => [r.index, r.errorCode])).toEqual([
      [0, ErrorCode.NOT_LEADER_OR_FOLLOWER],
      [1, ErrorCode.NOT_LEADER_OR_FOLLOWER],
    ]);
    const h = await c.request(ApiKey.Heartbeat, 4, heartbeat());
    expect(h.body.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const m = await c.request(ApiKey.Metadata, 12, { topics: [{ name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
    expect(m.body.brokers).toEqual([]);
    expect(m.body.topics.map((t) => [t.name, t.errorCode])).toEqual([['orders', ErrorCode.LEADER_NOT_AVAILABLE]]);
    const d = await c.request(ApiKey.DescribeCluster, 1, {});
    expect([d.body.errorCode, d.body.errorMessage]).toEqual([
      ErrorCode.UNKNOWN_SERVER_ERROR,
      'kafkaless: function unavailable',
    ]);
    const v = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    expect(v.body.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(c.isOpen).toBe(true);
    expect(proxy.metrics.errors('Produce')).toBe(1);
    expect(proxy.metrics.render()).toContain(
      'kafkaless_proxy_request_errors_total{api="Heartbeat",outcome="unavailable"} 1',
    );
  });

  it('answers an ApiVersions of a version it does not know with a v0 error body when the function fails', async () => {
    const { client } = await setup({ app: statusApp(503) });
    const c = await client();
    // ApiVersions v9 from a future client: a flexible header and a body the codec cannot read.
    c.sendRaw(new Uint8Array([0, 0, 0, 16, 0, 18, 0, 9, 0, 0, 0, 5, 0, 1, 120, 0, 3, 97, 98, 0]));
    const answer = decodeResponse(ApiKey.ApiVersions, 0, await c.next());
    expect(answer.correlationId).toBe(5);
    expect(answer.body.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
  });

  it('answers REQUEST_TIMED_OUT, or the retriable code its clients expect, when a function times out', async () => {
    const { client, control } = await setup({ invocationTimeoutMs: 100 });
    control.before = () => sleep(1500);
    const c = await client();
    const started = Date.now();
    const d = await c.request(ApiKey.DescribeCluster, 1, {});
    expect(d.body.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(Date.now() - started).toBeLessThan(1000);
    const h = await c.request(ApiKey.Heartbeat, 4, heartbeat());
    expect(h.body.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    // Produce gets the producer's own timeout (at least 1 s).
    const p = await c.request(ApiKey.Produce, 9, produce(1, 10));
    expect(p.body.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });

  it('closes when the function says so, after writing the responses before it', async () => {
    const control = fakeControl();
    const { client } = await setup({ app: fakeApp(control, { heartbeatVersions: [0, 3] }) });
    slowHeartbeats(control);
    const c = await client();
    const first = c.send(ApiKey.Heartbeat, 3, heartbeat(50));
    c.send(ApiKey.Heartbeat, 4, heartbeat());
    c.send(ApiKey.Heartbeat, 3, heartbeat());
    expect(correlationOf(await c.next())).toBe(first);
    await within(c.closed, 1000, 'close');
    await expect(c.next(100)).rejects.toThrow();
  });

  it('closes the connection when an acks=0 Produce fails, as Kafka does', async () => {
    const { client, control } = await setup();
    control.before = async (apiKey) => {
      if (apiKey === ApiKey.Produce) throw new Error('boom');
      await sleep(30);
    };
    const c = await client();
    const first = c.send(ApiKey.Heartbeat, 4, heartbeat());
    c.send(ApiKey.Produce, 9, produce(0));
    expect(correlationOf(await c.next())).toBe(first);
    await within(c.closed, 1000, 'close');
  });

  it('treats an answer with the wrong correlation id, or a 204 where a response is due, as a failure', async () => {
    const crossed: FetchApp = {
      fetch: () => new Response(new Uint8Array([0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0]), { status: 200 }),
    };
    const a = await (await setup({ app: crossed })).client();
    expect((await a.request(ApiKey.Heartbeat, 4, heartbeat())).body.errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    const silent = await (await setup({ app: { fetch: () => new Response(null, { status: 204 }) } })).client();
    expect((await silent.request(ApiKey.Heartbeat, 4, heartbeat())).body.errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
  });

  it('closes on a failure status with the close action, and answers one without it', async () => {
    const closing = await (await setup({ app: statusApp(400, true) })).client();
    closing.send(ApiKey.Heartbeat, 4, heartbeat());
    await within(closing.closed, 1000, 'close');
    const failing = await (await setup({ app: statusApp(503) })).client();
    expect((await failing.request(ApiKey.Heartbeat, 4, heartbeat())).body.errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
  });

  it('closes instead of answering a failed SASL request', async () => {
    const c = await (await setup({ app: statusApp(500) })).client();
    c.send(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    await within(c.closed, 1000, 'close');
  });
});

describe('invocation context', () => {
  it('signs invocations so the app verifies them, and a wrong secret is refused', async () => {
    const control = fakeControl();
    const signed = await setup({ app: fakeApp(control, { secrets: ['s3cret'] }), secret: 's3cret' });
    const c = await signed.client();
    expect((await c.request(ApiKey.Heartbeat, 4, heartbeat())).body.errorCode).toBe(0);
    expect(control.seen).toHaveLength(1);
    const wrong = await setup({ app: fakeApp(control, { secrets: ['s3cret'] }), secret: 'guess' });
    const w = await wrong.client();
    expect((await w.request(ApiKey.Heartbeat, 4, heartbeat())).body.errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    expect(wrong.logs.some((l) => l.includes('HTTP 401') && l.includes('bad invocation signature'))).toBe(true);
    expect(control.seen).toHaveLength(1);
  });

  it('tells functions the advertised listener, the client address and a connection id of its own', async () => {
    const { client, control } = await setup({ advertise: { host: 'kafka.example.com', port: 19092 } });
    const a = await client();
    const b = await client();
    const m = await a.request(ApiKey.Metadata, 12, { topics: null });
    expect(m.body.brokers.map((x) => `${x.host}:${x.port}`)).toEqual(['kafka.example.com:19092']);
    await b.request(ApiKey.Heartbeat, 4, heartbeat());
    await a.request(ApiKey.Heartbeat, 4, heartbeat());
    const [first, second, third] = control.seen.map((s) => s.ctx);
    expect(first!.connectionId).not.toBe(second!.connectionId);
    expect(third!.connectionId).toBe(first!.connectionId);
    expect(first!.clientAddress).toBe(`127.0.0.1:${a.socket.localPort}`);
    expect(first!.principal).toBe('User:ANONYMOUS');
    expect(first!.deadline).toBeGreaterThan(Date.now());
  });

  it('advertises the listen address, with a wildcard host replaced by the host name', async () => {
    const plain = await setup();
    expect(plain.proxy.advertised).toEqual({ host: '127.0.0.1', port: plain.proxy.address.port });
    const wildcard = await setup({ listen: { host: '0.0.0.0', port: 0 } });
    expect(wildcard.proxy.advertised).toEqual({ host: hostname(), port: wildcard.proxy.address.port });
    await expect(setup({ advertise: { host: '0.0.0.0' } })).rejects.toThrow(/non-routable/);
  });

  it('gives long-polling requests their own wait on top of the default budget', async () => {
    const control = fakeControl();
    const inner = new InProcessInvoker(fakeApp(control));
    const budgets = new Map<number, number>();
    const recording: Invoker = {
      invoke(apiKey, frame, ctx, signal) {
        budgets.set(apiKey, ctx.deadline - Date.now());
        if (apiKey !== ApiKey.Heartbeat) return Promise.resolve({ status: 503, body: [], close: false });
        return inner.invoke(apiKey, frame, ctx, signal);
      },
    };
    const { client } = await setup({ invoker: recording, invocationTimeoutMs: 1000 });
    const c = await client();
    await c.request(ApiKey.Heartbeat, 4, heartbeat());
    c.send(ApiKey.Fetch, 12, { maxWaitMs: 60_000, topics: [] });
    c.send(ApiKey.JoinGroup, 9, { groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 300_000, protocols: [] });
    c.send(ApiKey.Produce, 9, produce(1, 20_000));
    for (let i = 0; i < 3; i++) await c.next();
    expect(budgets.get(ApiKey.Heartbeat)).toBeLessThanOrEqual(1000);
    expect(budgets.get(ApiKey.Fetch)).toBeGreaterThan(60_500);
    expect(budgets.get(ApiKey.JoinGroup)).toBeGreaterThan(300_500);
    expect(budgets.get(ApiKey.Produce)).toBeGreaterThan(19_000);
    expect(budgets.get(ApiKey.Produce)).toBeLessThanOrEqual(20_000);
  });
});

describe('drain and close', () => {
  it('drain stops accepting, finishes requests in flight, closes idle connections, then resolves', async () => {
    const { client, control, proxy } = await setup();
    slowHeartbeats(control);
    const busy = await client();
    const idle = await client();
    const sent = busy.send(ApiKey.Heartbeat, 4, heartbeat(200));
    await sleep(20);
    const started = Date.now();
    const drained = proxy.drain(5000);
    await within(idle.closed, 500, 'idle connection closed');
    await expect(
      new Promise((resolve, reject) =>
        connect(proxy.address.port, '127.0.0.1', () => resolve('connected')).on('error', reject),
      ),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(correlationOf(await busy.next())).toBe(sent);
    await within(busy.closed, 500, 'busy connection closed');
    await drained;
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('drain drops what is still running when its time is up', async () => {
    const { client, control, proxy } = await setup();
    control.before = () => sleep(5000);
    const c = await client();
    c.send(ApiKey.Heartbeat, 4, heartbeat());
    await sleep(20);
    const started = Date.now();
    await proxy.drain(200);
    expect(Date.now() - started).toBeLessThan(1000);
    await within(c.closed, 500, 'closed');
  });

  it('close drops every connection at once', async () => {
    const { client, control, proxy } = await setup();
    control.before = () => sleep(5000);
    const c = await client();
    c.send(ApiKey.Heartbeat, 4, heartbeat());
    await sleep(20);
    await within(proxy.close(), 500, 'close');
    await within(c.closed, 500, 'closed');
  });
});

describe('metrics', () => {
  it('serves Prometheus text on /metrics', async () => {
    const { client, proxy } = await setup({ metricsListen: { host: '127.0.0.1', port: 0 } });
    const c = await client();
    await c.request(ApiKey.Heartbeat, 4, heartbeat());
    await c.request(ApiKey.Heartbeat, 4, heartbeat());
    const res = await fetch(`http://127.0.0.1:${proxy.metricsAddress!.port}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('kafkaless_proxy_requests_total{api="Heartbeat"} 2');
    expect(text).toContain('kafkaless_proxy_invocation_duration_seconds_count{api="Heartbeat"} 2');
    expect(text).toContain('kafkaless_proxy_invocation_duration_seconds_bucket{api="Heartbeat",le="+Inf"} 2');
    expect(text).toContain('kafkaless_proxy_connections_open 1');
    expect(text).toContain('kafkaless_proxy_connections_total 1');
    expect(text).toContain('kafkaless_proxy_requests_in_flight 0');
    expect((await fetch(`http://127.0.0.1:${proxy.metricsAddress!.port}/nope`)).status).toBe(404);
  });
});
