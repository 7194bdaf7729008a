/**
 * Review an assembled series against a tree (or none: hunk-only), as a
 * list of stage calls. Reading the series (a file, stdin, a buffer, a git
 * range) is a separate step; callers (the CLI, the GitHub App, the lore
 * watcher) hand over a Series and a Tree.
 *
 * 1. the documented order of the tree (or the embedded one);
 * 2. for each patch k, in order: apply it in memory on top of 1..k-1;
 * 3. run the engine on the state before and after it;
 * 4. keep the findings the patch is responsible for, placed on its lines;
 * 5. review a locking.rst change against the code;
 * 6. every patch of the series in the result, with a status: an exception
 *    while reviewing one patch makes it `failed` with the reason, and the
 *    others are reviewed.
 */
import { createHash } from 'node:crypto';
import { loadEmbeddedOrder } from '../../knowledge/doc/embedded.js';
import { loadTreeOrder } from '../../knowledge/doc/load.js';
import { parseCached } from '../../knowledge/doc/load-cache.js';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { openCacheDir, type CacheOptions } from '../index/cache.js';
import { archOf, holdsIndexed, indexedFiles, isIndexedPath, treeArchs } from '../index/files.js';
import type { PatchEntry, Series, SeriesCandidate } from '../series/model.js';
import { OverlayTree } from '../trees/overlay-tree.js';
import { LOCKING_RST_PATH, type Tree } from '../trees/index.js';
import { analyseState, archsFor, removedEdges, type StateAnalysis } from './analyse-state.js';
import { applyFiles, type ApplyFailure } from './apply.js';
import { applyContent, contentPaths, contentRefusal } from './content-change.js';
import { attribute } from './attribute.js';
import { reviewDocPatch } from './doc-review.js';
import { analyseHunks, DEGRADED } from './hunk-only.js';
import { reviewDocHunks } from './doc-hunks.js';
import type { PatchReview, ReviewCacheStats, ReviewResult, SeriesIdentity } from './model.js';
import { noteUnappliedFixes } from './unapplied-fixes.js';
import { functionChanges, type FunctionChange } from './series-changes.js';
import { notApplied } from './not-applied.js';
import { counted, someFiles } from '../counted.js';

export interface ReviewSeriesOptions {
  cache: CacheOptions;
  /** Why this posting was chosen among others (the reader's sentence); '' when there was no choice. */
  choice?: string;
  /** Input-level notes to carry into the result (reader warnings, messages that were not patches). */
  notes?: string[];
  /** The input's other series, when it held several (the reader's candidates other than the chosen one). */
  others?: SeriesCandidate[];
}

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
    // The reader's doubts about the mail: a review of damaged lines must say so (README, JSON contract).
    warnings: [...p.warnings],
    findings: [],
    removedEdges: [],
    applyFailures: [],
    files: p.files,
    references: [],
  };
  if (p.reason) review.reason = p.reason;
  return review;
}

/**
 * Who the series is, for a caller that must not review it twice: the
 * title, the revision and a digest of its patches' patch-ids in order
 * (changed lines without line numbers or white space, as `git patch-id`):
 * the same commits sent again, or rebased, keep it; a changed patch does not.
 */
export function seriesIdentity(series: Series): SeriesIdentity {
  const patchIds = series.patches.map((p) => p.patchId ?? `no-diff:${p.index}`);
  const h = createHash('sha256');
  for (const id of patchIds) h.update(id).update('\n');
  return { subject: series.title, version: series.version, fingerprint: h.digest('hex').slice(0, 32), patchIds };
}

/**
 * The documented order of a state: parsed once per text in a review (a series touches
 * locking.rst in one patch at most, and every other state has the text before it), so the
 * states share one order object and a state the doc did not change keeps its analysis.
 */
async function docOf(tree: OverlayTree, fallback: DocumentedOrder, parsed: Map<string, DocumentedOrder>, cache: CacheOptions): Promise<DocumentedOrder> {
  const bytes = await tree.read(LOCKING_RST_PATH);
  if (bytes === null) return fallback;
  const text = bytes.toString('utf8');
  let order = parsed.get(text);
  if (!order) {
    // The tree's own text is parsed once for every review of the tree (load-cache.ts).
    order = parseCached(bytes, LOCKING_RST_PATH, 'tree', cache, () => readLockingDoc(bytes, LOCKING_RST_PATH, 'tree'));
    parsed.set(text, order);
  }
  return order;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)) || 'unknown error';

/** The architectures a patch concerns whose analysis failed (of the state before or after it), each once with why. */
function archFailures(states: (StateAnalysis | null)[], archs: readonly string[]): { arch: string; reason: string }[] {
  const out = new Map<string, string>();
  for (const s of states) for (const a of archs) {
    const why = s?.failure(a);
    if (why && !out.has(a)) out.set(a, why);
  }
  return [...out].map(([arch, reason]) => ({ arch, reason }));
}

/**
 * The reader's reason of a patch it read only in part (a binary change to a
 * file the analysis reads), without its closing "the rest was reviewed",
 * which the review says itself after what it adds; null when it gave none.
 */
function readerPart(p: PatchEntry): string | null {
  return p.reason?.replace(/;\s*the rest was reviewed$/, '') || null;
}

/**
 * What of a reviewed patch did not apply: hunks refused, and hunks the tree already has, counted apart,
 * and whole files (created, deleted, renamed: hunk null) counted as files, not as hunks they may not have.
 */
function applyPart(failures: readonly ApplyFailure[]): string {
  const part = (list: readonly ApplyFailure[], verb: string): string => {
    const hunks = list.filter((a) => a.hunk !== null).length;
    const files = list.length - hunks;
    const what = [hunks ? counted(hunks, 'hunk') : '', files ? counted(files, 'file') : ''].filter(Boolean).join(' and ');
    return what && `${what} ${verb}`;
  };
  const already = failures.filter((a) => a.alreadyApplied);
  const refused = failures.filter((a) => !a.alreadyApplied);
  return [part(refused, 'did not apply'), part(already, 'already applied')].filter(Boolean).join(', ') + '; the rest was reviewed';
}

/** "The series is already in the tree": every patch that could be applied was one the tree has (null when not). */
function alreadyInTree(patches: readonly PatchReview[]): string | null {
  const read = patches.filter((p) => p.status !== 'skipped' && !(p.status === 'failed' && p.files.length === 0));
  if (read.length === 0 || !read.every((p) => p.alreadyApplied)) return null;
  return read.length === 1 && patches.length === 1
    ? 'the patch is already in the tree: nothing was reviewed'
    : `the series is already in the tree: ${read.length === 1 ? 'its patch is' : `all ${read.length} of its patches are`} applied there; nothing was reviewed`;
}

/** The functions of a state in the files a patch changes (the state's files hold them, when it has its files). */
function patchedFunctions(state: StateAnalysis, paths: readonly string[]): StateAnalysis['functions'] {
  if (!paths.length) return [];
  const patched = new Set(paths);
  return state.files.length ? state.files.filter((f) => patched.has(f.file)).flatMap((f) => f.functions) : state.functions.filter((f) => patched.has(f.file));
}

/** A patch whose analysis of some architectures failed: partial, saying which, and the list kept for a later version's comparison (unread-code.ts). */
function markPartial(pr: PatchReview, failed: { arch: string; reason: string }[]): void {
  if (!failed.length) return;
  pr.partial = true;
  pr.failedArchs = failed;
  pr.reason = [pr.reason, ...failed.map(({ arch, reason }) => `the ${arch} analysis failed (${reason}): findings for ${arch} are missing`)].filter(Boolean).join('; ');
}

export async function reviewSeries(series: Series | null, tree: Tree | null, options: ReviewSeriesOptions): Promise<ReviewResult> {
  // 1.
  const doc = tree ? await loadTreeOrder(tree, options.cache) : loadEmbeddedOrder();
  const notes = [...(options.notes ?? [])];
  const result: ReviewResult = {
    series: {
      subject: series?.title ?? '',
      version: series?.version ?? 0,
      total: series?.expected ?? 0,
      missing: series?.missing ?? [],
      choice: options.choice ?? '',
      others: options.others ?? [],
    },
    identity: series ? seriesIdentity(series) : null,
    mode: tree ? 'tree' : 'hunk-only',
    degraded: tree ? null : DEGRADED,
    tree: tree?.label ?? null,
    doc: doc.source,
    patches: [],
    notes,
  };
  if (!series) return result;
  // The cover letter is not reviewed, but what its mail lost is still said.
  for (const w of series.cover?.warnings ?? []) notes.push(`the cover letter: ${w}`);
  // An unusable --cache-dir is the user's error (exit 2), not a failure of the first patch.
  if (tree) openCacheDir(options.cache);
  const ids = [series.cover?.messageId, ...series.patches.map((p) => p.messageId)].filter((x): x is string => Boolean(x));
  const archs = tree ? await treeArchs(tree) : [];
  // Doc-patch evidence for generic rules: the architectures generic code is reviewed as.
  const docArchs = archsFor(['virt/kvm/kvm_main.c'], archs);
  // Index only the builds the series concerns: generic code as GENERIC_ARCHS build it, plus any arch it touches.
  const paths = (p: PatchEntry): string[] => [...p.files.map((f) => f.newPath ?? f.path), ...(p.becomes ? contentPaths(p.becomes) : [])];
  const needed = new Set([...docArchs, ...series.patches.flatMap((p) => archsFor(paths(p).filter((f) => /^arch\//.test(f)), archs))]);
  const base = tree
    ? (await indexedFiles(tree)).filter((f) => {
        const a = archOf(f);
        return a === null || needed.has(a);
      })
    : [];
  let overlay = tree ? new OverlayTree(tree) : null;
  /** locking.rst as parsed, by text, for every state of this review. */
  const docs = new Map<string, DocumentedOrder>();
  let before: StateAnalysis | null = null;
  /** The functions the patches reviewed so far change: a doc patch's finding on one of them says so. */
  const changes: FunctionChange[] = [];
  const unread = new Map<string, string>();
  const counted = new Set<StateAnalysis>();
  const stats: ReviewCacheStats = { dir: null, hits: 0, misses: 0, invalid: 0, filesRead: 0 };
  const count = (s: StateAnalysis): void => {
    if (counted.has(s) || !s.cache) return;
    counted.add(s);
    stats.dir = s.cache.dir;
    stats.hits += s.cache.hits;
    stats.misses += s.cache.misses;
    stats.invalid += s.cache.invalid;
    stats.filesRead += s.filesRead ?? 0;
    if (s.cache.warning) stats.warning = s.cache.warning;
  };
  for (const p of [...series.patches, ...series.duplicates].sort((a, b) => a.index - b.index)) {
    const pr = skeleton(p);
    pr.references = [...new Set([series.cover?.messageId ?? ids[0] ?? '', p.messageId ?? ''])].filter(Boolean);
    result.patches.push(pr);
    if (p.status !== 'ok' || series.duplicates.includes(p)) continue;
    const ref = { index: p.index, subject: p.subject };
    let next: OverlayTree | null = null;
    /** The patch's diff: its own, or the one its content makes on the state before it (content-change.ts). */
    let files = p.files;
    try {
      if (p.becomes) {
        const change = p.becomes;
        const refused = overlay ? contentRefusal(change, p.index, result.patches, series.patches) : 'there is no tree to diff its content against';
        if (refused || !overlay) {
          pr.status = 'failed';
          pr.reason = `${change.what} is NOT reviewed: ${refused ?? ''}; read it with ${change.readWith}`;
          notes.push(`NOT reviewed: patch ${p.index}, ${change.what}; the series is reviewed only in part (see its reason)`);
          continue;
        }
        next = overlay.clone();
        files = await applyContent(next, change);
        pr.files = files;
        notes.push(`patch ${p.index}, ${change.what}: reviewed as the change from the state of the patches before it to its content of ${someFiles(contentPaths(change))}`);
      }
      const info = { index: p.index, subject: p.subject, files };
      if (!overlay) {
        const hunks = await analyseHunks(files, doc);
        pr.findings = [...attribute(info, null, hunks), ...reviewDocHunks(ref, files, doc)];
        markPartial(pr, archFailures([hunks], hunks.archs));
        continue;
      }
      // 2.
      if (!next) {
        next = overlay.clone();
        pr.applyFailures = await applyFiles(next, files);
      }
      // Nothing the review reads landed: the state after is the state before, and "no findings" would pass it.
      const missed = notApplied(files, pr.applyFailures);
      if (missed) {
        pr.status = 'not-applied';
        pr.reason = [missed.reason, readerPart(p)].filter(Boolean).join('; ');
        if (missed.alreadyApplied) pr.alreadyApplied = true;
        changes.push(...functionChanges(p.index, files, pr.applyFailures, []));
        // What did land (a selftest, a Makefile) is the tree the next patch applies to; the analysis is unchanged.
        overlay = next;
        continue;
      }
      // Appended: the reader's reason (a binary change that cannot be reviewed) must survive a failed hunk.
      if (pr.applyFailures.length) {
        pr.reason = [readerPart(p), applyPart(pr.applyFailures)].filter(Boolean).join('; ');
        pr.partial = true;
      }
      const cPaths = files.map((f) => f.newPath ?? f.path).filter((f) => /\.[ch]$/.test(f));
      const touchesDoc = files.some((f) => (f.newPath ?? f.path) === LOCKING_RST_PATH);
      // 3.
      const stateArchs = archsFor(cPaths.length ? cPaths : ['virt/kvm/kvm_main.c'], archs);
      const docBefore = await docOf(overlay, doc, docs, options.cache);
      const docAfter = touchesDoc ? await docOf(next, doc, docs, options.cache) : docBefore;
      before ??= await analyseState(overlay, docArchs, docBefore, options.cache, base);
      const changed = files.flatMap((f) => [f.newPath, f.oldPath]).filter((x): x is string => Boolean(x));
      const after: StateAnalysis =
        cPaths.length || touchesDoc ? await analyseState(next, docArchs, docAfter, options.cache, base, { state: before, changed, overlay }) : before;
      for (const u of [...(before.unread ?? []), ...(after.unread ?? [])]) unread.set(u.file, u.reason);
      count(before);
      count(after);
      changes.push(...functionChanges(p.index, files, pr.applyFailures, patchedFunctions(after, cPaths)));
      // 4.
      if (cPaths.length) {
        pr.findings.push(...attribute(info, before, after, stateArchs));
        pr.removedEdges = removedEdges(before, after, stateArchs);
      }
      // 5.
      if (touchesDoc) pr.findings.push(...reviewDocPatch(ref, docBefore, docAfter, after, { total: result.series.total, changes }));
      markPartial(pr, archFailures([before, after], touchesDoc ? docArchs : stateArchs));
      overlay = next;
      before = after;
    } catch (e) {
      // 6. This patch failed; the series goes on from the tree as far as it was applied.
      pr.status = 'failed';
      pr.reason = [`internal error while reviewing this patch: ${message(e)}`, readerPart(p)].filter(Boolean).join('; ');
      pr.findings = [];
      pr.removedEdges = [];
      if (next) overlay = next;
      before = null;
    }
  }
  const inTree = alreadyInTree(result.patches);
  if (inTree) notes.unshift(inTree);
  noteUnappliedFixes(result.patches, result.series.total);
  if (tree) result.cache = stats;
  if (stats.warning) notes.push(stats.warning);
  for (const [file, reason] of unread) notes.push(`${file}: not indexed (${reason}); locks taken there are not seen`);
  const skipped = (tree?.notes() ?? []).filter((n) => !unread.has(n.path));
  for (const n of skipped) notes.push(`${n.path}: skipped (${n.reason})`);
  // Kept as data too, with the files the tree skipped that the review would have indexed (over the size
  // cap, a symlink in a git revision): a later version's comparison must not call a finding there fixed
  // (unread-code.ts).
  if (tree) {
    // A directory the tree could not list (a symlink out of the tree, permission denied) hides what the index would read under it.
    const wouldIndex = (path: string): boolean => (isIndexedPath(path) || holdsIndexed(path)) && (archOf(path) === null || needed.has(archOf(path) ?? ''));
    result.unindexed = [...[...unread].map(([file, reason]) => ({ file, reason })), ...skipped.filter((n) => wouldIndex(n.path)).map((n) => ({ file: n.path, reason: n.reason }))];
  }
  // Missing slots are reported by the series; patches are in k order.
  result.patches.sort((a, b) => a.index - b.index);
  return result;
}
