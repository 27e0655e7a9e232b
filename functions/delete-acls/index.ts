/**
 * DeleteAcls (API key 31), versions 0-3.
 *
 * As Kafka's AclApis: a filter holding an UNKNOWN element makes the request
 * unparseable (Kafka closes the connection); ALTER on the cluster, else every
 * filter result is CLUSTER_AUTHORIZATION_FAILED; no authorizer configured,
 * SECURITY_DISABLED. Otherwise every binding any filter matches is removed
 * in one atomic step, and each filter reports the bindings it matched that
 * were removed (a binding two filters match is reported by both, as Kafka
 * does). A binding added after the ACLs were read is not removed.
 */

import { type AclBindingFilter, compareBindings, filterIsUnknown, filterMatches } from '../../shared/acls/acl.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { aclKey } from '../../shared/storage/acls.js';
import { AclOperation, access } from '../authorize.js';
import { CLOSE_CONNECTION, defineFunction } from '../define.js';

export default defineFunction({
  apiKey: ApiKey.DeleteAcls,
  versions: [0, 3],
  async handle({ body, env, ctx }) {
    const filters: AclBindingFilter[] = body.filters.map((f) => ({
      resourceType: f.resourceTypeFilter,
      resourceName: f.resourceNameFilter,
      patternType: f.patternTypeFilter,
      principal: f.principalFilter,
      host: f.hostFilter,
      operation: f.operation,
      permissionType: f.permissionType,
    }));
    if (filters.some(filterIsUnknown)) return CLOSE_CONNECTION;
    const checks = await access(env, ctx);
    const all = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0,
      filterResults: filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
    });
    if (!checks.allowsCluster(AclOperation.ALTER)) {
      return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    }
    if (!checks.enabled) return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    const { acls } = await env.meta.acls.snapshot();
    const matches = filters.map((f) => acls.filter((acl) => filterMatches(f, acl)).sort(compareBindings));
    const wanted = new Map(matches.flat().map((acl) => [aclKey(acl), acl]));
    const { removed } = wanted.size > 0 ? await env.meta.acls.remove([...wanted.values()]) : { removed: [] };
    const gone = new Set(removed.map(aclKey));
    env.log.info('acls deleted', { principal: ctx.principal, count: gone.size });
    return {
      throttleTimeMs: 0,
      filterResults: matches.map((matched) => ({
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        matchingAcls: matched
          .filter((acl) => gone.has(aclKey(acl)))
          .map((acl) => ({
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            resourceType: acl.resourceType,
            resourceName: acl.resourceName,
            patternType: acl.patternType,
            principal: acl.principal,
            host: acl.host,
            operation: acl.operation,
            permissionType: acl.permissionType,
          })),
      })),
    };
  },
});
