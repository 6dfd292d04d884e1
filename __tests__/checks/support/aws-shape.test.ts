import { describe, expect, it } from '@jest/globals';
import { awsCall, shapeProblems, unexpectedResponseResult } from '../../../checks/support/aws.js';
import { AttemptResultError } from '../../../checks/types.js';
import { fakeContext } from '../../support/context.js';

describe('shapeProblems: what an AWS response must hold to count as evidence', () => {
  it.each([
    ['empty body', {}, { services: 'array' }, ['services: missing']],
    ['null field', { services: null }, { services: 'array' }, ['services: missing']],
    ['wrong kind', { services: 'x' }, { services: 'array' }, ['services: expected array, got string']],
    ['matches', { services: [], failures: [] }, { services: 'array', failures: 'array' }, []],
    ['element field', { events: [{ message: 'a' }, { message: 3 }] }, { 'events[].message': 'string' }, ['events[1].message: expected string, got number']],
    ['element field on empty list', { events: [] }, { events: 'array', 'events[].message': 'string' }, []],
    ['nested object', { a: { b: 1 } }, { 'a.b': 'number' }, []],
    ['nested missing parent', {}, { 'a.b': 'number' }, ['a.b: missing']],
    ['date is not an object', { d: new Date(0) }, { d: 'object' }, ['d: expected object, got other']],
  ] as const)('%s', (_, response, shape, problems) => {
    expect(shapeProblems(response, shape)).toEqual(problems);
  });

  it('a malformed response is an error naming the API, never a verdict', async () => {
    const ctx = fakeContext();
    const error = await awsCall(ctx, 'logs:FilterLogEvents', async () => ({}), { events: 'array' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttemptResultError);
    expect((error as AttemptResultError).result).toMatchObject({ outcome: 'error', message: expect.stringContaining('unexpected response from logs:FilterLogEvents: events: missing') });
  });

  it('caps the problems shown in the message', () => {
    const result = unexpectedResponseResult('x:Y', ['a', 'b', 'c', 'd', 'e']);
    expect(result.message).toContain('a; b; c; and 2 more');
  });
});
