/**
 * Kafka's default SSL principal (DefaultKafkaPrincipalBuilder without
 * `ssl.principal.mapping.rules`): `User:` and the client certificate's
 * subject as `X500Principal.getName()` prints it, RFC 2253: the most specific
 * RDN first (`CN=alice,OU=eng,O=acme,C=US`), special characters escaped.
 */

import type { X509Certificate } from 'node:crypto';

/** RFC 2253 section 2.4 escaping of an attribute value. */
function escapeValue(value: string): string {
  let out = value.replace(/([,+"\\<>;=])/g, '\\$1');
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** The subject DN in RFC 2253 order and form, from Node's one-RDN-per-line subject (least specific first). */
export function rfc2253(subject: string): string {
  return subject
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const eq = line.indexOf('=');
      return `${line.slice(0, eq)}=${escapeValue(line.slice(eq + 1))}`;
    })
    .reverse()
    .join(',');
}

export function certificatePrincipal(cert: X509Certificate): string {
  return `User:${rfc2253(cert.subject)}`;
}
