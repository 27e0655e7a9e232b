/**
 * Loading and saving a group's state for the group functions: the stored
 * value decoded as a classic or a KIP-848 (consumer) group, changes applied
 * by the pure state machines and saved with compare-and-set, retried on
 * conflict by re-applying the step to the fresher state.
 *
 * A step that only moves members' session deadlines later (a heartbeat in a
 * group at rest) is saved with `extendSessions` instead: the store records
 * the deadlines beside the state, without a new version, so heartbeats of a
 * group's members neither conflict with each other nor wake the members
 * waiting in JoinGroup or SyncGroup. Loading merges them back in.
 */

import { type ClassicGroup, decodeGroup, encodeGroup, isClassicGroupValue } from '../shared/groups/classic/index.js';
import {
  type ConsumerGroupState,
  decode as decodeConsumerGroup,
  encode as encodeConsumerGroup,
  isConsumerGroupValue,
} from '../shared/groups/consumer/index.js';
import type { VersionedValue } from '../shared/storage/groups.js';
import type { FunctionEnv } from './define.js';

export type StoredGroup = { kind: 'classic'; group: ClassicGroup } | { kind: 'consumer'; group: ConsumerGroupState };

export interface LoadedGroup {
  /** 0 when nothing is stored. */
  readonly version: number;
  /** With recorded session deadlines merged in. */
  readonly stored: StoredGroup | null;
  /** `stored` encoded, to tell whether a step changed anything. */
  readonly text: string | null;
}

function decodeText(text: string): StoredGroup {
  if (isClassicGroupValue(text)) return { kind: 'classic', group: decodeGroup(text) };
  if (isConsumerGroupValue(text)) return { kind: 'consumer', group: decodeConsumerGroup(text) };
  throw new Error('stored group value is neither a classic nor a consumer group');
}

export function encodeStored(g: StoredGroup): string {
  return g.kind === 'classic' ? encodeGroup(g.group) : encodeConsumerGroup(g.group);
}

/** Each member's session deadline (classic: null while it awaits a join or sync response). */
function deadlinesOf(g: StoredGroup): Map<string, number | null> {
  return g.kind === 'classic'
    ? new Map(g.group.members.map((m) => [m.memberId, m.heartbeatDeadline]))
    : new Map(g.group.members.map((m) => [m.memberId, m.sessionDeadline]));
}

/** `g` with the given members' session deadlines replaced. */
function withDeadlines(g: StoredGroup, deadlines: ReadonlyMap<string, number | null>): StoredGroup {
  if (g.kind === 'classic') {
    const members = g.group.members.map((m) => {
      const d = deadlines.get(m.memberId);
      return d === undefined || d === m.heartbeatDeadline ? m : { ...m, heartbeatDeadline: d };
    });
    return { kind: 'classic', group: { ...g.group, members } };
  }
  const members = g.group.members.map((m) => {
    const d = deadlines.get(m.memberId);
    return d === undefined || d === null || d === m.sessionDeadline ? m : { ...m, sessionDeadline: d };
  });
  return { kind: 'consumer', group: { ...g.group, members } };
}

/** The stored value as a group, with the session deadlines recorded beside it merged in (the later wins). */
export function loadedFrom(v: VersionedValue): LoadedGroup {
  const stored = decodeText(v.value);
  const later = new Map<string, number>();
  if (v.sessions !== undefined) {
    for (const [member, deadline] of deadlinesOf(stored)) {
      const recorded = v.sessions.get(member);
      if (recorded !== undefined && deadline !== null && recorded > deadline) later.set(member, recorded);
    }
  }
  if (later.size === 0) return { version: v.version, stored, text: v.value };
  const merged = withDeadlines(stored, later);
  return { version: v.version, stored: merged, text: encodeStored(merged) };
}

/** The stored value as a group, session deadlines merged in. */
export function decodeStored(v: VersionedValue): StoredGroup {
  return loadedFrom(v).stored!;
}

export async function loadGroup(env: FunctionEnv, groupId: string): Promise<LoadedGroup> {
  const v = await env.meta.groups.get(groupId);
  return v === null ? { version: 0, stored: null, text: null } : loadedFrom(v);
}

/**
 * When `next` differs from `before` only in session deadlines that moved
 * later, those deadlines; otherwise null.
 */
function extendedSessions(before: StoredGroup, next: StoredGroup): Map<string, number> | null {
  if (before.kind !== next.kind) return null;
  const was = deadlinesOf(before);
  const now = deadlinesOf(next);
  if (was.size !== now.size) return null;
  const later = new Map<string, number>();
  for (const [member, deadline] of now) {
    const previous = was.get(member);
    if (previous === undefined) return null;
    if (deadline === previous) continue;
    if (deadline === null || previous === null || deadline < previous) return null;
    later.set(member, deadline);
  }
  if (later.size === 0 || encodeStored(withDeadlines(next, was)) !== encodeStored(before)) return null;
  return later;
}

/** Saves `next` over `current` with compare-and-set; the store keeps the recorded sessions of its members only. */
export function saveGroup(
  env: FunctionEnv,
  groupId: string,
  current: { readonly version: number },
  next: StoredGroup | null,
): Promise<number | null> {
  if (next === null) return env.meta.groups.compareAndSet(groupId, current.version, null);
  return env.meta.groups.compareAndSet(groupId, current.version, encodeStored(next), {
    members: [...deadlinesOf(next).keys()],
  });
}

/** What a step decides: the group's next state (null deletes it) and a result for the caller. */
export interface GroupStep<T> {
  readonly next: StoredGroup | null;
  readonly result: T;
}

const MAX_ATTEMPTS = 50;

/**
 * After a few conflicts in a row, writers wait a random moment that grows
 * with the attempt (at most ~50 ms), so a crowd of them spreads out instead
 * of colliding again in step.
 */
function backoff(attempt: number): Promise<void> | undefined {
  if (attempt < 3) return undefined;
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 2)));
}

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
    await backoff(attempt);
    const current = await loadGroup(env, groupId);
    const { next, result } = step(current, env.now());
    const text = next === null ? null : encodeStored(next);
    if (text === current.text) return { result, version: current.version, group: next };
    if (text === null && current.version === 0) return { result, version: 0, group: null };
    const sessions = current.stored !== null && next !== null ? extendedSessions(current.stored, next) : null;
    if (sessions !== null) {
      if (await env.meta.groups.extendSessions(groupId, current.version, sessions)) {
        return { result, version: current.version, group: next };
      }
      continue;
    }
    const version = await saveGroup(env, groupId, current, next);
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
