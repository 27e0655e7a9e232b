/**
 * The two brokers a real-client test runs against, behind one shape: Apache
 * Kafka itself (the reference broker, which proves the test) and Kafkaless on
 * the full stack (the proxy and two `functions serve` processes on the real
 * Redis and SeaweedFS of the local stack). Kafkaless's processes append their
 * output to `~/.cache/kafkaless/transactions/logs/<name>/`, kept after the run.
 */

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from '../../infra/local/install.js';
import { startReferenceBroker } from '../reference/broker.js';
import { backendsFromEnv } from './backends.js';
import { type Cluster, startCluster } from './cluster.js';

export const BROKER_KINDS = ['reference', 'kafkaless'] as const;
export type BrokerKind = (typeof BROKER_KINDS)[number];

export interface BrokerTarget {
  readonly kind: BrokerKind;
  /** "Apache Kafka 3.9.2" or "Kafkaless". */
  readonly title: string;
  readonly bootstrap: string;
  /** Kafkaless only: its processes, to kill and restart. */
  readonly cluster?: Cluster;
  /** Kafkaless only: where its processes' output is. */
  readonly logDir?: string;
  stop(): Promise<void>;
}

/** Starts the broker; `name` names Kafkaless's log folder. */
export async function startBrokerTarget(
  kind: BrokerKind,
  name: string,
  options: { functionInstances?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<BrokerTarget> {
  if (kind === 'reference') {
    const broker = await startReferenceBroker({
      // One node: a few partitions for the internal topics are plenty, and make their creation quick.
      config: { 'transaction.state.log.num.partitions': '4', 'offsets.topic.num.partitions': '4' },
    });
    return { kind, title: `Apache Kafka ${broker.version}`, bootstrap: broker.bootstrap, stop: () => broker.stop() };
  }
  const logDir = join(cacheRoot(), 'transactions', 'logs', name);
  await rm(logDir, { recursive: true, force: true });
  await mkdir(logDir, { recursive: true });
  const cluster = await startCluster(backendsFromEnv(), options.env ?? {}, {
    functionInstances: options.functionInstances ?? 2,
    logDir,
  });
  return { kind, title: 'Kafkaless', bootstrap: cluster.bootstrap, cluster, logDir, stop: () => cluster.stop() };
}

/** A seeded pseudo-random source (mulberry32), so a run's kill points can be reproduced from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
