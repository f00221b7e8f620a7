// The editor's theme as the panels draw with it: a CSS variable's current value (charts follow a theme change on
// their next draw), and the palette of chart colours in the order series take them.

/** The value of a --vscode-* variable, or a neutral grey when the theme does not set it. */
export const css = (name: string): string => getComputedStyle(document.body).getPropertyValue(name).trim() || '#888';

/** Foreground and grid colours of a chart's axes. */
export const axisColors = (): { fg: string; grid: string } => ({ fg: css('--vscode-foreground'), grid: css('--vscode-editorWidget-border') || css('--vscode-panel-border') });

export const chartPalette = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-red', '--vscode-charts-purple', '--vscode-charts-yellow'];
