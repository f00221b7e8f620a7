// The derivation-check messages: a Markdown file's claims checked by the backend, each result as soon as it is known.
import { NotificationType, RequestType } from 'vscode-jsonrpc';

export interface GradcheckResult {
  /** 1-based line and column of the formula (or of the gradcheck block, for block problems), and its end. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  latex: string;
  verdict: 'pass' | 'fail' | 'inconclusive' | 'parse-error';
  message: string;
  /** Each side's value at the first draw. */
  sides: number[];
  /** Each side's value per draw, for hovers. */
  perDraw: number[][];
  warnings: string[];
  /** An SVG the hover shows (an update rule's trajectory beside the reference method's, over the contours). */
  picture?: { svg: string; caption: string };
}

export interface GradcheckFileParams {
  uri: string;
  version: number;
  text: string;
}

export interface GradcheckFileResult {
  uri: string;
  version: number;
  results: GradcheckResult[];
  /** Math with claims but no gradcheck block: a block guessed from the indices used. */
  suggestedBlock?: string;
  ms: number;
}

export const GradcheckFileRequest = new RequestType<GradcheckFileParams, GradcheckFileResult, void>('gradcheck/file');

export interface GradcheckResultParams {
  uri: string;
  version: number;
  result: GradcheckResult;
}
/** Each claim's result as soon as it is known, before the request's answer (the first lens need not wait). */
export const GradcheckResultNotification = new NotificationType<GradcheckResultParams>('gradcheck/result');
