/**
 * DescribeUserScramCredentials (API key 50), version 0.
 *
 * Each user's mechanisms and iterations, never the salt or keys. As Kafka
 * (KafkaApis and ScramImage.describe): DESCRIBE on the cluster or
 * CLUSTER_AUTHORIZATION_FAILED for the whole request; no users (null or
 * empty) lists every user with a credential; a user asked for twice gets
 * DUPLICATE_RESOURCE, an unknown one RESOURCE_NOT_FOUND, with Kafka's
 * messages.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { DescribeUserScramCredentialsResponse } from '../../shared/protocol/generated/describe-user-scram-credentials.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import { scramMechanismNamed } from '../../shared/security/scram.js';
import { AclOperation, authorize } from '../authorize.js';
import { defineFunction } from '../define.js';

export default defineFunction({
  apiKey: ApiKey.DescribeUserScramCredentials,
  versions: [0, 0],
  async handle({ body, env, ctx }): Promise<Init<DescribeUserScramCredentialsResponse>> {
    if (!(await authorize(env, ctx, AclOperation.DESCRIBE))) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: null,
        results: [],
      };
    }
    const asked = body.users === null || body.users.length === 0 ? null : body.users.map((u) => u.name);
    const duplicated = new Set<string>();
    const unique: string[] = [];
    for (const name of asked ?? []) {
      if (unique.includes(name)) duplicated.add(name);
      else unique.push(name);
    }
    const stored = await env.meta.credentials.list(asked === null ? null : unique.filter((u) => !duplicated.has(u)));
    const byUser = new Map<string, { mechanism: number; iterations: number }[]>();
    for (const c of stored) {
      const m = scramMechanismNamed(c.mechanism);
      const iterations = Number(/(?:^|,)iterations=(\d+)/.exec(c.value)?.[1] ?? 0);
      if (m === undefined) continue;
      const infos = byUser.get(c.user) ?? [];
      infos.push({ mechanism: m.type, iterations });
      byUser.set(c.user, infos);
    }
    const users = asked === null ? [...byUser.keys()] : unique;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      results: users.map((user) => {
        if (duplicated.has(user)) {
          return {
            user,
            errorCode: ErrorCode.DUPLICATE_RESOURCE,
            errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`,
            credentialInfos: [],
          };
        }
        const infos = byUser.get(user);
        if (infos === undefined) {
          return {
            user,
            errorCode: ErrorCode.RESOURCE_NOT_FOUND,
            errorMessage: `Attempt to describe a user credential that does not exist: ${user}`,
            credentialInfos: [],
          };
        }
        return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos };
      }),
    };
  },
});
