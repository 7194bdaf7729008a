/**
 * A rule under "On x86 and arm64:" is one finding per architecture (each
 * its own fingerprint, so a v2 can tell which went away), but a maintainer
 * reads the same paragraph twice. Renderers print a group of findings that
 * differ in nothing but `arch` (and the fingerprint that includes it) once,
 * naming every architecture; the JSON keeps them apart.
 */
import { listed } from '../../../analyzers/counted.js';

/** What grouping needs of a finding: the engine's, the review's or a "fixed in v2" entry. */
export interface ArchTagged {
  arch?: string | null;
  fingerprint: string;
}

/** Findings identical but for their architecture. */
export interface ArchGroup<F extends ArchTagged> {
  /** The first member, as the findings are listed: what is printed. */
  finding: F;
  /** Every member's architecture, in the order the findings are listed (the JSON's); empty for a generic finding. */
  archs: string[];
  /** Every member, in order: their fingerprints identify what was printed. */
  members: F[];
}

/** JSON with object keys sorted: two findings built by different paths compare by content, not by key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Everything but the architecture and the fingerprint; a generic finding (arch null) never joins an architecture's. */
function contentKey(f: ArchTagged): string {
  const rest: Record<string, unknown> = { ...f };
  delete rest.arch;
  delete rest.fingerprint;
  return `${f.arch ? 'arch' : 'generic'}\u0000${canonical(rest)}`;
}

/** `findings` grouped, each group where its first member is listed; a finding with no twin is a group of one. */
export function archGroups<F extends ArchTagged>(findings: readonly F[]): ArchGroup<F>[] {
  const groups = new Map<string, ArchGroup<F>>();
  for (const f of findings) {
    const key = contentKey(f);
    const g = groups.get(key);
    if (!g) groups.set(key, { finding: f, archs: f.arch ? [f.arch] : [], members: [f] });
    else {
      g.members.push(f);
      if (f.arch && !g.archs.includes(f.arch)) g.archs.push(f.arch);
    }
  }
  return [...groups.values()];
}

/** Every patch's findings as the renderers print and count them: one per group. */
export function printedFindings<F extends ArchTagged>(patches: readonly { findings: readonly F[] }[]): F[] {
  return patches.flatMap((p) => archGroups(p.findings).map((g) => g.finding));
}

/** How many of the printed findings (printedFindings()) a version before `version` already had ("still present"). */
export function stillPresent(printed: readonly { since?: number }[], version: number): number {
  return printed.filter((f) => f.since !== undefined && f.since < version).length;
}

/** The architectures as the text output tags a finding: "x86", "x86, arm64"; '' for none. */
export function archList(archs: readonly string[]): string {
  return archs.join(', ');
}

/** The architectures in a sentence: "x86", "x86 and arm64". */
export function archWords(archs: readonly string[]): string {
  return listed(archs);
}
