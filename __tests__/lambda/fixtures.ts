/** Loads the sample deployment events under __tests__/fixtures/events/. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const EVENTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'events');

/** A fresh (deep-copied) sample event. */
export function sampleEvent<T = Record<string, any>>(name: string): T {
  return JSON.parse(readFileSync(path.join(EVENTS_DIR, `${name}.json`), 'utf8')) as T;
}

export const TARGET_REVISION = 'arn:aws:ecs:us-east-1:123456789012:service-revision/hokusai/hokusai-api/4980306466373577095';
export const SOURCE_REVISION = 'arn:aws:ecs:us-east-1:123456789012:service-revision/hokusai/hokusai-api/9085724328427447221';
