/**
 * Apply one patch's file diffs to an overlay, hunk by hunk, with jsdiff's
 * context search (a patch made against a slightly different tree still
 * lands). A hunk that does not apply is reported; the others still apply.
 */
import { applyPatch, type StructuredPatch } from 'diff';
import type { FileDiff, Hunk } from '../series/model.js';
import { type Overlay, UnsafePath } from './overlay.js';

/** A hunk (or file) that could not be applied, and why. */
export interface ApplyFailure {
  file: string;
  /** The hunk header, null for a whole-file problem. */
  hunk: string | null;
  reason: string;
}

function structured(file: FileDiff, hunks: Hunk[]): StructuredPatch {
  return {
    oldFileName: file.oldPath ?? '/dev/null',
    newFileName: file.newPath ?? '/dev/null',
    oldHeader: undefined,
    newHeader: undefined,
    hunks: hunks.map((h) => ({
      oldStart: h.oldStart,
      oldLines: h.oldLines,
      newStart: h.newStart,
      newLines: h.newLines,
      lines: h.lines.map((l) => (l.type === 'add' ? '+' : l.type === 'del' ? '-' : ' ') + l.content),
    })),
  };
}

/** Apply `files` to `overlay` in place; returns what did not apply. */
export function applyFiles(overlay: Overlay, files: readonly FileDiff[]): ApplyFailure[] {
  const failures: ApplyFailure[] = [];
  for (const f of files) {
    try {
      if (f.isBinary) {
        failures.push({ file: f.path, hunk: null, reason: 'binary diff: not applied, not reviewed' });
        continue;
      }
      const source = f.isNew ? '' : overlay.read(f.oldPath ?? f.path);
      if (source === null) {
        failures.push({ file: f.path, hunk: null, reason: `${f.oldPath ?? f.path} does not exist in the tree` });
        continue;
      }
      // All hunks in one pass (jsdiff splits the whole file per call); hunk by hunk only to find the ones that fail.
      let text = source;
      const whole = applyPatch(text, structured(f, f.hunks), { fuzzFactor: 2 });
      if (whole !== false) text = whole;
      else {
        let present = new Set(text.split('\n'));
        for (const h of f.hunks) {
          // A line the hunk deletes must be in the file as it is: when one is not, skip jsdiff's search of every offset.
          if (h.lines.some((l) => l.type === 'del' && !present.has(l.content))) {
            failures.push({ file: f.path, hunk: h.header, reason: 'a line the hunk removes is not in the file' });
            continue;
          }
          const out = applyPatch(text, structured(f, [h]), { fuzzFactor: 2 });
          if (out === false) failures.push({ file: f.path, hunk: h.header, reason: 'the context does not match the tree' });
          else {
            text = out;
            present = new Set(text.split('\n'));
          }
        }
      }
      if (f.isRenamed && f.oldPath && f.oldPath !== f.newPath) overlay.write(f.oldPath, null);
      overlay.write(f.newPath ?? f.path, f.isDeleted ? null : text);
    } catch (e) {
      if (e instanceof UnsafePath) failures.push({ file: f.path, hunk: null, reason: e.message });
      else throw e;
    }
  }
  return failures;
}
