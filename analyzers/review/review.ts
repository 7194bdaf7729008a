/**
 * Review a patch series (`kvm-review mbox`), as a list of stage calls:
 *
 * 1. read the input and assemble its series; pick the newest complete posting;
 * 2. choose the tree (or none: hunk-only) and the documented order;
 * 3. for each patch k, in order: apply it in memory on top of 1..k-1;
 * 4. run the engine on the state before and after it;
 * 5. keep the findings the patch is responsible for, placed on its lines;
 * 6. review a locking.rst change against the code;
 * 7. every patch of the input in the result, with a status.
 */
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { loadEmbeddedOrder } from '../../knowledge/doc/embedded.js';
import { loadDocumentedOrder, LOCKING_RST } from '../../knowledge/doc/load.js';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import type { CacheOptions } from '../index/cache.js';
import { archOf, indexedFiles, treeArchs } from '../index/files.js';
import { readSeries } from '../series/read-series.js';
import type { PatchEntry, ReadSeriesOptions, Series } from '../series/model.js';
import { analyseState, archsFor, removedEdges, type StateAnalysis } from './analyse-state.js';
import { applyFiles } from './apply.js';
import { attribute } from './attribute.js';
import { reviewDocHunks } from './doc-hunks.js';
import { reviewDocPatch } from './doc-review.js';
import { analyseHunks, DEGRADED } from './hunk-only.js';
import type { PatchReview, ReviewResult } from './model.js';
import { Overlay } from './overlay.js';

export interface ReviewOptions {
  /** The input: an mbox, a format-patch file or directory, a .patch/.diff, or '-'. */
  input: string;
  /** A kernel tree, or null for hunk-only review. */
  tree: string | null;
  cache: CacheOptions;
  read?: ReadSeriesOptions;
}

const DOC_PATH = LOCKING_RST.split('\\').join('/');

function person(p: PatchEntry): string | null {
  return p.author ? (p.author.name ? `${p.author.name} <${p.author.email}>` : p.author.email) : null;
}

function skeleton(p: PatchEntry): PatchReview {
  const review: PatchReview = {
    index: p.index,
    subject: p.subject,
    messageId: p.messageId,
    author: person(p),
    date: p.date,
    status: p.status === 'ok' ? 'reviewed' : p.status,
    findings: [],
    removedEdges: [],
    applyFailures: [],
    files: p.files,
    references: [],
  };
  if (p.reason) review.reason = p.reason;
  return review;
}

function docOf(overlay: Overlay, fallback: DocumentedOrder): DocumentedOrder {
  const text = overlay.read(DOC_PATH);
  return text === null ? fallback : readLockingDoc(Buffer.from(text), DOC_PATH, 'tree');
}

export async function review(opts: ReviewOptions): Promise<ReviewResult> {
  // 1.
  const read = await readSeries(opts.input, opts.read);
  const series: Series | null = read.chosen;
  const notes = [
    ...read.warnings.map((w) => `${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`),
    ...read.others.map((o) => `${o.position.file}:${o.position.line}: not reviewed: "${o.subject}" (${o.reason})`),
  ];
  // 2.
  const doc = opts.tree ? loadDocumentedOrder({ tree: opts.tree, cwd: opts.tree }) : loadEmbeddedOrder();
  const result: ReviewResult = {
    series: {
      subject: series?.title ?? '',
      version: series?.version ?? 0,
      total: series?.expected ?? 0,
      missing: series?.missing ?? [],
      choice: read.choice,
    },
    mode: opts.tree ? 'tree' : 'hunk-only',
    degraded: opts.tree ? null : DEGRADED,
    tree: opts.tree,
    doc: doc.source,
    patches: [],
    notes,
  };
  if (!series) return result;
  for (const other of read.series.filter((s) => s !== series)) {
    for (const p of other.patches) notes.push(`not reviewed: "${p.subject}" belongs to another posting (v${other.version}) than the one reviewed`);
  }
  const ids = [series.cover?.messageId, ...series.patches.map((p) => p.messageId)].filter((x): x is string => Boolean(x));

  const archs = opts.tree ? treeArchs(opts.tree) : [];
  // Doc-patch evidence for generic rules: the architectures generic code is reviewed as.
  const docArchs = archsFor(['virt/kvm/kvm_main.c'], archs);
  // Index only the builds the series concerns: generic code as GENERIC_ARCHS build it, plus any arch it touches.
  const needed = new Set([...docArchs, ...series.patches.flatMap((p) => archsFor(p.files.map((f) => f.newPath ?? f.path).filter((f) => /^arch\//.test(f)), archs))]);
  const base = opts.tree ? indexedFiles(opts.tree).filter((f) => { const a = archOf(f); return a === null || needed.has(a); }) : [];
  let overlay = opts.tree ? new Overlay(opts.tree) : null;
  let before: StateAnalysis | null = null;
  for (const p of [...series.patches, ...series.duplicates].sort((a, b) => a.index - b.index)) {
    const pr = skeleton(p);
    pr.references = [...new Set([series.cover?.messageId ?? ids[0] ?? '', p.messageId ?? ''])].filter(Boolean);
    result.patches.push(pr);
    if (p.status !== 'ok' || series.duplicates.includes(p)) continue;
    const info = { index: p.index, subject: p.subject, files: p.files };
    const ref = { index: p.index, subject: p.subject };
    if (!overlay || !opts.tree) {
      pr.findings = [...attribute(info, null, await analyseHunks(p.files, doc)), ...reviewDocHunks(ref, p.files, doc)];
      continue;
    }
    // 3.
    const next = overlay.clone();
    pr.applyFailures = applyFiles(next, p.files);
    if (pr.applyFailures.length) pr.reason = `${pr.applyFailures.length} hunk(s) did not apply; the rest was reviewed`;
    const cPaths = p.files.map((f) => f.newPath ?? f.path).filter((f) => /\.[ch]$/.test(f));
    const touchesDoc = p.files.some((f) => (f.newPath ?? f.path) === DOC_PATH);
    // 4.
    const stateArchs = archsFor(cPaths.length ? cPaths : ['virt/kvm/kvm_main.c'], archs);
    const docBefore = docOf(overlay, doc);
    const docAfter = touchesDoc ? docOf(next, doc) : docBefore;
    before ??= await analyseState(overlay, docArchs, docBefore, opts.cache, base);
    const changed = p.files.flatMap((f) => [f.newPath, f.oldPath]).filter((x): x is string => Boolean(x));
    const after: StateAnalysis =
      cPaths.length || touchesDoc ? await analyseState(next, docArchs, docAfter, opts.cache, base, { state: before, changed, overlay }) : before;
    // 5.
    if (cPaths.length) {
      pr.findings.push(...attribute(info, before, after, stateArchs));
      pr.removedEdges = removedEdges(before, after, stateArchs);
    }
    // 6.
    if (touchesDoc) pr.findings.push(...reviewDocPatch(ref, docBefore, docAfter, after));
    overlay = next;
    before = after;
  }
  // 7. Missing slots are reported by the series; patches are in k order.
  result.patches.sort((a, b) => a.index - b.index);
  return result;
}
