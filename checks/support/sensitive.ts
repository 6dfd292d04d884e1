/**
 * The one rule that says whether a name (an HTTP header, an environment or scenario variable, a
 * JSON key, a terraform variable, a URL query parameter) names a credential, so its value must be
 * treated as a secret. Used by the scenario loader and masking (runner/mask.ts) and by the http
 * check (which headers to register as secrets and to drop on a cross-origin redirect).
 */

/**
 * Endings that make a name sensitive, compared on the name lower-cased with its separators removed
 * (`X-API-Key`, `x_api_key`, `xApiKey` and `XAPIKEY` all become `xapikey`). An ending, not a
 * substring: `refresh_token` and `dbPassword` are credentials, `tokens_used` and `secretArn` are not.
 */
const SENSITIVE_ENDINGS = [
  'authorization', // Authorization, Proxy-Authorization
  'cookie', // Cookie, Set-Cookie
  'token', // X-Auth-Token, refresh_token, x-amz-security-token, GITHUB_TOKEN
  'secret', // clientSecret, AWS_SECRET
  'password',
  'passwd',
  'passphrase',
  'apikey', // X-API-Key, api_key, apikey
  'privatekey', // private_key, PRIVATE_KEY
  'secretkey', // secret_key, AWS_SECRET_ACCESS_KEY ends in "accesskey": see below
  'secretaccesskey',
  'credential',
  'credentials',
  'session', // X-Session
  'sessionid', // session_id, JSESSIONID
  'sessid', // PHPSESSID
  'signature', // X-Hub-Signature, x-amz-signature
  'connectionstring', // Azure-style strings that embed an account key
] as const;

/**
 * Last words that make a name sensitive only as a whole word, because as a bare ending they would
 * also match harmless words ("hotkey", "oauth" is fine but "author" is not a credential).
 */
const SENSITIVE_LAST_WORDS = new Set(['key', 'auth', 'pat', 'pwd']);

/** Words that never make a name sensitive even though they end like one (`PWD` is the working directory). */
const HARMLESS_NAMES = new Set(['pwd', 'oldpwd']);

/** Splits `X-Amz-Security-Token`, `clientSecret`, `APIKey`, `api_key` into lower-case words. */
function wordsOf(name: string): string[] {
  return name
    .split(/[-_.\s]+/)
    .flatMap((part) => part.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/))
    .map((word) => word.toLowerCase())
    .filter((word) => word.length > 0);
}

/**
 * Whether `name` names a credential: case-insensitive, with `-`, `_`, `.`, spaces or no separator
 * between words, and camelCase. True for `Authorization`, `Cookie`, `X-API-Key`, `api_key`,
 * `apikey`, `private_key`, `x-amz-security-token`, `DB_PASSWORD`, `clientSecret`, `X-Session`,
 * `JSESSIONID`, `X-Hub-Signature`, `TF_VAR_api_key`; false for `Accept`, `Content-Type`,
 * `tokens_used`, `secretArn`, `keyName`, `PWD`.
 */
export function isSensitiveName(name: string): boolean {
  const words = wordsOf(name);
  const compact = words.join('');
  if (compact.length === 0 || HARMLESS_NAMES.has(compact)) return false;
  if (SENSITIVE_ENDINGS.some((ending) => compact.endsWith(ending))) return true;
  return SENSITIVE_LAST_WORDS.has(words.at(-1)!);
}
