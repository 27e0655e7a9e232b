/**
 * SaslHandshake (API key 17), versions 0-1.
 *
 * During authentication the proxy answers SaslHandshake itself: the enabled
 * mechanisms are its listener's configuration and the chosen one is its
 * connection state (proxy/sasl.ts). A handshake that reaches this function
 * came on a connection already authenticated, or on a listener without SASL;
 * Kafka's KafkaApis.handleSaslHandshakeRequest answers those with
 * ILLEGAL_SASL_STATE, and so does this.
 */

import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { defineFunction } from '../define.js';

export default defineFunction({
  apiKey: ApiKey.SaslHandshake,
  versions: [0, 1],
  async handle() {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  },
});
