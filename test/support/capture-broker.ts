/**
 * A minimal Kafka listener for tests that need the bytes a real client writes:
 * it answers ApiVersions, Metadata (one broker, the topics asked for, one
 * partition each unless told otherwise) and Produce, and keeps every produced
 * `records` field. It speaks through the generated codec, so a real client
 * talking to it also exercises our encoders.
 */

import { createServer, type Server, type Socket } from 'node:net';
import { decodeRequest, encodeResponse } from '../../shared/protocol/frame.js';
import { ApiKey, type ApiKey as ApiKeyType, apis } from '../../shared/protocol/generated/api-keys.js';
import type { MetadataRequest } from '../../shared/protocol/generated/metadata.js';
import type { ProduceRequest } from '../../shared/protocol/generated/produce.js';

export interface CapturedProduce {
  topic: string;
  partition: number;
  apiVersion: number;
  records: Uint8Array;
}

/**
 * Versions this listener advertises. Fetch and FindCoordinator are advertised
 * but not served: librdkafka infers features from them (the magic-2 format
 * needs Produce v3+ and Fetch v4+; LZ4 needs FindCoordinator).
 */
const ADVERTISED: ReadonlyMap<number, [number, number]> = new Map([
  [ApiKey.Produce, [0, 11]],
  [ApiKey.Fetch, [0, 16]],
  [ApiKey.Metadata, [0, 12]],
  [ApiKey.FindCoordinator, [0, 4]],
  [ApiKey.ApiVersions, [0, 3]],
]);

export class CaptureBroker {
  readonly produced: CapturedProduce[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  private readonly advertised: ReadonlyMap<number, [number, number]>;

  /**
   * @param ceilings highest versions to advertise per API key, to stand in for
   *   an old broker (librdkafka picks the record format from what it sees).
   */
  constructor(
    private readonly partitions = 1,
    ceilings: ReadonlyMap<number, number> = new Map(),
  ) {
    this.advertised = new Map(
      [...ADVERTISED].map(([k, [min, max]]) => [k, [min, Math.min(max, ceilings.get(k) ?? max)]]),
    );
    this.server = createServer((s) => this.accept(s));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    this.port = address.port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (pending.length < 4 + size) break;
        const frame = new Uint8Array(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
        const response = this.handle(frame);
        if (response !== undefined) {
          const prefix = Buffer.alloc(4);
          prefix.writeInt32BE(response.length);
          socket.write(Buffer.concat([prefix, response]));
        }
      }
    });
  }

  private handle(frame: Uint8Array): Uint8Array | undefined {
    const { header, body } = decodeRequest(frame);
    const { apiKey, apiVersion, correlationId } = header;
    switch (apiKey) {
      case ApiKey.ApiVersions:
        return encodeResponse(ApiKey.ApiVersions, apiVersion, correlationId, {
          errorCode: 0,
          apiKeys: [...this.advertised].map(([k, [min, max]]) => ({ apiKey: k, minVersion: min, maxVersion: max })),
        });
      case ApiKey.Metadata: {
        const req = body as MetadataRequest;
        const names = (req.topics ?? []).map((t) => t.name ?? '');
        return encodeResponse(ApiKey.Metadata, apiVersion, correlationId, {
          brokers: [{ nodeId: 0, host: '127.0.0.1', port: this.port, rack: null }],
          clusterId: 'capture',
          controllerId: 0,
          topics: names.map((name) => ({
            errorCode: 0,
            name,
            partitions: Array.from({ length: this.partitions }, (_, p) => ({
              errorCode: 0,
              partitionIndex: p,
              leaderId: 0,
              leaderEpoch: 0,
              replicaNodes: [0],
              isrNodes: [0],
            })),
          })),
        });
      }
      case ApiKey.Produce: {
        const req = body as ProduceRequest;
        for (const t of req.topicData) {
          for (const p of t.partitionData) {
            if (p.records) {
              this.produced.push({ topic: t.name, partition: p.index, apiVersion, records: p.records.slice() });
            }
          }
        }
        if (req.acks === 0) return undefined;
        return encodeResponse(ApiKey.Produce, apiVersion, correlationId, {
          responses: req.topicData.map((t) => ({
            name: t.name,
            partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: 0, baseOffset: 0n })),
          })),
        });
      }
      default:
        throw new Error(`capture broker: unexpected ${apis.get(apiKey as ApiKeyType)?.name ?? apiKey}`);
    }
  }
}
