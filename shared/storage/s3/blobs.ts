/**
 * The S3 BlobStore (SeaweedFS by default, any S3-compatible store). Requests
 * share a keep-alive connection pool. Retries are ours, not the SDK's, so a
 * put can rebuild its streamed body for each attempt; only failures that may
 * pass (network errors, 5xx, throttling) are retried, quickly, and the last
 * one surfaces as StorageUnavailableError. The data path's PUTs and ranged
 * GETs bypass the SDK where URLs are path-style (signed-http.ts).
 */

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Logger } from '../../log.js';
import { BlobNotFoundError, unavailable } from '../errors.js';
import { checkRange } from '../range.js';
import { type BlobStore, StorageUnavailableError } from '../types.js';
import { SignedHttp } from './signed-http.js';

export interface S3BlobStoreOptions {
  /** e.g. http://127.0.0.1:8333; omitted for AWS itself. */
  readonly endpoint?: string;
  readonly bucket: string;
  /** Default us-east-1. */
  readonly region?: string;
  /** Omitted: the SDK's default chain (environment, profile, instance role). */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** Default true when an endpoint is given: SeaweedFS and MinIO want path-style URLs. */
  readonly forcePathStyle?: boolean;
  /** Sockets per store; default 64. */
  readonly maxSockets?: number;
  /** Default 1000. */
  readonly connectTimeoutMs?: number;
  /** Whole-request limit; default 30000. */
  readonly requestTimeoutMs?: number;
  /** Tries per request, the first included; default 3. */
  readonly attempts?: number;
  readonly log?: Logger;
}

/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function status(e: unknown): number | undefined {
  return (e as SdkError | null)?.$metadata?.httpStatusCode;
}

function errorName(e: unknown): string | undefined {
  return (e as SdkError | null)?.name;
}

/** Whether another try may succeed: the network, the server, or throttling. */
function transient(e: unknown): boolean {
  const code = status(e);
  if (code === undefined) return true;
  return code >= 500 || code === 429 || errorName(e) === 'SlowDown';
}

function sdkLogger(log: Logger | undefined): {
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
} {
  const emit = (...content: unknown[]): void => log?.debug('s3 client', { detail: content.map(String).join(' ') });
  return { debug: emit, info: emit, warn: emit, error: emit };
}

export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly attempts: number;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  /** PUTs and ranged GETs without the SDK, where URLs are path-style; see signed-http.ts. */
  private readonly signed: SignedHttp | undefined;

  constructor(readonly options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.attempts = Math.max(1, options.attempts ?? 3);
    const maxSockets = options.maxSockets ?? 64;
    this.agents = {
      http: new HttpAgent({ keepAlive: true, maxSockets }),
      https: new HttpsAgent({ keepAlive: true, maxSockets }),
    };
    const credentials =
      options.accessKeyId !== undefined && options.secretAccessKey !== undefined
        ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
        : undefined;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(credentials === undefined ? {} : { credentials }),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      maxAttempts: 1,
      // The SDK's own remarks (e.g. on a failed streaming put, which we retry) are debug lines here, never stray console output.
      logger: sdkLogger(options.log),
      // S3-compatible stores do not all know the newer flexible checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        httpAgent: this.agents.http,
        httpsAgent: this.agents.https,
        connectionTimeout: options.connectTimeoutMs ?? 1000,
        requestTimeout: options.requestTimeoutMs ?? 30_000,
        throwOnRequestTimeout: true,
      },
    });
    const pathStyle = options.forcePathStyle ?? options.endpoint !== undefined;
    this.signed =
      options.endpoint !== undefined && pathStyle
        ? new SignedHttp({
            endpoint: options.endpoint,
            bucket: this.bucket,
            region: options.region ?? 'us-east-1',
            credentials: this.client.config.credentials,
            agents: this.agents,
            requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
          })
        : undefined;
  }

  /** Runs `op`, retrying transient failures. */
  private async attempt<T>(what: string, op: () => Promise<T>): Promise<T> {
    let last: unknown;
    for (let i = 0; i < this.attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50 * 4 ** (i - 1)));
      try {
        return await op();
      } catch (e) {
        last = e;
        if (!transient(e)) break;
      }
    }
    throw unavailable(`s3 ${what}`, last);
  }

  /** Creates the bucket unless it exists (for tests and local stacks). */
  async ensureBucket(): Promise<void> {
    await this.attempt('ensureBucket', async () => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      } catch (e) {
        if (status(e) !== 404) throw e;
        try {
          await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
        } catch (created) {
          const name = errorName(created);
          if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw created;
        }
      }
    });
  }

  async put(key: string, chunks: readonly Uint8Array[]): Promise<void> {
    let length = 0;
    for (const c of chunks) length += c.byteLength;
    await this.attempt('put', async () => {
      if (this.signed !== undefined) return await this.signed.put(key, chunks);
      // A stream cannot be replayed, so each try gets a fresh one over the same chunks.
      const body = chunks.length === 1 ? chunks[0]! : Readable.from(chunks, { objectMode: false });
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: length === 0 ? new Uint8Array(0) : body,
          ContentLength: length,
        }),
      );
    });
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    checkRange(start, end);
    if (start === end) return new Uint8Array(0);
    try {
      return await this.attempt('getRange', async () => {
        try {
          if (this.signed !== undefined) return await this.signed.getRange(key, start, end);
          const res = await this.client.send(
            new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
          );
          if (res.Body === undefined) throw new StorageUnavailableError(`s3 getRange: no body for ${key}`);
          return await res.Body.transformToByteArray();
        } catch (e) {
          // Starting at or past the end: S3 answers 416, we answer no bytes.
          if (status(e) === 416 || errorName(e) === 'InvalidRange') return new Uint8Array(0);
          throw e;
        }
      });
    } catch (e) {
      const cause = e instanceof StorageUnavailableError ? e.cause : e;
      const name = errorName(cause);
      if (name === 'NoSuchKey' || (status(cause) === 404 && name !== 'NoSuchBucket')) throw new BlobNotFoundError(key);
      throw e;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let at = 0; at < keys.length; at += DELETE_BATCH) {
      const batch = keys.slice(at, at + DELETE_BATCH);
      await this.attempt('delete', async () => {
        const res = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) {
          const first = failed[0]!;
          throw new StorageUnavailableError(
            `s3 delete: ${failed.length} of ${batch.length} failed, e.g. ${first.Key}: ${first.Code} ${first.Message}`,
          );
        }
      });
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const page = await this.attempt('list', () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        ),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) yield object.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async close(): Promise<void> {
    this.client.destroy();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
