import { describe, expect, it } from 'vitest';
import { rfc2253 } from '../proxy/tls-principal.js';
import { newStep, openState, outcomeFrom, outcomeHeaders, readOutcome, sealState } from './sasl-invocation.js';

describe('SASL across the invocation contract', () => {
  it('opens a sealed state only with its key, on its connection, before it expires', () => {
    const sealed = sealState({ user: 'alice' }, 'conn-1', 'k1', 1_000);
    expect(openState(sealed, 'conn-1', ['k0', 'k1'], 999)).toEqual({ user: 'alice' });
    expect(openState(sealed, 'conn-2', ['k1'], 999)).toBeUndefined();
    expect(openState(sealed, 'conn-1', ['k2'], 999)).toBeUndefined();
    expect(openState(sealed, 'conn-1', ['k1'], 1_000)).toBeUndefined();
    const [body, tag] = sealed.split('.');
    const forged = Buffer.from(JSON.stringify({ v: { user: 'admin' }, c: 'conn-1', e: 1_000 })).toString('base64url');
    expect(openState(`${forged}.${tag}`, 'conn-1', ['k1'], 0)).toBeUndefined();
    expect(body).not.toBe(forged);
  });

  it('adopts an outcome only for its own step, signed with a known secret', () => {
    const step = newStep('SCRAM-SHA-512', null);
    const headers = new Headers(outcomeHeaders({ nonce: step.nonce, principal: 'User:alice' }, 'conn-1', 's1'));
    const got = outcomeFrom((name) => headers.get(name));
    expect(readOutcome(got, step, 'conn-1', ['s0', 's1'])).toEqual({ nonce: step.nonce, principal: 'User:alice' });
    expect(readOutcome(got, step, 'conn-2', ['s1'])).toBeUndefined();
    expect(readOutcome(got, step, 'conn-1', ['other'])).toBeUndefined();
    expect(readOutcome(got, newStep('SCRAM-SHA-512', null), 'conn-1', ['s1'])).toBeUndefined();
    const unsigned = new Headers(outcomeHeaders({ nonce: step.nonce, principal: 'User:admin' }, 'conn-1', undefined));
    expect(
      readOutcome(
        outcomeFrom((n) => unsigned.get(n)),
        step,
        'conn-1',
        ['s1'],
      ),
    ).toBeUndefined();
    // In-process (no secret configured) the outcome is taken as is.
    expect(
      readOutcome(
        outcomeFrom((n) => unsigned.get(n)),
        step,
        'conn-1',
        undefined,
      )?.principal,
    ).toBe('User:admin');
  });

  it("prints a certificate subject as Kafka's default SSL principal does (RFC 2253)", () => {
    expect(rfc2253('C=US\nO=acme\nOU=eng\nCN=alice')).toBe('CN=alice,OU=eng,O=acme,C=US');
    expect(rfc2253('O=a, b\nCN=x+y')).toBe('CN=x\\+y,O=a\\, b');
  });
});
