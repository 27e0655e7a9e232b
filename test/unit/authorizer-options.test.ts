import { describe, expect, it } from 'vitest';
import { authorizerOptions } from '../../cli/authorizer.js';
import { parseOptions } from '../../cli/options.js';

const parse = (args: string[], env: NodeJS.ProcessEnv = {}) => authorizerOptions(parseOptions(args, env).options);

describe('authorizer options', () => {
  it('are off by default, so every request is allowed', () => {
    expect(parse([])).toBeUndefined();
  });

  it('take super users and allow.everyone.if.no.acl.found from flags or the environment', () => {
    expect(parse(['--authorizer', 'acl', '--super-users', 'User:admin; User:ops'])).toEqual({
      superUsers: ['User:admin', 'User:ops'],
      allowEveryoneIfNoAclFound: false,
    });
    expect(parse([], { KAFKALESS_AUTHORIZER: 'acl', KAFKALESS_ALLOW_EVERYONE_IF_NO_ACL_FOUND: 'true' })).toEqual({
      superUsers: [],
      allowEveryoneIfNoAclFound: true,
    });
  });

  it('refuse what they cannot mean', () => {
    expect(() => parse(['--authorizer', 'simple'])).toThrow(/authorizer/);
    expect(() => parse(['--authorizer', 'acl', '--super-users', 'admin'])).toThrow(/super user/);
    expect(() => parse(['--authorizer', 'acl', '--allow-everyone-if-no-acl-found', 'yes'])).toThrow(/allow-everyone/);
  });
});
