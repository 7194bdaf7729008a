/**
 * One file (or stdin): an mbox, a format-patch file, a lone message or a
 * plain diff, recognised from its bytes.
 */
import { decodeMessage } from './decode.js';
import { diffMessage } from './diff-message.js';
import { readInput, type SourceOptions } from './input.js';
import { splitMbox } from './mbox-split.js';
import type { PatchSource, SourceMessages } from './model.js';
import { sniffFile } from './sniff.js';

/** Reads `path` (`-` for stdin). */
export class FileSource implements PatchSource {
  constructor(
    readonly path: string,
    private readonly options: SourceOptions = {},
  ) {}

  async read(): Promise<SourceMessages> {
    const bytes = await readInput(this.path, this.options);
    return readBytes(bytes, this.path);
  }
}

/** Splits and decodes bytes already read from `file`. Throws SourceError when they are none of the known kinds. */
export async function readBytes(bytes: Buffer, file: string): Promise<SourceMessages> {
  const kind = sniffFile(bytes, file);
  if (kind === 'diff') return { kind, path: file, messages: [diffMessage(bytes, file)], warnings: [] };
  const split = splitMbox(bytes, { file, layout: kind });
  const messages = [];
  // One at a time: postal-mime is synchronous underneath, so parallel awaits gain nothing.
  for (const raw of split.messages) {
    const message = await decodeMessage(raw, file);
    // Said on the message: grouping (group.ts) sees messages, not files.
    messages.push(kind === 'format-patch' ? { ...message, formatPatch: true as const } : message);
  }
  return { kind, path: file, messages, warnings: split.warnings };
}
