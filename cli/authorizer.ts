/** The authorizer options (`--authorizer`, `--super-users`, `--allow-everyone-if-no-acl-found`) as functions take them. */

import type { AuthorizerOptions } from '../shared/acls/authorizer.js';
import type { Options } from './options.js';

/** Undefined when ACLs are off (`--authorizer none`, the default). */
export function authorizerOptions(o: Options): AuthorizerOptions | undefined {
  const kind = (o.authorizer ?? 'none').trim().toLowerCase();
  if (kind === 'none' || kind === '') return undefined;
  if (kind !== 'acl') throw new Error(`bad authorizer ${JSON.stringify(o.authorizer)}: expected acl or none`);
  const flag = (o.allowEveryoneIfNoAclFound ?? 'false').trim().toLowerCase();
  if (flag !== 'true' && flag !== 'false') {
    throw new Error(`bad allow-everyone-if-no-acl-found ${JSON.stringify(o.allowEveryoneIfNoAclFound)}`);
  }
  const superUsers = (o.superUsers ?? '')
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const p of superUsers) {
    if (!/^[^:]+:.+$/.test(p)) throw new Error(`bad super user ${JSON.stringify(p)}: expected Type:name`);
  }
  return { superUsers, allowEveryoneIfNoAclFound: flag === 'true' };
}
