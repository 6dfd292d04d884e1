/** The registry of check types. Adding a type: one file in checks/, one line here, tests, docs. */
import type { CheckType } from './types.js';

export const checkTypes: readonly CheckType[] = [
  // Each check file registers itself here, alphabetically by type.
];

export function findCheckType(type: string): CheckType | undefined {
  return checkTypes.find((check) => check.type === type);
}
