/**
 * `mbox --format sarif`: the review as SARIF 2.1.0 for GitHub code
 * scanning. One run; one rule per finding kind present; one result per
 * finding on the post-image line, with the call chain as a code flow (a
 * cycle gets one thread flow per CPU, as in lockdep's scenario), the
 * evidence sites and documented statements as related locations, and the
 * fingerprint as a partial fingerprint so that alerts survive rebases.
 *
 * Optional arrays and objects are left out rather than emitted empty: the
 * schema forbids empty `threadFlows` and thread-flow `locations`, and
 * GitHub's upload is stricter than the schema about the rest.
 */
import type * as Sarif from 'sarif';
import type { FindingSite, Severity } from '../../../analyzers/findings/model.js';
import type { ChainStep } from '../../../analyzers/order/model.js';
import type { ReviewFinding, ReviewKind, ReviewResult } from '../../../analyzers/review/model.js';

export interface ReviewSarifOptions {
  /** Required: kvm-review's version, for tool.driver.version. */
  toolVersion: string;
  /** Optional: absolute URI of kvm-review's home page (tool.driver.informationUri). */
  informationUri?: string;
  /**
   * Optional: absolute URI that the repository paths of the rule pages resolve
   * against (`https://github.com/o/kvm-review/blob/v0.1.0/`). Without it the
   * rules have no helpUri, which SARIF wants absolute, and name the page in
   * `help` instead.
   */
  docsBaseUri?: string;
}

/** The schema GitHub's documentation points SARIF producers at. */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Paths are relative to the kernel tree; this base names it (GitHub resolves it to the repository root). */
const SRCROOT = '%SRCROOT%';
const DOC_FILE = 'Documentation/virt/kvm/locking.rst';

interface KindInfo {
  name: string;
  short: string;
  full: string;
  /** The level a finding of this kind has unless configured otherwise (the rule registry's severity). */
  level: Sarif.ReportingConfiguration.level;
  /** An engine rule with a page under analyzers/rules/docs/; the doc-review kinds have none yet. */
  page: boolean;
}

/** Exhaustive over ReviewKind, so a new kind fails to compile until it is described here. */
export const KINDS: Record<ReviewKind, KindInfo> = {
  'order-inversion': {
    name: 'OrderInversion',
    short: 'A lock is taken inside a lock that locking.rst orders after it.',
    full: 'Code takes lock B while holding lock A, where Documentation/virt/kvm/locking.rst puts B before A, in one statement or through a chain of statements. Another CPU following the documented order deadlocks against it.',
    level: 'error',
    page: true,
  },
  'srcu-violation': {
    name: 'SrcuViolation',
    short: 'A lock is taken inside a kvm->srcu reader while synchronize_srcu() runs under it.',
    full: 'A lock is taken inside a kvm->srcu read-side critical section although synchronize_srcu(&kvm->srcu) is called while that lock is held (documented in locking.rst or seen in the code): the reader waits for the lock, the lock holder waits for the reader.',
    level: 'error',
    page: true,
  },
  cycle: {
    name: 'LockCycle',
    short: 'The documented and observed lock orders together form a cycle.',
    full: 'A cycle through the documented order and at least two orders observed in the code: each CPU of the scenario holds one lock of the cycle and waits for the next.',
    level: 'error',
    page: true,
  },
  'undocumented-order': {
    name: 'UndocumentedOrder',
    short: 'Code nests two documented locks that locking.rst does not order.',
    full: 'Code nests two locks that Documentation/virt/kvm/locking.rst names, but the document orders them neither way: an order the code relies on that nobody wrote down.',
    level: 'note',
    page: true,
  },
  'leaf-violation': {
    name: 'LeafViolation',
    short: 'A lock is taken inside a lock that locking.rst says is a leaf.',
    full: 'locking.rst says everything not in its order is a leaf: no other lock is taken inside the critical section. Code takes a lock inside such a leaf.',
    level: 'warning',
    page: true,
  },
  'doc-stale': {
    name: 'DocStale',
    short: 'locking.rst names a lock that no code takes.',
    full: 'A lock named in Documentation/virt/kvm/locking.rst (a statement or the lock table) that no indexed code of the architecture takes, asserts or releases.',
    level: 'warning',
    page: true,
  },
  'doc-contradicted': {
    name: 'DocContradicted',
    short: 'A new locking.rst rule is contradicted by code in the tree.',
    full: 'The patch adds or changes a statement in Documentation/virt/kvm/locking.rst that code sites in the tree contradict. Check the rule against the code before believing either: the fix may belong in the code.',
    level: 'error',
    page: false,
  },
  'doc-unsupported': {
    name: 'DocUnsupported',
    short: 'No code follows a new locking.rst rule.',
    full: 'The patch adds a statement to Documentation/virt/kvm/locking.rst that no indexed code site follows.',
    level: 'warning',
    page: false,
  },
  'doc-conflict': {
    name: 'DocConflict',
    short: 'A locking.rst change makes the documented order contradict itself.',
    full: 'With the patch, the documented order in Documentation/virt/kvm/locking.rst is cyclic or a lock is both allowed and forbidden inside a kvm->srcu reader.',
    level: 'error',
    page: false,
  },
  'doc-removed': {
    name: 'DocRemoved',
    short: 'A removed locking.rst rule is still relied on by code.',
    full: 'The patch removes a statement from Documentation/virt/kvm/locking.rst that code sites in the tree still follow.',
    level: 'warning',
    page: false,
  },
  'doc-unrecognized': {
    name: 'DocUnrecognized',
    short: 'A new locking.rst line reads like an ordering rule but was not understood.',
    full: 'The patch adds or changes a line of Documentation/virt/kvm/locking.rst that names locks and speaks of taking or ordering them, but kvm-review could not read it as a rule (its wording, or a lock name): it is not checked against the code.',
    level: 'warning',
    page: false,
  },
};

const LEVEL: Record<Severity, Sarif.Result.level> = { error: 'error', warning: 'warning', info: 'note' };

/** A message as a sentence: capitalised unless it starts with an identifier (`kvm->lock`), closed with a period. */
function sentence(s: string): string {
  const t = s.trim();
  const capital = /^[a-z]+\b(?![-(>_.])/.test(t) ? t.charAt(0).toUpperCase() + t.slice(1) : t;
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** A repository-relative path as a URI reference: each segment percent-encoded, the slashes kept. */
/** The labels are written for several sites ("take X inside Y"); one site "takes". */
function singular(label: string): string {
  return label.replace(/^(\S+)/, (w) => (/(s|sh|ch|x|o)$/.test(w) ? `${w}es` : `${w}s`));
}

function uriOf(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function physical(file: string, line: number): Sarif.PhysicalLocation {
  const loc: Sarif.PhysicalLocation = { artifactLocation: { uri: uriOf(file), uriBaseId: SRCROOT } };
  // A 0 line means "somewhere in the file" (a precondition); SARIF regions start at 1.
  if (line >= 1) loc.region = { startLine: line };
  return loc;
}

function rulesOf(kinds: ReviewKind[], o: ReviewSarifOptions): Sarif.ReportingDescriptor[] {
  return kinds.map((kind) => {
    const k = KINDS[kind];
    const page = `analyzers/rules/docs/${kind}.md`;
    const rule: Sarif.ReportingDescriptor = {
      id: kind,
      name: k.name,
      shortDescription: { text: k.short },
      fullDescription: { text: k.full },
      defaultConfiguration: { level: k.level },
      properties: { tags: kind.startsWith('doc-') ? ['locking', 'documentation'] : ['locking', 'deadlock'] },
    };
    if (k.page && o.docsBaseUri) rule.helpUri = new URL(page, o.docsBaseUri).href;
    else if (k.page) rule.help = { text: `See ${page} in the kvm-review sources.` };
    return rule;
  });
}

/** One chain as thread-flow locations, nested as the calls are. */
function flowLocations(chain: ChainStep[]): Sarif.ThreadFlowLocation[] {
  return chain.map((step, i) => {
    const next = chain[i + 1];
    return {
      location: {
        physicalLocation: physical(step.file, step.line),
        message: { text: next ? `${step.function}() calls ${next.function}()` : `${step.function}()` },
      },
      nestingLevel: i,
    };
  });
}

function codeFlows(f: ReviewFinding): Sarif.CodeFlow[] {
  if (f.kind === 'cycle' && f.cycle) {
    // lockdep's scenario: CPU i holds link i's outer lock and waits for its inner one.
    const threads: Sarif.ThreadFlow[] = [];
    f.cycle.forEach((link, cpu) => {
      if (link.site?.chain.length) {
        threads.push({ id: `CPU${cpu}`, message: { text: `CPU${cpu} holds ${link.outer} and takes ${link.sync ? 'synchronize_srcu(&kvm->srcu)' : link.inner}` }, locations: flowLocations(link.site.chain) });
      }
    });
    return threads.length ? [{ message: { text: 'The CPUs of the deadlock, one thread each' }, threadFlows: threads }] : [];
  }
  if (f.chain.length < 2) return [];
  const what = f.outer && f.inner ? `${f.inner} is taken while ${f.outer} is held` : 'The call chain';
  return [{ message: { text: what }, threadFlows: [{ locations: flowLocations(f.chain) }] }];
}

function relatedLocations(f: ReviewFinding, docInTree: boolean): Sarif.Location[] {
  const out: Sarif.Location[] = [];
  const seen = new Set<string>();
  const add = (file: string, line: number, text: string): void => {
    const key = `${file}:${line}`;
    if (seen.has(key) || (file === f.file && line === f.line)) return;
    seen.add(key);
    out.push({ id: out.length, physicalLocation: physical(file, line), message: { text } });
  };
  // The statements' lines are locking.rst's in the reviewed tree; the embedded default's are no file's lines.
  if (docInTree) for (const r of f.rulePath.length ? f.rulePath : f.rule ? [f.rule] : []) add(DOC_FILE, r.line, `locking.rst: "${r.text}"`);
  const side = (sites: FindingSite[], label: string): void => {
    for (const s of sites) add(s.file, s.line, `${s.function}() ${singular(label)}`);
  };
  if (f.evidence) {
    side(f.evidence.against.sites, f.evidence.against.label ?? (f.kind.startsWith('doc-') ? 'contradict the statement' : `take ${f.inner ?? '?'} inside ${f.outer ?? '?'}`));
    side(f.evidence.agreeing.sites, f.evidence.agreeing.label ?? (f.kind.startsWith('doc-') ? 'follow the statement' : 'take them the other way round'));
  }
  side(f.sites, 'take the order the finding is about');
  return out;
}

function messageOf(f: ReviewFinding): string {
  const parts = [sentence(f.message)];
  const rule = f.rulePath[0] ?? f.rule;
  // A statement the patch adds is the finding's own line: quoting it again says nothing.
  const own = rule && f.file === DOC_FILE && rule.line === f.line;
  if (rule && !own && f.rulePath.length <= 1) parts.push(`locking.rst:${rule.line} says "${rule.text}".`);
  if (f.note) parts.push(sentence(`Note: ${f.note}`));
  parts.push(sentence(`Suggestion: ${f.suggestion}`));
  return parts.join(' ');
}

function resultOf(f: ReviewFinding, kinds: ReviewKind[], docInTree: boolean): Sarif.Result {
  const properties: Sarif.PropertyBag = { patchIndex: f.patch.index, patchSubject: f.patch.subject, placement: f.placement };
  if (f.outer) properties.outerClass = f.outer;
  if (f.inner) properties.innerClass = f.inner;
  if (f.arch) properties.arch = f.arch;
  if (f.evidence) properties.evidence = { against: f.evidence.against.count, agreeing: f.evidence.agreeing.count };
  const result: Sarif.Result = {
    ruleId: f.kind,
    ruleIndex: kinds.indexOf(f.kind),
    level: LEVEL[f.severity],
    message: { text: messageOf(f) },
    locations: [{ physicalLocation: physical(f.file, f.line) }],
    partialFingerprints: { 'kvmReview/v1': f.fingerprint },
    properties,
  };
  const flows = codeFlows(f);
  if (flows.length) result.codeFlows = flows;
  const related = relatedLocations(f, docInTree);
  if (related.length) result.relatedLocations = related;
  return result;
}

/** Input-level facts a reader of the alerts should know: degraded mode, patches not reviewed, notes. */
function notifications(r: ReviewResult): Sarif.Notification[] {
  const out: Sarif.Notification[] = [];
  if (r.degraded) out.push({ level: 'warning', message: { text: `hunk-only review: ${r.degraded}` } });
  for (const p of r.patches) {
    if (p.status !== 'reviewed') out.push({ level: p.status === 'failed' ? 'error' : 'note', message: { text: `patch ${p.index} ${p.status}: ${p.reason ?? p.subject}` } });
    else if (p.reason) out.push({ level: 'warning', message: { text: `patch ${p.index}: ${p.reason}` } });
  }
  for (const n of r.notes) out.push({ level: 'note', message: { text: n } });
  return out;
}

export function renderReviewSarif(result: ReviewResult, options: ReviewSarifOptions): string {
  const findings = result.patches.flatMap((p) => p.findings);
  const kinds = [...new Set(findings.map((f) => f.kind))].sort();
  const driver: Sarif.ToolComponent = { name: 'kvm-review', version: options.toolVersion, rules: rulesOf(kinds, options) };
  if (options.informationUri) driver.informationUri = options.informationUri;
  const invocation: Sarif.Invocation = { executionSuccessful: true };
  const notes = notifications(result);
  if (notes.length) invocation.toolExecutionNotifications = notes;
  const properties: Sarif.PropertyBag = { seriesSubject: result.series.subject, seriesVersion: result.series.version, seriesTotal: result.series.total, mode: result.mode };
  if (result.series.missing.length) properties.missingPatches = result.series.missing;
  const run: Sarif.Run = {
    tool: { driver },
    invocations: [invocation],
    results: findings.map((f) => resultOf(f, kinds, result.doc.kind === 'tree')),
    properties,
  };
  if (result.tree?.startsWith('/')) {
    // Lets a local viewer open the files; GitHub maps the base to the repository root instead.
    run.originalUriBaseIds = { [SRCROOT]: { uri: `file://${uriOf(result.tree.replace(/\/*$/, '/'))}` } };
  }
  const log: Sarif.Log = { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] };
  return JSON.stringify(log, null, 2) + '\n';
}
