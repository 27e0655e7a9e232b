import { defineConfig } from 'vitest/config';

/** Tests that need real Redis and SeaweedFS; the local stack's global setup starts them once per run. */
const BACKED = ['shared/storage/redis/**/*.test.ts', 'shared/storage/s3/**/*.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'proxy/**/*.test.ts', 'functions/**/*.test.ts', 'test/unit/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...BACKED],
        },
      },
      {
        test: {
          name: 'oracle',
          include: ['test/oracle/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: [...BACKED, 'infra/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/differential/**/*.test.ts'],
          globalSetup: ['infra/local/vitest-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          // The full-stack integration tests again with the MetaStore on the stack's three-master Redis
          // Cluster (test/support/backends.ts). Not the outage test (it restarts the single Redis), nor dev
          // (embedded stores), nor the cluster's own test; the differential test needs a database of its
          // own per corpus, which a cluster does not have.
          name: 'integration-cluster',
          include: ['test/integration/**/*.test.ts'],
          exclude: [
            '**/node_modules/**',
            'test/integration/outages.test.ts',
            'test/integration/dev.test.ts',
            'test/integration/redis-cluster.test.ts',
          ],
          env: { KAFKALESS_TEST_METASTORE: 'redis-cluster' },
          globalSetup: ['infra/local/vitest-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'clients',
          // The reference broker (Apache Kafka), and the client scenario matrix, the exactly-once tests and
          // the schema-registry serializers against it and the full stack.
          include: [
            'test/reference/**/*.test.ts',
            'test/clients/*.test.ts',
            'test/transactions/**/*.test.ts',
            'test/schemas/**/*.test.ts',
            'test/security/**/*.test.ts',
          ],
          globalSetup: ['infra/local/vitest-setup.ts'],
          // Brokers and clients are heavy: one file at a time.
          fileParallelism: false,
          testTimeout: 3_600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
