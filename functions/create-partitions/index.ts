/**
 * CreatePartitions (API key 37), versions 0–3.
 *
 * Version notes: v1 same as v0 (throttling behaviour); v2+ flexible;
 * v3 same as v2 (quota errors). Every version has validateOnly and errorMessage.
 *
 * Rules, as Kafka's controller (ControllerApis / ReplicationControlManager.createPartitions):
 * - a topic named twice: INVALID_REQUEST "Duplicate topic name." (listed first);
 * - unknown topic: UNKNOWN_TOPIC_OR_PARTITION;
 * - a count equal to the current one: INVALID_PARTITIONS "Topic already has N partition(s).";
 *   a smaller one: INVALID_PARTITIONS "The topic T currently has N partition(s); C would not be an increase.";
 * - assignments, when given, must number exactly the partitions added and each
 *   name distinct, non-negative broker ids (INVALID_REPLICA_ASSIGNMENT); they
 *   are accepted and otherwise ignored, as placement is not meaningful when
 *   partitions live in object storage;
 * - a request adding more than 10,000 partitions fails whole with
 *   POLICY_VIOLATION, as Kafka's controller refuses such batches.
 * validateOnly checks everything and changes nothing.
 *
 * The increase is one atomic store step that refuses to shrink, so two
 * concurrent requests cannot both "increase" to the same count.
 * Storage failures: REQUEST_TIMED_OUT for the topics concerned (see admin-errors).
 */

import type { CreatePartitionsResponseCreatePartitionsTopicResult } from '../../shared/protocol/generated/create-partitions.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { TopicRecord } from '../../shared/storage/types.js';
import { type KafkaError, kafkaError, storageError } from '../admin-errors.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';
import { replicaListProblem } from '../replica-assignments.js';

type Result = Init<CreatePartitionsResponseCreatePartitionsTopicResult>;

const MAX_NEW_PARTITIONS = 10_000;

function result(name: string, error: KafkaError): Result {
  return { name, errorCode: error.errorCode, errorMessage: error.errorMessage };
}

function increaseProblem(name: string, current: number, count: number): string | undefined {
  if (count === current) return `Topic already has ${current} partition(s).`;
  if (count < current) {
    return `The topic ${name} currently has ${current} partition(s); ${count} would not be an increase.`;
  }
  return undefined;
}

export default defineFunction({
  apiKey: 37,
  versions: [0, 3],
  async handle({ body, env, ctx }) {
    const log = env.log.child('create-partitions');
    const checks = await access(env, ctx);
    const results: Result[] = [];

    const counts = new Map<string, number>();
    for (const t of body.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    for (const [name, n] of counts) {
      if (n > 1) results.push(result(name, kafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')));
    }
    const topics = body.topics.filter((t) => counts.get(t.name) === 1);

    let found: Map<string, TopicRecord | null>;
    try {
      found = await env.meta.topics.getTopics(topics.map((t) => t.name));
    } catch (e) {
      const error = storageError(env, e, 'read topics');
      return { throttleTimeMs: 0, results: [...results, ...topics.map((t) => result(t.name, error))] };
    }

    const checked: { name: string; count: number; error: KafkaError | undefined }[] = [];
    let added = 0;
    for (const t of topics) {
      const topic = found.get(t.name) ?? null;
      let error: KafkaError | undefined;
      // KafkaApis.handleCreatePartitionsRequest: ALTER per topic, before existence.
      if (!checks.allows(AclOperation.ALTER, ResourceType.TOPIC, t.name)) {
        error = kafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'The topic authorization is failed.');
      } else if (topic === null) {
        error = kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
      } else {
        const problem = increaseProblem(t.name, topic.partitions, t.count);
        const additional = t.count - topic.partitions;
        if (problem !== undefined) {
          error = kafkaError(ErrorCode.INVALID_PARTITIONS, problem);
        } else if (t.assignments !== null && t.assignments.length !== additional) {
          error = kafkaError(
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `Attempted to add ${additional} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
          );
        } else {
          const problems = (t.assignments ?? []).map((a) => replicaListProblem(a.brokerIds, undefined));
          const assignmentProblem = problems.find((p) => p !== undefined);
          if (assignmentProblem !== undefined) {
            error = kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, assignmentProblem);
          } else {
            added += additional;
          }
        }
      }
      checked.push({ name: t.name, count: t.count, error });
    }
    if (added > MAX_NEW_PARTITIONS) {
      const error = kafkaError(ErrorCode.POLICY_VIOLATION, 'Unable to perform excessively large batch operation.');
      return { throttleTimeMs: 0, results: body.topics.map((t) => result(t.name, error)) };
    }

    for (const { name, count, error } of checked) {
      if (error !== undefined) {
        results.push(result(name, error));
        continue;
      }
      if (body.validateOnly) {
        results.push(result(name, { errorCode: ErrorCode.NONE, errorMessage: null }));
        continue;
      }
      try {
        const outcome = await env.meta.topics.setPartitionCount(name, count);
        if (outcome.ok) {
          log.info('added partitions', { topic: name, partitions: count });
          results.push(result(name, { errorCode: ErrorCode.NONE, errorMessage: null }));
        } else if (outcome.topic === null) {
          results.push(result(name, kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null)));
        } else {
          // Someone else changed the count since we read it.
          const problem = increaseProblem(name, outcome.topic.partitions, count);
          results.push(result(name, kafkaError(ErrorCode.INVALID_PARTITIONS, problem ?? null)));
        }
      } catch (e) {
        results.push(result(name, storageError(env, e, 'add partitions')));
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
