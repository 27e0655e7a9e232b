/**
 * DescribeAcls (API key 29), versions 0-3.
 *
 * As Kafka's AclApis: a filter holding an UNKNOWN element makes the request
 * unparseable (Kafka closes the connection); DESCRIBE on the cluster, else
 * CLUSTER_AUTHORIZATION_FAILED; no authorizer configured, SECURITY_DISABLED;
 * else the bindings the filter matches (AclBindingFilter.matches: ANY and
 * MATCH pattern types, null name, principal and host match anything),
 * grouped by resource pattern. v0 filters are LITERAL (the field's default).
 */

import { type AclBindingFilter, compareBindings, filterIsUnknown, filterMatches } from '../../shared/acls/acl.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { DescribeAclsResponseDescribeAclsResource } from '../../shared/protocol/generated/describe-acls.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { AclOperation, access } from '../authorize.js';
import { CLOSE_CONNECTION, defineFunction } from '../define.js';

export default defineFunction({
  apiKey: ApiKey.DescribeAcls,
  versions: [0, 3],
  async handle({ body, env, ctx }) {
    const filter: AclBindingFilter = {
      resourceType: body.resourceTypeFilter,
      resourceName: body.resourceNameFilter,
      patternType: body.patternTypeFilter,
      principal: body.principalFilter,
      host: body.hostFilter,
      operation: body.operation,
      permissionType: body.permissionType,
    };
    if (filterIsUnknown(filter)) return CLOSE_CONNECTION;
    const checks = await access(env, ctx);
    const fail = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      resources: [],
    });
    if (!checks.allowsCluster(AclOperation.DESCRIBE)) {
      return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    }
    if (!checks.enabled) return fail(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker');
    const { acls } = await env.meta.acls.snapshot();
    const matched = acls.filter((acl) => filterMatches(filter, acl)).sort(compareBindings);
    const resources: DescribeAclsResponseDescribeAclsResource[] = [];
    for (const acl of matched) {
      let last = resources.at(-1);
      if (
        last === undefined ||
        last.resourceType !== acl.resourceType ||
        last.resourceName !== acl.resourceName ||
        last.patternType !== acl.patternType
      ) {
        last = {
          resourceType: acl.resourceType,
          resourceName: acl.resourceName,
          patternType: acl.patternType,
          acls: [],
        };
        resources.push(last);
      }
      last.acls.push({
        principal: acl.principal,
        host: acl.host,
        operation: acl.operation,
        permissionType: acl.permissionType,
      });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources };
  },
});
