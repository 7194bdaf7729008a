/** Exit codes from counts against the configured fail level, the same for every format. */
import type { Severity } from '../../analyzers/findings/model.js';
import { fails } from '../../analyzers/rules/severity.js';
import type { Rendered, RenderExit, RenderOptions, RenderOutput } from './model.js';

function severities(input: Rendered): Severity[] {
  switch (input.type) {
    case 'review':
      return input.result.patches.flatMap((p) => p.findings.map((f) => f.severity));
    case 'check':
      return input.result.findings.map((f) => f.severity);
    case 'order':
      // The document's own consistency problems (a cycle, an SRCU conflict) carry the same three levels.
      return input.result.problems.map((p) => p.severity);
  }
}

export function exitCodeOf(input: Rendered, options: Pick<RenderOptions, 'failOn'>): RenderExit {
  return severities(input).some((s) => fails(s, options.failOn)) ? 1 : 0;
}

/** A format's output with the exit code its input earns. */
export function outcome(output: string, input: Rendered, options: RenderOptions): RenderOutput {
  return { output, exitCode: exitCodeOf(input, options) };
}

/** For a format module asked for a result type its registry line does not list: a bug in the caller, said loudly. */
export function unsupported(format: string, input: Rendered): never {
  throw new Error(`the ${format} format does not render a ${input.type} result`);
}
