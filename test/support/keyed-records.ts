/**
 * Topics of numbered records for consumer-group tests: keys `k<n>` and values
 * `v<n>`, produced with acks=all by the Java producer, so a test can tell
 * exactly which records every member consumed.
 */

import type { Oracle } from '../oracle/oracle.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * Produces records `from` .. `from + count - 1` to `topic`; with `from` 0 it
 * first creates the topic with `partitions` partitions.
 */
export async function produceKeyed(
  oracle: Oracle,
  bootstrap: string,
  topic: string,
  count: number,
  { from = 0, partitions = 6 }: { from?: number; partitions?: number } = {},
): Promise<void> {
  if (from === 0) {
    await oracle.admin(bootstrap, 'createTopics', { topics: [{ name: topic, partitions, replicationFactor: 1 }] });
  }
  await oracle.produce({
    bootstrap,
    topic,
    config: { acks: 'all' },
    records: Array.from({ length: count }, (_, i) => ({ key: text(`k${from + i}`), value: text(`v${from + i}`) })),
  });
}
