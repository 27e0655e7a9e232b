/**
 * The SAM template's per-function layout (`Layout: per-function`): a Lambda
 * for each Kafka API a function serves, written into infra/aws/template.yaml
 * between its `generated` markers from the function registry, so the
 * template never misses a function. Produce and Fetch keep the hand-written
 * resources the split layout also uses; the all-APIs Lambda stays in every
 * layout for the sweeps and answers any API the routes leave out.
 *
 *   npm run gen:aws           rewrites the marked regions
 *   npm run gen:aws -- --check  fails when they are out of date (run by `npm run check`)
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allFunctions } from '../../functions/registry.js';
import { apis } from '../../shared/protocol/generated/api-keys.js';

const TEMPLATE = fileURLToPath(new URL('./template.yaml', import.meta.url));

/** The APIs with their own hand-written Lambdas (split and per-function layouts). */
const DATA_PATH = new Set(['Produce', 'Fetch']);

/** Kafka's names of every API a function serves, in API key order. */
function functionApis(): string[] {
  return allFunctions.map((fn) => {
    const api = apis.get(fn.apiKey);
    if (api === undefined) throw new Error(`no API definition for key ${fn.apiKey}`);
    return api.name;
  });
}

/** The generated Lambdas, one per API other than Produce and Fetch. */
function resources(names: readonly string[]): string {
  return names
    .filter((name) => !DATA_PATH.has(name))
    .map(
      (name) => `  ${name}Function:
    Type: AWS::Serverless::Function
    Condition: PerFunction
    Properties:
      Description: Kafkaless ${name}
      FunctionUrlConfig: *url
      Environment:
        Variables:
          KAFKALESS_ONLY: ${name}
      Policies:
        - S3CrudPolicy:
            BucketName: !If [CreateBucket, !Ref BatchBucket, !Ref BucketName]
    Metadata:
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
function routes(names: readonly string[]): string {
  const indent = ' '.repeat(20);
  // The all-APIs Lambda answers any API left out; each of the others its own.
  const targets: [string, string][] = [
    ['*', 'KafkaFunctions'],
    ...names.map((name): [string, string] => [name, `${name}Function`]),
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

/** The template with both generated regions rewritten from `names`. */
function renderTemplate(text: string, names: readonly string[] = functionApis()): string {
  return replaceRegion(
    replaceRegion(text, 'per-function-resources', resources(names)),
    'per-function-routes',
    routes(names),
  );
}

function main(): void {
  const current = readFileSync(TEMPLATE, 'utf8');
  const next = renderTemplate(current);
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
