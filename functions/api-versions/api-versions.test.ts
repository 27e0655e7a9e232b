import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest } from '../../shared/protocol/frame.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { allFunctions } from '../registry.js';
import { CORRELATION_ID, harness } from '../test-harness.js';

describe('api-versions', () => {
  it('advertises exactly the APIs and version ranges the functions serve', async () => {
    const h = harness();
    const res = await h.call(ApiKey.ApiVersions, 4, {
      clientSoftwareName: 'apache-kafka-java',
      clientSoftwareVersion: '3.9.0',
    });
    expect(res.errorCode).toBe(0);
    expect(res.apiKeys).toEqual(
      [...allFunctions]
        .sort((a, b) => a.apiKey - b.apiKey)
        .map((f) => ({ apiKey: f.apiKey, minVersion: f.versions[0], maxVersion: f.versions[1] })),
    );
    expect(res).toMatchObject({ supportedFeatures: [], finalizedFeatures: [], finalizedFeaturesEpoch: -1n });
    for (const version of [0, 1, 2, 3]) {
      const older = await h.call(ApiKey.ApiVersions, version, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
      expect(older.apiKeys).toEqual(res.apiKeys);
    }
  });

  it('answers a too-new version with a v0 body: UNSUPPORTED_VERSION and its own range (KIP-511)', async () => {
    const h = harness();
    const frame = encodeRequest(ApiKey.ApiVersions, 4, CORRELATION_ID, 'future-client', {});
    new DataView(frame.buffer, frame.byteOffset).setInt16(2, 9);
    const res = await h.send(frame);
    expect(res.status).toBe(200);
    const decoded = decodeResponse(ApiKey.ApiVersions, 0, new Uint8Array(await res.arrayBuffer()));
    expect(decoded.correlationId).toBe(CORRELATION_ID);
    expect(decoded.body).toMatchObject({
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    });
  });

  it('refuses client software names and versions Kafka would not accept (v3+)', async () => {
    const h = harness();
    for (const [name, version] of [
      ['', '1.0'],
      ['-leading-dash', '1.0'],
      ['ok', 'trailing.'],
      ['spa ce', '1'],
    ]) {
      const res = await h.call(ApiKey.ApiVersions, 3, { clientSoftwareName: name!, clientSoftwareVersion: version! });
      expect(res).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [] });
    }
    const ok = await h.call(ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'librdkafka',
      clientSoftwareVersion: '2.6.1-RC3',
    });
    expect(ok.errorCode).toBe(0);
  });
});
