/**
 * confluent-kafka-python's Schema Registry serializers (AvroSerializer,
 * ProtobufSerializer, JSONSerializer and their deserializers, with
 * auto.register.schemas) against Kafkaless on the full stack: two function
 * instances, each serving the registry, on real Redis and SeaweedFS.
 */

import { afterAll, beforeAll } from 'vitest';
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';
import { serdeScenarios } from './scenarios.js';
import { pythonWithSerdes } from './serdes.js';

let cluster: Cluster | undefined;

beforeAll(async () => {
  await pythonWithSerdes();
  cluster = await startCluster(backendsFromEnv(), {}, { functionInstances: 2, registry: true });
});

afterAll(async () => {
  await cluster?.stop();
});

serdeScenarios('python', () => {
  if (cluster === undefined) throw new Error('the cluster did not start');
  return cluster;
});
