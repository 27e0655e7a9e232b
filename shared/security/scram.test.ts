import { describe, expect, it } from 'vitest';
import {
  credentialFor,
  credentialFromSalted,
  formatCredential,
  parseClientFirst,
  parseCredential,
  passwordMatches,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  ScramClient,
  ScramError,
  saltedPassword,
  serverFinal,
  serverFirst,
} from './scram.js';

describe('SCRAM', () => {
  it('reproduces the RFC 7677 SCRAM-SHA-256 test vector', () => {
    // RFC 7677 section 3: user "user", password "pencil", 4096 iterations.
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const salted = saltedPassword(SCRAM_SHA_256, 'pencil', salt, 4096);
    const credential = credentialFromSalted(SCRAM_SHA_256, salted, salt, 4096);
    const first = parseClientFirst(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    const step = serverFirst(SCRAM_SHA_256, first, credential, '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    expect(step.message).toBe('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    const final = serverFinal(
      SCRAM_SHA_256,
      step.state,
      credential,
      Buffer.from(
        'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
      ),
    );
    expect(final).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it('completes an exchange with its own client, for both mechanisms, and refuses a wrong password', () => {
    for (const m of [SCRAM_SHA_256, SCRAM_SHA_512]) {
      const credential = credentialFor(m, 'secret', 4096);
      const client = new ScramClient(m, 'al,i=ce', 'secret');
      const first = parseClientFirst(client.first());
      expect(first.user).toBe('al,i=ce');
      const step = serverFirst(m, first, credential);
      const final = serverFinal(m, step.state, credential, client.final(Buffer.from(step.message)));
      expect(client.verify(Buffer.from(final))).toBe(true);

      const wrong = new ScramClient(m, 'alice', 'guess');
      const s2 = serverFirst(m, parseClientFirst(wrong.first()), credential);
      expect(() => serverFinal(m, s2.state, credential, wrong.final(Buffer.from(s2.message)))).toThrow(
        'Invalid client credentials',
      );
    }
  });

  it('refuses what Kafka refuses in the first message', () => {
    const credential = credentialFor(SCRAM_SHA_512, 'x');
    const first = (text: string) => parseClientFirst(Buffer.from(text));
    expect(() => serverFirst(SCRAM_SHA_512, first('n,,n=bob,r=abc'), null)).toThrow(
      'Authentication failed: Invalid user credentials',
    );
    let authz: ScramError | undefined;
    try {
      serverFirst(SCRAM_SHA_512, first('n,a=eve,n=bob,r=abc'), credential);
    } catch (e) {
      authz = e as ScramError;
    }
    expect(authz?.explicit).toBe(true);
    expect(() => serverFirst(SCRAM_SHA_512, first('n,,n=bob,r=abc,tokenauth=true'), credential)).toThrow(
      'Token Authentication failed',
    );
    expect(() => parseClientFirst(Buffer.from('p=tls-unique,,n=bob,r=abc'))).toThrow(ScramError);
    const weak = { ...credential, iterations: 1000 };
    expect(() => serverFirst(SCRAM_SHA_512, first('n,,n=bob,r=abc'), weak)).toThrow('less than the minimum');
  });

  it("keeps credentials in Kafka's text form and checks PLAIN passwords against them", () => {
    const c = credentialFor(SCRAM_SHA_512, 'pw', 4096);
    const text = formatCredential(c);
    expect(text).toMatch(/^salt=[^,]+,stored_key=[^,]+,server_key=[^,]+,iterations=4096$/);
    const back = parseCredential(text);
    expect(Buffer.from(back.storedKey)).toEqual(Buffer.from(c.storedKey));
    expect(passwordMatches(SCRAM_SHA_512, 'pw', back)).toBe(true);
    expect(passwordMatches(SCRAM_SHA_512, 'pW', back)).toBe(false);
  });
});
