/**
 * The AWS Lambda adapter: turns an HTTP event into a fetch `Request` for the
 * function app and its `Response` back into the result Lambda expects. It
 * serves the four ways HTTP reaches a Lambda function:
 *
 * - a function URL, and an API Gateway HTTP API with payload format 2.0
 *   (`version: "2.0"`, `rawPath`, `rawQueryString`, `cookies`);
 * - an API Gateway REST API proxy integration, and an HTTP API with payload
 *   format 1.0 (`httpMethod`, `path`, `multiValueHeaders`);
 * - an Application Load Balancer target group (`requestContext.elb`).
 *
 * Kafka frames are binary: they arrive base64 with `isBase64Encoded` (a REST
 * API only does this when its binary media types cover
 * `application/octet-stream`), and every body goes back base64 with
 * `isBase64Encoded: true`. Headers pass through untouched, so the
 * invocation's signature still verifies.
 *
 * A direct invocation with `{"kafkaless": "sweep"}` (EventBridge Scheduler,
 * `"offsets": true` for offset retention) runs the group and transaction
 * sweep: functions here keep nothing running between invocations. Only IAM
 * can invoke that way, so it needs no signature.
 *
 * Lambda buffers at most 6 MB of request and of response: keep producer
 * batches and `fetch.max.bytes` under it (base64 makes a frame a third larger
 * on the way in).
 */

import { sweepGroups } from '../../../functions/group-sweeper.js';
import { sweepTransactions } from '../../../functions/transaction-sweeper.js';
import { functionsFromEnvironment, type RuntimeFunctions } from '../functions-env.js';

type HeaderMap = Record<string, string | undefined>;
type MultiHeaderMap = Record<string, string[] | undefined>;

/** Payload format 2.0: function URLs and HTTP APIs. */
export interface HttpEventV2 {
  readonly version: '2.0';
  readonly routeKey?: string;
  readonly rawPath: string;
  readonly rawQueryString?: string;
  readonly cookies?: readonly string[];
  readonly headers?: HeaderMap;
  readonly requestContext: {
    readonly stage?: string;
    readonly domainName?: string;
    readonly http: { readonly method: string; readonly path?: string; readonly sourceIp?: string };
  };
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

/** Payload format 1.0: REST API proxy integrations, HTTP APIs asking for 1.0, and ALB targets (`requestContext.elb`). */
export interface HttpEventV1 {
  readonly version?: '1.0';
  readonly httpMethod: string;
  readonly path: string;
  readonly headers?: HeaderMap | null;
  readonly multiValueHeaders?: MultiHeaderMap | null;
  readonly queryStringParameters?: HeaderMap | null;
  readonly multiValueQueryStringParameters?: MultiHeaderMap | null;
  readonly requestContext?: {
    readonly stage?: string;
    readonly domainName?: string;
    readonly elb?: { readonly targetGroupArn: string };
  };
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

/** A direct, IAM-only invocation asking for the sweep. */
export interface SweepEvent {
  readonly kafkaless: 'sweep';
  readonly offsets?: boolean;
}

export type LambdaEvent = HttpEventV2 | HttpEventV1 | SweepEvent;

export interface LambdaResult {
  statusCode: number;
  /** ALB only: `200 OK`. */
  statusDescription?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  /** Payload format 2.0 only. */
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

export type FetchApp = { fetch(request: Request): Response | Promise<Response> };

const isV2 = (event: HttpEventV2 | HttpEventV1): event is HttpEventV2 => event.version === '2.0';
const isAlb = (event: HttpEventV2 | HttpEventV1): boolean => !isV2(event) && event.requestContext?.elb !== undefined;

function bodyBytes(body: string | null | undefined, base64: boolean | undefined): Uint8Array | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  return base64 ? Buffer.from(body, 'base64') : new TextEncoder().encode(body);
}

/** The path the app routes on: HTTP APIs on a named stage put the stage before it. */
function v2Path(event: HttpEventV2): string {
  const stage = event.requestContext.stage;
  const path = event.rawPath || '/';
  if (stage !== undefined && stage !== '$default' && path.startsWith(`/${stage}/`)) return path.slice(stage.length + 1);
  return path;
}

function v1Query(event: HttpEventV1, alb: boolean): string {
  const parts: string[] = [];
  // API Gateway hands query values decoded; an ALB hands them as the client sent them.
  const encode = (s: string): string => (alb ? s : encodeURIComponent(s));
  const multi = event.multiValueQueryStringParameters;
  if (multi) {
    for (const [name, values] of Object.entries(multi))
      for (const v of values ?? []) parts.push(`${encode(name)}=${encode(v)}`);
  } else {
    for (const [name, v] of Object.entries(event.queryStringParameters ?? {}))
      if (v !== undefined) parts.push(`${encode(name)}=${encode(v)}`);
  }
  return parts.join('&');
}

/** The fetch `Request` an HTTP event stands for. */
export function eventToRequest(event: HttpEventV2 | HttpEventV1): Request {
  const headers = new Headers();
  let method: string;
  let path: string;
  let query: string;
  let host: string | undefined;
  if (isV2(event)) {
    method = event.requestContext.http.method;
    path = v2Path(event);
    query = event.rawQueryString ?? '';
    for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
    if (event.cookies && event.cookies.length > 0) headers.set('cookie', event.cookies.join('; '));
    host = event.requestContext.domainName;
  } else {
    method = event.httpMethod;
    path = event.path || '/';
    query = v1Query(event, isAlb(event));
    if (event.multiValueHeaders) {
      for (const [name, values] of Object.entries(event.multiValueHeaders))
        for (const v of values ?? []) headers.append(name, v);
    } else {
      for (const [name, value] of Object.entries(event.headers ?? {}))
        if (value !== undefined && value !== null) headers.set(name, value);
    }
    host = event.requestContext?.domainName;
  }
  host = headers.get('host') ?? host ?? 'lambda';
  const body = method === 'GET' || method === 'HEAD' ? undefined : bodyBytes(event.body, event.isBase64Encoded);
  // Lambda hands the whole body at once; the length is what the app sees.
  if (body !== undefined) headers.set('content-length', String(body.length));
  return new Request(`https://${host}${path}${query ? `?${query}` : ''}`, {
    method,
    headers,
    body: body as Uint8Array<ArrayBuffer> | undefined,
  });
}

const REASONS: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The result Lambda expects for `event`, carrying `response`. */
export async function responseToResult(response: Response, event: HttpEventV2 | HttpEventV1): Promise<LambdaResult> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const body = bytes.length > 0 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64') : '';
  const result: LambdaResult = { statusCode: response.status, body, isBase64Encoded: bytes.length > 0 };
  const cookies = response.headers.getSetCookie();
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    single[name] = value;
    multi[name] = [value];
  });
  if (isV2(event)) {
    result.headers = single;
    if (cookies.length > 0) result.cookies = cookies;
    return result;
  }
  if (cookies.length > 0) multi['set-cookie'] = cookies;
  if (isAlb(event)) {
    result.statusDescription = `${response.status} ${REASONS[response.status] ?? ''}`.trim();
    // A target group with multi-value headers on sends and reads only multiValueHeaders.
    if (event.multiValueHeaders) result.multiValueHeaders = multi;
    else result.headers = { ...single, ...(cookies.length > 0 ? { 'set-cookie': cookies.at(-1)! } : {}) };
    return result;
  }
  result.headers = single;
  result.multiValueHeaders = multi;
  return result;
}

/** A Lambda handler serving the app `load` builds on first use, and running the sweep on `{"kafkaless": "sweep"}`. */
export function lambdaHandler(
  load: () => Promise<Pick<RuntimeFunctions, 'app' | 'env'>>,
): (event: LambdaEvent) => Promise<LambdaResult | Record<string, unknown>> {
  let loaded: Promise<Pick<RuntimeFunctions, 'app' | 'env'>> | undefined;
  const functions = (): Promise<Pick<RuntimeFunctions, 'app' | 'env'>> => {
    if (loaded === undefined) {
      const started = load();
      loaded = started;
      // A failed start (Redis unreachable) is retried by the next invocation, not cached.
      started.catch(() => {
        if (loaded === started) loaded = undefined;
      });
    }
    return loaded;
  };
  return async (event) => {
    const { app, env } = await functions();
    if ('kafkaless' in event) {
      if (event.kafkaless !== 'sweep') throw new Error(`unknown kafkaless event ${String(event.kafkaless)}`);
      const groups = await sweepGroups(env, { offsets: event.offsets === true });
      return { ...groups, transactions: await sweepTransactions(env) };
    }
    return responseToResult(await app.fetch(eventToRequest(event)), event);
  };
}

/**
 * The deployed handler (`infra/runtimes/lambda/handler.handler`): the app from
 * the `KAFKALESS_*` environment, built on the first invocation and kept while
 * the execution environment lives.
 */
export const handler = lambdaHandler(() => functionsFromEnvironment(process.env));
