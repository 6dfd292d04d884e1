/**
 * No declared secret and no auth header value reaches any reporter's output, in any of the forms a
 * check may echo it: raw, upper- or lower-cased, URL-encoded, inside a JSON body, or as an
 * `Authorization: Bearer <secret>` line. Property-based (fast-check) over arbitrary secrets of 4+
 * printable characters, unicode included:
 *
 * - through the Masker exactly as the runner applies it (maskDeep over a finished RunReport) and
 *   every reporter (pretty with and without colour, json, junit, github and its step summary);
 * - end to end: parseScenario + runScenario with a check type that echoes the secret in its
 *   message, details, observations and next steps, and the run events as progress would print them.
 *
 * Outputs are also searched after undoing each reporter's own escaping (JSON strings, XML entities,
 * workflow-command %XX, markdown backslashes, ANSI colours), so an escaped leak is still a leak.
 * Out of scope, stated rather than hidden: a secret containing "*" (the mask itself can recreate
 * it), and a secret that the report's fixed text already contains when the secret is absent (a
 * secret "pass" is in "passed"): fc.pre skips both.
 *
 * The last suite (#14 §3) puts a secret with quotes, backslashes, `%`, `$`, newlines and unicode in
 * every field a check or a scenario reports — message, observations, details (keys too), facts,
 * next steps, fix command, description, check and scenario names, skip reasons, log lines — each
 * quoted, cut, folded and encoded the ways checks do it, and looks for it in every reporter and in
 * stderr progress in every form a reader could undo: raw, JSON-escaped, XML-escaped, shell-quoted,
 * URL-encoded, base64, each line of a multi-line secret, in any casing.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { z } from 'zod';
import { defineCheck, type AttemptResult } from '../../checks/types.js';
import { parseScenario } from '../../runner/load.js';
import { Masker } from '../../runner/mask.js';
import { render, reporterNames } from '../../runner/reporters/index.js';
import type { RunReport } from '../../runner/result.js';
import { runScenario } from '../../runner/run.js';
import type { CheckContext, ClientProvider } from '../../checks/types.js';
import { Writable } from 'node:stream';
import { createProgress } from '../../scripts/cli/progress.js';

// A fixed seed keeps `npm test` deterministic; FC_SEED=<n> (or a counterexample's seed) explores others.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20_250_612) });

/** The secret in every form a check might echo it. */
function formsOf(secret: string): string[] {
  const forms = [secret, secret.toUpperCase(), secret.toLowerCase(), JSON.stringify({ token: secret }), `Authorization: Bearer ${secret}`];
  try {
    forms.push(encodeURIComponent(secret));
  } catch {
    // A lone surrogate cannot be URL-encoded: no such form can exist.
  }
  return forms;
}

/** What a check would write into a report: each form in a sentence, a JSON body, an error message. */
function echoes(secret: string): string[] {
  const url = formsOf(secret).at(-1)!;
  return [
    ...formsOf(secret).map((form) => `sent ${form} and got 401`),
    `{"error":"invalid key","echo":${JSON.stringify(secret)}}`,
    `Error: request to https://api.example.com/?q=${url} failed: ${secret}`,
  ];
}

/** The substrings a leak would show up as: the forms, minus the ones that cannot be told apart from a masked form. */
const needles = (secret: string) => [...new Set(formsOf(secret).filter((form) => form.trim().length > 0))];

const ANSI = /\u001b\[[0-9;]*m/g;

/** The output as text, plus the same text with this reporter's own escaping undone. */
function readings(name: string, text: string): string[] {
  const xml = (t: string) =>
    t
      .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
      .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  switch (name) {
    case 'json': {
      const strings: string[] = [];
      const walk = (value: unknown): void => {
        if (typeof value === 'string') strings.push(value);
        else if (Array.isArray(value)) value.forEach(walk);
        else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) (strings.push(key), walk(item));
      };
      walk(JSON.parse(text));
      return [text, strings.join('\n')];
    }
    case 'junit':
      return [text, xml(text)];
    case 'github':
      // Workflow-command data and properties (escaping of @actions/core).
      return [text, text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%')];
    case 'markdown':
      return [text, xml(text.replace(/<br>/g, '\n')).replace(/\\([\\`*_[\]|])/g, '$1')];
    default:
      return [text, text.replace(ANSI, '')];
  }
}

/** Every reporter's output for `report`: name → readings. */
function renderAll(report: RunReport): Map<string, string[]> {
  const outputs = new Map<string, string[]>();
  for (const name of reporterNames) {
    for (const [variant, options] of [
      ['', { color: false, cwd: '/repo' }],
      [' (color, 60 columns)', { color: true, cwd: '/repo', width: 60 }],
    ] as const) {
      const output = render(name, report, options);
      outputs.set(`${name}${variant}`, readings(name, output.text));
      if (output.stepSummary !== undefined) outputs.set(`${name} step summary${variant}`, readings('markdown', output.stepSummary));
    }
  }
  return outputs;
}

function leaks(outputs: Map<string, string[]>, forms: string[]): string[] {
  const found: string[] = [];
  for (const [name, texts] of outputs) {
    for (const form of forms) if (texts.some((text) => text.includes(form))) found.push(`${name}: ${JSON.stringify(form)}`);
  }
  return found;
}

/** A finished run's report with the secret echoed everywhere a check can put text. */
function syntheticReport(secret: string): RunReport {
  const texts = echoes(secret);
  const location = { file: '/repo/scenarios/api.yaml', line: 9, column: 5 };
  const check = (name: string, status: 'passed' | 'failed' | 'error' | 'skipped', i: number) => ({
    name,
    type: 'http',
    status,
    attempts: 2,
    durationMs: 120,
    message: texts[i % texts.length]!,
    observations: texts.map((text, j) => ({ what: `header ${j}`, expected: 'accepted', actual: text, ok: status === 'passed' })),
    details: { request: { headers: { authorization: `Bearer ${secret}`, 'x-trace': texts[0]! } }, body: texts.join('\n'), [`key ${secret}`]: 1 },
    flaky: status === 'passed',
    description: `POST https://api.example.com/predict with ${texts[1]}`,
    location,
    nextSteps: texts.map((text) => `curl -H 'X-API-Key: ${secret}' https://api.example.com/ # ${text}`),
    fix: { summary: `rotate ${texts[2]}`, command: `aws secretsmanager put-secret-value --secret-string ${secret}` },
    facts: { url: 'https://api.example.com/predict', echoed: texts[0]! },
    ...(status === 'skipped' ? { skipReason: `needs ${texts[3]}` } : {}),
  });
  const checks = [check('ok', 'passed', 0), check('predict', 'failed', 1), check('auth', 'error', 2), check('later', 'skipped', 3)];
  return {
    version: 1,
    scenario: 'secrets',
    file: location.file,
    status: 'failed',
    startedAt: '2025-06-12T14:10:41.613Z',
    durationMs: 1200,
    summary: { passed: 1, failed: 1, errored: 1, skipped: 1 },
    checks,
    rootCause: { check: 'predict', reason: texts[4]!, consequences: ['later'], explanations: [`later: ${texts[5]}`], fix: { summary: texts[0]! } },
  };
}

// Printable secrets of 4+ characters: ASCII, any unicode grapheme, or a mix; plus the shapes that
// leaked before the masker's fixes (casing that changes length, a case-folded letter V8 missed
// without the regex `u` flag, a line separator inside a Bearer token).
const secretArb = fc
  .oneof(
    fc.string({ unit: 'grapheme-ascii', minLength: 4, maxLength: 20 }),
    fc.string({ unit: 'grapheme', minLength: 4, maxLength: 12 }),
    fc.tuple(fc.string({ unit: 'grapheme-ascii', minLength: 2, maxLength: 8 }), fc.string({ unit: 'grapheme', minLength: 2, maxLength: 6 })).map(([a, b]) => a + b),
    fc.constantFrom('hk_live_Straße', 'ﬁle-ﬂow-token', 'İstanbul-key', 'ǅemal-secret', 'a b/c?d=e&f', 'quote"back\\slash', 'über-𝒳-🔑', 'a  ϴ', ' +\u2028 +'),
  )
  .filter((s) => [...s].length >= 4 && s.trim().length >= 4 && !s.includes('*'));

/** Skips secrets the outputs contain even when the report has no secret in it. */
function assumeDistinct(secret: string, forms: string[]): void {
  const baseline = renderAll(syntheticReport('Q'.repeat(8)));
  fc.pre(leaks(baseline, forms).length === 0);
  fc.pre(!'***'.includes(secret));
}

describe('no secret reaches any reporter output', () => {
  it('a declared secret, masked as the runner masks a finished report', () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        const forms = needles(secret);
        assumeDistinct(secret, forms);
        const masked = new Masker([secret]).maskDeep(syntheticReport(secret));
        expect(leaks(renderAll(masked), forms)).toEqual([]);
      }),
      { numRuns: 250 },
    );
  });

  it('an auth header value the check registered (ctx.addSecret("Bearer <secret>")), never declared', () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        const forms = needles(secret);
        assumeDistinct(secret, forms);
        const masker = new Masker();
        masker.add(`Bearer ${secret}`);
        expect(leaks(renderAll(masker.maskDeep(syntheticReport(secret))), forms)).toEqual([]);
      }),
      { numRuns: 250 },
    );
  });
});

/** `echo`: a check type that answers with the secret in everything it returns. */
const echoCheck = defineCheck({
  type: 'echo',
  summary: 'Echoes what it was given (secrets test).',
  schema: z.strictObject({ say: z.string(), headers: z.record(z.string(), z.string()).optional(), outcome: z.enum(['pass', 'fail', 'error']) }),
  describe: (spec) => `echo ${spec.say}`,
  async run(spec) {
    const texts = echoes(spec.say);
    const result: AttemptResult = {
      outcome: spec.outcome,
      message: texts.join(' | '),
      observations: [{ what: 'echo', expected: spec.say, actual: texts[1]!, ok: spec.outcome === 'pass' }],
      details: { headers: spec.headers, echoed: texts, json: JSON.parse(texts.at(-2)!) as unknown },
      nextSteps: [`curl -H 'Authorization: Bearer ${spec.say}' https://api.example.com/`],
      facts: { said: spec.say },
    };
    if (spec.outcome === 'error') throw new Error(`boom: ${texts[0]}`);
    return result;
  },
});

const noClients: ClientProvider = {
  get: () => Promise.reject(new Error('no AWS in this test')),
};

describe('end to end: parseScenario + runScenario + every reporter', () => {
  it('a declared secret and an Authorization header value a check echoes never reach the output or the run events', async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, secretArb, async (declared, header) => {
        const forms = [...needles(declared), ...needles(header)];
        assumeDistinct(declared, needles(declared));
        assumeDistinct(header, needles(header));
        const yaml = [
          'name: echo secrets',
          'secrets: [VD_ECHO_SECRET]',
          'checks:',
          '  - { name: declared passes, type: echo, say: "${env.VD_ECHO_SECRET}", outcome: pass }',
          '  - { name: declared fails, type: echo, say: "${env.VD_ECHO_SECRET}", outcome: fail }',
          '  - { name: header crashes, type: echo, say: "${env.VD_ECHO_HEADER}", headers: { Authorization: "Bearer ${env.VD_ECHO_HEADER}" }, outcome: error }',
          '  - { name: header fails, type: echo, say: "${env.VD_ECHO_HEADER}", headers: { Authorization: "Bearer ${env.VD_ECHO_HEADER}" }, outcome: fail }',
        ].join('\n');
        const scenario = parseScenario(yaml, {
          checkTypes: [echoCheck],
          env: { VD_ECHO_SECRET: declared, VD_ECHO_HEADER: header },
          displayName: 'echo.yaml',
          dir: '/tmp',
        });
        const events: unknown[] = [];
        const report = await runScenario(scenario, { clients: noClients, onEvent: (event) => events.push(event) });
        expect(report.checks.map((c) => c.status)).toEqual(['passed', 'failed', 'error', 'failed']);
        const outputs = renderAll(report);
        outputs.set('run events', readings('json', JSON.stringify(events)));
        expect(leaks(outputs, forms)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});


/** Every form a reader could undo to get the secret (or a line of it) back. */
function undoableForms(secret: string): string[] {
  const forms = new Set<string>();
  const trimmed = secret.trim();
  const lines = trimmed.split(/\r\n|\r|\n|\u2028|\u2029/).map((line) => line.trim()).filter((line) => [...line].length >= 4);
  for (const value of new Set([trimmed, ...lines])) {
    for (const cased of new Set([value, value.toLowerCase(), value.toUpperCase()])) {
      forms.add(cased);
      forms.add(JSON.stringify(cased).slice(1, -1));
      forms.add(cased.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;'));
      forms.add(cased.replace(/'/g, `'\\''`));
      try {
        forms.add(encodeURIComponent(cased));
      } catch {
        // a lone surrogate has no URL-encoded form
      }
    }
    forms.add(Buffer.from(value).toString('base64').replace(/=+$/, ''));
  }
  return [...forms].filter((form) => form.trim().length >= 4);
}

/** Searches case-insensitively: a case-folded leak is a leak. */
function leaksFolded(outputs: Map<string, string[]>, forms: string[]): string[] {
  const lowered = [...new Set(forms.map((form) => form.toLowerCase()))];
  const found: string[] = [];
  for (const [name, texts] of outputs) {
    for (const form of lowered) if (texts.some((text) => text.toLowerCase().includes(form))) found.push(`${name}: ${JSON.stringify(form)}`);
  }
  return found;
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * `leaky`: a check type that reports its input everywhere, transformed the ways real checks do —
 * shell-quoted into a next step (after ctx.mask, as the contract says, and once without it),
 * cut to an excerpt, whitespace-folded, JSON-encoded into a body — and logs it.
 */
const leakyCheck = defineCheck({
  type: 'leaky',
  summary: 'Reports its input in every field (secrets test).',
  schema: z.strictObject({ say: z.string(), outcome: z.enum(['pass', 'fail', 'error']) }),
  describe: (spec) => `leaky ${shellQuote(spec.say)}`,
  async run(spec, ctx: CheckContext) {
    const raw = spec.say;
    const masked = ctx.mask(raw);
    ctx.log.debug(`sent ${raw} as ${encodeURIComponent(raw)}`);
    const folded = raw.replace(/\s+/g, ' ');
    const body = JSON.stringify({ echo: raw, nested: JSON.stringify({ token: raw }) });
    const result: AttemptResult = {
      outcome: spec.outcome,
      message: `got ${folded} | ${body} | …${`${'x'.repeat(40)}${raw}`.slice(-(raw.length + 10))}`,
      observations: [{ what: `header ${raw}`, expected: shellQuote(raw), actual: `${raw.slice(0, 300)}…`, ok: spec.outcome === 'pass' }],
      details: { [`key ${raw}`]: raw, body, base64: Buffer.from(raw).toString('base64'), lines: raw.split('\n') },
      facts: { said: raw, url: `https://api.example.com/?q=${encodeURIComponent(raw)}` },
      nextSteps: [`curl -H ${shellQuote(`X-Key: ${masked}`)} https://api.example.com/`, `echo ${shellQuote(raw)}`],
      fix: { summary: `rotate ${folded}`, command: `aws secretsmanager put-secret-value --secret-string ${shellQuote(raw)}` },
    };
    if (spec.outcome === 'error') throw new Error(`boom: ${folded}`);
    return result;
  },
});

/** Collects what createProgress writes, as stderr would show it. */
function progressSink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

// Secrets with what breaks quoting and encoding: quotes, backslash, %, $, &, <, newlines, unicode.
const nastySecretArb = fc
  .string({
    unit: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...'abcXYZ0189-_/+=.') },
      { weight: 2, arbitrary: fc.constantFrom("'", '"', '\\', '%', '$', '&', '<', '\n', ' ', '{', '}') },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
    ),
    minLength: 6,
    maxLength: 40,
  })
  .filter((s) => [...s.trim()].length >= 4 && !s.includes('*') && !s.includes('\u0000'));

describe('any secret in any field, through every reporter and stderr progress, in no undoable form', () => {
  it('a declared secret, quoted, cut, folded and encoded by the checks, never appears', async () => {
    await fc.assert(
      fc.asyncProperty(nastySecretArb, async (secret) => {
        const forms = undoableForms(secret);
        assumeDistinct(secret, forms);
        fc.pre(!forms.some((form) => 'leaky deploy pass fail error secret'.includes(form.toLowerCase())));
        const yaml = [
          'name: "deploy ${env.VD_NASTY}"',
          'secrets: [VD_NASTY]',
          'checks:',
          '  - { name: "first ${env.VD_NASTY}", type: leaky, say: "${env.VD_NASTY}", outcome: fail }',
          '  - { name: "second", type: leaky, say: "${env.VD_NASTY}", outcome: error, description: "guards ${env.VD_NASTY}" }',
          '  - { name: "third", type: leaky, say: "${env.VD_NASTY}", outcome: pass, needs: ["first ${env.VD_NASTY}"] }',
          '  - { name: "fourth", type: leaky, say: "${env.VD_NASTY}", outcome: pass }',
        ].join('\n');
        const scenario = parseScenario(yaml, { checkTypes: [leakyCheck], env: { VD_NASTY: secret }, displayName: 'nasty.yaml', dir: '/tmp' });
        const sink = progressSink();
        const progress = createProgress({ stream: sink.stream, tty: false, color: false, verbose: true });
        let report: RunReport;
        try {
          report = await runScenario(scenario, { clients: noClients, onEvent: progress.listener });
        } finally {
          progress.stop();
        }
        expect(report.checks.map((c) => c.status)).toEqual(['failed', 'error', 'skipped', 'passed']);
        const outputs = renderAll(report);
        outputs.set('stderr progress', readings('pretty', sink.text()));
        expect(leaksFolded(outputs, forms)).toEqual([]);
      }),
      { numRuns: 80 },
    );
  });
});
