/**
 * ApiVersions (API key 18), versions 0-4.
 *
 * Advertises exactly what the functions serve: an API appears only if a
 * function serves it, with that function's declared version range, so
 * advertising and serving cannot disagree. The registry hands the list in
 * (`served`), which keeps this module free of an import cycle.
 *
 * Version notes, following Kafka's KafkaApis.handleApiVersionsRequest:
 * - A version above 4 is answered as Kafka does (KIP-511): a v0 response body
 *   (functionApp encodes out-of-range ApiVersions answers at version 0, with
 *   the v0 response header every ApiVersions answer uses) carrying
 *   UNSUPPORTED_VERSION and only ApiVersions' own range, so the client retries
 *   with the highest version it shares.
 * - v1+ throttle time.
 * - v3+ client software name and version must match
 *   `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?`, else INVALID_REQUEST with no
 *   API list.
 * - v3+ features: none supported or finalized (epoch -1); clients need none of
 *   them to produce, consume or administer topics.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { ApiVersionsResponse } from '../../shared/protocol/generated/api-versions.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { type Init, inRange, type VersionRange } from '../../shared/protocol/schema.js';
import { defineFunction, type KafkaFunction } from '../define.js';

const API_VERSIONS_KEY = ApiKey.ApiVersions;
const VERSIONS: VersionRange = [0, 4];
const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export function apiVersionsFunction(served: () => readonly KafkaFunction[]): KafkaFunction<18> {
  return defineFunction({
    apiKey: API_VERSIONS_KEY,
    versions: VERSIONS,
    async handle({ apiVersion, body }): Promise<Init<ApiVersionsResponse>> {
      if (!inRange(apiVersion, VERSIONS)) {
        return {
          errorCode: ErrorCode.UNSUPPORTED_VERSION,
          apiKeys: [{ apiKey: API_VERSIONS_KEY, minVersion: VERSIONS[0], maxVersion: VERSIONS[1] }],
        };
      }
      if (
        apiVersion >= 3 &&
        !(
          SOFTWARE_NAME_OR_VERSION.test(body.clientSoftwareName) &&
          SOFTWARE_NAME_OR_VERSION.test(body.clientSoftwareVersion)
        )
      ) {
        return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [], throttleTimeMs: 0 };
      }
      const apiKeys = [...served()]
        .sort((a, b) => a.apiKey - b.apiKey)
        .map((f) => ({ apiKey: f.apiKey, minVersion: f.versions[0], maxVersion: f.versions[1] }));
      return {
        errorCode: ErrorCode.NONE,
        apiKeys,
        throttleTimeMs: 0,
        supportedFeatures: [],
        finalizedFeaturesEpoch: -1n,
        finalizedFeatures: [],
        zkMigrationReady: false,
      };
    },
  });
}
