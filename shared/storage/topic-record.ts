/**
 * Topic-record rules both MetaStores share, so they cannot drift: how configs
 * change, how a record is copied, and how it is stored as JSON.
 */

import { StorageUnavailableError, type TopicRecord } from './types.js';

/** The configs after AlterConfigs (`replace`) or IncrementalAlterConfigs (`patch`); null removes a key. */
export function changeConfigs(
  current: Readonly<Record<string, string>>,
  changes: Readonly<Record<string, string | null>>,
  mode: 'replace' | 'patch',
): Record<string, string> {
  const next: Record<string, string> = mode === 'patch' ? { ...current } : {};
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** A copy the caller cannot alias into the store. */
export function copyTopic(topic: TopicRecord): TopicRecord {
  return {
    name: topic.name,
    id: topic.id,
    partitions: topic.partitions,
    configs: { ...topic.configs },
    createdAt: topic.createdAt,
  };
}

export function byName(a: TopicRecord, b: TopicRecord): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Refuses records a store could not hold faithfully. */
export function checkTopic(topic: TopicRecord): void {
  if (topic.name.length === 0) throw new TypeError('topic name is empty');
  if (!/^[A-Za-z0-9_-]+$/.test(topic.id)) throw new TypeError(`topic id ${JSON.stringify(topic.id)} is not base64url`);
  if (!Number.isSafeInteger(topic.partitions) || topic.partitions < 0) {
    throw new TypeError(`partition count ${topic.partitions} is not a count`);
  }
}

export function encodeTopic(topic: TopicRecord): string {
  return JSON.stringify(copyTopic(topic));
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

export function decodeTopic(json: string): TopicRecord {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new StorageUnavailableError(`stored topic is not JSON: ${(e as Error).message}`);
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (
      typeof v.name === 'string' &&
      typeof v.id === 'string' &&
      typeof v.partitions === 'number' &&
      typeof v.createdAt === 'number' &&
      isStringRecord(v.configs)
    ) {
      return { name: v.name, id: v.id, partitions: v.partitions, configs: v.configs, createdAt: v.createdAt };
    }
  }
  throw new StorageUnavailableError('stored topic has the wrong shape');
}
