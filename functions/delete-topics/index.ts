/**
 * DeleteTopics (API key 20), versions 0–6.
 *
 * Version notes:
 * - v0–v5: topics by name (`topicNames`). v1+: throttleTimeMs.
 * - v4+: flexible. v5+: errorMessage.
 * - v6+: topics by name or by id (`topics`); results carry the id, and a
 *   nullable name (null when the topic was given by an id we do not know).
 *
 * Rules, as Kafka's ControllerApis.deleteTopics:
 * - neither name nor id: INVALID_REQUEST "Neither topic name nor id were specified.";
 * - both name and id: INVALID_REQUEST "You may not specify both topic name and topic id.";
 * - a name or an id given twice: INVALID_REQUEST "Duplicate topic name." / "Duplicate topic id.";
 * - a name that maps to an id also given: INVALID_REQUEST;
 * - unknown name: UNKNOWN_TOPIC_OR_PARTITION; unknown id: UNKNOWN_TOPIC_ID.
 * Results come in Kafka's order: request errors, then lookups, then deletions.
 *
 * Deleting removes the topic and its partitions' index in one store step;
 * its objects become garbage for the sweeper.
 * Storage failures: REQUEST_TIMED_OUT for the topics concerned (see admin-errors).
 */

import type { DeleteTopicsResponseDeletableTopicResult } from '../../shared/protocol/generated/delete-topics.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../shared/protocol/primitives.js';
import type { Init } from '../../shared/protocol/schema.js';
import { type KafkaError, kafkaError, storageError } from '../admin-errors.js';
import { AclOperation, access, ResourceType } from '../authorize.js';
import { defineFunction } from '../define.js';

type Result = Init<DeleteTopicsResponseDeletableTopicResult>;

function result(name: string | null, topicId: string, error: KafkaError): Result {
  return { name, topicId, errorCode: error.errorCode, errorMessage: error.errorMessage };
}

const OK: KafkaError = { errorCode: ErrorCode.NONE, errorMessage: null };

export default defineFunction({
  apiKey: 20,
  versions: [0, 6],
  async handle({ apiVersion, body, env, ctx }) {
    const log = env.log.child('delete-topics');
    // ControllerApis.deleteTopics: DELETE on the cluster covers every topic; else DESCRIBE and DELETE per topic.
    const checks = await access(env, ctx);
    const clusterDelete = checks.allowsCluster(AclOperation.DELETE);
    const describable = (name: string): boolean =>
      clusterDelete || checks.allows(AclOperation.DESCRIBE, ResourceType.TOPIC, name);
    const deletable = (name: string): boolean =>
      clusterDelete || checks.allows(AclOperation.DELETE, ResourceType.TOPIC, name);
    const results: Result[] = [];

    const names: string[] = [];
    const duplicateNames = new Set<string>();
    const ids: string[] = [];
    const duplicateIds = new Set<string>();
    const addName = (name: string): void => {
      if (duplicateNames.has(name)) return;
      const at = names.indexOf(name);
      if (at >= 0) {
        names.splice(at, 1);
        duplicateNames.add(name);
      } else {
        names.push(name);
      }
    };
    const addId = (id: string): void => {
      if (duplicateIds.has(id)) return;
      const at = ids.indexOf(id);
      if (at >= 0) {
        ids.splice(at, 1);
        duplicateIds.add(id);
      } else {
        ids.push(id);
      }
    };

    if (apiVersion < 6) {
      for (const name of body.topicNames) addName(name);
    } else {
      for (const t of body.topics) {
        if (t.name === null) {
          if (t.topicId === ZERO_UUID) {
            results.push(
              result(
                null,
                ZERO_UUID,
                kafkaError(ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'),
              ),
            );
          } else {
            addId(t.topicId);
          }
        } else if (t.topicId === ZERO_UUID) {
          addName(t.name);
        } else {
          results.push(
            result(
              t.name,
              t.topicId,
              kafkaError(ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.'),
            ),
          );
        }
      }
    }
    for (const name of duplicateNames) {
      results.push(result(name, ZERO_UUID, kafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')));
    }
    for (const id of duplicateIds) {
      results.push(result(null, id, kafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate topic id.')));
    }

    // Resolve ids to names and names to ids; what remains is deleted by name.
    const toDelete = new Map<string, string>(); // id → name
    for (const id of ids) {
      try {
        const topic = await env.meta.topics.getTopicById(id);
        if (topic === null) results.push(result(null, id, kafkaError(ErrorCode.UNKNOWN_TOPIC_ID)));
        else if (!deletable(topic.name)) {
          const name = describable(topic.name) ? topic.name : null;
          results.push(result(name, id, kafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED)));
        } else toDelete.set(id, topic.name);
      } catch (e) {
        results.push(result(null, id, storageError(env, e, 'find topic by id')));
      }
    }
    if (names.length > 0) {
      let found: Map<string, { id: string } | null>;
      try {
        found = await env.meta.topics.getTopics(names);
      } catch (e) {
        const error = storageError(env, e, 'find topics');
        found = new Map();
        for (const name of names) results.push(result(name, ZERO_UUID, error));
        names.length = 0;
      }
      for (const name of names) {
        const topic = found.get(name) ?? null;
        if (!describable(name)) {
          results.push(result(name, ZERO_UUID, kafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED)));
        } else if (topic === null) {
          results.push(result(name, ZERO_UUID, kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)));
        } else if (!deletable(name)) {
          results.push(result(name, topic.id, kafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED)));
        } else if (toDelete.has(topic.id)) {
          toDelete.delete(topic.id);
          results.push(
            result(
              name,
              topic.id,
              kafkaError(ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.'),
            ),
          );
        } else {
          toDelete.set(topic.id, name);
        }
      }
    }

    for (const [id, name] of toDelete) {
      try {
        const removed = await env.meta.topics.deleteTopic(name);
        if (removed === null) {
          // Deleted by someone else since we looked it up.
          results.push(result(name, id, kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)));
        } else {
          log.info('deleted topic', { topic: name, id: removed.id, partitions: removed.partitions });
          results.push(result(name, removed.id, OK));
        }
      } catch (e) {
        results.push(result(name, id, storageError(env, e, 'delete topic')));
      }
    }
    return { throttleTimeMs: 0, responses: results };
  },
});
