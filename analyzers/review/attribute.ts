/**
 * Which findings of the "after" state a patch is responsible for, and where
 * in its post-image to put them: a finding is the patch's when it is new, or
 * when its evidence runs through a line the patch adds (another instance of
 * a known problem). Its place is the first added line on its chain.
 */
import { wholeFiles } from '../arch-analysis.js';
import { fingerprint } from '../findings/fingerprint.js';
import type { Finding, FindingSite } from '../findings/model.js';
import type { ChainStep } from '../order/model.js';
import { at } from '../rules/shared.js';
import type { FileDiff } from '../series/model.js';
import type { StateAnalysis } from './analyse-state.js';
import type { ReviewFinding } from './model.js';

/** Added post-image lines per file. */
export function addedLines(files: readonly FileDiff[]): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const f of files) {
    const set = new Set<number>();
    for (const h of f.hunks) for (const l of h.lines) if (l.type === 'add' && l.newLine) set.add(l.newLine);
    if (set.size) out.set(f.newPath ?? f.path, set);
  }
  return out;
}

/** Functions of the after state that contain an added line, with their first added line. */
function changedFunctions(state: Pick<StateAnalysis, 'functions' | 'files'>, added: Map<string, Set<number>>): Map<string, number> {
  const out = new Map<string, number>();
  // The patched files' functions, when the state's files hold its functions (they do for a tree's
  // state): not a look at each of the tree's 20,000 functions for every patch.
  const functions = wholeFiles(state.files, state.functions) ? state.files.filter((f) => added.has(f.file)).flatMap((f) => f.functions) : state.functions;
  for (const fn of functions) {
    const lines = added.get(fn.file);
    if (!lines) continue;
    const inside = [...lines].filter((l) => l >= fn.line && l <= fn.endLine).sort((a, b) => a - b);
    if (inside[0] !== undefined) out.set(`${fn.file}\u0000${fn.name}`, inside[0]);
  }
  return out;
}

function evidenceSites(f: Finding): FindingSite[] {
  return [...f.sites, ...(f.cycle ?? []).flatMap((l) => (l.site ? [l.site] : []))];
}

interface Placement {
  /** The evidence site whose chain holds the place. */
  site: FindingSite;
  file: string;
  line: number;
  placement: ReviewFinding['placement'];
  chain: ChainStep[];
  function: string;
}

/** Where `f` goes: an added line on its chain, else (`changed` given) the first added line of a function on it. */
function place(f: Finding, added: Map<string, Set<number>>, changed: Map<string, number> | null): Placement | null {
  const sites = evidenceSites(f);
  for (const s of sites) {
    for (const step of s.chain) {
      if (added.get(step.file)?.has(step.line)) return { site: s, file: step.file, line: step.line, placement: 'added', chain: s.chain, function: step.function };
    }
  }
  if (!changed) return null;
  for (const s of sites) {
    for (const step of s.chain) {
      const first = changed.get(`${step.file}\u0000${step.function}`);
      if (first !== undefined) return { site: s, file: step.file, line: first, placement: 'changed', chain: s.chain, function: step.function };
    }
  }
  return null;
}

export function attribute(
  patch: { index: number; subject: string; files: readonly FileDiff[] },
  before: StateAnalysis | null,
  after: StateAnalysis,
  archs: readonly string[] = after.archs,
): ReviewFinding[] {
  const added = addedLines(patch.files);
  const changed = changedFunctions(after, added);
  const out = new Map<string, ReviewFinding>();
  for (const arch of archs) {
    const known = new Set((before?.findings(arch) ?? []).map((f) => f.fingerprint));
    for (const f of after.findings(arch)) {
      const isNew = !known.has(f.fingerprint);
      // A finding the state before had is the patch's only through a line it adds: the chains are
      // not searched for changed functions (most of a state's findings are old ones).
      const where = place(f, added, isNew ? changed : null);
      if (!where) continue;
      const fp = fingerprint(f.kind, f, where.function);
      const prev = out.get(fp);
      if (prev) {
        // Found by more than one build: generic, as check says it (audit.ts), not the first build's
        // alone (an App configured for x86 dropped a generic-code finding labelled arm64).
        if (prev.arch !== f.arch) prev.arch = null;
        continue;
      }
      out.set(fp, { ...ledBy(f, where.site), fingerprint: fp, patch: { index: patch.index, subject: patch.subject } as const, file: where.file, line: where.line, placement: where.placement, chain: where.chain });
    }
  }
  return [...out.values()];
}

/**
 * `f` told from `site`, the patch's own site: the state's finding names its
 * first site ("taken inside A at demo_a()"), which for a second instance of a
 * known problem is the old one, while the comment sits on the patch's line.
 * The site leads the sites, the message and the cycle's observed link instead.
 * A site only on the cycle (another edge's witness) leaves `f` as it is.
 */
function ledBy(f: Finding, site: FindingSite): Finding {
  const first = f.sites[0];
  if (!first || first === site || !f.sites.includes(site)) return f;
  const named = at(first);
  return {
    ...f,
    message: f.message.includes(named) ? f.message.replace(named, at(site)) : f.message,
    sites: [site, ...f.sites.filter((s) => s !== site)],
    // Compared by place: findings read back from the cache are not the objects the rule shared.
    ...(f.cycle ? { cycle: f.cycle.map((l) => (l.site && samePlace(l.site, first) ? { ...l, site } : l)) } : {}),
  };
}

function samePlace(a: FindingSite, b: FindingSite): boolean {
  return a.file === b.file && a.line === b.line && a.function === b.function;
}
