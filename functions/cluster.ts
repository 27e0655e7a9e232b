/**
 * What every function reports about the cluster's shape. Kafkaless looks like
 * one broker to clients: every proxy advertises the same node id at the
 * address the client connected to, that node leads every partition, and no
 * partition ever changes leader, so every leader epoch is 0.
 */

import type { InvocationContext } from '../shared/invocation.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import type { FunctionEnv } from './define.js';

/** The leader epoch of every partition. */
export const LEADER_EPOCH = 0;

/** Kafka's sentinel for "authorized operations not requested" (Int.MinValue). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** AclOperation codes, as Kafka numbers them. */
const AclOperation = {
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
} as const;

const bits = (ops: readonly number[]): number => ops.reduce((field, op) => field | (1 << op), 0);

/**
 * Every operation Kafka supports on a topic (AclEntry.supportedOperations),
 * as the bit field Metadata and DescribeTopicPartitions report. There is no
 * authorizer yet, so every principal holds them all.
 */
export const TOPIC_AUTHORIZED_OPERATIONS = bits([
  AclOperation.READ,
  AclOperation.WRITE,
  AclOperation.CREATE,
  AclOperation.DESCRIBE,
  AclOperation.DELETE,
  AclOperation.ALTER,
  AclOperation.DESCRIBE_CONFIGS,
  AclOperation.ALTER_CONFIGS,
]);

/** Every operation Kafka supports on the cluster resource, all granted. */
export const CLUSTER_AUTHORIZED_OPERATIONS = bits([
  AclOperation.CREATE,
  AclOperation.CLUSTER_ACTION,
  AclOperation.DESCRIBE_CONFIGS,
  AclOperation.ALTER_CONFIGS,
  AclOperation.IDEMPOTENT_WRITE,
  AclOperation.ALTER,
  AclOperation.DESCRIBE,
]);

export interface BrokerNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: null;
}

/** The node to advertise: the configured id at the proxy listener the client used, never a function's address. */
export function brokerNode(env: FunctionEnv, ctx: InvocationContext): BrokerNode {
  return { nodeId: env.config.nodeId, host: ctx.listener.host, port: ctx.listener.port, rack: null };
}

/**
 * Kafka's check of a request's current leader epoch against the partition's
 * (Partition.checkCurrentLeaderEpoch): older is FENCED_LEADER_EPOCH, newer is
 * UNKNOWN_LEADER_EPOCH. `null` means the request carries no epoch.
 */
export function currentLeaderEpochError(requested: number | null): number {
  if (requested === null) return ErrorCode.NONE;
  if (requested < LEADER_EPOCH) return ErrorCode.FENCED_LEADER_EPOCH;
  if (requested > LEADER_EPOCH) return ErrorCode.UNKNOWN_LEADER_EPOCH;
  return ErrorCode.NONE;
}
