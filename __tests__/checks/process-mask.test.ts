/**
 * Output tails are masked before they are cut (#14 §3): a secret the cut falls into is masked
 * whole, never left half; `tail` masks before its line and byte limits.
 */
import { describe, expect, it } from '@jest/globals';
import { runProcess, StreamCapture, tail } from '../../checks/support/process.js';
import { Masker } from '../../runner/mask.js';
import { timeoutSignal } from '../../checks/support/abort.js';

const SECRET = 'tf-secret-0123456789abcdefABCDEF';
const mask = (text: string) => new Masker([SECRET]).mask(text);

describe('StreamCapture with a mask: the kept end is masked before the cut', () => {
  it.each([1, 5, 16, SECRET.length - 1])('a secret the 64-byte cut splits %i bytes from its start is masked whole', (split) => {
    const capture = new StreamCapture(64, [], mask);
    const after = 64 - (SECRET.length - split);
    capture.push(Buffer.from(`${'a'.repeat(200)}${SECRET}${'b'.repeat(after)}`));
    const { text, truncated } = capture.result();
    expect(truncated).toBe(true);
    expect(text).not.toContain(SECRET.slice(split, split + 4));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(64);
  });

  it('without a mask, the same cut keeps the end of the secret (what the mask is for)', () => {
    const capture = new StreamCapture(64);
    capture.push(Buffer.from(`${'a'.repeat(200)}${SECRET}${'b'.repeat(64 - 10)}`));
    expect(capture.result().text).toContain(SECRET.slice(-10));
  });

  it('across many small chunks too', () => {
    const capture = new StreamCapture(40, [], mask);
    for (const ch of `${'x'.repeat(100)}${SECRET}${'y'.repeat(20)}`) capture.push(Buffer.from(ch));
    expect(capture.result().text).not.toMatch(/ABCDEF|abcdef|0123/);
  });
});

describe('tail(output, lines, bytes, mask)', () => {
  it('masks the whole output before the byte cut', () => {
    const output = `${'z'.repeat(100)}${SECRET}${'q'.repeat(20)}`;
    expect(tail(output, 20, 30)).toContain(SECRET.slice(-8));
    expect(tail(output, 20, 30, mask)).not.toContain(SECRET.slice(-8));
  });

  it('masks a multi-line secret before the line cut', () => {
    const pem = 'line-one-of-the-key\nline-two-of-the-key\nline-three-of-key';
    const masked = tail(`start\n${pem}\nend`, 2, 4096, (text) => new Masker([pem]).mask(text));
    expect(masked).not.toMatch(/line-(one|two|three)/);
  });
});

describe('runProcess({ mask })', () => {
  it('masks what the process printed, on both streams', async () => {
    const script = `process.stdout.write('a'.repeat(70) + ${JSON.stringify(SECRET)} + 'b'.repeat(10)); process.stderr.write('err ' + ${JSON.stringify(SECRET)})`;
    const run = await runProcess([process.execPath, '-e', script], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH },
      signal: timeoutSignal(10_000),
      stdout: { maxBytes: 32 },
      mask,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.truncated).toBe(true);
    expect(run.stdout.text).not.toMatch(/ABCDEF|bcdef/);
    expect(run.stderr.text).toBe('err ***');
  });
});
