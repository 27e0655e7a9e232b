/**
 * CreateAcls (API key 30), versions 0-3.
 *
 * As Kafka's AclApis with the StandardAuthorizer (KIP-11, KIP-290):
 * - a creation holding an UNKNOWN type, pattern, operation or permission
 *   makes the request unparseable: Kafka closes the connection;
 * - ALTER on the cluster, else every result is CLUSTER_AUTHORIZATION_FAILED;
 * - no authorizer configured: every result is SECURITY_DISABLED;
 * - each binding is checked on its own (AclControlManager.validateNewAcl):
 *   ANY types, MATCH/ANY patterns, a CLUSTER not named `kafka-cluster`, an
 *   empty name or a principal without `Type:` are INVALID_REQUEST; the
 *   valid ones are stored in one atomic step, an existing one again
 *   succeeds without change.
 * v0 carries no pattern type: LITERAL (the field's default).
 */

import { type AclBinding, AclOperation, bindingIsUnknown, invalidBinding } from '../../shared/acls/acl.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { CreateAclsResponseAclCreationResult } from '../../shared/protocol/generated/create-acls.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { access } from '../authorize.js';
import { CLOSE_CONNECTION, defineFunction } from '../define.js';

export default defineFunction({
  apiKey: ApiKey.CreateAcls,
  versions: [0, 3],
  async handle({ body, env, ctx }) {
    const bindings: AclBinding[] = body.creations.map((c) => ({
      resourceType: c.resourceType,
      resourceName: c.resourceName,
      patternType: c.resourcePatternType,
      principal: c.principal,
      host: c.host,
      operation: c.operation,
      permissionType: c.permissionType,
    }));
    if (bindings.some(bindingIsUnknown)) return CLOSE_CONNECTION;
    const all = (errorCode: number, errorMessage: string): CreateAclsResponseAclCreationResult[] =>
      bindings.map(() => ({ errorCode, errorMessage }));
    const checks = await access(env, ctx);
    if (!checks.allowsCluster(AclOperation.ALTER)) {
      return {
        throttleTimeMs: 0,
        results: all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.'),
      };
    }
    if (!checks.enabled) {
      return { throttleTimeMs: 0, results: all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.') };
    }
    const problems = bindings.map(invalidBinding);
    const valid = bindings.filter((_, i) => problems[i] === null);
    if (valid.length > 0) await env.meta.acls.add(valid);
    env.log.info('acls created', { principal: ctx.principal, count: valid.length });
    return {
      throttleTimeMs: 0,
      results: problems.map((problem) =>
        problem === null
          ? { errorCode: ErrorCode.NONE, errorMessage: null }
          : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem },
      ),
    };
  },
});
