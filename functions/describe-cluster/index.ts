/**
 * DescribeCluster (API key 60), versions 0-1.
 *
 * One broker: the configured node id at the proxy listener the client used;
 * the controller id is that node too (a KRaft broker reports a live broker).
 * v1 endpoint_type: this is a broker endpoint (1); asking it for controllers
 * (2) is MISMATCHED_ENDPOINT_TYPE and any other type UNSUPPORTED_ENDPOINT_TYPE;
 * v0 requests always mean brokers (Kafka's AuthHelper.computeDescribeClusterResponse).
 * Cluster authorized operations, when asked for, are those the authorizer
 * grants on the cluster, 0 without DESCRIBE on it (every supported one
 * without an authorizer), as AuthHelper.computeDescribeClusterResponse.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { DescribeClusterResponse } from '../../shared/protocol/generated/describe-cluster.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import { AclOperation, access, CLUSTER_NAME, ResourceType } from '../authorize.js';
import { AUTHORIZED_OPERATIONS_OMITTED, brokerNode, brokerNodes } from '../cluster.js';
import { defineFunction } from '../define.js';

const EndpointType = { BROKER: 1, CONTROLLER: 2 } as const;

export default defineFunction({
  apiKey: ApiKey.DescribeCluster,
  versions: [0, 1],
  async handle({ apiVersion, body, env, ctx }) {
    const requestedType = apiVersion >= 1 ? body.endpointType : EndpointType.BROKER;
    const base: Init<DescribeClusterResponse> = {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: EndpointType.BROKER,
      clusterId: env.config.clusterId,
      controllerId: -1,
      brokers: [],
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
    if (requestedType !== EndpointType.BROKER && requestedType !== EndpointType.CONTROLLER) {
      return {
        ...base,
        clusterId: '',
        errorCode: apiVersion === 0 ? ErrorCode.INVALID_REQUEST : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `Unsupported endpoint type ${requestedType}`,
      };
    }
    if (requestedType === EndpointType.CONTROLLER) {
      return {
        ...base,
        clusterId: '',
        errorCode: apiVersion === 0 ? ErrorCode.INVALID_REQUEST : ErrorCode.MISMATCHED_ENDPOINT_TYPE,
        errorMessage:
          'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
      };
    }
    const node = brokerNode(env, ctx);
    const checks = await access(env, ctx);
    return {
      ...base,
      controllerId: node.nodeId,
      brokers: brokerNodes(env, ctx).map((n) => ({ brokerId: n.nodeId, host: n.host, port: n.port, rack: null })),
      clusterAuthorizedOperations: !body.includeClusterAuthorizedOperations
        ? AUTHORIZED_OPERATIONS_OMITTED
        : checks.allowsCluster(AclOperation.DESCRIBE)
          ? checks.operations(ResourceType.CLUSTER, CLUSTER_NAME)
          : 0,
    };
  },
});
