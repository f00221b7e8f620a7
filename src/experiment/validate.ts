// Experiment files are checked before anything trains: JSON syntax (comments allowed, as VS Code allows in
// *.experiment.json), the schema, then the shapes the model would produce on the data. Every problem names the
// file, line and column, and the JSON path, e.g. "digits.experiment.json:14:17 model.conv[0].kernel: …".
import Ajv, { type ErrorObject } from 'ajv';
import { findNodeAtLocation, getNodeValue, type Node, parseTree, type ParseError, printParseErrorCode } from 'jsonc-parser';
import { basename } from 'node:path';
import type { Experiment } from '../protocol/experiment';
import type { Problem } from '../protocol/training';
import schema from '../../schema/experiment.schema.json';

export type { Problem } from '../protocol/training';

export class ExperimentError extends Error {
  constructor(readonly problems: Problem[], readonly file?: string) {
    super(problems.map((p) => formatProblem(p, file)).join('\n'));
  }
}

export function formatProblem(p: Problem, file?: string): string {
  const where = [file ? basename(file) : undefined, p.line, p.column].filter((x) => x !== undefined).join(':');
  return `${where ? where + ' ' : ''}${p.path ? p.path + ': ' : ''}${p.message}`;
}

type Segment = string | number;

export function dotted(segments: Segment[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** Where a JSON path sits in the source text (the closest existing parent when the path itself is absent). */
export function locate(text: string | undefined, tree: Node | undefined, segments: Segment[]): { line?: number; column?: number } {
  if (!text || !tree) return {};
  for (let n = segments.length; n >= 0; n--) {
    const node = findNodeAtLocation(tree, segments.slice(0, n));
    if (node) {
      // point at the property name for a key, at the value otherwise
      const at = node.parent?.type === 'property' ? node.parent.offset : node.offset;
      return lineAndColumn(text, at);
    }
  }
  return {};
}

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validateSchema = ajv.compile(schema);

/** A value as it appears in a message: cut short, so a 50 MB string is not copied into every message. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 60)}… (${text.length.toLocaleString('en')} characters)` : text;
}

function describe(e: ErrorObject): { segments: Segment[]; message: string } {
  const segments: Segment[] = e.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      const parentSchema = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const allowed = Object.keys(parentSchema?.properties ?? {}).filter((k) => k !== '$schema' && k !== 'type');
      return { segments: [...segments, name], message: `unknown field "${name}"${allowed.length ? ` (expected one of: ${allowed.join(', ')})` : ''}` };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const what = segments[segments.length - 1] === 'type' && segments.includes('layers') ? 'unknown layer type' : 'unknown value';
      return { segments, message: `${what} ${shown(e.data)} (expected one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')})` };
    }
    case 'required':
      return { segments, message: `missing required field "${(e.params as { missingProperty: string }).missingProperty}"` };
    case 'type':
      return { segments, message: `must be ${e.params.type === 'integer' ? 'a whole number' : `of type ${e.params.type}`}, got ${shown(e.data)}` };
    default:
      return { segments, message: `${e.message ?? 'is invalid'}${e.data !== undefined && typeof e.data !== 'object' ? `, got ${shown(e.data)}` : ''}` };
  }
}

/** Schema problems, most specific first, without the "must match then schema" echoes of if/then. */
export function schemaProblems(value: unknown, text?: string, tree?: Node): Problem[] {
  if (validateSchema(value)) return [];
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const e of validateSchema.errors ?? []) {
    if (e.keyword === 'if' || e.keyword === 'allOf') continue;
    const { segments, message } = describe(e);
    const key = `${dotted(segments)}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path: dotted(segments), message, ...locate(text, tree, segments) });
  }
  return problems;
}

export interface ParsedExperiment {
  experiment: Experiment;
  text?: string;
  tree?: Node;
  file?: string;
}

/** Parse the text of an experiment file and check it against the schema; throws ExperimentError. */
export function parseExperimentText(text: string, file?: string): ParsedExperiment {
  text = text.replace(/^\uFEFF/, ''); // a byte-order mark, as Windows editors write it
  const errors: ParseError[] = [];
  let tree: Node | undefined;
  try {
    tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ExperimentError([{ path: '', message: 'invalid JSON: nested too deeply to read', line: 1, column: 1 }], file);
  }
  if (errors.length || !tree) {
    const problems = errors.map((e) => ({ path: '', message: `invalid JSON: ${describeParseError(printParseErrorCode(e.error))}`, ...lineAndColumn(text, e.offset) }));
    throw new ExperimentError(problems.length ? problems : [{ path: '', message: 'the file is empty' }], file);
  }
  const value = getNodeValue(tree);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ExperimentError([{ path: '', message: 'an experiment is a JSON object { "name": …, "data": …, "model": …, … }', line: 1, column: 1 }], file);
  }
  const problems = schemaProblems(value, text, tree);
  if (problems.length) throw new ExperimentError(problems, file);
  return { experiment: value as Experiment, text, tree, file };
}

function describeParseError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character', InvalidNumberFormat: 'malformed number', PropertyNameExpected: 'expected a property name in double quotes',
    ValueExpected: 'expected a value', ColonExpected: "expected ':'", CommaExpected: "expected ','", CloseBraceExpected: "expected '}'",
    CloseBracketExpected: "expected ']'", EndOfFileExpected: 'unexpected content after the end', UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfComment: 'unterminated comment', UnexpectedEndOfNumber: 'unterminated number', InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character', InvalidCharacter: 'invalid character in string',
  };
  return words[code] ?? code;
}

/** An experiment that arrived as a value (over JSON-RPC) rather than as text. */
export function checkExperimentValue(value: unknown, file?: string): ParsedExperiment {
  if (typeof value === 'string') return parseExperimentText(value, file);
  const problems = schemaProblems(value);
  if (problems.length) throw new ExperimentError(problems, file);
  return { experiment: value as Experiment, file };
}
