/** Topic lookups and effective topic configs, as the data-path functions need them. */

import { resolveTopicConfig } from '../shared/config/topic-configs.js';
import type { PartitionRef, TopicRecord } from '../shared/storage/types.js';
import type { FunctionEnv } from './define.js';

/** A topic's effective value for config `name`: explicit, broker default, then Kafka's default. */
export function topicConfig(env: FunctionEnv, topic: TopicRecord, name: string): string | null {
  // Kafka's ConfigDef trims values before parsing them.
  return resolveTopicConfig(name, topic.configs, env.config.topicDefaults).value?.trim() ?? null;
}

/** An integer config, or `fallback` when unset or not a number. */
export function topicConfigNumber(env: FunctionEnv, topic: TopicRecord, name: string, fallback: number): number {
  const value = Number(topicConfig(env, topic, name) ?? Number.NaN);
  return Number.isFinite(value) ? value : fallback;
}

/** Whether `cleanup.policy` lists `policy` (`delete`, `compact`). */
export function hasCleanupPolicy(env: FunctionEnv, topic: TopicRecord, policy: string): boolean {
  const value = topicConfig(env, topic, 'cleanup.policy') ?? 'delete';
  return value
    .split(',')
    .map((s) => s.trim())
    .includes(policy);
}

export function hasPartition(topic: TopicRecord, partition: number): boolean {
  return Number.isInteger(partition) && partition >= 0 && partition < topic.partitions;
}

export function partitionRef(topic: TopicRecord, partition: number): PartitionRef {
  return { topicId: topic.id, partition };
}

/** Loads the distinct names of a request in one round trip. */
export function loadTopics(env: FunctionEnv, names: Iterable<string>): Promise<Map<string, TopicRecord | null>> {
  return env.meta.topics.getTopics([...new Set(names)]);
}
