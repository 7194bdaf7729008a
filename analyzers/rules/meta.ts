/**
 * What every finding kind is, registered once: id, default severity, title,
 * description, scenario flag, evidence labels and rule page. Renderers, the
 * severity options and the later check-run annotations read this table; the
 * rule implementations are registered beside it in `index.ts`, which this
 * module must not import (renderers load it, and they never load the
 * analysis: test/meta/boundaries.test.ts holds both ends).
 */
import type { Severity } from '../findings/model.js';

/** Every finding kind, engine rules first, then the rules about a patch to locking.rst. */
export const RULE_IDS = [
  'order-inversion',
  'srcu-violation',
  'cycle',
  'undocumented-order',
  'leaf-violation',
  'doc-stale',
  'doc-contradicted',
  'doc-unsupported',
  'doc-conflict',
  'doc-removed',
  'doc-unrecognized',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export interface RuleMeta {
  /** kebab-case; equal to the rule file and the page's name. */
  id: RuleId;
  /** The level a finding of this kind has unless configured otherwise. */
  severity: Severity;
  /** One line, a sentence. */
  title: string;
  /** A paragraph: what the finding means. */
  description: string;
  /** PascalCase, for SARIF's `reportingDescriptor.name`. */
  name: string;
  /** What the finding is about: code, or the text of locking.rst. */
  subject: 'code' | 'documentation';
  /** The finding's `cycle` is a deadlock between CPUs: draw lockdep's "possible unsafe locking scenario". */
  scenario: boolean;
  /** The cycle itself is the finding's chain (one link per lock), rather than the call chain of its first site. */
  cycleIsChain: boolean;
  /**
   * Labels of the two sides of the evidence, written for several sites
   * ("take X inside Y"); `{outer}` and `{inner}` stand for the classes.
   * Used when a side carries no label of its own.
   */
  evidence: { against: string; agreeing: string };
}

const CODE_EVIDENCE = { against: 'take {inner} inside {outer}', agreeing: 'take {outer} inside {inner}' };
const DOC_EVIDENCE = { against: 'contradict the statement', agreeing: 'follow the statement' };

/** Exhaustive over RuleId: a new kind fails to compile until it is described here. */
export const RULE_META: { readonly [K in RuleId]: RuleMeta & { id: K } } = {
  'order-inversion': {
    id: 'order-inversion',
    severity: 'error',
    name: 'OrderInversion',
    subject: 'code',
    title: 'A lock is taken inside a lock that locking.rst orders after it.',
    description:
      'Code takes lock B while holding lock A, where Documentation/virt/kvm/locking.rst puts B before A, in one statement or through a chain of statements. Another CPU following the documented order deadlocks against it.',
    scenario: true,
    cycleIsChain: false,
    evidence: CODE_EVIDENCE,
  },
  'srcu-violation': {
    id: 'srcu-violation',
    severity: 'error',
    name: 'SrcuViolation',
    subject: 'code',
    title: 'A lock is taken inside a kvm->srcu reader while synchronize_srcu() runs under it.',
    description:
      'A lock is taken inside a kvm->srcu read-side critical section although synchronize_srcu(&kvm->srcu) is called while that lock is held (documented in locking.rst or seen in the code): the reader waits for the lock, the lock holder waits for the reader.',
    scenario: true,
    cycleIsChain: false,
    evidence: { against: 'take {inner} inside a kvm->srcu read-side section', agreeing: 'call synchronize_srcu(&kvm->srcu) while holding {inner}' },
  },
  cycle: {
    id: 'cycle',
    severity: 'error',
    name: 'LockCycle',
    subject: 'code',
    title: 'The documented and observed lock orders together form a cycle.',
    description:
      'A cycle through the documented order and at least two orders observed in the code: each CPU of the scenario holds one lock of the cycle and waits for the next.',
    scenario: true,
    cycleIsChain: true,
    evidence: CODE_EVIDENCE,
  },
  'undocumented-order': {
    id: 'undocumented-order',
    severity: 'info',
    name: 'UndocumentedOrder',
    subject: 'code',
    title: 'Code nests two documented locks that locking.rst does not order.',
    description:
      'Code nests two locks that Documentation/virt/kvm/locking.rst names, but the document orders them neither way: an order the code relies on that nobody wrote down.',
    scenario: false,
    cycleIsChain: false,
    evidence: CODE_EVIDENCE,
  },
  'leaf-violation': {
    id: 'leaf-violation',
    severity: 'warning',
    name: 'LeafViolation',
    subject: 'code',
    title: 'A lock is taken inside a lock that locking.rst says is a leaf.',
    description:
      'locking.rst says everything not in its order is a leaf: no other lock is taken inside the critical section. Code takes a lock inside such a leaf.',
    scenario: false,
    cycleIsChain: false,
    evidence: CODE_EVIDENCE,
  },
  'doc-stale': {
    id: 'doc-stale',
    severity: 'warning',
    name: 'DocStale',
    subject: 'documentation',
    title: 'locking.rst names a lock that no code takes.',
    description:
      'A lock named in Documentation/virt/kvm/locking.rst (a statement or the lock table) that no indexed code of the architecture takes, asserts or releases.',
    scenario: false,
    cycleIsChain: false,
    evidence: CODE_EVIDENCE,
  },
  'doc-contradicted': {
    id: 'doc-contradicted',
    severity: 'error',
    name: 'DocContradicted',
    subject: 'documentation',
    title: 'A new locking.rst rule is contradicted by code in the tree.',
    description:
      'The patch adds or changes a statement in Documentation/virt/kvm/locking.rst that code sites in the tree contradict. Check the rule against the code before believing either: the fix may belong in the code.',
    scenario: false,
    cycleIsChain: false,
    evidence: DOC_EVIDENCE,
  },
  'doc-unsupported': {
    id: 'doc-unsupported',
    severity: 'warning',
    name: 'DocUnsupported',
    subject: 'documentation',
    title: 'No code follows a new locking.rst rule.',
    description: 'The patch adds a statement to Documentation/virt/kvm/locking.rst that no indexed code site follows.',
    scenario: false,
    cycleIsChain: false,
    evidence: DOC_EVIDENCE,
  },
  'doc-conflict': {
    id: 'doc-conflict',
    severity: 'error',
    name: 'DocConflict',
    subject: 'documentation',
    title: 'The documented order in locking.rst contradicts itself.',
    description:
      'The documented order in Documentation/virt/kvm/locking.rst is cyclic, a new rule reverses an existing one (directly or through a chain of rules), or a lock is both allowed and forbidden inside a kvm->srcu reader: in a patch, after it is applied; in `check`, in the document as it is.',
    scenario: false,
    cycleIsChain: false,
    evidence: DOC_EVIDENCE,
  },
  'doc-removed': {
    id: 'doc-removed',
    severity: 'warning',
    name: 'DocRemoved',
    subject: 'documentation',
    title: 'A removed locking.rst rule is still relied on by code.',
    description:
      'The patch removes a statement from Documentation/virt/kvm/locking.rst that code sites in the tree still follow. When synchronize_srcu() still runs under the lock the statement named, the finding is an error.',
    scenario: false,
    cycleIsChain: false,
    evidence: DOC_EVIDENCE,
  },
  'doc-unrecognized': {
    id: 'doc-unrecognized',
    severity: 'warning',
    name: 'DocUnrecognized',
    subject: 'documentation',
    title: 'A locking.rst line reads like an ordering rule but was not understood.',
    description:
      'A line of Documentation/virt/kvm/locking.rst (one a patch adds, or in `check` any line of the document) reads like an ordering rule, but kvm-review could not read which locks it orders: the rule was not checked against the code.',
    scenario: false,
    cycleIsChain: false,
    evidence: DOC_EVIDENCE,
  },
};

export function isRuleId(id: string): id is RuleId {
  return (RULE_IDS as readonly string[]).includes(id);
}

/** The registered metadata of a kind; a kind nobody registered is a programming error, said loudly. */
export function ruleMeta(id: string): RuleMeta {
  if (!isRuleId(id)) throw new Error(`finding kind ${JSON.stringify(id)} is not in the rule registry (analyzers/rules/meta.ts)`);
  return RULE_META[id];
}

/** Each rule's page, named after its id: What it finds / Why it deadlocks / When not to use it / Fix. */
export function rulePage(id: RuleId): string {
  return `analyzers/rules/docs/${id}.md`;
}

/** The page as an absolute URL against `base` (a repository's blob URL at a tag), or the repository path without one. */
export function ruleUrl(id: RuleId, base?: string): string {
  return base ? new URL(rulePage(id), base).href : rulePage(id);
}

/** The finding's two evidence labels, from the sides' own labels or the kind's templates. */
export function evidenceLabels(
  f: { kind: string; outer: string | null; inner: string | null; evidence?: { against: { label?: string }; agreeing: { label?: string } } },
): { against: string; agreeing: string } {
  const meta = ruleMeta(f.kind);
  // An order whose outer side is the SRCU read lock is "inside a reader" and its reverse "synchronize under": lockdep's model.
  const templates = meta.subject === 'code' && f.outer === 'kvm->srcu' ? RULE_META['srcu-violation'].evidence : meta.evidence;
  const fill = (t: string): string => t.replaceAll('{outer}', f.outer ?? 'the outer lock').replaceAll('{inner}', f.inner ?? 'the inner lock');
  return {
    against: f.evidence?.against.label ?? fill(templates.against),
    agreeing: f.evidence?.agreeing.label ?? fill(templates.agreeing),
  };
}
