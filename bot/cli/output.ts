/** The last step of every command: the result through the registry's renderer, onto stdout; the exit code it earns. */
import type { Rendered, RenderOptions, ResultType } from '../render/model.js';
import { formatsFor, loadRenderer } from '../render/registry.js';
import type { Io } from './doc-command.js';
import { InputError, type ExitCode } from './exit-codes.js';

/** A result as the user knows it: by the command that made it (a documented order is doc's). */
const RESULT_NAMES: Record<ResultType, string> = { review: 'a review', check: 'a check', order: 'a doc', splat: 'a splat' };

export async function emit(input: Rendered, format: string, options: RenderOptions, io: Io): Promise<ExitCode> {
  const renderer = await loadRenderer(format, input.type);
  if (!renderer) {
    throw new InputError(`--format ${format} does not render ${RESULT_NAMES[input.type]} result; one of ${formatsFor(input.type).map((f) => f.name).join(', ')}`);
  }
  const { output, exitCode } = renderer.render(input, options);
  io.stdout(output);
  return exitCode;
}
