/**
 * Drift at one commit, as a maintainer reads it: the rules of `check` run
 * on the commit's documented order against the observed order of its code
 * (per architecture, as each is built), then folded into the digest's
 * sections. Pure: the code state comes from states.ts.
 *
 * - contradicted: order-inversion, srcu-violation and cycle findings;
 * - undocumented: undocumented-order findings whose edge has a
 *   full-confidence site (an order reached only through a refcount put is
 *   not something the code relies on);
 * - leaf: leaf-violation findings grouped per leaf lock (one item per lock
 *   the claim makes a leaf, across architectures), full-confidence only;
 * - stale: doc-stale findings;
 * - document: the document's own errors (a cycle, an SRCU conflict).
 */
import { createHash } from 'node:crypto';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import { provenCount, type Finding, type FindingSite } from '../findings/model.js';
import type { ObservedEdge } from '../order/model.js';
import { runRules } from '../rules/index.js';
import type { CommitRef, ContradictedItem, DocumentItem, Drift, LeafItem, StaleItem, UndocumentedItem } from './model.js';

/** The observed order of one commit's code, per architecture as it is built. */
export interface CodeState {
  /** Identity of the indexed files (paths and blob ids): equal keys, equal code. */
  key: string;
  archs: string[];
  edges: Map<string, ObservedEdge[]>;
  /** Every class the code takes, asserts or releases (doc-stale's view). */
  classes: Set<LockClass>;
  /** Architectures whose analysis failed, with the reason. */
  failed: { arch: string; error: string }[];
}

/** Sites shown per contradicted item. */
const SHOWN_SITES = 3;

const isFull = (s: FindingSite): boolean => (s.confidence?.level ?? 'full') === 'full';
const siteKey = (s: FindingSite): string => `${s.file}:${s.line}:${s.function}`;

interface Merged {
  finding: Finding;
  /** The finding as each architecture reported it. */
  all: Finding[];
  archs: string[];
  sites: Map<string, FindingSite>;
  count: number;
}

/** Every finding of every architecture, each fingerprint once with the architectures that have it. */
function findingsOf(doc: DocumentedOrder, code: CodeState): Merged[] {
  const out = new Map<string, Merged>();
  for (const arch of code.archs) {
    const observed = code.edges.get(arch) ?? [];
    for (const f of runRules({ doc, observed, arch, codeClasses: code.classes })) {
      let entry = out.get(f.fingerprint);
      if (!entry) {
        entry = { finding: f, all: [], archs: [], sites: new Map(), count: 0 };
        out.set(f.fingerprint, entry);
      }
      entry.all.push(f);
      entry.archs.push(arch);
      for (const s of f.sites) if (!entry.sites.has(siteKey(s))) entry.sites.set(siteKey(s), s);
      // Generic code is counted in every build: the largest count of one build, not their sum.
      entry.count = Math.max(entry.count, f.evidence ? provenCount(f.evidence.against) : f.sites.length);
      // An error in one build stays an error.
      if (f.severity === 'error' && entry.finding.severity !== 'error') entry.finding = { ...f, sites: entry.finding.sites };
    }
  }
  return [...out.values()];
}

/**
 * Full-confidence sites of an order: the count when every kept site is
 * full (the kept sites are a sample), else the full ones kept.
 */
function fullSites(sites: FindingSite[], count: number): { n: number; example: FindingSite } | null {
  const full = ranked(sites).filter(isFull);
  const example = full[0];
  if (!example) return null;
  return { n: full.length === sites.length ? Math.max(count, full.length) : full.length, example };
}

/** Sites, full-confidence first. */
function ranked(sites: Iterable<FindingSite>): FindingSite[] {
  return [...sites].sort((a, b) => Number(isFull(b)) - Number(isFull(a)) || a.chain.length - b.chain.length);
}

function documentProblems(doc: DocumentedOrder): DocumentItem[] {
  return doc.problems
    .filter((p) => p.severity === 'error')
    .map((p) => ({
      kind: p.kind,
      severity: p.severity,
      message: p.message,
      lines: p.lines,
      archs: [],
      firstSeen: null,
      // Line numbers are left out, so an edit above the statements keeps the item.
      fingerprint: createHash('sha256').update(`document\u0000${p.kind}\u0000${p.message.replace(/\(line \d+\)|lines? [\d, and]+/g, '')}`).digest('hex').slice(0, 16),
    }));
}

/**
 * The drift at commit `at` between `doc` and `code`. A null code state
 * (no KVM code at that commit) gives only the document's own problems.
 */
export function driftOf(at: CommitRef | null, doc: DocumentedOrder | null, code: CodeState | null): Drift {
  const drift: Drift = { at, contradicted: [], undocumented: [], leaf: [], stale: [], document: [], notes: [] };
  if (!doc) {
    drift.notes.push('no Documentation/virt/kvm/locking.rst: nothing to compare the code with');
    return drift;
  }
  drift.document = documentProblems(doc);
  if (!code) {
    drift.notes.push('no KVM code (virt/kvm): only the document was read');
    return drift;
  }
  for (const f of code.failed) drift.notes.push(`the analysis of ${f.arch} failed: ${f.error}`);
  for (const merged of findingsOf(doc, code)) {
    const { finding: f, archs, sites, count } = merged;
    const all = ranked(sites.values());
    const base = { fingerprint: f.fingerprint, archs: archs.sort(), firstSeen: null };
    switch (f.kind) {
      case 'order-inversion':
      case 'srcu-violation':
      case 'cycle': {
        const item: ContradictedItem = { ...base, kind: f.kind, severity: f.severity, outer: f.outer, inner: f.inner, message: f.message, rule: f.rule, sites: all.slice(0, SHOWN_SITES), count };
        if (f.note) item.note = f.note;
        drift.contradicted.push(item);
        break;
      }
      case 'undocumented-order': {
        const full = fullSites(all, count);
        if (!full || !f.outer || !f.inner) break;
        drift.undocumented.push({ ...base, outer: f.outer, inner: f.inner, sites: full.n, example: full.example } satisfies UndocumentedItem);
        break;
      }
      case 'leaf-violation': {
        if (!f.outer || !f.rule) break;
        // One item per leaf across architectures: the locks inside it, each once, from every build.
        const inside = new Map<LockClass, { sites: FindingSite[]; count: number }>();
        for (const one of merged.all) {
          for (const i of one.inside ?? []) {
            const prev = inside.get(i.lock) ?? { sites: [], count: 0 };
            inside.set(i.lock, { sites: [...prev.sites, ...i.sites.filter((s) => !prev.sites.some((p) => siteKey(p) === siteKey(s)))], count: Math.max(prev.count, i.count) });
          }
        }
        const item: LeafItem = { ...base, lock: f.outer, rule: f.rule, inside: [] };
        for (const [lock, i] of inside) {
          const full = fullSites(i.sites, i.count);
          if (full) item.inside.push({ lock, sites: full.n, example: full.example });
        }
        item.inside.sort((a, b) => a.lock.localeCompare(b.lock));
        if (item.inside.length) drift.leaf.push(item);
        break;
      }
      case 'doc-stale':
        if (f.outer) drift.stale.push({ ...base, lock: f.outer, rule: f.rule } satisfies StaleItem);
        break;
    }
  }
  const byLocks = (a: { outer?: string | null; inner?: string | null; lock?: string }, b: typeof a): number =>
    (a.outer ?? a.lock ?? '').localeCompare(b.outer ?? b.lock ?? '') || (a.inner ?? '').localeCompare(b.inner ?? '');
  drift.contradicted.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) || byLocks(a, b));
  drift.undocumented.sort((a, b) => b.sites - a.sites || byLocks(a, b));
  drift.leaf.sort(byLocks);
  drift.stale.sort(byLocks);
  return drift;
}

/** Whether the drift holds anything of error severity (exit 1). */
export function hasErrors(drift: Drift): boolean {
  return drift.contradicted.some((c) => c.severity === 'error') || drift.document.some((d) => d.severity === 'error');
}
