/**
 * `npm run gen:protocol`: regenerates shared/protocol/generated/ from Apache
 * Kafka's JSON message definitions. With `--check`, writes nothing and fails if
 * the committed files differ from what the definitions produce.
 *
 * The definitions live outside the repository, in ../shared/kafka-protocol/
 * beside it; KAFKA_PROTOCOL_DIR points elsewhere.
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MessageDef, readDefinitions, readErrors } from './definitions.js';
import { type ApiPair, emitApiKeys, emitErrors, emitFile, HEADER, kebab } from './emit.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const outDir = resolve(here, '../generated');
const protocolDir = process.env.KAFKA_PROTOCOL_DIR ?? resolve(root, '../shared/kafka-protocol');

/** Data-only schemas the group protocol and principal serde use. */
const DATA_SCHEMAS = ['ConsumerProtocolSubscription', 'ConsumerProtocolAssignment', 'DefaultPrincipalData'];

export function generate(defs: MessageDef[], errorsFile: string): Map<string, string> {
  const files = new Map<string, string>();
  const responses = new Map<number, MessageDef>();
  for (const d of defs) if (d.type === 'response' && d.apiKey !== undefined) responses.set(d.apiKey, d);

  const apis: ApiPair[] = [];
  for (const d of defs) {
    if (d.type !== 'request' || d.apiKey === undefined || !d.listeners.includes('broker')) continue;
    const response = responses.get(d.apiKey);
    if (!response) throw new Error(`${d.name}: no response definition for API key ${d.apiKey}`);
    const name = d.name.replace(/Request$/, '');
    apis.push({ name, key: d.apiKey, request: d, response, file: kebab(name) });
  }
  apis.sort((a, b) => a.key - b.key);
  for (const a of apis) files.set(`${a.file}.ts`, emitFile([a.request, a.response]));

  const byName = new Map(defs.map((d) => [d.name, d]));
  const pick = (name: string): MessageDef => {
    const d = byName.get(name);
    if (!d) throw new Error(`missing definition ${name}`);
    return d;
  };
  files.set('headers.ts', emitFile([pick('RequestHeader'), pick('ResponseHeader')]));
  files.set('consumer-protocol.ts', emitFile([pick(DATA_SCHEMAS[0]!), pick(DATA_SCHEMAS[1]!)]));
  files.set('default-principal-data.ts', emitFile([pick(DATA_SCHEMAS[2]!)]));
  files.set('api-keys.ts', emitApiKeys(apis));
  files.set('error-codes.ts', emitErrors(readErrors(errorsFile)));

  const owners = new Map<string, string>();
  for (const a of apis) owners.set(a.file, [a.request.name, a.response.name].join(', '));
  owners.set('headers', 'RequestHeader, ResponseHeader');
  owners.set('consumer-protocol', `${DATA_SCHEMAS[0]}, ${DATA_SCHEMAS[1]}`);
  owners.set('default-principal-data', DATA_SCHEMAS[2]!);
  const modules = [...files.keys()].map((f) => f.replace(/\.ts$/, '')).sort();
  let index = `${HEADER(['index'])}\nimport type { Message } from '../schema.js';\n`;
  for (const [m, names] of [...owners].sort()) index += `import { ${names} } from './${m}.js';\n`;
  index += '\n';
  for (const m of modules) index += `export * from './${m}.js';\n`;
  const names = [...owners.values()].flatMap((n) => n.split(', '));
  index += '\n/** Every generated message, for tests and tools that walk them all. */\n';
  index += `export const allMessages: readonly Message<unknown>[] = [\n${names.map((n) => `  ${n} as Message<unknown>,`).join('\n')}\n];\n`;
  files.set('index.ts', index);
  return files;
}

function main(): void {
  const check = process.argv.includes('--check');
  const messagesDir = join(protocolDir, 'messages');
  if (!existsSync(messagesDir)) {
    console.error(`gen:protocol: Kafka's message definitions are not at ${messagesDir} (set KAFKA_PROTOCOL_DIR)`);
    process.exit(2);
  }
  const files = generate(readDefinitions(messagesDir), join(protocolDir, 'errors.tsv'));
  const existing = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.ts')) : [];
  if (check) {
    const stale: string[] = [];
    for (const [name, text] of files) {
      const path = join(outDir, name);
      if (!existsSync(path) || readFileSync(path, 'utf8') !== text) stale.push(name);
    }
    for (const name of existing) if (!files.has(name)) stale.push(`${name} (no longer generated)`);
    if (stale.length > 0) {
      console.error(`gen:protocol: generated code is stale; run npm run gen:protocol. Differs: ${stale.join(', ')}`);
      process.exit(1);
    }
    console.log(`gen:protocol: ${files.size} generated files are current`);
    return;
  }
  mkdirSync(outDir, { recursive: true });
  for (const name of existing) if (!files.has(name)) rmSync(join(outDir, name));
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  console.log(`gen:protocol: wrote ${files.size} files to shared/protocol/generated/`);
}

main();
