/**
 * KafkaJS with @kafkajs/confluent-schema-registry (explicit register, then
 * encode and decode, for AVRO, PROTOBUF and JSON) against Kafkaless on the
 * full stack: two function instances, each serving the registry, on real
 * Redis and SeaweedFS.
 */

import { afterAll, beforeAll } from 'vitest';
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';
import { serdeScenarios } from './scenarios.js';
import { kafkajsWithSerdes } from './serdes.js';

let cluster: Cluster | undefined;

beforeAll(async () => {
  await kafkajsWithSerdes();
  cluster = await startCluster(backendsFromEnv(), {}, { functionInstances: 2, registry: true });
});

afterAll(async () => {
  await cluster?.stop();
});

serdeScenarios('kafkajs', () => {
  if (cluster === undefined) throw new Error('the cluster did not start');
  return cluster;
});
