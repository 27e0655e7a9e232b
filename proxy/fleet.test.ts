/**
 * A proxy of a fleet (`advertisedProxies`) sends the fleet to functions with
 * every invocation, and refuses to start when its own advertised address is
 * not in the list (clients would be told of brokers that are not it).
 */

import { afterEach, describe, expect, it } from 'vitest';
import type { InvocationContext } from '../shared/invocation.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { fakeApp, fakeControl } from '../test/support/proxy/fake-functions.js';
import { WireClient } from '../test/support/proxy/kafka-wire.js';
import { InProcessInvoker, type Invoker, startProxy } from './index.js';

const started: Awaited<ReturnType<typeof startProxy>>[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.close()));
});

/** Passes invocations on to the fake functions, keeping the context each carried. */
function recording(): { invoker: Invoker; seen: InvocationContext[] } {
  const inner = new InProcessInvoker(fakeApp(fakeControl()));
  const seen: InvocationContext[] = [];
  return {
    seen,
    invoker: {
      invoke(apiKey, frame, ctx, signal) {
        seen.push(ctx);
        return inner.invoke(apiKey, frame, ctx, signal);
      },
    },
  };
}

describe('proxy fleet', () => {
  it('sends the fleet with every invocation', async () => {
    const { invoker, seen } = recording();
    const fleet = [
      { host: 'p0.example', port: 9092 },
      { host: 'p1.example', port: 9092 },
    ];
    const proxy = await startProxy({
      invoker,
      listen: { host: '127.0.0.1', port: 0 },
      advertise: { host: 'p1.example', port: 9092 },
      advertisedProxies: fleet,
    });
    started.push(proxy);
    const client = await WireClient.connect(proxy.address.port);
    await client.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
    client.close();
    expect(seen[0]?.brokers).toEqual(fleet);
    expect(seen[0]?.listener).toEqual({ host: 'p1.example', port: 9092 });
  });

  it('refuses to start when its advertised address is not in the fleet', async () => {
    const { invoker } = recording();
    await expect(
      startProxy({
        invoker,
        listen: { host: '127.0.0.1', port: 0 },
        advertise: { host: 'elsewhere', port: 9092 },
        advertisedProxies: [{ host: 'p0.example', port: 9092 }],
      }),
    ).rejects.toThrow(/must include this proxy's advertised address elsewhere:9092/);
  });
});
