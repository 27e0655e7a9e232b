/**
 * ACLs on SASL principals: one full-stack deployment (`functions serve` and
 * `proxy` processes on real Redis and SeaweedFS) over SASL_SSL with
 * SCRAM-SHA-512, `--authorizer acl` and `User:admin` its only super user.
 * Java kafka-clients 3.9 and librdkafka (confluent-kafka-python 2.12) run
 * as `User:carol`, who starts with no rights: each step of produce and
 * consume meets Kafka's authorization error in the client's own terms until
 * the admin (kafkajs 2.2.4, as `User:admin`) grants the ACL it needs, and a
 * deleted ACL refuses again, all without a restart.
 */

import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type Admin,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../support/cluster.js';
import type { TestPki } from '../support/tls.js';
import { java, python, startSaslStack, type User, uniqueTopic } from './clients.js';

const ADMIN = { user: 'admin', password: 'admin-secret' };
const CAROL = { user: 'carol', password: 'carol-secret' };
const MECHANISM = 'SCRAM-SHA-512';

let pki: TestPki;
let cluster: Cluster | undefined;
let admin: Admin;

function kafkajs(user: User): Kafka {
  if (cluster === undefined) throw new Error('the cluster did not start');
  return new Kafka({
    clientId: `sasl-acls-${user.user}`,
    brokers: [cluster.bootstrap],
    ssl: { ca: [pki.caPem] },
    sasl: { mechanism: 'scram-sha-512', username: user.user, password: user.password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
  });
}

beforeAll(async () => {
  ({ pki, cluster } = await startSaslStack(MECHANISM, [ADMIN, CAROL], {
    KAFKALESS_AUTHORIZER: 'acl',
    KAFKALESS_SUPER_USERS: `User:${ADMIN.user}`,
  }));
  admin = kafkajs(ADMIN).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await cluster?.stop();
});

const acl = (resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes) => ({
  resourceType,
  resourceName,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: `User:${CAROL.user}`,
  host: '*',
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

async function grant(resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes) {
  await admin.createAcls({ acl: [acl(resourceType, resourceName, operation)] });
}

async function revoke(resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes) {
  const deleted = await admin.deleteAcls({ filters: [acl(resourceType, resourceName, operation)] });
  expect(deleted.filterResponses[0]?.matchingAcls).toHaveLength(1);
}

/**
 * Whether a roundtrip consumed (at least the `count` it waits for of) what the attempts before it
 * wrote: each attempt that got as far as producing wrote `prefix-0` to `prefix-<count - 1>`.
 */
function consumedFrom(prefix: string, count: number, values: readonly string[] | undefined): boolean {
  const written = new Set(Array.from({ length: count }, (_, i) => `${prefix}-${i}`));
  return values !== undefined && values.length >= count && values.every((v) => written.has(v));
}

describe('ACLs on SCRAM principals', () => {
  it('refuses carol cluster and topic administration', async () => {
    const carol = kafkajs(CAROL).admin();
    await carol.connect();
    try {
      await expect(
        carol.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        }),
      ).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
      // kafkajs gathers per-topic errors into an aggregate.
      await expect(carol.createTopics({ topics: [{ topic: uniqueTopic('carol') }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'TOPIC_AUTHORIZATION_FAILED' })],
      });
    } finally {
      await carol.disconnect();
    }
  });

  it('Java: each produce and consume step is refused until its ACL is granted, and again once deleted', async () => {
    const topic = uniqueTopic('java-acl');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const roundtrip = () =>
      java(['roundtrip', cluster!.bootstrap, MECHANISM, CAROL.user, CAROL.password, pki.caCert, topic, '3']);

    expect(await roundtrip()).toMatchObject({ error: 'TopicAuthorizationException' });
    await grant(AclResourceTypes.TOPIC, topic, AclOperationTypes.WRITE);
    expect(await roundtrip()).toMatchObject({ error: 'GroupAuthorizationException' });
    await grant(AclResourceTypes.GROUP, `sasl-java-${topic}`, AclOperationTypes.READ);
    expect(await roundtrip()).toMatchObject({ error: 'TopicAuthorizationException' });
    await grant(AclResourceTypes.TOPIC, topic, AclOperationTypes.READ);
    const out = await roundtrip();
    expect(consumedFrom('java', 3, out.consumed), JSON.stringify(out)).toBe(true);

    // Without WRITE on any topic, the idempotent producer's InitProducerId needs IDEMPOTENT_WRITE on the
    // cluster (KIP-679); with it, the produce itself is refused.
    await revoke(AclResourceTypes.TOPIC, topic, AclOperationTypes.WRITE);
    expect(await roundtrip()).toMatchObject({ error: 'ClusterAuthorizationException' });
    await grant(AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.IDEMPOTENT_WRITE);
    expect(await roundtrip()).toMatchObject({ error: 'TopicAuthorizationException' });
  }, 900_000);

  it('librdkafka: each produce and consume step is refused until its ACL is granted', async () => {
    const topic = uniqueTopic('python-acl');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const roundtrip = () =>
      python({
        bootstrap: cluster!.bootstrap,
        mechanism: MECHANISM,
        user: CAROL.user,
        password: CAROL.password,
        ca: pki.caCert,
        topic,
        count: 3,
      });

    expect(await roundtrip()).toMatchObject({ error: 'TOPIC_AUTHORIZATION_FAILED' });
    await grant(AclResourceTypes.TOPIC, topic, AclOperationTypes.WRITE);
    expect(await roundtrip()).toMatchObject({ error: 'GROUP_AUTHORIZATION_FAILED' });
    await grant(AclResourceTypes.GROUP, `sasl-python-${topic}`, AclOperationTypes.READ);
    expect(await roundtrip()).toMatchObject({ error: 'TOPIC_AUTHORIZATION_FAILED' });
    await grant(AclResourceTypes.TOPIC, topic, AclOperationTypes.READ);
    const out = await roundtrip();
    expect(consumedFrom('python', 3, out.consumed), JSON.stringify(out)).toBe(true);
  }, 900_000);
});
