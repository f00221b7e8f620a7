// Where runs live when nothing says otherwise, spelled once for the extension, the CLI and the docs' examples.

/** Relative to the workspace (in VS Code) or the current directory (CLI). */
export const defaultRunsFolder = '.gradient-lab/runs';

/** The files whose appearance or change means the runs view is out of date. */
export const runFilesGlob = '{summary.json,sweep.json,experiment.json}';
