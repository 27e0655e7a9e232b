import { describe, expect, it } from 'vitest';
import {
  type AclBinding,
  AclPermission,
  CLUSTER_NAME,
  filterMatches,
  invalidBinding,
  AclOperation as Op,
  PatternType,
  ResourceType,
} from './acl.js';
import { Authorizer, type AuthorizerOptions, hostOf } from './authorizer.js';

const alice = { principal: 'User:alice', host: '10.0.0.1' };
const bob = { principal: 'User:bob', host: '10.0.0.2' };
const strict: AuthorizerOptions = { superUsers: ['User:admin', 'User:ops'], allowEveryoneIfNoAclFound: false };

function acl(operation: number, name: string, options: Partial<AclBinding> & { deny?: boolean } = {}): AclBinding {
  const { deny, ...rest } = options;
  return {
    resourceType: ResourceType.TOPIC,
    resourceName: name,
    patternType: PatternType.LITERAL,
    principal: 'User:alice',
    host: '*',
    operation,
    permissionType: deny === true ? AclPermission.DENY : AclPermission.ALLOW,
    ...rest,
  };
}

const topic = (a: Authorizer, who: typeof alice, op: number, name: string): boolean =>
  a.authorize(who, op, ResourceType.TOPIC, name);

describe('Authorizer (StandardAuthorizer rules)', () => {
  it('denies without ACLs unless allow.everyone.if.no.acl.found, and lets super users do anything', () => {
    expect(topic(new Authorizer([], strict), alice, Op.READ, 't')).toBe(false);
    expect(topic(new Authorizer([], { ...strict, allowEveryoneIfNoAclFound: true }), alice, Op.READ, 't')).toBe(true);
    const denied = new Authorizer([acl(Op.ALL, '*', { principal: 'User:*', deny: true })], strict);
    expect(topic(denied, { principal: 'User:ops', host: '1.2.3.4' }, Op.DELETE, 't')).toBe(true);
    expect(topic(denied, alice, Op.DELETE, 't')).toBe(false);
  });

  it('uses allow.everyone only for resources without any ACL, whoever they name', () => {
    const a = new Authorizer([acl(Op.READ, 'owned', { principal: 'User:bob' })], {
      ...strict,
      allowEveryoneIfNoAclFound: true,
    });
    expect(topic(a, alice, Op.READ, 'owned')).toBe(false);
    expect(topic(a, alice, Op.READ, 'free')).toBe(true);
  });

  it('matches literal, wildcard and prefixed patterns', () => {
    const a = new Authorizer(
      [acl(Op.READ, 'orders'), acl(Op.WRITE, '*'), acl(Op.DELETE, 'tmp-', { patternType: PatternType.PREFIXED })],
      strict,
    );
    expect(topic(a, alice, Op.READ, 'orders')).toBe(true);
    expect(topic(a, alice, Op.READ, 'orders2')).toBe(false);
    expect(topic(a, alice, Op.WRITE, 'anything')).toBe(true);
    expect(topic(a, alice, Op.DELETE, 'tmp-1')).toBe(true);
    expect(topic(a, alice, Op.DELETE, 'tmp')).toBe(false);
    expect(a.authorize(alice, Op.READ, ResourceType.GROUP, 'orders')).toBe(false);
  });

  it('lets DENY win over ALLOW wherever each comes from', () => {
    const a = new Authorizer(
      [
        acl(Op.ALL, '*'),
        acl(Op.WRITE, 'audit-', { patternType: PatternType.PREFIXED, deny: true }),
        acl(Op.READ, 'secret', { principal: 'User:*', deny: true }),
      ],
      strict,
    );
    expect(topic(a, alice, Op.WRITE, 'orders')).toBe(true);
    expect(topic(a, alice, Op.WRITE, 'audit-log')).toBe(false);
    expect(topic(a, alice, Op.READ, 'audit-log')).toBe(true);
    expect(topic(a, alice, Op.READ, 'secret')).toBe(false);
    expect(topic(a, alice, Op.DESCRIBE, 'secret')).toBe(true);
  });

  it('implies DESCRIBE from READ, WRITE, DELETE and ALTER, and DESCRIBE_CONFIGS from ALTER_CONFIGS, for ALLOW only', () => {
    for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER]) {
      expect(topic(new Authorizer([acl(op, 't')], strict), alice, Op.DESCRIBE, 't')).toBe(true);
    }
    for (const op of [Op.CREATE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS]) {
      expect(topic(new Authorizer([acl(op, 't')], strict), alice, Op.DESCRIBE, 't')).toBe(false);
    }
    expect(topic(new Authorizer([acl(Op.ALTER_CONFIGS, 't')], strict), alice, Op.DESCRIBE_CONFIGS, 't')).toBe(true);
    expect(topic(new Authorizer([acl(Op.DESCRIBE_CONFIGS, 't')], strict), alice, Op.ALTER_CONFIGS, 't')).toBe(false);
    expect(topic(new Authorizer([acl(Op.DESCRIBE, 't')], strict), alice, Op.READ, 't')).toBe(false);
    // A DENY of READ does not deny DESCRIBE; a DENY of ALL does.
    const deniedRead = new Authorizer([acl(Op.ALL, 't'), acl(Op.READ, 't', { deny: true })], strict);
    expect(topic(deniedRead, alice, Op.DESCRIBE, 't')).toBe(true);
    const deniedAll = new Authorizer([acl(Op.ALL, 't'), acl(Op.ALL, 't', { deny: true })], strict);
    expect(topic(deniedAll, alice, Op.DESCRIBE, 't')).toBe(false);
  });

  it('matches principals exactly or through User:*, and hosts exactly or through *', () => {
    const a = new Authorizer(
      [acl(Op.READ, 't', { host: '10.0.0.1' }), acl(Op.WRITE, 't', { principal: 'User:*' })],
      strict,
    );
    expect(topic(a, alice, Op.READ, 't')).toBe(true);
    expect(topic(a, { ...alice, host: '10.0.0.9' }, Op.READ, 't')).toBe(false);
    expect(topic(a, bob, Op.READ, 't')).toBe(false);
    expect(topic(a, bob, Op.WRITE, 't')).toBe(true);
    expect(topic(a, { principal: 'Group:x', host: '1.1.1.1' }, Op.WRITE, 't')).toBe(true);
  });

  it('reports authorized operations as Kafka bit fields', () => {
    const a = new Authorizer(
      [
        acl(Op.READ, 't'),
        acl(Op.ALTER_CONFIGS, 't'),
        acl(Op.DESCRIBE, CLUSTER_NAME, { resourceType: ResourceType.CLUSTER }),
      ],
      strict,
    );
    const bit = (...ops: number[]) => ops.reduce((b, op) => b | (1 << op), 0);
    expect(a.authorizedOperations(alice, ResourceType.TOPIC, 't')).toBe(
      bit(Op.READ, Op.DESCRIBE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS),
    );
    expect(a.authorizedOperations(alice, ResourceType.CLUSTER, CLUSTER_NAME)).toBe(bit(Op.DESCRIBE));
    expect(a.authorizedOperations({ principal: 'User:admin', host: 'h' }, ResourceType.GROUP, 'g')).toBe(
      bit(Op.READ, Op.DESCRIBE, Op.DELETE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS),
    );
  });

  it('authorizes by resource type as KIP-679 does', () => {
    const any = (acls: AclBinding[]) => new Authorizer(acls, strict).authorizeAny(alice, Op.WRITE, ResourceType.TOPIC);
    expect(any([])).toBe(false);
    expect(any([acl(Op.WRITE, 'orders')])).toBe(true);
    expect(any([acl(Op.ALL, 'x-', { patternType: PatternType.PREFIXED })])).toBe(true);
    expect(
      any([acl(Op.WRITE, 'orders'), acl(Op.WRITE, 'ord', { patternType: PatternType.PREFIXED, deny: true })]),
    ).toBe(false);
    expect(any([acl(Op.WRITE, 'orders'), acl(Op.WRITE, '*', { deny: true })])).toBe(false);
    expect(any([acl(Op.READ, 'orders')])).toBe(false);
    expect(any([acl(Op.WRITE, 'orders', { principal: 'User:bob' })])).toBe(false);
  });
});

describe('ACL filters and validation', () => {
  const binding = acl(Op.READ, 'orders-', { patternType: PatternType.PREFIXED });
  const filter = {
    resourceType: ResourceType.ANY,
    resourceName: null,
    patternType: PatternType.ANY,
    principal: null,
    host: null,
    operation: Op.ANY,
    permissionType: AclPermission.ANY,
  };

  it('matches as AclBindingFilter does: ANY by exact name, MATCH by what the pattern would cover', () => {
    expect(filterMatches(filter, binding)).toBe(true);
    expect(filterMatches({ ...filter, resourceName: 'orders-' }, binding)).toBe(true);
    expect(filterMatches({ ...filter, resourceName: 'orders-eu' }, binding)).toBe(false);
    expect(filterMatches({ ...filter, resourceName: 'orders-eu', patternType: PatternType.MATCH }, binding)).toBe(true);
    expect(filterMatches({ ...filter, resourceName: 'x', patternType: PatternType.MATCH }, acl(Op.READ, '*'))).toBe(
      true,
    );
    expect(filterMatches({ ...filter, patternType: PatternType.LITERAL }, binding)).toBe(false);
    expect(filterMatches({ ...filter, principal: 'User:bob' }, binding)).toBe(false);
    expect(filterMatches({ ...filter, operation: Op.WRITE }, binding)).toBe(false);
    expect(filterMatches({ ...filter, resourceType: ResourceType.GROUP }, binding)).toBe(false);
  });

  it('refuses bindings Kafka refuses', () => {
    expect(invalidBinding(binding)).toBeNull();
    expect(invalidBinding({ ...binding, resourceType: ResourceType.ANY })).toMatch(/resourceType/);
    expect(invalidBinding({ ...binding, patternType: PatternType.MATCH })).toMatch(/patternType/);
    expect(invalidBinding({ ...binding, operation: Op.ANY })).toMatch(/operation/);
    expect(invalidBinding({ ...binding, permissionType: AclPermission.ANY })).toMatch(/permissionType/);
    expect(invalidBinding({ ...binding, resourceType: ResourceType.CLUSTER, resourceName: 'c' })).toMatch(/CLUSTER/);
    expect(invalidBinding({ ...binding, resourceName: '' })).toMatch(/empty/);
    expect(invalidBinding({ ...binding, principal: 'alice' })).toMatch(/principal/);
  });

  it('takes the host of a client address', () => {
    expect(hostOf('10.0.0.1:5555')).toBe('10.0.0.1');
    expect(hostOf('[::1]:5555')).toBe('::1');
    expect(hostOf('[::ffff:10.0.0.7]:5555')).toBe('10.0.0.7');
    expect(hostOf('')).toBe('');
  });
});
