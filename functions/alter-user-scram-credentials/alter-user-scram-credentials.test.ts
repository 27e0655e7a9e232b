import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import {
  parseCredential,
  passwordMatches,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  saltedPassword,
} from '../../shared/security/scram.js';
import { harness } from '../test-harness.js';

function upsertion(name: string, mechanism: number, password: string, iterations = 4096) {
  const m = mechanism === 1 ? SCRAM_SHA_256 : SCRAM_SHA_512;
  const salt = randomBytes(16);
  const salted = mechanism === 1 || mechanism === 2 ? saltedPassword(m, password, salt, Math.max(iterations, 1)) : salt;
  return { name, mechanism, iterations, salt, saltedPassword: salted };
}

const byUser = <T extends { user: string }>(results: T[]) => new Map(results.map((r) => [r.user, r]));

describe('AlterUserScramCredentials and DescribeUserScramCredentials', () => {
  it('stores StoredKey and ServerKey from the salted password, and describes mechanisms and iterations', async () => {
    const h = harness();
    const altered = await h.call(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [upsertion('alice', 2, 'pw', 8192), upsertion('bob', 1, 'pw2')],
    });
    expect(altered.results.map((r) => [r.user, r.errorCode])).toEqual([
      ['alice', ErrorCode.NONE],
      ['bob', ErrorCode.NONE],
    ]);
    const stored = parseCredential((await h.meta.credentials.get('alice', 'SCRAM-SHA-512'))!);
    expect(stored.iterations).toBe(8192);
    expect(passwordMatches(SCRAM_SHA_512, 'pw', stored)).toBe(true);
    await h.call(ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions: [upsertion('alice', 1, 'pw')] });

    const all = await h.call(ApiKey.DescribeUserScramCredentials, 0, { users: null });
    expect(all.errorCode).toBe(ErrorCode.NONE);
    expect(byUser(all.results).get('alice')?.credentialInfos).toEqual([
      { mechanism: 1, iterations: 4096 },
      { mechanism: 2, iterations: 8192 },
    ]);
    const some = await h.call(ApiKey.DescribeUserScramCredentials, 0, {
      users: [{ name: 'bob' }, { name: 'nobody' }, { name: 'alice' }, { name: 'alice' }],
    });
    expect(some.results).toEqual([
      {
        user: 'bob',
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        credentialInfos: [{ mechanism: 1, iterations: 4096 }],
      },
      {
        user: 'nobody',
        errorCode: ErrorCode.RESOURCE_NOT_FOUND,
        errorMessage: 'Attempt to describe a user credential that does not exist: nobody',
        credentialInfos: [],
      },
      {
        user: 'alice',
        errorCode: ErrorCode.DUPLICATE_RESOURCE,
        errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request: alice',
        credentialInfos: [],
      },
    ]);
  });

  it("refuses what Kafka's controller refuses, and applies the rest", async () => {
    const h = harness();
    await h.call(ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions: [upsertion('carol', 2, 'pw')] });
    const answer = await h.call(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [
        { name: 'carol', mechanism: 2 },
        { name: 'ghost', mechanism: 1 },
        { name: 'twice', mechanism: 1 },
        { name: '', mechanism: 1 },
      ],
      upsertions: [
        upsertion('twice', 1, 'x'),
        upsertion('weak', 1, 'x', 1024),
        upsertion('slow', 2, 'x', 20000),
        upsertion('odd', 7, 'x'),
        upsertion('dave', 1, 'x'),
      ],
    });
    const results = byUser(answer.results);
    expect(results.get('carol')).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(results.get('ghost')).toMatchObject({
      errorCode: ErrorCode.RESOURCE_NOT_FOUND,
      errorMessage: 'Attempt to delete a user credential that does not exist',
    });
    expect(results.get('twice')).toMatchObject({
      errorCode: ErrorCode.DUPLICATE_RESOURCE,
      errorMessage: 'A user credential cannot be altered twice in the same request',
    });
    expect(results.get('')).toMatchObject({
      errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      errorMessage: 'Username must not be empty',
    });
    expect(results.get('weak')).toMatchObject({
      errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      errorMessage: 'Too few iterations',
    });
    expect(results.get('slow')).toMatchObject({
      errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      errorMessage: 'Too many iterations',
    });
    expect(results.get('odd')).toMatchObject({
      errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      errorMessage: 'Unknown SCRAM mechanism',
    });
    expect(results.get('dave')).toMatchObject({ errorCode: ErrorCode.NONE });
    expect((await h.meta.credentials.list(null)).map((c) => c.user)).toEqual(['dave']);
  });
});
