/**
 * The weekly digest of locking-doc drift over a window of git history, as
 * a list of stage calls:
 *
 * 1. the window (window.ts): its commits, oldest first, with the files each changed;
 * 2. the document this week: per commit touching locking.rst, its rule changes (rule-diff.ts);
 * 3. the code this week: per commit changing indexed code, the observed edges
 *    between documented locks it added or removed (code-diff.ts); the
 *    observed order is computed only at those commits (and their parents),
 *    once per distinct code (states.ts);
 * 4. the drift at the window's end and start, matched by fingerprint (since);
 * 5. the trend: the drift counted at the last commit of each of the N ISO
 *    weeks ending with the window's end;
 * 6. when each drift item was first seen, over every state examined plus
 *    the last few code changes before the window;
 * 7. the summary.
 */
import { isIndexedPath } from '../index/files.js';
import type { CacheOptions } from '../index/cache.js';
import { diffEdges } from './code-diff.js';
import { hasErrors } from './drift.js';
import type { CodeCommit, CommitRef, Digest, DocumentCommit, Drift, DriftChange, DriftSection, TrendWeek } from './model.js';
import { DRIFT_SECTIONS } from './model.js';
import { diffRules } from './rule-diff.js';
import { CODE_PATHSPECS, HistoryStates, LOCKING_RST } from './states.js';
import { summarise } from './summary.js';
import { weeksBack } from './weeks.js';
import { commitRef, parentOf, readWindow, type WindowOptions } from './window.js';

export interface DigestOptions extends WindowOptions {
  /** Trend weeks, counted back from the window's end (default 8). */
  weeks?: number;
  cache: CacheOptions;
  /** Code changes before the window looked at to date an undocumented order (default 4). */
  lookBack?: number;
  /** States of an earlier run on the same repository, reused (a long-running caller, the tests); the caller closes them. */
  states?: HistoryStates;
}

export interface DigestRun {
  digest: Digest;
  /** 1 when drift errors remain at the window's end. */
  exitCode: 0 | 1;
  /** Code states analysed in this run (distinct code seen). */
  analysed: number;
}

export const DEFAULT_WEEKS = 8;

const refOnly = (c: CommitRef): CommitRef => ({ hash: c.hash, subject: c.subject, author: c.author, date: c.date });

/** First parents walked back from the oldest examined state holding a drift item, to find the commit that brought it. */
const REFINE_STEPS = 16;

/** New code states the first-parent walk may analyse in one run (each is an index and an observed order). */
const REFINE_CODES = 4;

/** One line per drift item, for since[] and the renderers. */
export function itemsOf(drift: Drift): DriftChange[] {
  const out: DriftChange[] = [];
  for (const c of drift.contradicted) out.push({ section: 'contradicted', fingerprint: c.fingerprint, title: `${c.outer ?? '?'} -> ${c.inner ?? '?'} (${c.kind})` });
  for (const u of drift.undocumented) out.push({ section: 'undocumented', fingerprint: u.fingerprint, title: `${u.outer} -> ${u.inner}` });
  for (const l of drift.leaf) out.push({ section: 'leaf', fingerprint: l.fingerprint, title: `${l.lock} (inside: ${l.inside.map((i) => i.lock).join(', ')})` });
  for (const s of drift.stale) out.push({ section: 'stale', fingerprint: s.fingerprint, title: s.lock });
  for (const d of drift.document) out.push({ section: 'document', fingerprint: d.fingerprint, title: d.message });
  return out;
}

function counts(drift: Drift): Record<DriftSection, number> {
  return Object.fromEntries(DRIFT_SECTIONS.map((s) => [s, drift[s].length])) as Record<DriftSection, number>;
}

export async function buildDigest(repo: string, opts: DigestOptions): Promise<DigestRun> {
  const weeks = opts.weeks ?? DEFAULT_WEEKS;
  // 1.
  const win = await readWindow(repo, opts);
  const states = opts.states ?? new HistoryStates(repo, opts.cache);
  const notes = [...win.notes];
  const analysedBefore = states.analysed;
  try {
    const examined = new Map<string, CommitRef>();
    const look = (c: CommitRef | null): void => {
      if (c) examined.set(c.hash, c);
    };
    // Commit references and first parents, asked of git once each (the window's commits are known already).
    const refs = new Map<string, Promise<CommitRef>>(win.commits.map((c) => [c.hash, Promise.resolve(refOnly(c))]));
    const parents = new Map<string, Promise<string | null>>(win.commits.map((c) => [c.hash, Promise.resolve(c.parent)]));
    const refOf = async (hash: string | null): Promise<CommitRef | null> => {
      if (!hash) return null;
      let r = refs.get(hash);
      if (!r) {
        r = commitRef(win.git, hash);
        refs.set(hash, r);
      }
      return r;
    };
    const parentOfMemo = (hash: string): Promise<string | null> => {
      let p = parents.get(hash);
      if (!p) {
        p = parentOf(win.git, hash);
        parents.set(hash, p);
      }
      return p;
    };

    // 2.
    const document: DocumentCommit[] = [];
    for (const c of win.commits.filter((w) => w.files.includes(LOCKING_RST))) {
      const after = await states.doc(c.hash);
      const before = c.parent ? await states.doc(c.parent) : null;
      const ref = refOnly(c);
      if (!after) {
        notes.push(`${c.hash.slice(0, 12)} ("${c.subject}") removed ${LOCKING_RST} or left it unreadable`);
        continue;
      }
      document.push({ ...ref, changes: diffRules(before, after) });
      look(ref);
    }

    // 3.
    const code: CodeCommit[] = [];
    for (const c of win.commits.filter((w) => w.files.some(isIndexedPath))) {
      const ref = refOnly(c);
      const doc = (await states.doc(c.hash)) ?? (c.parent ? await states.doc(c.parent) : null);
      const edges = diffEdges(c.parent ? await states.code(c.parent) : null, await states.code(c.hash), doc);
      look(ref);
      look(await refOf(c.parent));
      if (edges.length) code.push({ ...ref, edges });
    }

    // 4.
    const end = await states.drift(win.to);
    const start: Drift | null = win.from ? await states.drift(win.from) : null;
    look(win.to);
    look(win.from);
    const before = new Map((start ? itemsOf(start) : []).map((i) => [i.fingerprint, i]));
    const after = new Map(itemsOf(end).map((i) => [i.fingerprint, i]));
    const since = {
      new: [...after.values()].filter((i) => !before.has(i.fingerprint)),
      fixed: [...before.values()].filter((i) => !after.has(i.fingerprint)),
    };

    // 5.
    const trend: TrendWeek[] = [];
    const endTime = Date.parse(win.to.date);
    for (const w of weeksBack(endTime, weeks)) {
      const until = new Date(Math.min(w.end - 1000, endTime)).toISOString();
      const hash = (await win.git.raw(['rev-list', '--first-parent', '-1', `--until=${until}`, win.to.hash, '--'])).trim() || null;
      const ref = await refOf(hash);
      look(ref);
      const drift = ref ? await states.drift(ref) : null;
      trend.push({ week: w.week, commit: hash, counts: drift ? counts(drift) : (Object.fromEntries(DRIFT_SECTIONS.map((s) => [s, 0])) as Record<DriftSection, number>) });
    }

    // 6. The last code changes before the window (and their parents) date the orders the code brought in.
    const oldest = [...examined.values()].sort((a, b) => a.date.localeCompare(b.date))[0];
    if (oldest && (opts.lookBack ?? 4) > 0) {
      const out = await win.git.raw(['log', '--first-parent', `--max-count=${opts.lookBack ?? 4}`, '--format=%H %P', oldest.hash, '--', ...CODE_PATHSPECS]);
      for (const line of out.split('\n').filter(Boolean)) {
        const [hash, parent] = line.split(' ');
        if (hash && !parents.has(hash)) parents.set(hash, Promise.resolve(parent ?? null));
        look(await refOf(hash ?? null));
        look(await refOf(parent ?? null));
      }
    }
    const timeline = [...examined.values()].sort((a, b) => b.date.localeCompare(a.date) || (a.hash === win.to.hash ? -1 : 0));
    const present = async (c: CommitRef): Promise<Set<string>> => new Set(itemsOf(await states.drift(c)).map((i) => i.fingerprint));
    const seen = new Map<string, Set<string>>();
    for (const c of timeline) seen.set(c.hash, await present(c));
    let budget = REFINE_CODES;
    for (const section of DRIFT_SECTIONS) {
      for (const item of end[section]) {
        let first: CommitRef | null = null;
        let gone = false;
        for (const c of timeline) {
          if (Date.parse(c.date) > endTime) continue;
          if (!seen.get(c.hash)?.has(item.fingerprint)) {
            gone = true;
            break;
          }
          first = c;
        }
        if (!first) continue;
        if (!gone) {
          item.firstSeen = { commit: first, how: 'at-least-since' };
          continue;
        }
        // The examined state without it may be many commits back: walk the first parents until one lacks it.
        let how: 'introduced' | 'at-least-since' = 'at-least-since';
        for (let step = 0; step < REFINE_STEPS; step++) {
          const parent = await parentOfMemo(first.hash);
          if (!parent) {
            how = 'introduced';
            break;
          }
          // Each new code costs an index and an observed order: a few, not one per commit of a busy week.
          if (!seen.has(parent) && !(await states.codeKnown(parent))) {
            if (budget <= 0) break;
            budget--;
          }
          const parentRef = await refOf(parent);
          const has = seen.get(parent) ?? (parentRef ? await present(parentRef) : new Set<string>());
          seen.set(parent, has);
          if (!has.has(item.fingerprint)) {
            how = 'introduced';
            break;
          }
          if (parentRef) first = parentRef;
        }
        item.firstSeen = { commit: first, how };
      }
    }

    notes.push(...end.notes.map((n) => `at ${win.to.hash.slice(0, 12)}: ${n}`), ...states.notes);
    const body: Omit<Digest, 'summary'> = {
      repo,
      window: { from: win.from, to: win.to, since: win.since, commits: win.commits.length, weeks },
      document,
      code,
      drift: end,
      since,
      trend,
      notes,
    };
    const digest: Digest = { ...body, summary: summarise(body) };
    // Key order of the contract: summary first.
    const ordered: Digest = { summary: digest.summary, ...body } as Digest;
    return { digest: ordered, exitCode: hasErrors(end) ? 1 : 0, analysed: states.analysed - analysedBefore };
  } finally {
    if (!opts.states) states.close();
  }
}
