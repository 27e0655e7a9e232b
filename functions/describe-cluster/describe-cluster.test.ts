import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { CLUSTER_AUTHORIZED_OPERATIONS } from '../cluster.js';
import { harness, listenerHeader } from '../test-harness.js';

describe('describe-cluster', () => {
  it('describes one broker at the listener, which is also the controller', async () => {
    const h = harness();
    const res = await h.call(
      60,
      1,
      { includeClusterAuthorizedOperations: true, endpointType: 1 },
      listenerHeader('[::1]:9093'),
    );
    expect(res).toMatchObject({
      errorCode: 0,
      clusterId: 'test-cluster',
      controllerId: 7,
      endpointType: 1,
      brokers: [{ brokerId: 7, host: '::1', port: 9093, rack: null }],
      clusterAuthorizedOperations: CLUSTER_AUTHORIZED_OPERATIONS,
    });
    const v0 = await h.call(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false });
    expect(v0).toMatchObject({ errorCode: 0, clusterAuthorizedOperations: -2147483648 });
  });

  it('refuses controller and unknown endpoint types as a broker does', async () => {
    const h = harness();
    expect((await h.call(ApiKey.DescribeCluster, 1, { endpointType: 2 })).errorCode).toBe(
      ErrorCode.MISMATCHED_ENDPOINT_TYPE,
    );
    expect((await h.call(ApiKey.DescribeCluster, 1, { endpointType: 9 })).errorCode).toBe(
      ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
    );
  });
});
