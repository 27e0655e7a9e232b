/**
 * The Lambda adapter against events shaped as AWS documents each kind (a
 * function URL, an HTTP API with payload 2.0, a REST API proxy integration,
 * an ALB target with and without multi-value headers): a signed Kafka
 * conversation goes through the deployed `handler` with in-memory stores and
 * every response decodes.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Header, type InvocationContext, signInvocation, writeContext } from '../../../shared/invocation.js';
import { encodeRequest } from '../../../shared/protocol/frame.js';
import { ApiKey } from '../../../shared/protocol/generated/api-keys.js';
import { type Call, invocationContext, runKafkaScenario } from '../kafka-scenario.js';
import { type HttpEventV1, type HttpEventV2, handler, type LambdaResult } from './handler.js';

const SECRET = 'lambda-test-secret';
const SETTINGS: Record<string, string> = {
  KAFKALESS_SECRET: SECRET,
  KAFKALESS_REDIS: 'memory://lambda-handler-test',
  KAFKALESS_S3: 'memory://lambda-handler-test',
  KAFKALESS_LOG_LEVEL: 'warn',
};
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  for (const [name, value] of Object.entries(SETTINGS)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** The headers the proxy's HttpInvoker sends, signed. */
async function signedHeaders(apiKey: number, frame: Uint8Array, ctx: InvocationContext): Promise<Headers> {
  const headers = new Headers({ 'content-type': 'application/octet-stream', 'content-length': String(frame.length) });
  writeContext(headers, ctx, apiKey);
  await signInvocation(headers, frame, SECRET);
  return headers;
}

const plain = (headers: Headers): Record<string, string> => Object.fromEntries(headers.entries());
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const NOW = new Date();
const requestTime = '24/Nov/2026:15:53:25 +0000';

/** A Lambda function URL: payload format 2.0 with the `$default` sentinels (Lambda developer guide, "Invoking Lambda function URLs"). */
function functionUrlEvent(headers: Headers, body: Uint8Array, method = 'POST', path = '/kafka'): HttpEventV2 {
  const domain = 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.lambda-url.us-east-1.on.aws';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      ...plain(headers),
      host: domain,
      'x-amzn-tls-version': 'TLSv1.3',
      'x-amzn-tls-cipher-suite': 'TLS_AES_128_GCM_SHA256',
      'x-amzn-trace-id': 'Root=1-67434f35-0f5d5b9e7c0b4f6b3a9c1d2e',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      'x-forwarded-for': '198.51.100.7',
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6',
      domainName: domain,
      domainPrefix: 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'node' },
      requestId: '3f2a1b7c-1d2e-4f5a-9b8c-7d6e5f4a3b2c',
      routeKey: '$default',
      stage: '$default',
      time: requestTime,
      timeEpoch: NOW.getTime(),
    },
    ...(body.length > 0 ? { body: base64(body) } : {}),
    isBase64Encoded: body.length > 0,
  } as HttpEventV2;
}

/** An HTTP API route `ANY /{proxy+}` on stage `prod`, payload format 2.0 (API Gateway developer guide, "HTTP API Lambda integrations"). */
function httpApiEvent(headers: Headers, body: Uint8Array): HttpEventV2 {
  const domain = 'r3pmxmplak.execute-api.us-east-2.amazonaws.com';
  return {
    version: '2.0',
    routeKey: 'ANY /{proxy+}',
    rawPath: '/prod/kafka',
    rawQueryString: '',
    headers: {
      ...plain(headers),
      host: domain,
      'x-amzn-trace-id': 'Root=1-67434f35-5a1f0e2d3c4b5a6978877665',
      'x-forwarded-for': '198.51.100.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'r3pmxmplak',
      domainName: domain,
      domainPrefix: 'r3pmxmplak',
      http: {
        method: 'POST',
        path: '/prod/kafka',
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.7',
        userAgent: 'node',
      },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: 'ANY /{proxy+}',
      stage: 'prod',
      time: requestTime,
      timeEpoch: NOW.getTime(),
    },
    pathParameters: { proxy: 'kafka' },
    body: base64(body),
    isBase64Encoded: true,
  } as HttpEventV2;
}

/**
 * A REST API proxy integration on `ANY /{proxy+}`, stage `prod`, with
 * `application/octet-stream` among its binary media types (API Gateway
 * developer guide, "Input format of a Lambda function for proxy
 * integration"). Header names arrive as the client sent them; API Gateway adds its own.
 */
function restApiEvent(headers: Headers, body: Uint8Array): HttpEventV1 {
  const all: Record<string, string> = {
    ...plain(headers),
    Host: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
    'CloudFront-Forwarded-Proto': 'https',
    'CloudFront-Viewer-Country': 'US',
    Via: '1.1 08f323deadbeefa7af34d5feb414ce27.cloudfront.net (CloudFront)',
    'X-Amz-Cf-Id': 'cDehVQoZnx43VYQb9j2-nvCh-9z396Uhbp027Y2JvkCPNLmGJHqlaA==',
    'X-Amzn-Trace-Id': 'Root=1-67434f35-7c1a2b3d4e5f60718293a4b5',
    'X-Forwarded-For': '198.51.100.7, 130.176.0.1',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  };
  return {
    resource: '/{proxy+}',
    path: '/kafka',
    httpMethod: 'POST',
    headers: all,
    multiValueHeaders: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: 'kafka' },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      extendedRequestId: 'BvsYbGE2IAMFZ2g=',
      httpMethod: 'POST',
      identity: { sourceIp: '198.51.100.7', userAgent: 'node', accountId: null, caller: null, user: null },
      path: '/prod/kafka',
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTime,
      requestTimeEpoch: NOW.getTime(),
      resourceId: 'roq9wj',
      resourcePath: '/{proxy+}',
      stage: 'prod',
    },
    body: base64(body),
    isBase64Encoded: true,
  } as HttpEventV1;
}

/** An Application Load Balancer target group event (ELB user guide, "Lambda functions as targets"). */
function albEvent(headers: Headers, body: Uint8Array, multiValue: boolean): HttpEventV1 {
  const all: Record<string, string> = {
    ...plain(headers),
    host: 'kafkaless-functions-123456789.us-east-1.elb.amazonaws.com',
    'x-amzn-trace-id': 'Root=1-67434f35-1a2b3c4d5e6f708192a3b4c5',
    'x-forwarded-for': '198.51.100.7',
    'x-forwarded-port': '80',
    'x-forwarded-proto': 'http',
  };
  return {
    requestContext: {
      elb: {
        targetGroupArn:
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kafkaless-functions/6d0ecf831eec9f09',
      },
    },
    httpMethod: 'POST',
    path: '/kafka',
    ...(multiValue
      ? {
          multiValueQueryStringParameters: {},
          multiValueHeaders: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, [v]])),
        }
      : { queryStringParameters: {}, headers: all }),
    body: base64(body),
    isBase64Encoded: true,
  } as HttpEventV1;
}

type EventOf = (headers: Headers, body: Uint8Array) => HttpEventV1 | HttpEventV2;
type Handler = typeof handler;

async function invoke(event: HttpEventV1 | HttpEventV2, through: Handler = handler): Promise<LambdaResult> {
  return (await through(event)) as LambdaResult;
}

function callThrough(eventOf: EventOf, check: (result: LambdaResult) => void, through: Handler = handler): Call {
  return async (apiKey, frame, ctx) => {
    const result = await invoke(eventOf(await signedHeaders(apiKey, frame, ctx), frame), through);
    check(result);
    return { status: result.statusCode, body: Buffer.from(result.body, 'base64') };
  };
}

const binaryResult = (result: LambdaResult): void => {
  expect(result.statusCode).toBe(200);
  expect(result.isBase64Encoded).toBe(true);
  expect(result.body).toMatch(/^[A-Za-z0-9+/]+=*$/);
};

describe('lambda handler', () => {
  const kinds: [string, EventOf, (r: LambdaResult) => void][] = [
    [
      'a function URL',
      functionUrlEvent,
      (r) => {
        binaryResult(r);
        expect(r.headers?.['content-type']).toBe('application/octet-stream');
      },
    ],
    ['an HTTP API (payload 2.0, named stage)', httpApiEvent, binaryResult],
    [
      'a REST API proxy integration (payload 1.0)',
      restApiEvent,
      (r) => {
        binaryResult(r);
        expect(r.multiValueHeaders?.['content-type']).toEqual(['application/octet-stream']);
      },
    ],
    [
      'an ALB target',
      (h, b) => albEvent(h, b, false),
      (r) => {
        binaryResult(r);
        expect(r.statusDescription).toBe('200 OK');
        expect(r.headers?.['content-type']).toBe('application/octet-stream');
      },
    ],
    [
      'an ALB target with multi-value headers',
      (h, b) => albEvent(h, b, true),
      (r) => {
        binaryResult(r);
        expect(r.headers).toBeUndefined();
        expect(r.multiValueHeaders?.['content-type']).toEqual(['application/octet-stream']);
      },
    ],
  ];

  for (const [i, [kind, eventOf, check]] of kinds.entries()) {
    it(`serves ApiVersions, CreateTopics, Produce, Fetch and Metadata from ${kind} event`, async () => {
      await runKafkaScenario(callThrough(eventOf, check), { prefix: `lambda-${i}`, zstd: true });
    });
  }

  it('refuses an invocation whose signed headers were altered on the way', async () => {
    const frame = encodeRequest(ApiKey.ApiVersions, 3, 1, 'x', {
      clientSoftwareName: 'x',
      clientSoftwareVersion: '1',
    });
    const headers = await signedHeaders(ApiKey.ApiVersions, frame, invocationContext());
    headers.set(Header.principal, 'User:admin');
    const result = await invoke(restApiEvent(headers, frame));
    expect(result.statusCode).toBe(401);
    expect(Buffer.from(result.body, 'base64').toString()).toBe('bad invocation signature');
  });

  it('passes the function’s request to close the connection back in the result headers', async () => {
    const frame = new Uint8Array([0, 1, 0]);
    const result = await invoke(functionUrlEvent(await signedHeaders(18, frame, invocationContext()), frame));
    expect(result.statusCode).toBe(400);
    expect(result.headers?.[Header.action]).toBe('close');
  });

  it('answers a health check, which carries no body', async () => {
    const result = await invoke(functionUrlEvent(new Headers(), new Uint8Array(0), 'GET', '/healthz'));
    expect(result.statusCode).toBe(200);
    expect(Buffer.from(result.body, 'base64').toString()).toBe('ok');
  });

  it('runs the sweep on a scheduled {"kafkaless": "sweep"} invocation', async () => {
    expect(await handler({ kafkaless: 'sweep', offsets: true })).toMatchObject({
      groups: expect.any(Number),
      changed: 0,
      expiredOffsets: 0,
    });
  });

  it('serves the same conversation from the bundle infra/aws/template.yaml deploys, without zstd', async () => {
    // The esbuild options of the template's Metadata.BuildProperties; keep the two alike.
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const out = await mkdtemp(join(tmpdir(), 'kafkaless-lambda-'));
    try {
      await promisify(execFile)(
        join(root, 'node_modules', '.bin', 'esbuild'),
        [
          'infra/runtimes/lambda/handler.ts',
          '--bundle',
          '--platform=node',
          '--format=esm',
          '--target=es2022',
          '--external:zstd-napi',
          `--banner:js=${BUNDLE_BANNER}`,
          `--outfile=${join(out, 'handler.mjs')}`,
        ],
        { cwd: root },
      );
      // Outside the repository, as Lambda runs it: no node_modules beside it, so no zstd binding.
      const bundled = (await import(pathToFileURL(join(out, 'handler.mjs')).href)) as { handler: Handler };
      await runKafkaScenario(callThrough(functionUrlEvent, binaryResult, bundled.handler), {
        prefix: 'lambda-bundle',
        zstd: false,
      });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

/** What the template's esbuild banner adds: `require` for the CommonJS dependencies inside an ES module. */
const BUNDLE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
