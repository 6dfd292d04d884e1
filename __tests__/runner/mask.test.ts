import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { charLength, isSensitiveKey, MASK, Masker, MIN_SECRET_LENGTH } from '../../runner/mask.js';

const SECRET = 'S3cr3t/p@ss w0rd+"x"';
const base64 = (text: string) => Buffer.from(text).toString('base64');

describe('Masker.mask: a registered value in every form', () => {
  const masker = new Masker([SECRET]);

  it.each<[string, string]>([
    ['raw', `token is ${SECRET}.`],
    ['upper case', `token is ${SECRET.toUpperCase()}.`],
    ['lower case', `token is ${SECRET.toLowerCase()}.`],
    ['URL-encoded (component)', `GET /x?q=${encodeURIComponent(SECRET)}&y=1`],
    ['URL-encoded (lower-case hex)', `q=${encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`],
    ['URL-encoded (encodeURI)', `GET ${encodeURI(SECRET)}`],
    ['JSON-escaped', `{"auth":${JSON.stringify(SECRET)}}`],
    ['base64 with padding', `Basic ${base64(SECRET)}`],
    ['base64 without padding', `x=${base64(SECRET).replace(/=+$/, '')};`],
    ['twice on one line', `${SECRET} and ${SECRET}`],
    ['across lines', `line1\n${SECRET}\nline3`],
  ])('%s', (_, text) => {
    const masked = masker.mask(text);
    expect(masked).toContain(MASK);
    expect(masked.toLowerCase()).not.toContain(SECRET.toLowerCase());
    expect(masked).not.toContain(encodeURIComponent(SECRET));
    expect(masked).not.toContain(JSON.stringify(SECRET).slice(1, -1));
    expect(masked).not.toContain(base64(SECRET).replace(/=+$/, ''));
  });

  it.each<[string, string]>([
    ['unrelated text', 'all 3 targets healthy'],
    ['a part of the secret only', 'S3cr3t alone'],
    ['an empty string', ''],
  ])('leaves %s alone', (_, text) => {
    expect(masker.mask(text)).toBe(text);
  });
});

describe('Masker.mask: credentials recognised without registration', () => {
  const masker = new Masker();
  it.each<[string, string, string]>([
    ['redis URL password', 'redis://:pw123@cache.local:6379/0', 'redis://:***@cache.local:6379/0'],
    ['rediss URL user and password', 'rediss://default:pw123@cache.local:6379', 'rediss://default:***@cache.local:6379'],
    ['https URL password', 'see https://user:hunter2@host.example/path', 'see https://user:***@host.example/path'],
    ['query token', 'GET https://h/x?token=abc123&page=2', 'GET https://h/x?token=***&page=2'],
    ['query access_token', 'GET /cb?code=1&access_token=zzz', 'GET /cb?code=1&access_token=***'],
    ['query api_key, upper case', '/x?API_KEY=kkk', '/x?API_KEY=***'],
    // A ':' after the URL is the message's separator, as after a URL with a password, not the secret's.
    ['query token before ": reason"', 'GET http://127.0.0.1:1/health?token=abc123: connection refused', 'GET http://127.0.0.1:1/health?token=***: connection refused'],
    ['query token at the end, after a colon', 'GET http://h/x?token=abc123:', 'GET http://h/x?token=***:'],
    ['query token with ":" inside, masked whole', 'GET http://h/x?token=ab:cd:ef&page=2', 'GET http://h/x?token=***&page=2'],
    ['query token with ":" inside, before ": reason"', 'GET http://h/x?token=ab:cd: connection refused', 'GET http://h/x?token=***: connection refused'],
    ['query token with ":" inside, at the end', 'see http://h/x?secret=user:pass', 'see http://h/x?secret=***'],
    ['query token with "::" inside, before a fragment', 'http://h/x?key=a::b#top', 'http://h/x?key=***#top'],
    ['URL password before ": reason" (same form)', 'GET http://admin:pw@127.0.0.1:1/x: connection refused', 'GET http://admin:***@127.0.0.1:1/x: connection refused'],
    ['presigned URL signature', '/o?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA', '/o?X-Amz-Signature=***&X-Amz-Credential=***'],
    ['URL without a password', 'https://user@host/path', 'https://user@host/path'],
    ['URL without credentials', 'https://host:8443/path?page=1', 'https://host:8443/path?page=1'],
  ])('%s', (_, text, expected) => {
    expect(masker.mask(text)).toBe(expected);
  });
});

describe('Masker.add', () => {
  it.each<[string, string, string]>([
    ['Bearer credential, alone too', 'Bearer abc.def.ghi', 'token abc.def.ghi and Bearer abc.def.ghi'],
    ['Basic credential', 'Basic dXNlcjpwYXNz', 'creds dXNlcjpwYXNz'],
    ['surrounding whitespace is not part of the value', '  padded-secret  ', 'is padded-secret!'],
  ])('%s', (_, value, text) => {
    const masked = new Masker([value]).mask(text);
    expect(masked).toContain(MASK);
    expect(masked).not.toContain(value.trim().replace(/^(Bearer|Basic) /, ''));
  });

  it('masks a longer secret whole when it contains a shorter one', () => {
    const masker = new Masker(['abcd', 'abcdefgh']);
    expect(masker.mask('x abcdefgh y abcd z')).toBe(`x ${MASK} y ${MASK} z`);
  });

  it('ignores empty, blank and repeated values', () => {
    const masker = new Masker();
    masker.add('');
    masker.add(undefined);
    masker.add('   ');
    masker.add('val1');
    masker.add('val1');
    expect(masker.size).toBe(1);
    expect(masker.mask('a  b')).toBe('a  b');
  });

  it('masks values added after the first mask() call', () => {
    const masker = new Masker(['first']);
    expect(masker.mask('first second')).toBe(`${MASK} second`);
    masker.add('second');
    expect(masker.mask('first second')).toBe(`${MASK} ${MASK}`);
  });

  it.each([
    ['regex characters', 'a.b*c+(d)[e]{f}|g^h$i?\\j'],
    ['a lone surrogate (from a decoded JSON body)', 'ab\ud800cd'],
    ['non-ASCII', 'pässwörd-日本'],
  ])('handles %s', (_, value) => {
    const masker = new Masker([value]);
    expect(masker.mask(`<${value}>`)).toBe(`<${MASK}>`);
    expect(masker.mask('aXb')).toBe('aXb');
  });
});

describe('Masker.maskDeep', () => {
  const masker = new Masker(['tok-123']);

  it('masks values under sensitive keys whatever they are, and registered values anywhere', () => {
    const when = new Date('2024-01-01T00:00:00Z');
    const input = {
      message: 'used tok-123',
      headers: { Authorization: 'Bearer other', 'X-API-Key': 'k', Cookie: 'sid=1', Accept: 'application/json' },
      nested: [{ password: 'pw', clientSecret: 'cs', accessToken: 'at', note: 'fine' }, 'tok-123', 42, null, true],
      'key-tok-123': 'v',
      details: { 'key-tok-123': { 'also-tok-123': 1 } },
      when,
      emptyPassword: '',
    };
    const out = masker.maskDeep(input);
    expect(out).toEqual({
      message: `used ${MASK}`,
      headers: { Authorization: MASK, 'X-API-Key': MASK, Cookie: MASK, Accept: 'application/json' },
      nested: [{ password: MASK, clientSecret: MASK, accessToken: MASK, note: 'fine' }, MASK, 42, null, true],
      // Keys are structure and stay as they are, except in details/facts maps (data a check found).
      'key-tok-123': 'v',
      details: { [`key-${MASK}`]: { [`also-${MASK}`]: 1 } },
      when,
      emptyPassword: '',
    });
    expect(out.when).toBe(when);
    // The input is not modified.
    expect(input.headers.Authorization).toBe('Bearer other');
  });
});

describe('isSensitiveKey', () => {
  it.each<[string, boolean]>([
    ['Authorization', true],
    ['authorization', true],
    ['Proxy-Authorization', true],
    ['X-API-Key', true],
    ['x-api-key', true],
    ['Cookie', true],
    ['Set-Cookie', true],
    ['X-Auth-Token', true],
    ['password', true],
    ['dbPassword', true],
    ['clientSecret', true],
    ['refresh_token', true],
    ['Accept', false],
    ['Content-Type', false],
    ['name', false],
    ['tokens_used', false],
  ])('%s → %s', (key, expected) => {
    expect(isSensitiveKey(key)).toBe(expected);
  });
});

describe('Masker properties', () => {
  // A secret made only of what masking writes ("*") can reappear from the mask itself, and a
  // blank one is not a secret: both are out of scope. Everything else must never survive.
  // Secrets of fewer than MIN_SECRET_LENGTH characters are refused by the loader and ignored here.
  const secretArb = fc
    .string({ unit: 'grapheme', minLength: 4, maxLength: 24 })
    .filter((s) => charLength(s.trim()) >= MIN_SECRET_LENGTH && !s.includes('*'));
  const textArb = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('*'));
  // Any code point, lone surrogates included (fc's 'binary' unit only yields well-formed characters).
  const anyUnits = (minLength: number) =>
    fc.string({
      unit: fc.oneof(fc.integer({ min: 0, max: 0x10ffff }), fc.integer({ min: 0xd800, max: 0xdfff })).map((cp) => String.fromCodePoint(cp)),
      minLength,
      maxLength: 30,
    });
  const forms: [string, (s: string) => string][] = [
    ['raw', (s) => s],
    ['URL-encoded', (s) => encodeURIComponent(s)],
    ['JSON-escaped', (s) => JSON.stringify(s).slice(1, -1)],
  ];

  it.each(forms)('a %s secret inside arbitrary text never survives masking', (_, form) => {
    fc.assert(
      fc.property(secretArb, textArb, textArb, (secret, before, after) => {
        const masked = new Masker([secret]).mask(`${before}${form(secret)}${after}`);
        expect(masked).not.toContain(form(secret));
        expect(masked).not.toContain(secret);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws, whatever the secret and the text (lone surrogates included)', () => {
    fc.assert(
      fc.property(anyUnits(1), anyUnits(0), (secret, text) => {
        const masker = new Masker([secret]);
        expect(typeof masker.mask(text + secret)).toBe('string');
        expect(typeof masker.maskDeep({ [secret]: [text] })).toBe('object');
      }),
      { numRuns: 200 },
    );
  });
});

describe('Masker.mask: the forms a reader could undo (raw value masked in each)', () => {
  const QUOTED = `p'ss"w0rd$x\\y`;
  const masker = new Masker([QUOTED]);
  const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  it.each<[string, string]>([
    ['shell single-quoted', `curl -H 'X-Key: ${QUOTED.replace(/'/g, `'\\''`)}' https://h/`],
    ['shell single-quoted with "\'"', `echo '${QUOTED.replace(/'/g, `'"'"'`)}'`],
    ['shell double-quoted', `echo "${QUOTED.replace(/[\\"$`]/g, '\\$&')}"`],
    ['XML-escaped', `<failure message="${xml(QUOTED)}"/>`],
    ['HTML numeric entities', `<p>${xml(QUOTED).replace(/&apos;/g, '&#39;').replace(/&quot;/g, '&#34;')}</p>`],
    ['form-encoded', `a=1&b=${encodeURIComponent(QUOTED).replace(/%20/g, '+')}`],
    ['JSON inside a JSON string', JSON.stringify({ body: JSON.stringify({ token: QUOTED }) })],
    ['base64url', Buffer.from(QUOTED).toString('base64url')],
    ['upper-cased and shell-quoted', `'${QUOTED.toUpperCase().replace(/'/g, `'\\''`)}'`],
  ])('%s', (_, text) => {
    const masked = masker.mask(text);
    expect(masked).toContain(MASK);
    expect(masked.toLowerCase()).not.toContain('w0rd');
  });
});

describe('Masker: a multi-line secret (a PEM key)', () => {
  const lines = ['-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj', 'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3S', '-----END PRIVATE KEY-----'];
  const pem = `${lines.join('\n')}\n`;
  const masker = new Masker([pem]);
  it.each<[string, string]>([
    ['as sent', `key:\n${pem}`],
    ['lines joined with spaces (folded whitespace)', `body: ${lines.join(' ')}`],
    ['lines joined with nothing', lines.join('')],
    ['lines joined with ⏎ (exec message tail)', lines.join(' ⏎ ')],
    ['CRLF line ends', lines.join('\r\n')],
    ['JSON-escaped', JSON.stringify({ key: pem })],
    ['one line alone, lower-cased', `line: ${lines[2]!.toLowerCase()}`],
  ])('%s', (_, text) => {
    const masked = masker.mask(text);
    for (const line of lines.slice(1, -1)) expect(masked.toLowerCase()).not.toContain(line.toLowerCase());
    expect(masked).toContain(MASK);
  });
});

describe('Masker: a secret cut by an excerpt limit (…) is masked, not left half', () => {
  const SECRET = 'hk_live_0123456789abcdef';
  const masker = new Masker([SECRET]);
  it.each<[string, string]>([
    ['a tail cut keeps its end', `…${SECRET.slice(9)} and more`],
    ['a head cut keeps its start', `message: ${SECRET.slice(0, 12)}…`],
    ['both, in one text', `${SECRET.slice(0, 5)}… …${SECRET.slice(-6)}`],
    ['its upper-cased start', `x ${SECRET.slice(0, 10).toUpperCase()}…`],
    ['its JSON-escaped end', `…${JSON.stringify(SECRET).slice(4, -1)}"`],
  ])('%s', (_, text) => {
    const masked = masker.mask(text);
    expect(masked).toContain(MASK);
    for (const part of [SECRET.slice(0, 5), SECRET.slice(-6)]) expect(masked.toLowerCase()).not.toContain(part.toLowerCase());
  });

  it('leaves text next to an ellipsis alone when it is not part of a secret', () => {
    expect(masker.mask('…and the rest… of it')).toBe('…and the rest… of it');
  });

  it('tells a cut value from a whole word: one matching character is not a part', () => {
    expect(masker.mask('…f done')).toBe('…f done');
  });
});

describe('Masker: values shorter than MIN_SECRET_LENGTH', () => {
  it.each(['t', 'ab', 'xyz', ' ab '])('ignores %j (masking it would garble unrelated words)', (value) => {
    const masker = new Masker([value]);
    expect(masker.size).toBe(0);
    expect(masker.mask('status: passed at 2025-06-12T14:10:41.613Z')).toBe('status: passed at 2025-06-12T14:10:41.613Z');
  });

  it('counts characters, not UTF-16 units: a 2-emoji value is short', () => {
    expect(new Masker(['🔑🔑']).size).toBe(0);
    expect(new Masker(['🔑🔑🔑🔑']).size).toBe(1);
  });
});

describe('Masker.maskDeep: values, never keys; structure kept', () => {
  it('a secret that spells a verdict, an event kind or a date part leaves the structure readable', () => {
    const masker = new Masker(['pass', 'check', '2025', 'status']);
    const report = {
      status: 'passed',
      startedAt: '2025-06-12T14:10:41.613Z',
      checks: [{ name: 'pass the check', status: 'failed', lastOutcome: 'fail', message: 'status 2025: pass', skip: { reason: 'needs' } }],
    };
    expect(masker.maskDeep(report)).toEqual({
      status: 'passed',
      startedAt: '2025-06-12T14:10:41.613Z',
      checks: [{ name: `${MASK} the ${MASK}`, status: 'failed', lastOutcome: 'fail', message: `${MASK} ${MASK}: ${MASK}`, skip: { reason: 'needs' } }],
    });
    expect(masker.maskDeep({ kind: 'check-start', name: 'check' })).toEqual({ kind: 'check-start', name: MASK });
  });

  it('a structural key holding free text (not one of its words) is masked', () => {
    expect(new Masker(['tok-123']).maskDeep({ status: 'tok-123 rejected', reason: 'sent tok-123' })).toEqual({ status: `${MASK} rejected`, reason: `sent ${MASK}` });
  });

  it('masks keys everywhere with { keys: true }', () => {
    expect(new Masker(['tok-123']).maskDeep({ 'a tok-123': 1 }, { keys: true })).toEqual({ [`a ${MASK}`]: 1 });
  });
});

describe('Masker: a short credential after an auth scheme', () => {
  it('"Bearer y" masks the whole value, never every "y" alone', () => {
    const masker = new Masker(['Bearer y']);
    expect(masker.mask('SMOKE_API_KEY sent Bearer y')).toBe(`SMOKE_API_KEY sent ${MASK}`);
  });
});
