/**
 * `kafkaless functions serve` over real HTTP, as a FaaS URL is exposed:
 * unsigned, wrongly signed, stale and replayed invocations are refused with
 * 401 before any handler runs; one signed with the previous key still runs
 * while both keys are configured (`KAFKALESS_SECRET=new,old`). Nonces are
 * kept in the real Redis of the local stack.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Header, INVOKE_PATH, MAX_CLOCK_SKEW_MS, signInvocation, writeContext } from '../../shared/invocation.js';
import { encodeRequest } from '../../shared/protocol/frame.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { backendsFromEnv } from '../support/backends.js';
import { freePort } from '../support/cluster.js';

const BIN = fileURLToPath(new URL('../../bin/kafkaless.js', import.meta.url));

let child: ChildProcess;
let url = '';

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}${INVOKE_PATH}`;
  child = spawn(process.execPath, [BIN, 'functions', 'serve', '--functions-listen', `127.0.0.1:${port}`], {
    env: {
      ...process.env,
      KAFKALESS_SECRET: 'new-secret,old-secret',
      KAFKALESS_REDIS: backendsFromEnv().redisUrl,
      KAFKALESS_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`functions serve did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('kafkaless functions serving')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`functions serve exited with ${code}:\n${output}`)));
  });
}, 60_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

const frame = encodeRequest(ApiKey.ApiVersions, 3, 7, 'signing-test', {
  clientSoftwareName: 'test',
  clientSoftwareVersion: '1',
});

async function headersSignedWith(secret: string | undefined, now = Date.now()): Promise<Headers> {
  const headers = new Headers({ 'content-type': 'application/octet-stream' });
  writeContext(
    headers,
    {
      connectionId: 'c-1',
      clientAddress: '127.0.0.1:5000',
      principal: 'User:ANONYMOUS',
      listener: { host: '127.0.0.1', port: 9092 },
      deadline: now + 30_000,
    },
    ApiKey.ApiVersions,
  );
  if (secret !== undefined) await signInvocation(headers, frame, secret, now);
  return headers;
}

async function invoke(headers: Headers): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers, body: frame });
  return { status: res.status, text: res.status === 200 ? '' : await res.text() };
}

describe('functions serve refuses invocations the proxy did not sign', () => {
  it('refuses an unsigned invocation with 401', async () => {
    expect(await invoke(await headersSignedWith(undefined))).toEqual({ status: 401, text: 'unsigned invocation' });
  });

  it('runs one signed with the current or the previous key, and refuses a removed key', async () => {
    expect((await invoke(await headersSignedWith('new-secret'))).status).toBe(200);
    expect((await invoke(await headersSignedWith('old-secret'))).status).toBe(200);
    expect(await invoke(await headersSignedWith('older-secret'))).toEqual({
      status: 401,
      text: 'bad invocation signature',
    });
  });

  it('refuses a stale invocation', async () => {
    expect(await invoke(await headersSignedWith('new-secret', Date.now() - MAX_CLOCK_SKEW_MS - 5_000))).toEqual({
      status: 401,
      text: 'stale or missing invocation timestamp',
    });
  });

  it('runs a captured invocation once and refuses its replay', async () => {
    const captured = await headersSignedWith('new-secret');
    expect((await invoke(captured)).status).toBe(200);
    expect(await invoke(new Headers(captured))).toEqual({ status: 401, text: 'replayed invocation' });
    expect(captured.get(Header.nonce)).toMatch(/^[0-9a-f]{32}$/);
  });
});
