/**
 * Where things are in a scenario file (line:column of any path), and the list of problems
 * validation collects with those positions, masked and with did-you-mean key suggestions.
 */
import { isMap, isPair, isScalar, LineCounter, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { Masker } from './mask.js';
import { describeIssue, formatPath, type Problem } from './problems.js';
import { shapeOf } from './schema.js';

export type PathPart = string | number;

/** line:column of nodes in a parsed YAML document. */
export class Positions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** line:column of the node at `path`, or of its nearest existing ancestor. */
  at(path: readonly PathPart[], key?: string): { line: number; column: number } {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.nodeAt(path.slice(0, depth));
      if (!node) continue;
      if (key !== undefined && depth === path.length && isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
        const keyNode = pair?.key as Node | undefined;
        if (keyNode?.range) return this.position(keyNode.range[0]);
      }
      if (node.range) return this.position(node.range[0]);
    }
    return { line: 1, column: 1 };
  }

  private position(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private nodeAt(path: readonly PathPart[]): Node | undefined {
    if (path.length === 0) return (this.doc.contents as Node | null) ?? undefined;
    const node = this.doc.getIn(path, true);
    return node && typeof node === 'object' && 'range' in (node as object) ? (node as Node) : undefined;
  }
}

/** Every problem found in one file, each with its position and path; messages masked. */
export class ProblemList {
  readonly items: Problem[] = [];
  /** Problems reported as warnings (an unset environment variable when validating only). */
  readonly warnings: Problem[] = [];
  /** Paths whose values are unknown (they need an unset environment variable): no problem is reported under them. */
  private readonly unknown: PathPart[][] = [];
  constructor(
    private readonly file: string,
    private readonly positions: Positions | undefined,
    private readonly typeAt: (index: number) => string | undefined,
    private readonly masker: Masker,
  ) {}

  add(path: readonly PathPart[], message: string, key?: string): void {
    const fullPath = key !== undefined ? [...path, key] : path;
    if (this.unknown.some((prefix) => prefix.every((part, i) => fullPath[i] === part))) return;
    this.items.push(this.problem(path, message, key));
  }

  /** A warning: reported, but the scenario still validates. */
  warn(path: readonly PathPart[], message: string): void {
    this.warnings.push(this.problem(path, message));
  }

  /** No problem will be reported at or under `path` (its value is not known while validating). */
  markUnknown(path: readonly PathPart[]): void {
    this.unknown.push([...path]);
  }

  private problem(path: readonly PathPart[], message: string, key?: string): Problem {
    const where = this.positions?.at(path, key) ?? { line: 1, column: 1 };
    const fullPath = key !== undefined ? [...path, key] : path;
    return { file: this.file, ...where, path: formatPath(fullPath, this.typeAt), message: this.masker.mask(message) };
  }

  private readonly mask = (text: string) => this.masker.mask(text);

  addZodIssues(base: readonly PathPart[], error: z.ZodError, allowedKeys: (path: readonly PathPart[]) => readonly string[]): void {
    for (const issue of error.issues) {
      const path = [...base, ...(issue.path as PathPart[])];
      if (issue.code === 'unrecognized_keys') {
        const messages = describeIssue(issue, allowedKeys(issue.path as PathPart[]), this.mask);
        issue.keys.forEach((key, i) => this.add(path, messages[i]!, key));
      } else {
        for (const message of describeIssue(issue, [], this.mask)) this.add(path, message);
      }
    }
  }
}

/** Keys allowed in the object at `path` inside `schema`, for did-you-mean suggestions. */
export function keysAt(schema: z.ZodType, path: readonly PathPart[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const part of path) {
    if (!current) return [];
    current = unwrap(current);
    if (typeof part === 'number') {
      current = (current as unknown as { element?: z.ZodType }).element;
    } else {
      current = shapeOf(current)[part];
    }
  }
  return current ? Object.keys(shapeOf(unwrap(current))) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as unknown as { def?: { innerType?: z.ZodType } };
  while (current.def?.innerType) current = current.def.innerType as unknown as typeof current;
  return current as unknown as z.ZodType;
}

