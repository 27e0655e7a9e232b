/**
 * ACLs on the full stack (`functions serve` and `proxy` processes on real
 * Redis and SeaweedFS) with a real client, kafkajs 2.2.4. On a plaintext
 * listener every client is `User:ANONYMOUS`, so two deployments share one
 * Redis and one bucket: an admin one whose functions make `User:ANONYMOUS` a
 * super user, and a user one whose functions enforce ACLs on it
 * (`--authorizer acl`, no super users). Without ACLs the user gets Kafka's
 * TOPIC_, GROUP_, CLUSTER_ and TRANSACTIONAL_ID_AUTHORIZATION_FAILED on
 * produce, fetch, group and admin calls; each ACL the admin creates through
 * CreateAcls holds on the user's next request, with no process restarted.
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
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';

const ANONYMOUS = 'User:ANONYMOUS';
const suffix = Date.now().toString(36);
const TOPIC = `secured-${suffix}`;
const GROUP = `secured-group-${suffix}`;
const TXN = `secured-txn-${suffix}`;

let adminSide: Cluster | undefined;
let userSide: Cluster | undefined;

beforeAll(async () => {
  const backends = backendsFromEnv();
  adminSide = await startCluster(backends, { KAFKALESS_AUTHORIZER: 'acl', KAFKALESS_SUPER_USERS: ANONYMOUS });
  userSide = await startCluster(backends, { KAFKALESS_AUTHORIZER: 'acl' });
});

afterAll(async () => {
  await userSide?.stop();
  await adminSide?.stop();
});

/** Kafka error names the clients logged (kafkajs logs a refused FindCoordinator, then reports the coordinator as not found). */
const logged: string[] = [];

function client(cluster: Cluster | undefined, id: string): Kafka {
  if (cluster === undefined) throw new Error('the cluster did not start');
  return new Kafka({
    clientId: id,
    brokers: [cluster.bootstrap],
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry) => {
      const error = (entry.log as { error?: unknown }).error;
      if (typeof error === 'object' && error !== null && 'type' in error) logged.push(String(error.type));
    },
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
  });
}

/** The Kafka error name a kafkajs error carries (`type`), looking through its wrappers. */
function kafkaType(e: unknown): string {
  let error = e as { type?: string; cause?: unknown; errors?: unknown[]; originalError?: unknown; name?: string };
  for (let depth = 0; depth < 5; depth++) {
    if (error.type !== undefined) return error.type;
    const next = error.originalError ?? error.cause ?? error.errors?.[0];
    if (next === undefined) break;
    error = next as typeof error;
  }
  return `untyped ${error.name}: ${String(e)}`;
}

/** What `run` fails with, by Kafka error name; 'no error' when it succeeds. */
async function errorType(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (e) {
    return kafkaType(e);
  }
  return 'no error';
}

async function allow(admin: Admin, resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes) {
  await admin.createAcls({
    acl: [
      {
        resourceType,
        resourceName,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: ANONYMOUS,
        host: '*',
        operation,
        permissionType: AclPermissionTypes.ALLOW,
      },
    ],
  });
}

describe('ACLs with kafkajs on the full stack', () => {
  let admin: Admin;
  let userAdmin: Admin;

  beforeAll(async () => {
    admin = client(adminSide, 'acl-admin').admin();
    userAdmin = client(userSide, 'acl-user').admin();
    await admin.connect();
    await userAdmin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
  });

  afterAll(async () => {
    await userAdmin?.disconnect();
    await admin?.disconnect();
  });

  it('refuses cluster and topic administration without ACLs', async () => {
    expect(
      await errorType(() =>
        userAdmin.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        }),
      ),
    ).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(
      await errorType(() =>
        userAdmin.createAcls({
          acl: [
            {
              resourceType: AclResourceTypes.TOPIC,
              resourceName: TOPIC,
              resourcePatternType: ResourcePatternTypes.LITERAL,
              principal: ANONYMOUS,
              host: '*',
              operation: AclOperationTypes.ALL,
              permissionType: AclPermissionTypes.ALLOW,
            },
          ],
        }),
      ),
    ).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(await errorType(() => userAdmin.createTopics({ topics: [{ topic: `${TOPIC}-new` }] }))).toBe(
      'TOPIC_AUTHORIZATION_FAILED',
    );
    // The admin side sees everything, ACLs included.
    const topics = await admin.listTopics();
    expect(topics).toContain(TOPIC);
    expect(await userAdmin.listTopics()).not.toContain(TOPIC);
  });

  it('refuses produce, then accepts it once WRITE is granted, without a restart', async () => {
    const producer = client(userSide, 'acl-producer').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const send = () => producer.send({ topic: TOPIC, messages: [{ key: 'k', value: 'v1' }] });
      expect(await errorType(send)).toBe('TOPIC_AUTHORIZATION_FAILED');
      await allow(admin, AclResourceTypes.TOPIC, TOPIC, AclOperationTypes.WRITE);
      await send();
      await producer.send({ topic: TOPIC, messages: [{ key: 'k', value: 'v2' }] });
    } finally {
      await producer.disconnect();
    }
  });

  it('refuses the group, then the fetch, until DESCRIBE and READ on each are granted', async () => {
    // FindCoordinator needs DESCRIBE on the group: refused, kafkajs finds no coordinator.
    logged.length = 0;
    expect(await errorType(() => userAdmin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))).toMatch(
      /GroupCoordinatorNotFound/,
    );
    expect(logged).toContain('GROUP_AUTHORIZATION_FAILED');

    const consumeOnce = async (): Promise<string[]> => {
      const consumer = client(userSide, 'acl-consumer').consumer({
        groupId: GROUP,
        sessionTimeout: 10_000,
        retry: { retries: 0 },
      });
      const seen: string[] = [];
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
        const crashed = new Promise<string>((resolve) => {
          consumer.on(consumer.events.CRASH, (event) => {
            resolve(kafkaType(event.payload.error));
          });
        });
        const done = new Promise<string>((resolve) => {
          void consumer.run({
            eachMessage: async ({ message }) => {
              seen.push(message.value?.toString() ?? '');
              if (seen.length === 2) resolve('consumed');
            },
          });
        });
        const outcome = await Promise.race([
          crashed,
          done,
          new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 60_000)),
        ]);
        if (outcome !== 'consumed') return [outcome];
        return seen;
      } finally {
        await consumer.disconnect().catch(() => undefined);
      }
    };

    // DESCRIBE finds the coordinator and reads offsets; joining needs READ.
    await allow(admin, AclResourceTypes.GROUP, GROUP, AclOperationTypes.DESCRIBE);
    expect(await userAdmin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })).toHaveLength(1);
    expect(await consumeOnce()).toEqual(['GROUP_AUTHORIZATION_FAILED']);
    await allow(admin, AclResourceTypes.GROUP, GROUP, AclOperationTypes.READ);
    // WRITE implies DESCRIBE, so the topic is visible; reading it is another right.
    expect(await consumeOnce()).toEqual(['TOPIC_AUTHORIZATION_FAILED']);
    await allow(admin, AclResourceTypes.TOPIC, TOPIC, AclOperationTypes.READ);
    expect(await consumeOnce()).toEqual(['v1', 'v2']);
  }, 240_000);

  it('refuses a transactional producer without rights on its transactional id', async () => {
    const transact = async (): Promise<string> => {
      const producer = client(userSide, 'acl-txn').producer({
        transactionalId: TXN,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect().catch(() => undefined);
      try {
        return await errorType(async () => {
          const txn = await producer.transaction();
          await txn.send({ topic: TOPIC, messages: [{ value: 'in a transaction' }] });
          await txn.commit();
        });
      } finally {
        await producer.disconnect();
      }
    };
    logged.length = 0;
    expect(await transact()).toMatch(/GroupCoordinatorNotFound/);
    expect(logged).toContain('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    // DESCRIBE finds the coordinator; InitProducerId needs WRITE.
    await allow(admin, AclResourceTypes.TRANSACTIONAL_ID, TXN, AclOperationTypes.DESCRIBE);
    expect(await transact()).toBe('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    await allow(admin, AclResourceTypes.TRANSACTIONAL_ID, TXN, AclOperationTypes.WRITE);
    expect(await transact()).toBe('no error');
  });

  it('lets the admin see and delete what it granted, which takes effect at once', async () => {
    const described = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: TOPIC,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    expect(described.resources[0]?.acls.map((a) => a.operation).sort()).toEqual(
      [AclOperationTypes.READ, AclOperationTypes.WRITE].sort(),
    );
    const deleted = await admin.deleteAcls({
      filters: [
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: TOPIC,
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: ANONYMOUS,
          operation: AclOperationTypes.WRITE,
          permissionType: AclPermissionTypes.ALLOW,
        },
      ],
    });
    expect(deleted.filterResponses[0]?.matchingAcls).toHaveLength(1);
    const producer = client(userSide, 'acl-producer-again').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      expect(await errorType(() => producer.send({ topic: TOPIC, messages: [{ value: 'v3' }] }))).toBe(
        'TOPIC_AUTHORIZATION_FAILED',
      );
    } finally {
      await producer.disconnect();
    }
  });
});
