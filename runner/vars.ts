/** Scenario vars as text: what a `vars:` entry was written as in the YAML source. */
import { isMap, isScalar, type Document } from 'yaml';

/**
 * The source text of each `vars:` entry whose YAML value is not a string (a number, a boolean):
 * `apiVersion: 1.10` is the number 1.1 to YAML, but `1.10` to the person who wrote it, and a var
 * interpolated into a string must keep that text. Strings are their own text and are left out.
 */
export function declaredVarTexts(doc: Document): Record<string, string> {
  const texts: Record<string, string> = {};
  const node = doc.get('vars', true);
  if (!isMap(node)) return texts;
  for (const pair of node.items) {
    if (!isScalar(pair.key) || !isScalar(pair.value)) continue;
    const { value, source } = pair.value;
    if (typeof value === 'string' || value === null || source === undefined) continue;
    texts[String(pair.key.value)] = source;
  }
  return texts;
}
