/**
 * Request and response frames: header version rules and whole-frame codecs.
 *
 * A frame here is what follows the 4-byte size prefix on the wire: header, then body.
 */

import { type ApiDefinition, type ApiKey, type ApiMessages, apis } from './generated/api-keys.js';
import { RequestHeader, ResponseHeader } from './generated/headers.js';
import { DecodeError, Reader, Writer } from './primitives.js';
import { type Init, inRange, UnsupportedVersionError } from './schema.js';

export const API_VERSIONS_KEY = 18;
const CONTROLLED_SHUTDOWN_KEY = 7;

export function apiDefinition(apiKey: number): ApiDefinition | undefined {
  return apis.get(apiKey as ApiKey);
}

/** Header version of a request: 2 for flexible API versions, else 1 (ControlledShutdown v0 uses 0). */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === CONTROLLED_SHUTDOWN_KEY && apiVersion === 0) return 0;
  const api = apiDefinition(apiKey);
  return api !== undefined && inRange(apiVersion, api.flexibleVersions) ? 2 : 1;
}

/** Header version of a response: 1 for flexible API versions, else 0; ApiVersions responses always use 0. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === API_VERSIONS_KEY) return 0;
  const api = apiDefinition(apiKey);
  return api !== undefined && inRange(apiVersion, api.flexibleVersions) ? 1 : 0;
}

export interface RequestHeaderFields {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * Reads just enough of a request to route it: API key, version, correlation id
 * and client id. The reader is left at the start of the body, past any tagged
 * header fields, when the API and version are known.
 */
export function readRequestHeader(frame: Uint8Array): { header: RequestHeaderFields; bodyOffset: number } {
  if (frame.length < 8) throw new DecodeError(`a request frame of ${frame.length} bytes has no header`);
  const r = new Reader(frame);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  r.pos = 0;
  const known = apiDefinition(apiKey);
  const headerVersion =
    known !== undefined && inRange(apiVersion, known.validVersions) ? requestHeaderVersion(apiKey, apiVersion) : 1;
  const h = RequestHeader.read(r, headerVersion);
  return {
    header: {
      apiKey: h.requestApiKey,
      apiVersion: h.requestApiVersion,
      correlationId: h.correlationId,
      clientId: h.clientId,
    },
    bodyOffset: r.pos,
  };
}

export interface DecodedRequest<K extends ApiKey> {
  header: RequestHeaderFields;
  api: ApiDefinition<K>;
  body: ApiMessages[K]['request'];
}

/** Decodes a whole request frame; throws {@link DecodeError} or {@link UnsupportedVersionError}. */
export function decodeRequest(frame: Uint8Array): DecodedRequest<ApiKey> {
  const { header, bodyOffset } = readRequestHeader(frame);
  const api = apiDefinition(header.apiKey);
  if (api === undefined) throw new DecodeError(`unknown API key ${header.apiKey}`);
  if (!inRange(header.apiVersion, api.validVersions)) {
    throw new UnsupportedVersionError(api.request.schema.name, header.apiVersion, api.validVersions);
  }
  const body = api.request.decode(frame.subarray(bodyOffset), header.apiVersion);
  return { header, api, body };
}

/** Encodes a request frame (header and body, without the size prefix). */
export function encodeRequest<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: Init<ApiMessages[K]['request']>,
): Uint8Array {
  const api = apis.get(apiKey) as ApiDefinition<K> | undefined;
  if (api === undefined) throw new Error(`unknown API key ${apiKey}`);
  const w = new Writer();
  RequestHeader.write(
    w,
    { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId },
    requestHeaderVersion(apiKey, apiVersion),
  );
  api.request.write(w, body, apiVersion);
  return w.finish();
}

function writeResponse<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: Init<ApiMessages[K]['response']>,
): Writer {
  const api = apis.get(apiKey) as ApiDefinition<K> | undefined;
  if (api === undefined) throw new Error(`unknown API key ${apiKey}`);
  const w = new Writer();
  ResponseHeader.write(w, { correlationId }, responseHeaderVersion(apiKey, apiVersion));
  api.response.write(w, body, apiVersion);
  return w;
}

/** Encodes a response frame as chunks that keep large record batches by reference (for vectored writes). */
export function encodeResponseChunks<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: Init<ApiMessages[K]['response']>,
): Uint8Array[] {
  return writeResponse(apiKey, apiVersion, correlationId, body).finishChunks();
}

/** Encodes a response frame (header and body, without the size prefix). */
export function encodeResponse<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: Init<ApiMessages[K]['response']>,
): Uint8Array {
  return writeResponse(apiKey, apiVersion, correlationId, body).finish();
}

/** Decodes a response frame for a request of the given API and version. */
export function decodeResponse<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  frame: Uint8Array,
): { correlationId: number; body: ApiMessages[K]['response'] } {
  const api = apis.get(apiKey) as ApiDefinition<K> | undefined;
  if (api === undefined) throw new DecodeError(`unknown API key ${apiKey}`);
  const r = new Reader(frame);
  const h = ResponseHeader.read(r, responseHeaderVersion(apiKey, apiVersion));
  const body = api.response.decode(frame.subarray(r.pos), apiVersion);
  return { correlationId: h.correlationId, body };
}
