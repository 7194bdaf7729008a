/** What a renderer takes and gives back: the contract every format module implements. */
import type { CheckResult } from '../../analyzers/findings/check-result.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import type { FailLevel } from '../../analyzers/rules/severity.js';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';

/** The results kvm-review renders: a series review (mbox, git), a tree audit (check), a documented order (doc). */
export type Rendered =
  | { type: 'review'; result: ReviewResult }
  | { type: 'check'; result: CheckResult }
  | { type: 'order'; result: DocumentedOrder };

export type ResultType = Rendered['type'];

export interface RenderOptions {
  /** Required: the lowest finding severity that makes the exit code 1. */
  failOn: FailLevel;
  /** Optional: terminal colour in text output (the CLI decides: stdout a TTY, NO_COLOR unset). */
  colour?: boolean;
  /** Optional: kvm-review's version, for SARIF's tool.driver.version (default `0.0.0`). */
  toolVersion?: string;
  /** Optional: absolute URI the rule pages resolve against (SARIF helpUri, Markdown links). */
  docsBaseUri?: string;
  /** Optional: email From: header. */
  from?: string;
  /** Optional: email Date: (default now). */
  date?: Date;
}

/** 0: nothing at or above the fail level; 1: something is. Usage errors (2) are the CLI's. */
export type RenderExit = 0 | 1;

export interface RenderOutput {
  output: string;
  exitCode: RenderExit;
}

/** A format module's one export. */
export interface Renderer {
  render(input: Rendered, options: RenderOptions): RenderOutput;
}
