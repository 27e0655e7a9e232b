/**
 * Test certificates made at test time with openssl: a CA, a server
 * certificate for 127.0.0.1/localhost, and client certificates, as PEM files
 * in a fresh temporary folder (plus a PKCS12 truststore for tools that want one).
 */

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  readonly dir: string;
  /** PEM files. */
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** The CA as PEM text. */
  readonly caPem: string;
  /** A client certificate signed by the CA, for `subject` (OpenSSL form, `/CN=alice/OU=eng/O=acme`). */
  client(name: string, subject: string): Promise<{ cert: string; key: string }>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (e) {
    throw new Error(`openssl ${args.join(' ')} failed: ${(e as { stderr?: string }).stderr ?? e}`);
  }
}

async function signed(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  await openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject],
    dir,
  );
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'kafkaless-pki-'));
  await openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2'].concat([
      '-subj',
      '/CN=Kafkaless Test CA',
    ]),
    dir,
  );
  await signed(
    dir,
    'server',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    caPem: await readFile(join(dir, 'ca.crt'), 'utf8'),
    async client(name, subject) {
      await signed(dir, name, subject, 'extendedKeyUsage=clientAuth\n');
      return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    },
  };
}
