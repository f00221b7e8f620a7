// The structure the README promises, checked in the code: the host imports nothing of the backend, no import
// circles, no function over 80 lines in src/, every protocol message declared once in one form, every command
// the manifest contributes is the one the code registers, and the README's Layout names every folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { Commands } from '../../src/extension/commandIds';
import { packageRoot } from '../../src/paths';

const root = packageRoot();
const files = (dir: string): string[] => readdirSync(join(root, dir)).flatMap((f) => {
  const path = join(dir, f);
  return statSync(join(root, path)).isDirectory() ? files(path) : /\.ts$/.test(f) ? [path] : [];
});
const folders = (dir: string): string[] => readdirSync(join(root, dir)).flatMap((f) => (statSync(join(root, dir, f)).isDirectory() ? [join(dir, f), ...folders(join(dir, f))] : []));
const sources = [...files('src'), ...files('webview-ui')];

/** The files of this tree a file imports (relative specifiers, type imports included). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].flatMap(([, spec]) => {
    const target = relative(root, resolve(root, dirname(file), spec));
    return [`${target}.ts`, `${target}/index.ts`, target].filter((t) => sources.includes(t)).slice(0, 1);
  });
}

test('the extension host imports nothing from src/backend (the build also refuses a host bundle with TF.js)', () => {
  const wrong = files('src/extension').flatMap((f) => importsOf(f).filter((t) => t.startsWith('src/backend/')).map((t) => `${f} → ${t}`));
  assert.deepEqual(wrong, []);
});

test('no import circle anywhere in src/ or webview-ui/', () => {
  const graph = new Map(sources.map((f) => [f, importsOf(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') return void circles.push([...path.slice(path.indexOf(f)), f].join(' → '));
    state.set(f, 'open');
    for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
    state.set(f, 'done');
  };
  sources.forEach((f) => visit(f, []));
  assert.deepEqual(circles, []);
});

test('no function in src/ or webview-ui/ is longer than 80 lines', () => {
  const long: string[] = [];
  for (const file of sources) {
    const sf = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node) => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const lines = sf.getLineAndCharacterOfPosition(n.end).line - sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
        if (lines > 80) long.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1} ${(n as ts.FunctionLikeDeclaration).name?.getText() ?? '(anonymous)'} ${lines} lines`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.deepEqual(long, []);
});

test('every protocol message is declared once, in src/protocol, as new RequestType / RequestType0 / NotificationType', () => {
  const declared: string[] = [];
  for (const file of sources) {
    const text = readFileSync(join(root, file), 'utf8');
    const made = [...text.matchAll(/new (?:RequestType0?|NotificationType0?)<[^]*?>\('([^']+)'\)/g)].map((m) => m[1]);
    if (!file.startsWith('src/protocol/')) assert.deepEqual(made, [], `${file} declares messages outside src/protocol`);
    assert.doesNotMatch(text, /export namespace \w+(Request|Notification)\b/, `${file}: a message declared as a namespace`);
    declared.push(...made);
  }
  assert.ok(declared.length >= 20, `${declared.length} messages found`);
  assert.deepEqual(declared.filter((m, i) => declared.indexOf(m) !== i), [], 'each method name once');
});

test('the commands package.json contributes are exactly those the extension registers by name', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
  assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), Object.values(Commands).sort());
});

test("the README's Layout section names every folder under src/ and webview-ui/", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## Layout');
  const end = readme.indexOf('\n## ', start + 1);
  const layout = readme.slice(start, end < 0 ? undefined : end);
  const missing = [...folders('src'), ...folders('webview-ui')].filter((f) => !layout.includes(`${f}/`));
  assert.deepEqual(missing, []);
});
