/**
 * A function app that requires signatures runs each signed invocation once:
 * the same invocation sent again inside its timestamp window is refused, as
 * are unsigned ones, ones without a nonce, and ones whose nonce cannot be
 * checked.
 */

import { describe, expect, it } from 'vitest';
import { Header, INVOKE_PATH, signInvocation, writeContext } from '../shared/invocation.js';
import { encodeRequest } from '../shared/protocol/frame.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { ZERO_UUID } from '../shared/protocol/primitives.js';
import { MemoryMetaStore } from '../shared/storage/memory/meta.js';
import { allInOneApp } from './app.js';
import type { FunctionEnv } from './define.js';
import { memoryEnv } from './test-harness.js';

const frame = encodeRequest(ApiKey.ApiVersions, 3, 1, 'replay-test', {
  clientSoftwareName: 'test',
  clientSoftwareVersion: '1',
});

function env(meta = new MemoryMetaStore()): FunctionEnv {
  return { ...memoryEnv(), meta };
}

async function signedHeaders(secret: string, body = frame, apiKey: number = ApiKey.ApiVersions): Promise<Headers> {
  const headers = new Headers();
  writeContext(
    headers,
    {
      connectionId: 'c-1',
      clientAddress: '127.0.0.1:5000',
      principal: 'User:ANONYMOUS',
      listener: { host: '127.0.0.1', port: 9092 },
      deadline: Date.now() + 30_000,
    },
    apiKey,
  );
  await signInvocation(headers, body, secret);
  return headers;
}

const post = (app: ReturnType<typeof allInOneApp>, headers: Headers): Promise<Response> =>
  Promise.resolve(app.fetch(new Request(`http://f${INVOKE_PATH}`, { method: 'POST', body: frame, headers })));

describe('replayed invocations', () => {
  it('runs a signed invocation once and refuses the same one again', async () => {
    const app = allInOneApp(env(), { secrets: ['s1'], requireSignature: true });
    const headers = await signedHeaders('s1');
    expect((await post(app, headers)).status).toBe(200);
    const again = await post(app, headers);
    expect(again.status).toBe(401);
    expect(await again.text()).toBe('replayed invocation');
    // A fresh signature (new nonce) of the same frame runs.
    expect((await post(app, await signedHeaders('s1'))).status).toBe(200);
  });

  it('refuses a replay before any handler with effects runs', async () => {
    const meta = new MemoryMetaStore();
    const app = allInOneApp(env(meta), { secrets: ['s1'], requireSignature: true });
    // Metadata may create topics, so it runs only once its nonce is claimed.
    const create = encodeRequest(ApiKey.Metadata, 12, 1, 'replay-test', {
      topics: [{ name: 'created-by-replay', topicId: ZERO_UUID }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    });
    const headers = await signedHeaders('s1', create, ApiKey.Metadata);
    const request = (): Promise<Response> =>
      Promise.resolve(app.fetch(new Request(`http://f${INVOKE_PATH}`, { method: 'POST', body: create, headers })));
    expect((await request()).status).toBe(200);
    await meta.topics.deleteTopic('created-by-replay');
    expect((await request()).status).toBe(401);
    expect(await meta.topics.getTopic('created-by-replay')).toBeNull();
  });

  it('refuses the replay on another instance sharing the store', async () => {
    const meta = new MemoryMetaStore();
    const one = allInOneApp(env(meta), { secrets: ['s1'], requireSignature: true });
    const two = allInOneApp(env(meta), { secrets: ['s1'], requireSignature: true });
    const headers = await signedHeaders('s1');
    expect((await post(one, headers)).status).toBe(200);
    expect((await post(two, headers)).status).toBe(401);
  });

  it('refuses unsigned invocations and signed ones without a nonce', async () => {
    const app = allInOneApp(env(), { secrets: ['s1'], requireSignature: true });
    const unsigned = await signedHeaders('s1');
    unsigned.delete(Header.signature);
    const refused = await post(app, unsigned);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toBe('unsigned invocation');
    // Removing the nonce breaks the signature; a signer that never sent one fails the nonce check.
    const withoutNonce = await signedHeaders('s1');
    withoutNonce.delete(Header.nonce);
    expect((await post(app, withoutNonce)).status).toBe(401);
  });

  it('answers 503 when the nonce store is unavailable', async () => {
    const meta = new MemoryMetaStore();
    const app = allInOneApp(env(meta), { secrets: ['s1'], requireSignature: true });
    await meta.close();
    expect((await post(app, await signedHeaders('s1'))).status).toBe(503);
  });
});
