/**
 * ConsumerGroupDescribe (API key 69) for one group: Kafka's
 * ConsumerGroup.asDescribedGroup. Partitions of topics whose name is unknown
 * are left out, as Kafka does for topics missing from its metadata image.
 */

import type {
  ConsumerGroupDescribeResponseDescribedGroup,
  ConsumerGroupDescribeResponseTopicPartitions,
} from '../../protocol/generated/consumer-group-describe.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { type ConsumerGroupConfig, DEFAULT_CONSUMER_GROUP_CONFIG, preferredAssignor } from './heartbeat.js';
import type { Assignment, ConsumerGroupState, GroupState } from './state.js';

/** AuthorizedOperations when the client did not ask for them. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** Kafka's display names for ConsumerGroupState. */
export const GROUP_STATE_NAMES: Readonly<Record<GroupState, string>> = {
  EMPTY: 'Empty',
  ASSIGNING: 'Assigning',
  RECONCILING: 'Reconciling',
  STABLE: 'Stable',
  DEAD: 'Dead',
};

/**
 * @param topicNames topic id → name for the cluster's current topics; ids
 *   missing there fall back to the group's subscription metadata.
 */
export function describe(
  state: ConsumerGroupState,
  topicNames: ReadonlyMap<string, string>,
  config: Partial<ConsumerGroupConfig> = {},
): ConsumerGroupDescribeResponseDescribedGroup {
  const known = new Map(state.subscriptionMetadata.map((t) => [t.id, t.name]));
  const nameOf = (id: string): string | undefined => topicNames.get(id) ?? known.get(id);
  const partitions = (assignment: Assignment): ConsumerGroupDescribeResponseTopicPartitions[] =>
    assignment.flatMap(({ topicId, partitions }) => {
      const topicName = nameOf(topicId);
      return topicName === undefined ? [] : [{ topicId, topicName, partitions: [...partitions] }];
    });
  const targets = new Map(state.targetAssignment.map((e) => [e.memberId, e.partitions]));
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    groupId: state.groupId,
    groupState: GROUP_STATE_NAMES[state.state],
    groupEpoch: state.groupEpoch,
    assignmentEpoch: state.assignmentEpoch,
    assignorName: preferredAssignor(state.members, { ...DEFAULT_CONSUMER_GROUP_CONFIG, ...config }),
    members: state.members.map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      memberEpoch: m.memberEpoch,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: [...m.subscribedTopicNames],
      subscribedTopicRegex: m.subscribedTopicRegex,
      assignment: { topicPartitions: partitions(m.assigned) },
      targetAssignment: { topicPartitions: partitions(targets.get(m.memberId) ?? []) },
    })),
    authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/** The entry for a group with no consumer group state: as Kafka, only the id, the error and its message. */
export function describeMissing(groupId: string): ConsumerGroupDescribeResponseDescribedGroup {
  return {
    errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
    errorMessage: `Group ${groupId} not found.`,
    groupId,
    groupState: '',
    groupEpoch: 0,
    assignmentEpoch: 0,
    assignorName: '',
    members: [],
    authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}
