/**
 * Reads scenario text into a YAML document and a plain value, refusing what would hang or crash
 * the parser or every walk after it: NUL bytes, absurd nesting, alias bombs, self-containing
 * aliases. Every refusal is a ScenarioError with a position, never a stack overflow.
 */
import { isCollection, isNode, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { ScenarioError, sortProblems } from './problems.js';

export const MAX_ALIAS_COUNT = 100;
/** Nesting levels a scenario may use in one place; real ones need fewer than 10. */
export const MAX_NESTING = 100;

export interface ParsedYaml {
  doc: Document;
  lines: LineCounter;
  /** The document as plain JS (aliases expanded). */
  raw: unknown;
}

/** Whether a value made by toJS contains itself (through an alias to an enclosing anchor). */
function isCircular(value: unknown, path = new Set<object>(), clean = new WeakSet<object>()): boolean {
  if (!value || typeof value !== 'object' || clean.has(value)) return false;
  if (path.has(value)) return true;
  path.add(value);
  const found = Object.values(value).some((child) => isCircular(child, path, clean));
  path.delete(value);
  if (!found) clean.add(value);
  return found;
}

/**
 * (Over 60 lines on purpose: one pass of a small state machine over the characters; split into
 * functions, its shared state would have to travel through every call.)
 *
 * Offset where the text nests deeper than MAX_NESTING levels (indentation levels, compact block
 * entries on one line like `- - -` or `? ? ?`, and flow collections `[` `{` together), or undefined.
 * The YAML parser takes seconds on 100,000 levels (it recurses until the stack overflows, at every
 * level) and fails with "Maximum call stack size exceeded" from ~900: this scan takes milliseconds.
 * Quoted scalars, comments and block scalars are skipped; brackets inside a plain scalar in block
 * context are not flow collections and are not counted. It over-counts a little (a `- ` entry and
 * the indentation of its mapping count twice), never under-counts what the parser nests.
 */
function excessiveNestingAt(text: string): number | undefined {
  let flow = 0;
  let compact = 0;
  let quote: string | undefined;
  let valueStart = true;
  let lineIndent = 0;
  let atLineStart = true;
  /** Indentation of the line that started a block scalar (| or >): deeper lines are its content. */
  let blockScalarIndent: number | undefined;
  /** Indentations of the enclosing block lines. */
  const indents: number[] = [];
  const depth = () => indents.length + compact + flow;
  const isBlank = (c: string | undefined) => c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = undefined;
      }
      continue;
    }
    if (c === '\n') {
      atLineStart = true;
      lineIndent = 0;
      compact = 0;
      if (flow === 0) valueStart = true;
      continue;
    }
    if (atLineStart) {
      if (c === ' ') {
        lineIndent++;
        continue;
      }
      atLineStart = false;
      if (blockScalarIndent !== undefined) {
        if (lineIndent > blockScalarIndent || c === '\r') {
          const end = text.indexOf('\n', i);
          i = end === -1 ? text.length : end - 1;
          continue;
        }
        blockScalarIndent = undefined;
      }
      if (flow === 0 && c !== '#' && c !== '\r') {
        while (indents.length > 0 && indents[indents.length - 1]! >= lineIndent) indents.pop();
        indents.push(lineIndent);
        if (depth() > MAX_NESTING) return i;
      }
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (c === '#' && (i === 0 || isBlank(text[i - 1]))) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end - 1;
      continue;
    }
    if (flow === 0 && c === '-' && text.startsWith('---', i) && isBlank(text[i + 3])) {
      // A document start marker: its content may follow on the same line.
      i += 2;
      valueStart = true;
      continue;
    }
    if (flow === 0 && valueStart && (c === '-' || c === '?') && isBlank(text[i + 1])) {
      compact++;
      if (depth() > MAX_NESTING) return i;
      continue;
    }
    if (c === '[' || c === '{') {
      if (flow > 0 || valueStart) {
        flow++;
        if (depth() > MAX_NESTING) return i;
        valueStart = true;
        continue;
      }
    } else if ((c === ']' || c === '}') && flow > 0) {
      flow--;
      valueStart = false;
      continue;
    } else if (c === ',' && flow > 0) {
      valueStart = true;
      continue;
    } else if (c === ':' && (isBlank(text[i + 1]) || (flow > 0 && ',[]{}'.includes(text[i + 1] ?? '')))) {
      valueStart = true;
      continue;
    } else if ((c === '"' || c === "'") && valueStart) {
      quote = c;
      valueStart = false;
      continue;
    } else if ((c === '|' || c === '>') && valueStart && flow === 0) {
      blockScalarIndent = lineIndent;
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end - 1;
      continue;
    } else if ((c === '&' || c === '!') && valueStart) {
      // An anchor or a tag: the value itself comes after it.
      while (i + 1 < text.length && !isBlank(text[i + 1]) && !(flow > 0 && ',[]{}'.includes(text[i + 1]!))) i++;
      continue;
    }
    valueStart = false;
  }
  return undefined;
}

type Fail = (message: string, line?: number, column?: number) => never;

/** The document, its line counter and its plain value; throws ScenarioError on anything refused. */
export function readYaml(text: string, file: string): ParsedYaml {
  const fail: Fail = (message, line = 1, column = 1) => {
    throw new ScenarioError([{ file, line, column, path: '', message }]);
  };
  if (text.includes('\u0000')) fail('is not a text file (contains NUL bytes): expected a YAML scenario');
  const tooDeep = excessiveNestingAt(text);
  if (tooDeep !== undefined) {
    const before = text.slice(0, tooDeep);
    const line = before.split('\n').length;
    fail(`YAML nested more than ${MAX_NESTING} levels deep: flatten it (is this the right file?)`, line, tooDeep - before.lastIndexOf('\n'));
  }
  const lines = new LineCounter();
  const doc = parse(text, file, lines, fail);
  failOnCollectionKey(doc, lines, fail);
  const raw = toPlain(doc, lines, fail);
  if (isCircular(raw)) failOnSelfContainingAlias(doc, lines, fail);
  return { doc, lines, raw };
}

function parse(text: string, file: string, lines: LineCounter, fail: Fail): Document {
  let doc: Document;
  try {
    // logLevel 'error': the library would print its warnings (a mapping key stringified) with
    // process.emitWarning, before and apart from the problem list; failOnCollectionKey reports them.
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true, logLevel: 'error' });
  } catch (error) {
    return fail(`cannot parse YAML: ${(error as Error).message}`);
  }
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      sortProblems(
        doc.errors.map((e) => {
          // prettyErrors: false leaves linePos unset: compute it from the offset.
          const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
          const message = e.code === 'DUPLICATE_KEY' ? `${e.message.split('\n')[0]} (each key may appear once)` : `invalid YAML: ${e.message.split('\n')[0]}`;
          return { file, line: pos.line, column: pos.col, path: '', message };
        }),
      ),
    );
  }
  return doc;
}

function toPlain(doc: Document, lines: LineCounter, fail: Fail): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = (error as Error).message;
    if (/excessive alias count/i.test(message)) return fail(`too many YAML alias expansions (limit ${MAX_ALIAS_COUNT}): ${message}`);
    // An alias to an anchor that is not defined (before it): point at the alias.
    const unresolved = /^Unresolved alias.*: (.*)$/.exec(message)?.[1];
    let where = { line: 1, col: 1 };
    if (unresolved !== undefined) {
      visit(doc, {
        Alias(_, node) {
          if (node.source !== unresolved || !node.range) return undefined;
          where = lines.linePos(node.range[0]);
          return visit.BREAK;
        },
      });
    }
    return fail(`cannot read YAML: ${message}`, where.line, where.col);
  }
}

/**
 * A mapping or a list used as a key (`{a: 1}: x`, `? [a, b]`): no scenario key is one, and toJS
 * would stringify it ("{ a: 1 }") with a library warning. Points at the key.
 */
function failOnCollectionKey(doc: Document, lines: LineCounter, fail: Fail): void {
  visit(doc, {
    Pair(_, pair) {
      if (!isCollection(pair.key)) return undefined;
      const where = pair.key.range ? lines.linePos(pair.key.range[0]) : { line: 1, col: 1 };
      const kind = isSeq(pair.key) ? 'a list' : 'a mapping';
      return fail(`${kind} is used as a key: keys are plain names (quote it if it is one)`, where.line, where.col);
    },
  });
}

/**
 * An alias inside the node its anchor names (`checks: &c [*c]`) makes a value that contains
 * itself: every walk over it would recurse until the stack overflows. Points at the alias.
 */
function failOnSelfContainingAlias(doc: Document, lines: LineCounter, fail: Fail): never {
  let where = { line: 1, col: 1 };
  let name = '';
  visit(doc, {
    Alias(_, node, ancestors) {
      if (!ancestors.some((ancestor) => isNode(ancestor) && ancestor.anchor === node.source)) return undefined;
      name = node.source;
      if (node.range) where = lines.linePos(node.range[0]);
      return visit.BREAK;
    },
  });
  return fail(`YAML alias ${name ? `*${name} ` : ''}is inside the node its anchor names, which makes the scenario contain itself: remove the alias`, where.line, where.col);
}
