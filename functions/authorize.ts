/**
 * The authorization every function applies, as Kafka's request handlers do
 * (KafkaApis): `access(env, ctx)` loads the ACLs once per request and
 * answers each check from memory, so a function's checks cost one store
 * read between them.
 *
 * Without an authorizer configured (`--authorizer` unset), every check
 * passes and nothing is read. With one, the ACL set is cached per MetaStore
 * under its version, and every request reads the version (one Redis GET)
 * before answering: a change made through CreateAcls or DeleteAcls on any
 * instance holds from the next request on, with no restart and no window.
 * The app starts that read as an invocation arrives (`prefetchAccess`),
 * beside its nonce claim, so the handler rarely waits for it.
 */

import { AclOperation, CLUSTER_NAME, ResourceType } from '../shared/acls/acl.js';
import { Authorizer, type AuthorizerOptions, hostOf, type Requester } from '../shared/acls/authorizer.js';
import { ConfigResourceType } from '../shared/config/config-resources.js';
import type { InvocationContext } from '../shared/invocation.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import type { AclStore } from '../shared/storage/acls.js';
import type { FunctionEnv } from './define.js';

export { AclOperation, CLUSTER_NAME, ResourceType };

/** The checks one request may make, bound to its principal and host. */
export interface Access {
  /** False when no authorizer is configured (every check passes). */
  readonly enabled: boolean;
  /** Whether the requester may perform `operation` on the resource. */
  allows(operation: number, resourceType: number, name: string): boolean;
  /** Shorthand for the CLUSTER resource. */
  allowsCluster(operation: number): boolean;
  /** The names among `names` the requester may perform `operation` on. */
  allowed(operation: number, resourceType: number, names: Iterable<string>): Set<string>;
  /** Whether the requester may perform `operation` on some resource of the type (authorizeByResourceType). */
  allowsAny(operation: number, resourceType: number): boolean;
  /**
   * The authorizedOperations bit field of a resource; with no authorizer,
   * every operation the resource type supports.
   */
  operations(resourceType: number, name: string): number;
}

const OPEN: Authorizer = new Authorizer([], { superUsers: [], allowEveryoneIfNoAclFound: true });

const cache = new WeakMap<AclStore, { version: number; authorizer: Authorizer; options: AuthorizerOptions }>();

async function load(store: AclStore, options: AuthorizerOptions): Promise<Authorizer> {
  const cached = cache.get(store);
  const version = await store.version();
  if (cached !== undefined && cached.version === version && cached.options === options) return cached.authorizer;
  const snapshot = await store.snapshot();
  const authorizer = new Authorizer(snapshot.acls, options);
  const latest = cache.get(store);
  // A slower load must not replace a newer one.
  if (latest === undefined || latest.version <= snapshot.version) {
    cache.set(store, { version: snapshot.version, authorizer, options });
  }
  return authorizer;
}

function bind(authorizer: Authorizer, who: Requester, enabled: boolean): Access {
  return {
    enabled,
    allows: (operation, resourceType, name) => authorizer.authorize(who, operation, resourceType, name),
    allowsCluster: (operation) => authorizer.authorize(who, operation, ResourceType.CLUSTER, CLUSTER_NAME),
    allowed(operation, resourceType, names) {
      const out = new Set<string>();
      for (const name of names) if (authorizer.authorize(who, operation, resourceType, name)) out.add(name);
      return out;
    },
    allowsAny: (operation, resourceType) => authorizer.authorizeAny(who, operation, resourceType),
    operations: (resourceType, name) => authorizer.authorizedOperations(who, resourceType, name),
  };
}

/** The requester of an invocation: its principal and the client's host. */
export function requester(ctx: InvocationContext): Requester {
  return { principal: ctx.principal, host: hostOf(ctx.clientAddress) };
}

/** ACL reads begun for an invocation before its handler asked (see prefetchAccess). */
const prefetched = new WeakMap<InvocationContext, Promise<Authorizer>>();

/**
 * Starts the ACL read of an invocation as it arrives, so that it runs beside
 * the nonce claim and the handler's `access` finds it in flight or done. A
 * no-op without an authorizer.
 */
export function prefetchAccess(env: FunctionEnv, ctx: InvocationContext): void {
  const options = env.config.authorizer;
  if (options === undefined) return;
  const loading = load(env.meta.acls, options);
  // A failed read is the handler's to report when it asks; until then it is not an unhandled rejection.
  loading.catch(() => undefined);
  prefetched.set(ctx, loading);
}

/** The checks for one request; reads the ACL version (and the set when it moved) only when an authorizer is on. */
export async function access(env: FunctionEnv, ctx: InvocationContext): Promise<Access> {
  const options = env.config.authorizer;
  if (options === undefined) return bind(OPEN, requester(ctx), false);
  return bind(await (prefetched.get(ctx) ?? load(env.meta.acls, options)), requester(ctx), true);
}

/**
 * One check, for functions that make a single one (AlterUserScramCredentials
 * ALTER and DescribeUserScramCredentials DESCRIBE on the cluster, say):
 * whether the requester may perform `operation` on the resource (the
 * cluster when no resource is given).
 */
export async function authorize(
  env: FunctionEnv,
  ctx: InvocationContext,
  operation: number,
  resourceType: number = ResourceType.CLUSTER,
  name: string = CLUSTER_NAME,
): Promise<boolean> {
  if (env.config.authorizer === undefined) return true;
  return (await access(env, ctx)).allows(operation, resourceType, name);
}

/** ConfigResource.Type GROUP (KIP-848 group configs). */
const GROUP_CONFIG_RESOURCE = 32;

/**
 * Whether the requester may describe (DESCRIBE_CONFIGS) or alter
 * (ALTER_CONFIGS) a config resource, as Kafka's ConfigHelper and
 * ControllerApis check it: topics on the topic, groups on the group,
 * brokers, broker loggers and client metrics on the cluster. Returns the
 * error for a refusal (TOPIC_, GROUP_ or CLUSTER_AUTHORIZATION_FAILED), or
 * NONE; resource types Kafka does not know pass, for the handler to refuse.
 */
export function configResourceError(checks: Access, operation: number, configType: number, name: string): number {
  switch (configType) {
    case ConfigResourceType.TOPIC:
      return checks.allows(operation, ResourceType.TOPIC, name) ? ErrorCode.NONE : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    case GROUP_CONFIG_RESOURCE:
      return checks.allows(operation, ResourceType.GROUP, name) ? ErrorCode.NONE : ErrorCode.GROUP_AUTHORIZATION_FAILED;
    case ConfigResourceType.BROKER:
    case ConfigResourceType.BROKER_LOGGER:
    case ConfigResourceType.CLIENT_METRICS:
      return checks.allowsCluster(operation) ? ErrorCode.NONE : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    default:
      return ErrorCode.NONE;
  }
}
