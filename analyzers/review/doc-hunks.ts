/**
 * A patch to locking.rst reviewed without a tree: only its hunks are seen,
 * so nothing can be checked against the code, but the two things the text
 * alone shows are still said, never "no findings": a changed sentence that
 * reads like a rule and was not understood (doc-unrecognized), and a new
 * rule that reverses one the embedded order states (doc-conflict).
 */
import type { DocumentedOrder, Quote } from '../../knowledge/doc/model.js';
import { readBlocks } from '../../knowledge/doc/rst-blocks.js';
import { splitSentences } from '../../knowledge/doc/sentences.js';
import { classify, type Classified, type SentenceContext } from '../../knowledge/doc/statements.js';
import { fingerprint } from '../findings/fingerprint.js';
import type { FileDiff, Hunk } from '../series/model.js';
import { unrecognizedFinding } from './doc-review.js';
import type { ReviewFinding } from './model.js';

const DOC = 'Documentation/virt/kvm/locking.rst';

/** One side of a hunk as a fragment of the document. */
interface Fragment {
  lines: string[];
  /** File line (1-based) of each fragment line. */
  fileLine: number[];
  /** Fragment indexes (0-based) of the lines the patch adds (new side) or deletes (old side). */
  changed: Set<number>;
}

function fragment(h: Hunk, side: 'new' | 'old'): Fragment {
  const own = side === 'new' ? 'add' : 'del';
  const kept = h.lines.filter((l) => l.type === 'normal' || l.type === own);
  return {
    lines: kept.map((l) => l.content),
    fileLine: kept.map((l) => (side === 'new' ? l.newLine : l.oldLine) ?? 0),
    changed: new Set(kept.flatMap((l, i) => (l.type === own ? [i] : []))),
  };
}

interface ReadSentence extends Quote {
  c: Classified;
  /** The sentence spans a line the patch adds (or, on the old side, deletes). */
  touched: boolean;
  /** Its first line is such a line. */
  startsChanged: boolean;
}

/**
 * The sentences of a fragment. A :Comment: whose table entry is outside the
 * hunk is read as the comment of each documented lock in turn, so that
 * "Exists to allow taking A while <data> is protected" is still understood.
 */
function sentences(f: Fragment, doc: DocumentedOrder): ReadSentence[] {
  const out: ReadSentence[] = [];
  for (const block of readBlocks(f.lines).blocks) {
    if (block.kind === 'field' && block.field !== 'Comment') continue;
    const list = splitSentences(block);
    let subject: string[] = [];
    list.forEach((s, i) => {
      const end = Math.max(s.line, (list[i + 1]?.line ?? block.line + block.lines.length) - 1);
      let touched = false;
      for (let l = s.line; l <= end; l++) touched ||= f.changed.has(l - 1);
      const ctx: SentenceContext = { subject };
      let c = classify(s.text, ctx);
      if (!c.recognized && block.field === 'Comment') {
        for (const lock of doc.locks) {
          const tried = classify(s.text, { ...ctx, commentOf: { lock: lock.name, protects: lock.protects } });
          if (tried.recognized) {
            c = tried;
            break;
          }
        }
      }
      subject = c.subject;
      out.push({ line: f.fileLine[s.line - 1] ?? 0, text: s.text, c, touched, startsChanged: f.changed.has(s.line - 1) });
    });
  }
  return out;
}

const words = (t: string): string => t.replace(/\s+/g, ' ').trim();

export function reviewDocHunks(patch: { index: number; subject: string }, files: readonly FileDiff[], doc: DocumentedOrder): ReviewFinding[] {
  const out: ReviewFinding[] = [];
  for (const file of files) {
    if ((file.newPath ?? file.path) !== DOC || file.isDeleted) continue;
    for (const h of file.hunks) {
      const now = sentences(fragment(h, 'new'), doc).filter((s) => s.touched);
      const was = sentences(fragment(h, 'old'), doc).filter((s) => s.touched);
      const wasText = new Set(was.map((s) => words(s.text)));
      const removed = new Set(was.flatMap((s) => s.c.facts.flatMap((f) => (f.kind === 'order' ? [`${f.outer}\u0000${f.inner}`] : []))));
      for (const s of now) {
        // A sentence the patch only re-flowed or moved is not its doing.
        if (wasText.has(words(s.text))) continue;
        const placement = s.startsChanged ? 'added' : 'changed';
        if (s.c.unread?.length || (!s.c.recognized && s.c.orderingLike)) {
          out.push({ ...unrecognizedFinding({ line: s.line, text: s.text, reason: s.c.reason ?? 'wording not understood' }, placement), patch });
        }
        for (const f of s.c.facts) {
          if (f.kind !== 'order' || f.outer === f.inner) continue;
          if (doc.edges.some((e) => e.outer === f.outer && e.inner === f.inner)) continue;
          const old = doc.edges.find((e) => e.outer === f.inner && e.inner === f.outer && !e.srcu);
          if (!old) continue;
          const flipped = removed.has(`${f.inner}\u0000${f.outer}`);
          const raw = {
            outer: f.outer,
            inner: f.inner,
            message: flipped
              ? `the new rule "${s.text}" reverses the documented order (the patch removes "${old.text}"); every site that follows the old order now contradicts the document`
              : `the new rule "${s.text}" says ${f.outer} is taken outside ${f.inner}, but the documented order says the opposite (line ${old.line} of the embedded order: "${old.text}"): the two cannot both hold`,
            rule: { line: s.line, text: s.text },
            rulePath: [{ line: s.line, text: s.text }, { line: old.line, text: old.text }],
            sites: [],
            suggestion: flipped
              ? 'say in the commit message why the order is reversed, and change the code that takes the locks the old way in the same series'
              : 'remove or reword the older statement in the same patch, or drop the new rule',
            arch: old.arch,
          };
          out.push({
            ...raw,
            kind: 'doc-conflict',
            severity: flipped ? 'warning' : 'error',
            fingerprint: fingerprint('doc-conflict', raw, 'locking.rst'),
            patch,
            file: DOC,
            line: s.line,
            placement,
            chain: [],
          });
        }
      }
    }
  }
  return out;
}
