/** The in-memory AclStore: the set in {@link MemoryAclState}, each method atomic as the Redis scripts are. */

import { type AclSnapshot, type AclStore, aclKey, type StoredAcl } from '../acls.js';

export class MemoryAclState {
  version = 0;
  readonly acls = new Map<string, StoredAcl>();
}

export class MemoryAcls implements AclStore {
  constructor(
    private readonly s: MemoryAclState,
    private readonly open: () => void,
  ) {}

  async version(): Promise<number> {
    this.open();
    return this.s.version;
  }

  async snapshot(): Promise<AclSnapshot> {
    this.open();
    return { version: this.s.version, acls: [...this.s.acls.values()] };
  }

  async add(acls: readonly StoredAcl[]): Promise<number> {
    this.open();
    let changed = false;
    for (const acl of acls) {
      const key = aclKey(acl);
      if (this.s.acls.has(key)) continue;
      this.s.acls.set(key, { ...acl });
      changed = true;
    }
    if (changed) this.s.version += 1;
    return this.s.version;
  }

  async remove(acls: readonly StoredAcl[]): Promise<{ removed: StoredAcl[]; version: number }> {
    this.open();
    const removed: StoredAcl[] = [];
    for (const acl of acls) {
      const key = aclKey(acl);
      const stored = this.s.acls.get(key);
      if (stored === undefined) continue;
      this.s.acls.delete(key);
      removed.push(stored);
    }
    if (removed.length > 0) this.s.version += 1;
    return { removed, version: this.s.version };
  }
}
