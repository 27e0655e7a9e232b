/**
 * Append and group-change notifications (the class knows only channel names)
 * over one subscriber connection per store: waiters on the same channel share
 * one subscription, taken when the first arrives and dropped when the last
 * leaves. A waiter counts as armed only once Redis has confirmed its
 * subscriptions; from then on no message on its channels goes unnoticed.
 * After the subscriber reconnects every waiter is woken, since messages may
 * have been missed while it was away.
 *
 * On a Redis Cluster a PUBLISH reaches a subscriber on another node over the
 * cluster bus, after the publishing script has answered: a message can
 * arrive after a subscription taken once the change was already seen. Each
 * message carries what moved (a version, a high watermark), so a waiter can
 * ignore the ones it has seen.
 */

import { unavailable } from '../errors.js';
import type { RedisClient } from './cluster.js';
import { whenReady } from './connection.js';

type Listener = (channel: string, message: string) => void;

interface Channel {
  readonly waiters: Set<Listener>;
  /** Settles when Redis has confirmed the subscription. */
  readonly armed: Promise<void>;
}

export class AppendNotifications {
  private readonly channels = new Map<string, Channel>();
  private readonly everyone = new Set<() => void>();
  private connectedBefore = false;

  constructor(
    private readonly sub: RedisClient,
    private readonly connectTimeoutMs: number,
  ) {
    sub.on('message', (channel: string, message: string) => {
      const entry = this.channels.get(channel);
      if (entry !== undefined) for (const listener of [...entry.waiters]) listener(channel, message);
    });
    sub.on('ready', () => {
      if (this.connectedBefore) this.resume();
      this.connectedBefore = true;
    });
  }

  private resume(): void {
    const names = [...this.channels.keys()];
    if (names.length > 0) this.sub.subscribe(...names).catch(() => undefined);
    for (const wake of [...this.everyone]) wake();
  }

  private join(name: string, wake: Listener): Promise<void> {
    let entry = this.channels.get(name);
    if (entry === undefined) {
      const armed = whenReady(this.sub, this.connectTimeoutMs).then(async () => {
        await this.sub.subscribe(name);
      });
      const created: Channel = { waiters: new Set(), armed };
      armed.catch(() => {
        if (this.channels.get(name) === created) this.channels.delete(name);
      });
      this.channels.set(name, created);
      entry = created;
    }
    entry.waiters.add(wake);
    return entry.armed;
  }

  private leave(name: string, wake: Listener): void {
    const entry = this.channels.get(name);
    if (entry === undefined || !entry.waiters.delete(wake) || entry.waiters.size > 0) return;
    this.channels.delete(name);
    // Commands on one connection run in order, so a later SUBSCRIBE to the
    // same channel still wins over this UNSUBSCRIBE.
    if (this.sub.status === 'ready') this.sub.unsubscribe(name).catch(() => undefined);
  }

  /**
   * Resolves on a message on any of `names`, after `timeoutMs`, or on abort.
   * `moved` runs once the subscriptions are confirmed; if it says the
   * partitions already moved on, the wait ends at once. A message `seen`
   * says the caller already knew of is ignored.
   */
  async wait(
    names: readonly string[],
    timeoutMs: number,
    signal: AbortSignal | undefined,
    moved: (() => Promise<boolean>) | undefined,
    seen?: (channel: string, message: string) => boolean,
  ): Promise<void> {
    if (signal?.aborted) return;
    let fired = false;
    let wake = (): void => undefined;
    const woken = new Promise<void>((resolve) => {
      wake = (): void => {
        fired = true;
        resolve();
      };
    });
    const unique = [...new Set(names)];
    const listener: Listener = (channel, message) => {
      if (seen === undefined || !seen(channel, message)) wake();
    };
    const armed = unique.map((name) => this.join(name, listener));
    this.everyone.add(wake);
    const timer = setTimeout(wake, Math.max(0, timeoutMs));
    signal?.addEventListener('abort', wake);
    try {
      await Promise.race([Promise.all(armed), woken]);
      // A failed re-check counts as moved: the caller re-reads and meets the error there.
      const check = moved === undefined || fired ? Promise.resolve(false) : moved().catch(() => true);
      if (await Promise.race([check, woken.then(() => false)])) return;
      await woken;
    } catch (e) {
      throw unavailable('redis subscribe', e);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      this.everyone.delete(wake);
      for (const name of unique) this.leave(name, listener);
    }
  }

  /** Wakes every waiter; for close(). */
  wakeAll(): void {
    for (const wake of [...this.everyone]) wake();
  }
}
