/**
 * Kafka's access-control vocabulary (KIP-11, KIP-290): resource types,
 * pattern types, operations and permissions with Kafka's codes, ACL bindings
 * and binding filters, and the rules that say which binding a filter
 * matches. Pure: no storage, no network.
 */

import type { StoredAcl } from '../storage/acls.js';

/** ResourceType codes. */
export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

/** PatternType codes; ANY and MATCH exist only in filters. */
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export type PatternType = (typeof PatternType)[keyof typeof PatternType];

/** AclOperation codes; ANY exists only in filters. */
export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

/** AclPermissionType codes; ANY exists only in filters. */
export const AclPermission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;
export type AclPermission = (typeof AclPermission)[keyof typeof AclPermission];

/** The only name a CLUSTER resource has. */
export const CLUSTER_NAME = 'kafka-cluster';
/** A literal resource name, principal or host matching any. */
export const WILDCARD = '*';
/** The principal every ACL for `User:*` applies to. */
export const WILDCARD_PRINCIPAL = 'User:*';

/** One ACL: a resource pattern and an access-control entry, as the ACL store keeps it. */
export type AclBinding = StoredAcl;

/** What DescribeAcls and DeleteAcls select by; null fields match anything. */
export interface AclBindingFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** Operations each resource type supports (AclEntry.supportedOperations), in Kafka's order. */
export const SUPPORTED_OPERATIONS: ReadonlyMap<number, readonly AclOperation[]> = new Map<number, AclOperation[]>([
  [
    ResourceType.TOPIC,
    [
      AclOperation.READ,
      AclOperation.WRITE,
      AclOperation.CREATE,
      AclOperation.DESCRIBE,
      AclOperation.DELETE,
      AclOperation.ALTER,
      AclOperation.DESCRIBE_CONFIGS,
      AclOperation.ALTER_CONFIGS,
    ],
  ],
  [
    ResourceType.GROUP,
    [
      AclOperation.READ,
      AclOperation.DESCRIBE,
      AclOperation.DELETE,
      AclOperation.DESCRIBE_CONFIGS,
      AclOperation.ALTER_CONFIGS,
    ],
  ],
  [
    ResourceType.CLUSTER,
    [
      AclOperation.CREATE,
      AclOperation.CLUSTER_ACTION,
      AclOperation.DESCRIBE_CONFIGS,
      AclOperation.ALTER_CONFIGS,
      AclOperation.IDEMPOTENT_WRITE,
      AclOperation.ALTER,
      AclOperation.DESCRIBE,
    ],
  ],
  [ResourceType.TRANSACTIONAL_ID, [AclOperation.DESCRIBE, AclOperation.WRITE]],
  [ResourceType.DELEGATION_TOKEN, [AclOperation.DESCRIBE]],
  [ResourceType.USER, [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS]],
]);

const known = (code: number, max: number): boolean => Number.isInteger(code) && code >= 1 && code <= max;

/**
 * A filter holding an UNKNOWN element (code 0 or a code Kafka does not
 * know): Kafka refuses to parse such a request and closes the connection.
 */
export function filterIsUnknown(f: AclBindingFilter): boolean {
  return !(
    known(f.resourceType, ResourceType.USER) &&
    known(f.patternType, PatternType.PREFIXED) &&
    known(f.operation, AclOperation.DESCRIBE_TOKENS) &&
    known(f.permissionType, AclPermission.ALLOW)
  );
}

/** A binding holding an UNKNOWN element; as {@link filterIsUnknown}. */
export function bindingIsUnknown(b: AclBinding): boolean {
  return filterIsUnknown(b);
}

/**
 * Why a binding cannot be stored (Kafka's AclControlManager.validateNewAcl
 * and AclApis' resource checks), or null: every message is INVALID_REQUEST.
 */
export function invalidBinding(b: AclBinding): string | null {
  if (b.resourceType === ResourceType.ANY || !known(b.resourceType, ResourceType.USER)) {
    return `Invalid resourceType ${b.resourceType}`;
  }
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) {
    return `Invalid patternType ${b.patternType}`;
  }
  if (b.operation === AclOperation.ANY || !known(b.operation, AclOperation.DESCRIBE_TOKENS)) {
    return `Invalid operation ${b.operation}`;
  }
  if (b.permissionType !== AclPermission.ALLOW && b.permissionType !== AclPermission.DENY) {
    return `Invalid permissionType ${b.permissionType}`;
  }
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_NAME) {
    return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  }
  if (b.resourceName === '') return 'Resource name should not be empty';
  if (parsePrincipal(b.principal) === null) return `Invalid principal ${b.principal}`;
  return null;
}

/** `Type:name`, split at the first colon (KafkaPrincipal.fromString); null when malformed. */
export function parsePrincipal(text: string): { type: string; name: string } | null {
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  return { type: text.slice(0, colon), name: text.slice(colon + 1) };
}

/** Whether a filter selects a binding (AclBindingFilter.matches). */
export function filterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (f.patternType !== PatternType.ANY && f.patternType !== PatternType.MATCH && f.patternType !== b.patternType) {
    return false;
  }
  if (f.resourceName !== null) {
    if (f.patternType === PatternType.ANY || f.patternType === b.patternType) {
      if (f.resourceName !== b.resourceName) return false;
    } else if (b.patternType === PatternType.LITERAL) {
      if (f.resourceName !== b.resourceName && b.resourceName !== WILDCARD) return false;
    } else if (b.patternType === PatternType.PREFIXED) {
      if (!f.resourceName.startsWith(b.resourceName)) return false;
    } else {
      return false;
    }
  }
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== b.operation) return false;
  if (f.permissionType !== AclPermission.ANY && f.permissionType !== b.permissionType) return false;
  return true;
}

/** Bindings in Kafka's describe order: by resource type, name, pattern type, then entry. */
export function compareBindings(a: AclBinding, b: AclBinding): number {
  return (
    a.resourceType - b.resourceType ||
    cmp(a.resourceName, b.resourceName) ||
    a.patternType - b.patternType ||
    cmp(a.principal, b.principal) ||
    cmp(a.host, b.host) ||
    a.operation - b.operation ||
    a.permissionType - b.permissionType
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
