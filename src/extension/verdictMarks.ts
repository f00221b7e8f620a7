// A coloured ✓ / ✗ / ∅ / ⚠ in front of each checked formula, in the theme's own test colours: a lens's text cannot
// be coloured, and ✓ and ✗ in grey lens text look alike at a glance.
import * as vscode from 'vscode';
import type { GradcheckResult } from '../protocol/gradcheck';

const mark = (glyph: string, color: string) => vscode.window.createTextEditorDecorationType({
  before: { contentText: glyph, color: new vscode.ThemeColor(color), margin: '0 0.25em 0 0', fontWeight: 'bold' },
});

export class VerdictMarks implements vscode.Disposable {
  private readonly types = {
    pass: mark('✓', 'testing.iconPassed'),
    fail: mark('✗', 'testing.iconFailed'),
    inconclusive: mark('∅', 'disabledForeground'),
    'parse-error': mark('⚠', 'editorWarning.foreground'),
  } as const;

  /** Mark every editor showing a document with results (`resultsOf` gives them, or none). */
  update(resultsOf: (uri: vscode.Uri) => GradcheckResult[]): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.languageId !== 'markdown') continue;
      const results = resultsOf(editor.document.uri);
      for (const [verdict, type] of Object.entries(this.types)) {
        const at = results.filter((r) => r.verdict === verdict && r.latex).map((r) => new vscode.Range(r.line - 1, Math.max(0, r.column - 1), r.line - 1, Math.max(0, r.column - 1)));
        editor.setDecorations(type, at);
      }
    }
  }

  dispose(): void {
    Object.values(this.types).forEach((t) => t.dispose());
  }
}
