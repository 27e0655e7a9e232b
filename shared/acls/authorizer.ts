/**
 * Kafka's StandardAuthorizer rules over a set of ACL bindings, as pure
 * TypeScript: super users may do anything; otherwise the ACLs on the
 * resource (its literal name, the literal wildcard `*`, and every prefix
 * pattern the name starts with) that name the principal (or `User:*`) and
 * the client's host (or `*`) decide, a DENY winning over any ALLOW; an ALLOW
 * of READ, WRITE, DELETE or ALTER also allows DESCRIBE, and ALTER_CONFIGS
 * allows DESCRIBE_CONFIGS (never for DENY); ALL covers every operation.
 * A resource with no ACL at all is allowed only under
 * `allow.everyone.if.no.acl.found`.
 */

import {
  type AclBinding,
  AclOperation,
  AclPermission,
  PatternType,
  SUPPORTED_OPERATIONS,
  WILDCARD,
  WILDCARD_PRINCIPAL,
} from './acl.js';

export interface AuthorizerOptions {
  /** Principals allowed everything (`super.users`), as `User:admin`. */
  readonly superUsers: readonly string[];
  /** `allow.everyone.if.no.acl.found` (Kafka's default false). */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** Who asks: the principal and the client's host (an address, without port). */
export interface Requester {
  readonly principal: string;
  readonly host: string;
}

const IMPLIES_DESCRIBE: ReadonlySet<number> = new Set([
  AclOperation.DESCRIBE,
  AclOperation.READ,
  AclOperation.WRITE,
  AclOperation.DELETE,
  AclOperation.ALTER,
]);
const IMPLIES_DESCRIBE_CONFIGS: ReadonlySet<number> = new Set([
  AclOperation.DESCRIBE_CONFIGS,
  AclOperation.ALTER_CONFIGS,
]);

/** Whether an ACL's operation covers the one asked for (StandardAuthorizerData.findResult). */
function operationCovers(acl: AclBinding, operation: number): boolean {
  if (acl.operation === AclOperation.ALL) return true;
  if (acl.permissionType !== AclPermission.ALLOW) return acl.operation === operation;
  if (operation === AclOperation.DESCRIBE) return IMPLIES_DESCRIBE.has(acl.operation);
  if (operation === AclOperation.DESCRIBE_CONFIGS) return IMPLIES_DESCRIBE_CONFIGS.has(acl.operation);
  return acl.operation === operation;
}

export class Authorizer {
  private readonly superUsers: ReadonlySet<string>;
  /** ACLs by resource type. */
  private readonly byType = new Map<number, AclBinding[]>();

  constructor(
    acls: readonly AclBinding[],
    readonly options: AuthorizerOptions,
  ) {
    this.superUsers = new Set(options.superUsers);
    for (const acl of acls) {
      const list = this.byType.get(acl.resourceType);
      if (list === undefined) this.byType.set(acl.resourceType, [acl]);
      else list.push(acl);
    }
  }

  isSuperUser(principal: string): boolean {
    return this.superUsers.has(principal);
  }

  /** Whether `who` may perform `operation` on the resource `resourceType`/`name` (a literal name). */
  authorize(who: Requester, operation: number, resourceType: number, name: string): boolean {
    if (this.superUsers.has(who.principal)) return true;
    let hasResourceAcls = false;
    let allowed = false;
    for (const acl of this.byType.get(resourceType) ?? []) {
      if (!patternMatches(acl, name)) continue;
      hasResourceAcls = true;
      if (!entryApplies(acl, who)) continue;
      if (!operationCovers(acl, operation)) continue;
      if (acl.permissionType === AclPermission.DENY) return false;
      allowed = true;
    }
    return hasResourceAcls ? allowed : this.options.allowEveryoneIfNoAclFound;
  }

  /**
   * Kafka's authorizedOperations bit field for a resource (Metadata,
   * DescribeGroups): bit n set when operation code n is allowed.
   */
  authorizedOperations(who: Requester, resourceType: number, name: string): number {
    let bits = 0;
    for (const op of SUPPORTED_OPERATIONS.get(resourceType) ?? []) {
      if (this.authorize(who, op, resourceType, name)) bits |= 1 << op;
    }
    return bits;
  }

  /**
   * Whether `who` may perform `operation` on at least one resource of the
   * type (Authorizer.authorizeByResourceType, KIP-679): some ALLOW for it,
   * literal or prefixed, that no DENY covers; a DENY on the wildcard `*`
   * denies every resource. No implied operations here, as in Kafka.
   */
  authorizeAny(who: Requester, operation: number, resourceType: number): boolean {
    if (this.superUsers.has(who.principal)) return true;
    // What holds for a name no ACL mentions (Kafka checks a made-up name first).
    if (this.authorize(who, operation, resourceType, '\u0000any')) return true;
    const denyLiteral = new Set<string>();
    const denyPrefixed: string[] = [];
    const allowLiteral: string[] = [];
    const allowPrefixed: string[] = [];
    for (const acl of this.byType.get(resourceType) ?? []) {
      if (!entryApplies(acl, who)) continue;
      if (acl.operation !== operation && acl.operation !== AclOperation.ALL) continue;
      const deny = acl.permissionType === AclPermission.DENY;
      if (acl.patternType === PatternType.LITERAL) {
        if (deny && acl.resourceName === WILDCARD) return false;
        if (deny) denyLiteral.add(acl.resourceName);
        else allowLiteral.push(acl.resourceName);
      } else if (acl.patternType === PatternType.PREFIXED) {
        (deny ? denyPrefixed : allowPrefixed).push(acl.resourceName);
      }
    }
    const deniedByPrefix = (name: string): boolean => denyPrefixed.some((p) => name.startsWith(p));
    for (const name of allowLiteral) {
      if (name === WILDCARD) return true;
      if (!denyLiteral.has(name) && !deniedByPrefix(name)) return true;
    }
    return allowPrefixed.some((name) => !deniedByPrefix(name));
  }
}

function patternMatches(acl: AclBinding, name: string): boolean {
  if (acl.patternType === PatternType.LITERAL) return acl.resourceName === name || acl.resourceName === WILDCARD;
  if (acl.patternType === PatternType.PREFIXED) return name.startsWith(acl.resourceName);
  return false;
}

function entryApplies(acl: AclBinding, who: Requester): boolean {
  if (acl.principal !== who.principal && acl.principal !== WILDCARD_PRINCIPAL) return false;
  return acl.host === WILDCARD || acl.host === who.host;
}

/**
 * The client's host from `host:port` or `[v6]:port` (the invocation's client
 * address); an IPv4-mapped IPv6 address as the IPv4 one, as Java reports it.
 */
export function hostOf(address: string): string {
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    const host = end < 0 ? address : address.slice(1, end);
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
    return mapped === null ? host : mapped[1]!;
  }
  const colon = address.lastIndexOf(':');
  // A bare IPv6 address has several colons and no port.
  if (colon < 0 || address.indexOf(':') !== colon) return address;
  return address.slice(0, colon);
}
