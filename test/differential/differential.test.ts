/**
 * Differential test: the exchanges real clients had with Apache Kafka
 * (test/differential/corpus/, re-recorded by record.ts) are replayed against
 * the full stack, and every response must match Kafka's field by field after
 * the normalisations of rules.ts. Each corpus replays against an empty
 * Kafkaless (its own Redis database, flushed first), as it was recorded
 * against an empty broker, and with the reference broker's group settings.
 */

import { readdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';
import { readCorpus } from './exchange.js';
import { formatMismatches, replay } from './replay.js';

const CORPUS_DIR = new URL('./corpus/', import.meta.url);
const CORPORA = readdirSync(CORPUS_DIR)
  .filter((name) => name.endsWith('.jsonl'))
  .sort();

/** Redis databases of their own, so the replay starts empty and sees no other test's topics or groups. */
const FIRST_DATABASE = 10;

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** `redisUrl` pointed at database `db`, emptied. */
async function emptyDatabase(redisUrl: string, db: number): Promise<string> {
  const url = new URL(redisUrl);
  url.pathname = `/${db}`;
  const redis = new Redis(url.toString(), { lazyConnect: true });
  try {
    await redis.connect();
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
  return url.toString();
}

describe('responses match Apache Kafka', () => {
  it.each(CORPORA.map((name, i) => [name, i] as const))('%s', async (name, i) => {
    const backends = backendsFromEnv();
    const redisUrl = await emptyDatabase(backends.redisUrl, FIRST_DATABASE + i);
    cluster = await startCluster(
      { ...backends, redisUrl },
      // As the reference broker: a new group rebalances at once.
      { KAFKALESS_GROUP_INITIAL_REBALANCE_DELAY_MS: '0' },
      { functionInstances: 2 },
    );
    const port = Number(cluster.bootstrap.split(':')[1]);
    const report = await replay(readCorpus(new URL(name, CORPUS_DIR).pathname), port);
    expect(report.exchanges).toBeGreaterThan(0);
    expect(formatMismatches(report.mismatches)).toBe('');
  });
});
