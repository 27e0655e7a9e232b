/**
 * Every deployment manifest under infra/ passes the linter for its format,
 * installed from PyPI into a cached virtualenv (infra/lint/requirements.txt):
 * cfn-lint for the SAM template, kubernetes-validate --strict for the
 * Kubernetes manifests, Knative Serving's API models for the Knative Service,
 * check-jsonschema with the Compose Specification's schema for the compose
 * file, hadolint for the Dockerfile, yamllint for all YAML. Each linter is
 * also shown a broken copy, so a linter that checks nothing fails here.
 */

import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedRequirements, pythonVenv } from '../test/support/python.js';

const INFRA = fileURLToPath(new URL('./', import.meta.url));
const LINT = join(INFRA, 'lint');
const KUBERNETES = join(INFRA, 'kubernetes');
const TEMPLATE = join(INFRA, 'aws', 'template.yaml');
const COMPOSE = join(INFRA, 'compose', 'compose.yaml');
const DOCKERFILE = join(INFRA, 'runtimes', 'container', 'Dockerfile');
/** The Kubernetes version the manifests must be valid for: native sidecars are GA from 1.33. */
const KUBERNETES_VERSION = '1.33.0';

let bin: string;
let scratch: string;

interface Run {
  readonly code: number;
  readonly output: string;
}

/**
 * How each linter runs from the venv. Through its interpreter rather than
 * the console scripts, whose first lines name the scratch folder the venv was
 * built in before it moved into place.
 */
const TOOLS: Record<string, readonly string[]> = {
  'cfn-lint': ['python', '-c', 'import sys; from cfnlint.runner import main; sys.exit(main())'],
  'kubernetes-validate': ['python', '-m', 'kubernetes_validate'],
  'check-jsonschema': ['python', '-m', 'check_jsonschema'],
  yamllint: ['python', '-m', 'yamllint'],
  // A static executable the wheel ships as is.
  hadolint: ['hadolint'],
  python: ['python'],
};

function lint(tool: string, args: readonly string[]): Promise<Run> {
  const [file, ...first] = TOOLS[tool]!;
  return new Promise((resolve) => {
    execFile(join(bin, file!), [...first, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** A copy of `file` with `from` replaced by `to`, for the broken-copy checks. */
async function broken(file: string, from: string, to: string): Promise<string> {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  const copy = join(scratch, `${Math.random().toString(36).slice(2)}-${file.split('/').at(-1)}`);
  await writeFile(copy, text.replace(from, to));
  return copy;
}

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .map((f) => join(dir, f));

const kubernetesManifests = (): string[] =>
  yamlFiles(KUBERNETES).filter((f) => !readFileSync(f, 'utf8').includes('serving.knative.dev/'));

beforeAll(async () => {
  const python = await pythonVenv({
    name: 'python-infra-linters',
    packages: pinnedRequirements(join(LINT, 'requirements.txt')),
    imports: ['cfnlint', 'kubernetes_validate', 'check_jsonschema', 'yamllint', 'cloudcoil.models.knative_serving'],
  });
  bin = dirname(python);
  scratch = await mkdtemp(join(tmpdir(), 'kafkaless-manifests-'));
}, 600_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('infra manifests', () => {
  it('the SAM template passes cfn-lint', async () => {
    const run = await lint('cfn-lint', [TEMPLATE]);
    expect(run.output).toBe('');
    expect(run.code).toBe(0);
    const bad = await broken(TEMPLATE, 'DesiredCount: !Ref ProxyCount', 'DesiredCounts: !Ref ProxyCount');
    expect((await lint('cfn-lint', [bad])).code).not.toBe(0);
  });

  it('the Kubernetes manifests pass kubernetes-validate --strict', async () => {
    const files = kubernetesManifests();
    expect(files.map((f) => f.split('/').at(-1)).sort()).toEqual([
      'dependencies.yaml',
      'functions.yaml',
      'namespace.yaml',
      'proxy-fleet.yaml',
      'proxy-sidecar.yaml',
      'secret-example.yaml',
      'settings.yaml',
    ]);
    const run = await lint('kubernetes-validate', ['--strict', '-k', KUBERNETES_VERSION, ...files]);
    expect(run.output).not.toMatch(/ERROR|WARN|failed/);
    expect(run.code).toBe(0);
    expect(run.output.match(/ passed for resource /g)?.length).toBe(13);
    const bad = await broken(join(KUBERNETES, 'proxy-fleet.yaml'), 'readinessProbe:', 'readinesProbe:');
    expect((await lint('kubernetes-validate', ['--strict', '-k', KUBERNETES_VERSION, bad])).code).not.toBe(0);
  });

  it('the Knative Service validates against Knative Serving’s API, with no unknown field', async () => {
    const knative = join(KUBERNETES, 'functions-knative.yaml');
    const script = join(LINT, 'knative_service.py');
    const run = await lint('python', [script, knative]);
    expect(run.output).not.toContain('ERROR');
    expect(run.code).toBe(0);
    const bad = await broken(knative, 'timeoutSeconds: 300', 'timeoutSecond: 300');
    const refused = await lint('python', [script, bad]);
    expect(refused.output).toContain('unknown field spec.template.spec.timeoutSecond');
    expect(refused.code).toBe(1);
  });

  it('the compose file validates against the Compose Specification', async () => {
    const run = await lint('check-jsonschema', ['--builtin-schema', 'vendor.compose-spec', COMPOSE]);
    expect(run.output).toContain('ok -- validation done');
    expect(run.code).toBe(0);
    const bad = await broken(COMPOSE, 'stop_grace_period: 30s', 'stop_grace_periods: 30s');
    expect((await lint('check-jsonschema', ['--builtin-schema', 'vendor.compose-spec', bad])).code).not.toBe(0);
  });

  it('the Dockerfile passes hadolint', async () => {
    const run = await lint('hadolint', [DOCKERFILE]);
    expect(run.output).toBe('');
    expect(run.code).toBe(0);
    const bad = await broken(DOCKERFILE, 'WORKDIR /app\nCOPY --from', 'RUN cd /app\nCOPY --from');
    expect((await lint('hadolint', [bad])).code).not.toBe(0);
  });

  it('every YAML file under infra/ passes yamllint', async () => {
    const files = yamlFiles(INFRA);
    expect(files.length).toBeGreaterThanOrEqual(10);
    const run = await lint('yamllint', ['--strict', '-c', join(LINT, 'yamllint.yaml'), ...files]);
    expect(run.output).toBe('');
    expect(run.code).toBe(0);
  });
});
