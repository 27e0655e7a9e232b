/**
 * Loading and saving a group's state for the group functions: the stored
 * value decoded as a classic or a KIP-848 (consumer) group, changes applied
 * by the pure state machines and saved with compare-and-set, retried on
 * conflict by re-applying the step to the fresher state.
 */

import { type ClassicGroup, decodeGroup, encodeGroup, isClassicGroupValue } from '../shared/groups/classic/index.js';
import {
  type ConsumerGroupState,
  decode as decodeConsumerGroup,
  encode as encodeConsumerGroup,
  isConsumerGroupValue,
} from '../shared/groups/consumer/index.js';
import type { FunctionEnv } from './define.js';

export type StoredGroup = { kind: 'classic'; group: ClassicGroup } | { kind: 'consumer'; group: ConsumerGroupState };

export interface LoadedGroup {
  /** 0 when nothing is stored. */
  readonly version: number;
  readonly stored: StoredGroup | null;
  /** The stored text, to tell whether a step changed anything. */
  readonly text: string | null;
}

export function decodeStored(text: string): StoredGroup {
  if (isClassicGroupValue(text)) return { kind: 'classic', group: decodeGroup(text) };
  if (isConsumerGroupValue(text)) return { kind: 'consumer', group: decodeConsumerGroup(text) };
  throw new Error('stored group value is neither a classic nor a consumer group');
}

export function encodeStored(g: StoredGroup): string {
  return g.kind === 'classic' ? encodeGroup(g.group) : encodeConsumerGroup(g.group);
}

export async function loadGroup(env: FunctionEnv, groupId: string): Promise<LoadedGroup> {
  const v = await env.meta.groups.get(groupId);
  if (v === null) return { version: 0, stored: null, text: null };
  return { version: v.version, stored: decodeStored(v.value), text: v.value };
}

/** What a step decides: the group's next state (null deletes it) and a result for the caller. */
export interface GroupStep<T> {
  readonly next: StoredGroup | null;
  readonly result: T;
}

const MAX_ATTEMPTS = 50;

/**
 * Applies `step` to the group's current state and saves the result with
 * compare-and-set, re-applying to the fresher state when another writer got
 * there first. Saves nothing when the step changed nothing. Returns the
 * step's result and the version now stored.
 */
export async function updateGroup<T>(
  env: FunctionEnv,
  groupId: string,
  step: (current: LoadedGroup, now: number) => GroupStep<T>,
): Promise<{ result: T; version: number; group: StoredGroup | null }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await loadGroup(env, groupId);
    const { next, result } = step(current, env.now());
    const text = next === null ? null : encodeStored(next);
    if (text === current.text) return { result, version: current.version, group: next };
    if (text === null && current.version === 0) return { result, version: 0, group: null };
    const version = await env.meta.groups.compareAndSet(groupId, current.version, text);
    if (version !== null) return { result, version, group: next };
  }
  throw new Error(`group ${groupId}: gave up after ${MAX_ATTEMPTS} conflicting writes`);
}

/** Kafka reports a client's host as `InetAddress.toString()` of its address: "/" and the IP. */
export function clientHostOf(address: string): string {
  if (address === '') return '';
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(address);
  if (bracketed) return `/${bracketed[1]}`;
  const parts = address.split(':');
  const host = parts.length === 2 ? parts[0]! : address;
  return host.startsWith('/') ? host : `/${host}`;
}
