import { describe, it, expect } from '@jest/globals';
import { isSensitiveName } from '../../../checks/support/sensitive.js';
import { isSensitiveKey } from '../../../runner/mask.js';

// One table for every kind of name the rule sees: header names, env/scenario vars, JSON keys,
// terraform vars, query parameters; each credential word in each separator style.
const SENSITIVE: [kind: string, name: string][] = [
  ['header', 'Authorization'],
  ['header', 'authorization'],
  ['header', 'Proxy-Authorization'],
  ['header', 'Cookie'],
  ['header', 'Set-Cookie'],
  ['header', 'X-API-Key'],
  ['header', 'x-api-key'],
  ['header', 'X-Api-Key'],
  ['header', 'Api-Key'],
  ['header', 'X-Auth-Token'],
  ['header', 'X-Access-Token'],
  ['header', 'X-Amz-Security-Token'],
  ['header', 'X-Session'],
  ['header', 'X-Hub-Signature'],
  ['header', 'X-Functions-Key'],
  ['header', 'Ocp-Apim-Subscription-Key'],
  ['header', 'X-Auth'],
  ['env var', 'DB_PASSWORD'],
  ['env var', 'DB_PASSWD'],
  ['env var', 'DB_PWD'],
  ['env var', 'GITHUB_TOKEN'],
  ['env var', 'GITHUB_PAT'],
  ['env var', 'AWS_SECRET_ACCESS_KEY'],
  ['env var', 'AWS_SESSION_TOKEN'],
  ['env var', 'HOKUSAI_API_KEY'],
  ['env var', 'REDIS_AUTH'],
  ['env var', 'TF_VAR_api_key'],
  ['env var', 'SSH_PASSPHRASE'],
  ['env var', 'STORAGE_CONNECTION_STRING'],
  ['json key', 'password'],
  ['json key', 'dbPassword'],
  ['json key', 'clientSecret'],
  ['json key', 'refresh_token'],
  ['json key', 'accessToken'],
  ['json key', 'apiKey'],
  ['json key', 'APIKey'],
  ['json key', 'apikey'],
  ['json key', 'APIKEY'],
  ['json key', 'privateKey'],
  ['json key', 'credentials'],
  ['json key', 'googleCredential'],
  ['json key', 'sessionId'],
  ['json key', 'signature'],
  ['terraform var', 'api_key'],
  ['terraform var', 'private_key'],
  ['terraform var', 'db_password'],
  ['terraform var', 'client_secret'],
  ['query parameter', 'X-Amz-Signature'],
  ['query parameter', 'X-Amz-Credential'],
  ['query parameter', 'access_token'],
  ['query parameter', 'token'],
  ['cookie name', 'JSESSIONID'],
  ['cookie name', 'PHPSESSID'],
  ['separator: dot', 'db.password'],
  ['separator: space', 'api key'],
];

const HARMLESS: [kind: string, name: string][] = [
  ['header', 'Accept'],
  ['header', 'Content-Type'],
  ['header', 'User-Agent'],
  ['header', 'X-Request-Id'],
  ['header', 'X-Trace'],
  ['header', 'Author'],
  ['env var', 'PWD'],
  ['env var', 'OLDPWD'],
  ['env var', 'AWS_REGION'],
  ['env var', 'AWS_ACCESS_KEY_ID'],
  ['json key', 'name'],
  ['json key', 'tokens_used'],
  ['json key', 'tokenCount'],
  ['json key', 'secretArn'],
  ['json key', 'keyName'],
  ['json key', 'hotkey'],
  ['json key', 'monkey'],
  ['json key', 'authType'],
  ['json key', 'passwordPolicy'],
  ['json key', 'sessions'],
  ['terraform var', 'instance_type'],
  ['empty', ''],
  ['separators only', '-_-'],
];

describe('isSensitiveName', () => {
  it.each(SENSITIVE)('%s %s → sensitive', (_kind, name) => {
    expect(isSensitiveName(name)).toBe(true);
  });

  it.each(HARMLESS)('%s %j → not sensitive', (_kind, name) => {
    expect(isSensitiveName(name)).toBe(false);
  });

  it.each(['API_KEY', 'api-key', 'api_key', 'apikey', 'ApiKey', 'apiKey', 'API-KEY', 'Api.Key'])('separator and case do not matter: %s', (name) => {
    expect(isSensitiveName(name)).toBe(true);
  });

  it('is the rule masking uses (runner/mask.ts isSensitiveKey)', () => {
    for (const [, name] of [...SENSITIVE, ...HARMLESS]) expect(isSensitiveKey(name)).toBe(isSensitiveName(name));
  });
});
