import { describe, expect, it } from 'vitest';
import {
  Header,
  MAX_CLOCK_SKEW_MS,
  readContext,
  signInvocation,
  verifyInvocation,
  writeContext,
} from './invocation.js';

const body = new Uint8Array([0, 18, 0, 3, 0, 0, 0, 1]);

async function signed(secret = 's1', now = Date.now()): Promise<Headers> {
  const headers = new Headers();
  writeContext(
    headers,
    {
      connectionId: 'c-1',
      clientAddress: '10.0.0.5:51234',
      principal: 'User:alice',
      listener: { host: 'kafka.local', port: 9092 },
      deadline: now + 30_000,
    },
    18,
  );
  await signInvocation(headers, body, secret, now);
  return headers;
}

describe('invocation signing', () => {
  it('verifies what it signed, with any of the rotating secrets', async () => {
    expect(await verifyInvocation(await signed('s1'), body, ['s1'])).toEqual({ ok: true });
    expect(await verifyInvocation(await signed('new'), body, ['old', 'new'])).toEqual({ ok: true });
  });

  it('refuses a wrong secret, a changed body, a changed header, and no signature', async () => {
    expect((await verifyInvocation(await signed('s1'), body, ['s2'])).ok).toBe(false);
    expect((await verifyInvocation(await signed(), new Uint8Array([...body, 1]), ['s1'])).ok).toBe(false);
    const h = await signed();
    h.set(Header.principal, 'User:admin');
    expect((await verifyInvocation(h, body, ['s1'])).ok).toBe(false);
    const unsigned = await signed();
    unsigned.delete(Header.signature);
    expect(await verifyInvocation(unsigned, body, ['s1'])).toEqual({ ok: false, reason: 'unsigned invocation' });
  });

  it('refuses a replay outside the clock-skew window', async () => {
    const old = await signed('s1', Date.now() - MAX_CLOCK_SKEW_MS - 1000);
    expect(await verifyInvocation(old, body, ['s1'])).toEqual({
      ok: false,
      reason: 'stale or missing invocation timestamp',
    });
  });

  it('carries the connection context through the headers', async () => {
    const ctx = readContext(await signed());
    expect(ctx).toMatchObject({
      connectionId: 'c-1',
      clientAddress: '10.0.0.5:51234',
      principal: 'User:alice',
      listener: { host: 'kafka.local', port: 9092 },
    });
  });
});
