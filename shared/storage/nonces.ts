/**
 * Storage contract for invocation nonces: a function claims each signed
 * invocation's nonce before running it, so a captured invocation sent again
 * inside its timestamp window is refused (shared/invocation.ts). A claim is
 * remembered for the lifetime given, then forgotten.
 */

export interface NonceStore {
  /** True the first time a nonce is claimed within `ttlMs` of that claim; false for a replay. */
  claim(nonce: string, ttlMs: number): Promise<boolean>;
}
