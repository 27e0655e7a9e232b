/**
 * AlterUserScramCredentials (API key 51), version 0.
 *
 * The client salts the password (salt + SaltedPassword in the request); the
 * stored form is StoredKey and ServerKey computed from it, as Kafka's
 * ScramControlManager.finishUpsertion does, and the password never arrives.
 * Validation follows ScramControlManager.alterCredentials: ALTER on the
 * cluster (else CLUSTER_AUTHORIZATION_FAILED for every user); a user altered
 * twice in one request (any mix of deletions and upsertions) gets
 * DUPLICATE_RESOURCE and none of its alterations apply; an empty name is
 * UNACCEPTABLE_CREDENTIAL, an unknown mechanism UNSUPPORTED_SASL_MECHANISM,
 * iterations below 4096 or above 16384 UNACCEPTABLE_CREDENTIAL, deleting a
 * credential that does not exist RESOURCE_NOT_FOUND. Every valid alteration
 * of the request is one atomic store step.
 */

import type { AlterUserScramCredentialsResponse } from '../../shared/protocol/generated/alter-user-scram-credentials.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import {
  credentialFromSalted,
  formatCredential,
  MAX_SCRAM_ITERATIONS,
  type ScramMechanism,
  scramMechanismOfType,
} from '../../shared/security/scram.js';
import type { StoredCredential } from '../../shared/storage/credentials.js';
import { AclOperation, authorize } from '../authorize.js';
import { defineFunction } from '../define.js';

type Result = AlterUserScramCredentialsResponse['results'][number];

const DUPLICATE = 'A user credential cannot be altered twice in the same request';

function validate(name: string, type: number): { code: number; message: string } | ScramMechanism {
  if (name === '') return { code: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: 'Username must not be empty' };
  const m = scramMechanismOfType(type);
  if (m === undefined) return { code: ErrorCode.UNSUPPORTED_SASL_MECHANISM, message: 'Unknown SCRAM mechanism' };
  return m;
}

export default defineFunction({
  apiKey: ApiKey.AlterUserScramCredentials,
  versions: [0, 0],
  async handle({ body, env, ctx }): Promise<Init<AlterUserScramCredentialsResponse>> {
    const names = [...body.deletions, ...body.upsertions].map((a) => a.name);
    if (!(await authorize(env, ctx, AclOperation.ALTER))) {
      const users = [...new Set(names)];
      return {
        throttleTimeMs: 0,
        results: users.map((user) => ({
          user,
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          errorMessage: null,
        })),
      };
    }
    const errors = new Map<string, { code: number; message: string }>();
    const deletions = new Map<string, ScramMechanism>();
    const upsertions = new Map<string, StoredCredential>();
    const duplicate = (name: string): boolean => {
      if (!deletions.delete(name) && !upsertions.delete(name)) return false;
      errors.set(name, { code: ErrorCode.DUPLICATE_RESOURCE, message: DUPLICATE });
      return true;
    };
    for (const d of body.deletions) {
      if (errors.has(d.name) || duplicate(d.name)) continue;
      const m = validate(d.name, d.mechanism);
      if ('code' in m) errors.set(d.name, m);
      else deletions.set(d.name, m);
    }
    for (const u of body.upsertions) {
      if (errors.has(u.name) || duplicate(u.name)) continue;
      const m = validate(u.name, u.mechanism);
      if ('code' in m) {
        errors.set(u.name, m);
      } else if (u.iterations < m.minIterations) {
        errors.set(u.name, { code: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: 'Too few iterations' });
      } else if (u.iterations > MAX_SCRAM_ITERATIONS) {
        errors.set(u.name, { code: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: 'Too many iterations' });
      } else {
        const credential = credentialFromSalted(m, u.saltedPassword, u.salt, u.iterations);
        upsertions.set(u.name, { user: u.name, mechanism: m.name, value: formatCredential(credential) });
      }
    }
    const toDelete = [...deletions].map(([user, m]) => ({ user, mechanism: m.name }));
    const existed = await env.meta.credentials.alter(toDelete, [...upsertions.values()]);
    const results: Result[] = [];
    toDelete.forEach((d, i) => {
      results.push(
        existed[i]
          ? { user: d.user, errorCode: ErrorCode.NONE, errorMessage: null }
          : {
              user: d.user,
              errorCode: ErrorCode.RESOURCE_NOT_FOUND,
              errorMessage: 'Attempt to delete a user credential that does not exist',
            },
      );
    });
    for (const user of upsertions.keys()) results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null });
    for (const [user, e] of errors) results.push({ user, errorCode: e.code, errorMessage: e.message });
    return { throttleTimeMs: 0, results };
  },
});
