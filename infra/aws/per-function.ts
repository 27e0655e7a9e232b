/**
 * The SAM template's per-function layout (`Layout: per-function`): a Lambda
 * for each Kafka API a function serves, written into infra/aws/template.yaml
 * between its `generated` markers from the function registry, so the
 * template never misses a function. Produce and Fetch keep the hand-written
 * resources the split layout also uses; the all-APIs Lambda stays in every
 * layout for the sweeps and answers any API the routes leave out.
 *
 * Each Lambda is granted what its function declares it does with batch
 * objects (functions/blob-access.ts): S3ReadPolicy for `read`,
 * S3WritePolicy for `write`, nothing for neither. Produce's and Fetch's
 * hand-written grants are checked against their declarations.
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

/** The APIs with their own hand-written Lambdas (split and per-function layouts). */
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

/** The generated Lambdas, one per API other than Produce and Fetch. */
function resources(served: readonly Served[]): string {
  return served
    .filter(({ name }) => !DATA_PATH.has(name))
    .map(
      ({ name, blobs }) => `  ${name}Function:
    Type: AWS::Serverless::Function
    Condition: PerFunction
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

/** Why the hand-written Produce and Fetch Lambdas grant other than their functions declare, if they do. */
function dataPathGrantProblems(text: string, served: readonly Served[]): string[] {
  return served
    .filter(({ name }) => DATA_PATH.has(name))
    .flatMap(({ name, blobs }) => {
      const start = text.indexOf(`\n  ${name}Function:\n`);
      if (start < 0) return [`template.yaml has no ${name}Function`];
      const end = text.indexOf('\n\n', start + 1);
      const block = text.slice(start, end < 0 ? undefined : end);
      const granted = [...block.matchAll(/^ {8}- (S3\w+Policy):/gm)].map((m) => m[1]);
      const declared = blobs.map((access) => POLICY[access]);
      return granted.join(',') === declared.join(',')
        ? []
        : [
            `${name}Function grants ${granted.join(', ') || 'nothing'}, its function declares ${declared.join(', ') || 'nothing'}`,
          ];
    });
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
  const served = servedApis();
  const problems = dataPathGrantProblems(current, served);
  if (problems.length > 0) {
    console.error(`infra/aws/template.yaml: ${problems.join('; ')}`);
    process.exit(1);
  }
  const next = renderTemplate(current, served);
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
