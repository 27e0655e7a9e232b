/**
 * The Redis AclStore. Both keys share one hash tag, so every change is one
 * script on one slot (Redis Cluster included):
 *
 * | key | type | holds |
 * |---|---|---|
 * | `{kl:acl}:bindings` | set | each binding as its {@link aclKey} |
 * | `{kl:acl}:version` | string | bumped (INCR) by every change that changed the set |
 *
 * Readers cache the set under its version and re-read the version, one GET,
 * to notice changes.
 */

import { type AclSnapshot, type AclStore, aclFromKey, aclKey, type StoredAcl } from '../acls.js';
import { StorageUnavailableError } from '../types.js';
import type { RedisClient } from './cluster.js';
import { integer, type KeyLayout } from './keys.js';
import { runScript, Script } from './scripts.js';

/** What the store needs of the MetaStore's connection. */
export interface AclBackend {
  readonly keys: KeyLayout;
  run<T>(what: string, op: (client: RedisClient) => Promise<T>): Promise<T>;
}

/** KEYS: bindings, version. Returns {version, members…}. */
const SNAPSHOT = new Script(
  'acl-snapshot',
  `local members = redis.call('SMEMBERS', KEYS[1])
table.insert(members, 1, redis.call('GET', KEYS[2]) or '0')
return members
`,
);

/**
 * KEYS: bindings, version. ARGV: 'add' or 'remove', then members.
 * Returns {version, members changed…}; the version moves only when some did.
 */
const CHANGE = new Script(
  'acl-change',
  `local changed = {}
for i = 2, #ARGV do
  local n
  if ARGV[1] == 'add' then n = redis.call('SADD', KEYS[1], ARGV[i]) else n = redis.call('SREM', KEYS[1], ARGV[i]) end
  if n == 1 then table.insert(changed, ARGV[i]) end
end
local version
if #changed > 0 then version = redis.call('INCR', KEYS[2]) else version = tonumber(redis.call('GET', KEYS[2]) or '0') end
table.insert(changed, 1, string.format('%d', version))
return changed
`,
);

function parseReply(reply: unknown, what: string): { version: number; acls: StoredAcl[] } {
  if (!Array.isArray(reply) || reply.length === 0 || !reply.every((r) => typeof r === 'string')) {
    throw new StorageUnavailableError(`unexpected reply to ${what}`);
  }
  const [version, ...members] = reply as string[];
  const acls = members.map((m) => {
    const acl = aclFromKey(m);
    if (acl === null) throw new StorageUnavailableError(`malformed ACL ${JSON.stringify(m)}`);
    return acl;
  });
  return { version: Number(integer(version!)), acls };
}

export class RedisAcls implements AclStore {
  constructor(private readonly b: AclBackend) {}

  private get keys(): string[] {
    return [this.b.keys.acls, this.b.keys.aclVersion];
  }

  async version(): Promise<number> {
    const v = await this.b.run('acls.version', (c) => c.get(this.b.keys.aclVersion));
    return v === null ? 0 : Number(integer(v));
  }

  async snapshot(): Promise<AclSnapshot> {
    const reply = await this.b.run('acls.snapshot', (c) => runScript(c, SNAPSHOT, this.keys, []));
    return parseReply(reply, 'acls.snapshot');
  }

  async add(acls: readonly StoredAcl[]): Promise<number> {
    const reply = await this.b.run('acls.add', (c) => runScript(c, CHANGE, this.keys, ['add', ...acls.map(aclKey)]));
    return parseReply(reply, 'acls.add').version;
  }

  async remove(acls: readonly StoredAcl[]): Promise<{ removed: StoredAcl[]; version: number }> {
    const reply = await this.b.run('acls.remove', (c) =>
      runScript(c, CHANGE, this.keys, ['remove', ...acls.map(aclKey)]),
    );
    const { version, acls: removed } = parseReply(reply, 'acls.remove');
    return { removed, version };
  }
}
