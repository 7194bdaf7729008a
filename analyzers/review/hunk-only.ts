/**
 * Review without a tree: each C hunk is read on its own, as the function
 * its header names (`@@ ... @@ static int f(struct kvm *kvm)`) holding the
 * hunk's post-image lines, and checked against the embedded order. What
 * this cannot see is said in DEGRADED.
 */
import { parseFile } from '../c/parse-file.js';
import { mergeStructTypes } from '../c/struct-types.js';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { typeEnv } from '../index/index-tree.js';
import { archOf } from '../index/files.js';
import type { FunctionFacts } from '../locks/model.js';
import { walkFunction } from '../locks/walk.js';
import type { FileDiff, Hunk } from '../series/model.js';
import { lazyState, type StateAnalysis } from './analyse-state.js';
import type { Finding } from '../findings/model.js';

export const DEGRADED =
  'no kernel tree: each hunk was read on its own against the embedded locking.rst facts. Locks held by callers, ' +
  'locks taken by callees, lines outside the hunks and struct member types are not seen; lock classes come from ' +
  'the hunk\'s declarations and naming conventions (kvm, vcpu). Give --tree for the full review.';

/** The pseudo-source of a hunk, and the post-image line of each of its lines. */
function hunkSource(h: Hunk): { text: string; lineMap: number[] } {
  const section = h.header.replace(/^@@[^@]*@@\s?/, '').trim();
  const signature = /\(/.test(section) && !/;\s*$/.test(section) ? section : 'static void __hunk(void)';
  const body = h.lines.filter((l) => l.type !== 'del');
  const lineMap = [h.newStart, h.newStart, ...body.map((l) => l.newLine ?? h.newStart), h.newStart];
  return { text: [signature, '{', ...body.map((l) => l.content), '}'].join('\n') + '\n', lineMap };
}

async function hunkFunctions(file: FileDiff): Promise<FunctionFacts[]> {
  const out: FunctionFacts[] = [];
  const path = file.newPath ?? file.path;
  for (const h of file.hunks) {
    const { text, lineMap } = hunkSource(h);
    const parsed = await parseFile(path, text);
    try {
      const local = parsed.structs.length ? mergeStructTypes(parsed.structs) : null;
      const empty = mergeStructTypes([]);
      for (const fn of parsed.functions) {
        const facts = walkFunction(fn, typeEnv(fn, empty, local));
        const map = (line: number): number => lineMap[line - 1] ?? h.newStart;
        out.push({
          ...facts,
          line: map(facts.line),
          endLine: map(facts.endLine),
          acquires: facts.acquires.map((a) => ({ ...a, line: map(a.line), held: a.held.map((x) => ({ ...x, line: x.line ? map(x.line) : 0 })) })),
          calls: facts.calls.map((c) => ({ ...c, line: map(c.line), held: c.held.map((x) => ({ ...x, line: x.line ? map(x.line) : 0 })) })),
        });
      }
    } finally {
      parsed.dispose();
    }
  }
  return out;
}

/** The "after" state of one patch as far as its hunks show it. */
export async function analyseHunks(files: readonly FileDiff[], doc: DocumentedOrder): Promise<StateAnalysis> {
  const cFiles = files.filter((f) => !f.isBinary && !f.isDeleted && /\.[ch]$/.test(f.newPath ?? f.path));
  const functions = (await Promise.all(cFiles.map(hunkFunctions))).flat();
  // Generic code is checked with the rules every architecture shares plus x86's, the richest set.
  const archs = [...new Set(cFiles.map((f) => archOf(f.newPath ?? f.path) ?? 'x86'))];
  // doc-stale needs the whole code: hunks alone would make every documented lock look unused.
  // Generic code reviewed without a tree is no one architecture's.
  const keep = (f: Finding): Finding | null => (f.kind === 'doc-stale' ? null : { ...f, arch: archOf(f.sites[0]?.file ?? '') });
  return lazyState(functions, archs, doc, [], keep);
}
