/** CreateAcls, DescribeAcls and DeleteAcls: Kafka's validation, errors and filter rules. */

import { describe, expect, it } from 'vitest';
import { AclPermission, AclOperation as Op, PatternType, ResourceType } from '../../shared/acls/acl.js';
import { Header } from '../../shared/invocation.js';
import { encodeRequest } from '../../shared/protocol/frame.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { CORRELATION_ID, harness } from '../test-harness.js';

const as = (principal: string): Record<string, string> => ({
  [Header.principal]: principal,
  [Header.clientAddress]: '10.1.1.1:5000',
});
const admin = as('User:admin');
const withAcls = () => harness({ authorizer: { superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false } });

const creation = (over: Record<string, number | string> = {}) => ({
  resourceType: ResourceType.TOPIC,
  resourceName: 'orders',
  resourcePatternType: PatternType.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: Op.READ,
  permissionType: AclPermission.ALLOW,
  ...over,
});
const anyFilter = {
  resourceTypeFilter: ResourceType.ANY,
  resourceNameFilter: null,
  patternTypeFilter: PatternType.ANY,
  principalFilter: null,
  hostFilter: null,
  operation: Op.ANY,
  permissionType: AclPermission.ANY,
};

describe('ACL functions', () => {
  it('answer SECURITY_DISABLED without an authorizer, as Kafka does', async () => {
    const h = harness();
    const created = await h.call(ApiKey.CreateAcls, 3, { creations: [creation()] });
    expect(created.results).toEqual([{ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: expect.any(String) }]);
    const described = await h.call(ApiKey.DescribeAcls, 3, anyFilter);
    expect(described.errorCode).toBe(ErrorCode.SECURITY_DISABLED);
    const deleted = await h.call(ApiKey.DeleteAcls, 3, { filters: [anyFilter] });
    expect(deleted.filterResults[0]!.errorCode).toBe(ErrorCode.SECURITY_DISABLED);
  });

  it('need ALTER (create, delete) or DESCRIBE (describe) on the cluster', async () => {
    const h = withAcls();
    const alice = as('User:alice');
    expect((await h.call(ApiKey.CreateAcls, 3, { creations: [creation()] }, alice)).results[0]!.errorCode).toBe(
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    );
    expect((await h.call(ApiKey.DescribeAcls, 3, anyFilter, alice)).errorCode).toBe(
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    );
    expect((await h.call(ApiKey.DeleteAcls, 3, { filters: [anyFilter] }, alice)).filterResults[0]!.errorCode).toBe(
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    );
    // ALTER on the cluster implies DESCRIBE: alice may then describe, and create.
    const grant = creation({ resourceType: ResourceType.CLUSTER, resourceName: 'kafka-cluster', operation: Op.ALTER });
    expect((await h.call(ApiKey.CreateAcls, 3, { creations: [grant] }, admin)).results[0]!.errorCode).toBe(0);
    expect((await h.call(ApiKey.DescribeAcls, 3, anyFilter, alice)).errorCode).toBe(0);
    expect((await h.call(ApiKey.CreateAcls, 3, { creations: [creation()] }, alice)).results[0]!.errorCode).toBe(0);
  });

  it('validate each creation as Kafka does and store the valid ones', async () => {
    const h = withAcls();
    const res = await h.call(
      ApiKey.CreateAcls,
      3,
      {
        creations: [
          creation(),
          creation({ resourceType: ResourceType.ANY }),
          creation({ resourcePatternType: PatternType.MATCH }),
          creation({ operation: Op.ANY }),
          creation({ permissionType: AclPermission.ANY }),
          creation({ resourceType: ResourceType.CLUSTER, resourceName: 'other' }),
          creation({ resourceName: '' }),
          creation({ principal: 'alice' }),
          creation({
            resourcePatternType: PatternType.PREFIXED,
            resourceName: 'tmp-',
            permissionType: AclPermission.DENY,
          }),
        ],
      },
      admin,
    );
    expect(res.results.map((r) => r.errorCode)).toEqual([0, 42, 42, 42, 42, 42, 42, 42, 0]);
    expect(res.results[5]!.errorMessage).toBe('The only valid name for the CLUSTER resource is kafka-cluster');
    const snapshot = await h.meta.acls.snapshot();
    expect(snapshot.acls).toHaveLength(2);
    // Creating the same binding again succeeds and changes nothing.
    expect((await h.call(ApiKey.CreateAcls, 1, { creations: [creation()] }, admin)).results[0]!.errorCode).toBe(0);
    expect((await h.meta.acls.snapshot()).version).toBe(snapshot.version);
  });

  it('close the connection on UNKNOWN elements, which Kafka cannot parse', async () => {
    const h = withAcls();
    const frame = encodeRequest(ApiKey.CreateAcls, 3, CORRELATION_ID, 'c', {
      creations: [creation({ operation: Op.UNKNOWN })],
    });
    const res = await h.send(frame, admin);
    expect(res.status).toBe(400);
    expect(res.headers.get(Header.action)).toBe('close');
    const describe = await h.send(
      encodeRequest(ApiKey.DescribeAcls, 3, CORRELATION_ID, 'c', { ...anyFilter, patternTypeFilter: 0 }),
      admin,
    );
    expect(describe.headers.get(Header.action)).toBe('close');
  });

  it('describe by filter, grouped by resource pattern, with MATCH covering wildcard and prefixed patterns', async () => {
    const h = withAcls();
    await h.call(
      ApiKey.CreateAcls,
      3,
      {
        creations: [
          creation(),
          creation({ operation: Op.WRITE, principal: 'User:bob', host: '10.0.0.1' }),
          creation({ resourceName: '*' }),
          creation({ resourceName: 'ord', resourcePatternType: PatternType.PREFIXED }),
          creation({ resourceType: ResourceType.GROUP, resourceName: 'g' }),
        ],
      },
      admin,
    );
    const all = await h.call(ApiKey.DescribeAcls, 3, anyFilter, admin);
    expect(all.resources.map((r) => [r.resourceType, r.resourceName, r.patternType, r.acls.length])).toEqual([
      [ResourceType.TOPIC, '*', PatternType.LITERAL, 1],
      [ResourceType.TOPIC, 'ord', PatternType.PREFIXED, 1],
      [ResourceType.TOPIC, 'orders', PatternType.LITERAL, 2],
      [ResourceType.GROUP, 'g', PatternType.LITERAL, 1],
    ]);
    const match = await h.call(
      ApiKey.DescribeAcls,
      3,
      {
        ...anyFilter,
        resourceTypeFilter: ResourceType.TOPIC,
        resourceNameFilter: 'orders',
        patternTypeFilter: PatternType.MATCH,
      },
      admin,
    );
    expect(match.resources.map((r) => r.resourceName)).toEqual(['*', 'ord', 'orders']);
    const literal = await h.call(
      ApiKey.DescribeAcls,
      0,
      {
        ...anyFilter,
        resourceTypeFilter: ResourceType.TOPIC,
        resourceNameFilter: 'orders',
        patternTypeFilter: PatternType.LITERAL,
        principalFilter: 'User:bob',
      },
      admin,
    );
    expect(literal.resources).toEqual([
      {
        resourceType: ResourceType.TOPIC,
        resourceName: 'orders',
        patternType: PatternType.LITERAL,
        acls: [{ principal: 'User:bob', host: '10.0.0.1', operation: Op.WRITE, permissionType: AclPermission.ALLOW }],
      },
    ]);
  });

  it('delete what each filter matches and report it per filter', async () => {
    const h = withAcls();
    await h.call(
      ApiKey.CreateAcls,
      3,
      { creations: [creation(), creation({ operation: Op.WRITE }), creation({ resourceType: ResourceType.GROUP })] },
      admin,
    );
    const res = await h.call(
      ApiKey.DeleteAcls,
      3,
      {
        filters: [
          { ...anyFilter, resourceTypeFilter: ResourceType.TOPIC, operation: Op.READ },
          { ...anyFilter, resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: 'orders' },
          { ...anyFilter, principalFilter: 'User:nobody' },
        ],
      },
      admin,
    );
    expect(res.filterResults.map((r) => r.matchingAcls.map((a) => a.operation))).toEqual([
      [Op.READ],
      [Op.READ, Op.WRITE],
      [],
    ]);
    expect((await h.meta.acls.snapshot()).acls.map((a) => a.resourceType)).toEqual([ResourceType.GROUP]);
  });

  it('are advertised by ApiVersions with every version', async () => {
    const h = harness();
    const res = await h.call(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    for (const key of [ApiKey.DescribeAcls, ApiKey.CreateAcls, ApiKey.DeleteAcls]) {
      expect(res.apiKeys.find((k) => k.apiKey === key)).toMatchObject({ minVersion: 0, maxVersion: 3 });
    }
  });
});
