import { describe, expect, it } from 'vitest';
import {
  Header,
  MAX_CLOCK_SKEW_MS,
  nonceLifetimeMs,
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

  it('rotates keys: the old key verifies while configured beside the new, and not once removed', async () => {
    // Before the rotation the proxies sign with `old`; during it functions take `new,old`.
    const byOld = await signed('old');
    expect(await verifyInvocation(byOld, body, ['new', 'old'])).toEqual({ ok: true });
    expect(await verifyInvocation(await signed('new'), body, ['new', 'old'])).toEqual({ ok: true });
    // After it, `old` is gone from the functions' list.
    expect(await verifyInvocation(byOld, body, ['new'])).toEqual({ ok: false, reason: 'bad invocation signature' });
    // A signature header may carry several values while proxies move over: any one that verifies will do.
    const both = await signed('new');
    both.set(Header.signature, `v1=${'0'.repeat(64)}, ${both.get(Header.signature)!}`);
    expect(await verifyInvocation(both, body, ['new'])).toEqual({ ok: true });
  });

  it('refuses timestamps outside the window either way, and missing ones', async () => {
    const now = Date.now();
    const stale = { ok: false, reason: 'stale or missing invocation timestamp' };
    expect(await verifyInvocation(await signed('s1', now - MAX_CLOCK_SKEW_MS - 1), body, ['s1'], now)).toEqual(stale);
    expect(await verifyInvocation(await signed('s1', now + MAX_CLOCK_SKEW_MS + 1), body, ['s1'], now)).toEqual(stale);
    expect(await verifyInvocation(await signed('s1', now - MAX_CLOCK_SKEW_MS + 1), body, ['s1'], now)).toEqual({
      ok: true,
    });
    const none = await signed('s1', now);
    none.delete(Header.timestamp);
    expect(await verifyInvocation(none, body, ['s1'], now)).toEqual(stale);
  });

  it('signs a fresh nonce into every invocation, for as long as its timestamp is accepted', async () => {
    const now = Date.now();
    const a = await signed('s1', now);
    const b = await signed('s1', now);
    expect(a.get(Header.nonce)).toMatch(/^[0-9a-f]{32}$/);
    expect(a.get(Header.nonce)).not.toBe(b.get(Header.nonce));
    a.set(Header.nonce, b.get(Header.nonce)!);
    expect(await verifyInvocation(a, body, ['s1'], now)).toEqual({ ok: false, reason: 'bad invocation signature' });
    expect(nonceLifetimeMs(b, now)).toBe(MAX_CLOCK_SKEW_MS + 1);
    expect(nonceLifetimeMs(b, now + MAX_CLOCK_SKEW_MS)).toBe(1);
  });

  it('carries the proxy fleet, signed', async () => {
    const headers = new Headers();
    const ctx = {
      connectionId: 'c',
      clientAddress: 'a:1',
      principal: 'User:ANONYMOUS',
      listener: { host: 'p1', port: 9092 },
      deadline: 1,
      brokers: [
        { host: 'p0', port: 9092 },
        { host: 'p1', port: 9092 },
        { host: '::1', port: 9093 },
      ],
    };
    writeContext(headers, ctx, 3);
    await signInvocation(headers, body, 's1');
    expect(headers.get(Header.brokers)).toBe('p0:9092,p1:9092,[::1]:9093');
    expect(readContext(headers).brokers).toEqual(ctx.brokers);
    headers.set(Header.brokers, 'evil:9092');
    expect((await verifyInvocation(headers, body, ['s1'])).ok).toBe(false);
    expect(readContext(new Headers()).brokers).toBeUndefined();
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
