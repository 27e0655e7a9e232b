/**
 * The SAM template's Lambdas per Kafka API, written into
 * infra/aws/template.yaml between its `generated` markers from the function
 * registry, so the template never misses a function: Produce and Fetch in the
 * split-data-path and per-function layouts, every other API in the
 * per-function layout (`Layout: per-function`). The all-APIs Lambda stays in
 * every layout for the sweeps and answers any API the routes leave out.
 *
 * Each Lambda is granted what its function declares it does with batch
 * objects (functions/blob-access.ts): S3ReadPolicy for `read`,
 * S3WritePolicy for `write`, nothing for neither.
 *
 *   npm run gen:aws           rewrites the marked regions
 *   npm run gen:aws -- --check  fails when they are out of date (run by `npm run check`)
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BlobAccess } from '../../functions/blob-access.js';
import { allFunctions } from '../../functions/registry.js';
import { apis } from '../../shared/protocol/generated/api-keys.js';

const TEMPLATE = fileURLToPath(new URL('./template.yaml', import.meta.url));

/** The APIs with their own Lambdas in the split-data-path layout as well as the per-function one. */
const DATA_PATH = new Set(['Produce', 'Fetch']);

interface Served {
  /** Kafka's name of the API. */
  readonly name: string;
  readonly blobs: readonly BlobAccess[];
}

/** Every API a function serves, in API key order. */
function servedApis(): Served[] {
  return allFunctions.map((fn) => {
    const api = apis.get(fn.apiKey);
    if (api === undefined) throw new Error(`no API definition for key ${fn.apiKey}`);
    return { name: api.name, blobs: fn.blobs ?? [] };
  });
}

const POLICY: Readonly<Record<BlobAccess, string>> = { read: 'S3ReadPolicy', write: 'S3WritePolicy' };

/** A Lambda's `Policies` for what its function does with batch objects; none when it does nothing. */
function policies(blobs: readonly BlobAccess[]): string {
  if (blobs.length === 0) return '';
  const grants = blobs.map(
    (access) => `        - ${POLICY[access]}:
            BucketName: !If [CreateBucket, !Ref BatchBucket, !Ref BucketName]
`,
  );
  return `      Policies:
${grants.join('')}`;
}

/** The generated Lambdas, one per API. */
function resources(served: readonly Served[]): string {
  return served
    .map(
      ({ name, blobs }) => `  ${name}Function:
    Type: AWS::Serverless::Function
    Condition: ${DATA_PATH.has(name) ? 'DataPathFunctions' : 'PerFunction'}
    Properties:
      Description: Kafkaless ${name}
      FunctionUrlConfig: *url
      Environment:
        Variables:
          KAFKALESS_ONLY: ${name}
${policies(blobs)}    Metadata:
      BuildMethod: esbuild
      BuildProperties: *bundle
`,
    )
    .join('\n');
}

/**
 * The proxy's routes table in the per-function layout, every API to its own Lambda's URL: JSON
 * folded over lines (`>-` joins them with spaces).
 */
function routes(served: readonly Served[]): string {
  const indent = ' '.repeat(20);
  // The all-APIs Lambda answers any API left out; each of the others its own.
  const targets: [string, string][] = [
    ['*', 'KafkaFunctions'],
    ...served.map(({ name }): [string, string] => [name, `${name}Function`]),
  ];
  const entries = targets.map(([api, resource]) => `"${api}": "\${${resource}Url.FunctionUrl}"`);
  const lines = entries.map(
    (entry, i) => `${indent}${i === 0 ? '{' : ''}${entry}${i === entries.length - 1 ? '}' : ','}`,
  );
  return `${' '.repeat(18)}- !Sub >-\n${lines.join('\n')}\n`;
}

/** Replaces what lies between the lines `# BEGIN generated <region>` and `# END generated <region>`. */
function replaceRegion(text: string, region: string, body: string): string {
  const begin = new RegExp(`^[ \\t]*# BEGIN generated ${region}\\b.*\\n`, 'm').exec(text);
  const end = new RegExp(`^[ \\t]*# END generated ${region}\\b.*$`, 'm').exec(text);
  if (begin === null || end === null || end.index < begin.index) {
    throw new Error(`template.yaml lacks the markers of the generated region ${region}`);
  }
  const from = begin.index + begin[0].length;
  return text.slice(0, from) + body + text.slice(end.index);
}

/** The template with both generated regions rewritten from `served`. */
function renderTemplate(text: string, served: readonly Served[]): string {
  return replaceRegion(
    replaceRegion(text, 'per-function-resources', resources(served)),
    'per-function-routes',
    routes(served),
  );
}

function main(): void {
  const current = readFileSync(TEMPLATE, 'utf8');
  const next = renderTemplate(current, servedApis());
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error('infra/aws/template.yaml is out of date with the function registry: run `npm run gen:aws`');
      process.exit(1);
    }
    return;
  }
  if (next !== current) writeFileSync(TEMPLATE, next);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
