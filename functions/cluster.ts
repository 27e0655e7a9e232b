/**
 * What every function reports about the cluster's shape. Kafkaless looks like
 * one broker to clients: every proxy advertises the same node id at the
 * address the client connected to, that node leads every partition, and no
 * partition ever changes leader, so every leader epoch is 0. With a proxy
 * fleet (`--advertised-proxies`) it looks like one broker per proxy, with
 * partition leadership spread over them (see partitionLeader).
 */

import { ResourceType, SUPPORTED_OPERATIONS } from '../shared/acls/acl.js';
import type { InvocationContext } from '../shared/invocation.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import type { FunctionEnv } from './define.js';

/** The leader epoch of every partition. */
export const LEADER_EPOCH = 0;

/** Kafka's sentinel for "authorized operations not requested" (Int.MinValue). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

const bits = (ops: readonly number[]): number => ops.reduce((field, op) => field | (1 << op), 0);

/**
 * Every operation Kafka supports on a topic (AclEntry.supportedOperations),
 * as the bit field Metadata and DescribeTopicPartitions report; what every
 * principal holds when no authorizer is configured (see authorize.ts).
 */
export const TOPIC_AUTHORIZED_OPERATIONS = bits(SUPPORTED_OPERATIONS.get(ResourceType.TOPIC)!);

/** Every operation Kafka supports on the cluster resource (all granted without an authorizer). */
export const CLUSTER_AUTHORIZED_OPERATIONS = bits(SUPPORTED_OPERATIONS.get(ResourceType.CLUSTER)!);

export interface BrokerNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: null;
}

/**
 * Every broker clients are told about: the proxy fleet (`--advertised-proxies`,
 * node ids counted up from the configured one in the order given), or the
 * listener the client used alone. Never a function's address.
 */
export function brokerNodes(env: FunctionEnv, ctx: InvocationContext): BrokerNode[] {
  const fleet = ctx.brokers ?? [];
  if (fleet.length === 0) {
    return [{ nodeId: env.config.nodeId, host: ctx.listener.host, port: ctx.listener.port, rack: null }];
  }
  return fleet.map((b, i) => ({ nodeId: env.config.nodeId + i, host: b.host, port: b.port, rack: null }));
}

/**
 * The node the client is connected to: its listener's entry in the fleet
 * (the first entry if the proxy is not listed), or the listener alone. It is
 * the controller and the coordinator of every group and transactional id.
 */
export function brokerNode(env: FunctionEnv, ctx: InvocationContext): BrokerNode {
  const nodes = brokerNodes(env, ctx);
  const { host, port } = ctx.listener;
  return nodes.find((n) => n.host === host && n.port === port) ?? nodes[0]!;
}

/**
 * The leader Metadata names for a partition: the fleet taken in turn from a
 * point set by the topic id, so leadership stays put while the fleet does
 * and a topic's partitions spread over every proxy. Any proxy serves any
 * partition; the leader only spreads clients' connections.
 */
export function partitionLeader(nodes: readonly BrokerNode[], topicId: string, partition: number): BrokerNode {
  if (nodes.length === 1) return nodes[0]!;
  let hash = 0x811c9dc5;
  for (let i = 0; i < topicId.length; i++) hash = Math.imul(hash ^ topicId.charCodeAt(i), 0x01000193);
  return nodes[((hash >>> 0) + partition) % nodes.length]!;
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
