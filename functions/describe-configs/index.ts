/**
 * DescribeConfigs (API key 32), versions 0–4.
 *
 * Version notes:
 * - v0: entries carry isDefault (true when the value is Kafka's default) and
 *   no source; Kafka 3.9 leaves isDefault false, we set it as older brokers did.
 * - v1+: configSource and, when includeSynonyms, the synonyms in order of
 *   precedence (the entry's own value first).
 * - v2: same as v1. v3+: configType, and documentation when includeDocumentation.
 * - v4+: flexible.
 *
 * Resources, as Kafka's ConfigHelper:
 * - TOPIC (2): every topic config, resolved: explicit value
 *   (DYNAMIC_TOPIC_CONFIG), the deployment's topicDefaults
 *   (STATIC_BROKER_CONFIG) or Kafka's default (DEFAULT_CONFIG). An illegal
 *   name is INVALID_TOPIC_EXCEPTION; an unknown topic UNKNOWN_TOPIC_OR_PARTITION.
 * - BROKER (4): named by the node id, the broker configs (all read-only:
 *   Kafkaless takes them from its deployment, not from AlterConfigs); the
 *   empty name (cluster-wide dynamic defaults) has none, so an empty list. Any
 *   other name is INVALID_REQUEST.
 * - BROKER_LOGGER (8): named by the node id, an empty list (functions have no
 *   log4j loggers to report). CLIENT_METRICS (16): an empty list (no
 *   subscriptions are kept). Other types: INVALID_REQUEST.
 * configurationKeys null or empty means all; names not known are left out.
 * Storage failures: REQUEST_TIMED_OUT for the resources concerned (see admin-errors).
 */

import {
  brokerConfigEntries,
  type ConfigEntry,
  ConfigSourceCode,
  configTypeCode,
  topicConfigEntries,
} from '../../shared/config/config-entries.js';
import { ConfigResourceType, nodeIdOf } from '../../shared/config/config-resources.js';
import type {
  DescribeConfigsRequestDescribeConfigsResource,
  DescribeConfigsResponseDescribeConfigsResourceResult,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../../shared/protocol/generated/describe-configs.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import type { TopicRecord } from '../../shared/storage/types.js';
import { topicNameProblem } from '../../shared/topic-names.js';
import { type KafkaError, kafkaError, storageError } from '../admin-errors.js';
import { AclOperation, access, configResourceError } from '../authorize.js';
import { brokerNode } from '../cluster.js';
import { defineFunction } from '../define.js';

type Result = Init<DescribeConfigsResponseDescribeConfigsResult>;
type Entry = Init<DescribeConfigsResponseDescribeConfigsResourceResult>;

export default defineFunction({
  apiKey: 32,
  versions: [0, 4],
  async handle({ apiVersion, body, env, ctx }) {
    const checks = await access(env, ctx);
    const includeSynonyms = apiVersion >= 1 && body.includeSynonyms;
    const includeDocumentation = apiVersion >= 3 && body.includeDocumentation;

    const topicNames = body.resources
      .filter((r) => r.resourceType === ConfigResourceType.TOPIC && topicNameProblem(r.resourceName) === undefined)
      .map((r) => r.resourceName);
    let topics = new Map<string, TopicRecord | null>();
    let topicsError: KafkaError | undefined;
    if (topicNames.length > 0) {
      try {
        topics = await env.meta.topics.getTopics([...new Set(topicNames)]);
      } catch (e) {
        topicsError = storageError(env, e, 'read topics');
      }
    }

    const entry = (e: ConfigEntry): Entry => ({
      name: e.name,
      value: e.isSensitive ? null : e.value,
      readOnly: e.readOnly,
      // v0 only, and not ignorable: the codec refuses it set at later versions.
      isDefault: apiVersion === 0 && e.source === ConfigSourceCode.DEFAULT_CONFIG,
      configSource: e.source,
      isSensitive: e.isSensitive,
      synonyms: includeSynonyms
        ? e.synonyms.map((s) => ({ name: s.name, value: e.isSensitive ? null : s.value, source: s.source }))
        : [],
      configType: configTypeCode(e.type),
      documentation: includeDocumentation ? e.documentation : null,
    });

    // A broker resource names the node the request was sent to: the proxy the client is connected to.
    const nodeId = brokerNode(env, ctx).nodeId;
    const describe = (resource: DescribeConfigsRequestDescribeConfigsResource): Result => {
      const done = (entries: readonly ConfigEntry[]): Result => {
        const keys = resource.configurationKeys;
        const wanted = keys === null || keys.length === 0 ? entries : entries.filter((e) => keys.includes(e.name));
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
          configs: wanted.map(entry),
        };
      };
      const failed = (error: KafkaError): Result => ({
        errorCode: error.errorCode,
        errorMessage: error.errorMessage,
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        configs: [],
      });
      const name = resource.resourceName;
      // ConfigHelper: DESCRIBE_CONFIGS on the topic, or on the cluster for broker resources, before anything else.
      const refused = configResourceError(checks, AclOperation.DESCRIBE_CONFIGS, resource.resourceType, name);
      if (refused !== ErrorCode.NONE) return failed(kafkaError(refused, null));
      switch (resource.resourceType) {
        case ConfigResourceType.TOPIC: {
          const problem = topicNameProblem(name);
          if (problem !== undefined) {
            return failed(kafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name is invalid: ${problem}`));
          }
          if (topicsError !== undefined) return failed(topicsError);
          const topic = topics.get(name) ?? null;
          if (topic === null) return failed(kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null));
          return done(topicConfigEntries(topic.configs, env.config));
        }
        case ConfigResourceType.BROKER: {
          if (name === '') return done([]);
          const id = nodeIdOf(name);
          if (id === undefined) {
            return failed(kafkaError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`));
          }
          if (id !== nodeId) {
            return failed(
              kafkaError(
                ErrorCode.INVALID_REQUEST,
                `Unexpected broker id, expected ${nodeId} or empty string, but received ${name}`,
              ),
            );
          }
          return done(brokerConfigEntries({ ...env.config, nodeId }));
        }
        case ConfigResourceType.BROKER_LOGGER: {
          if (name === '') return failed(kafkaError(ErrorCode.INVALID_REQUEST, 'Broker id must not be empty'));
          const id = nodeIdOf(name);
          if (id === undefined) {
            return failed(kafkaError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`));
          }
          if (id !== nodeId) {
            return failed(
              kafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${nodeId} but received ${name}`),
            );
          }
          return done([]);
        }
        case ConfigResourceType.CLIENT_METRICS:
          if (name === '') {
            return failed(kafkaError(ErrorCode.INVALID_REQUEST, 'Client metrics subscription name must not be empty'));
          }
          return done([]);
        default:
          return failed(
            kafkaError(
              ErrorCode.INVALID_REQUEST,
              `Unexpected resource type ${resource.resourceType} for resource ${resource.resourceName}`,
            ),
          );
      }
    };

    return { throttleTimeMs: 0, results: body.resources.map(describe) };
  },
});
