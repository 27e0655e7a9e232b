/**
 * The build step of the Node client implementations: installs the folder's
 * package.json + package-lock.json (pinned versions) into the cache folder
 * with `npm ci`, and does nothing when the installed lock file is current.
 *
 * It also writes `import.mjs` there, through which node-common.mjs imports
 * those packages.
 *
 * Usage (from the implementation's folder): node ../node-build.mjs <cache> [NAME=VALUE ...]
 * where NAME=VALUE pairs are extra environment variables for the install
 * (a native build's switches).
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [cache, ...settings] = process.argv.slice(2);
if (!cache) {
  process.stderr.write('usage: node-build.mjs <cache> [NAME=VALUE ...]\n');
  process.exit(2);
}

const files = ['package.json', 'package-lock.json'];
const hash = createHash('sha256');
for (const file of files) hash.update(readFileSync(file));
hash.update(JSON.stringify(settings));
const stamp = `${hash.digest('hex')} node ${process.version}\n`;
const stampFile = join(cache, '.installed');

const importer = join(cache, 'import.mjs');
const importerText = [
  '// Imports a package as a module in this folder would, so from the node_modules installed here.',
  'export const importPackage = (name) => import(name);',
  '',
].join('\n');

if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && existsSync(join(cache, 'node_modules'))) {
  process.exit(0);
}

mkdirSync(cache, { recursive: true });
for (const file of files) copyFileSync(file, join(cache, file));
const env = { ...process.env };
for (const setting of settings) {
  const at = setting.indexOf('=');
  env[setting.slice(0, at)] = setting.slice(at + 1);
}
const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: cache, env, stdio: 'inherit' });
if (npm.status !== 0) process.exit(npm.status ?? 1);
writeFileSync(importer, importerText);
writeFileSync(stampFile, stamp);
