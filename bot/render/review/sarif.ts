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
import type { PatchReview, ReviewFinding, ReviewResult } from '../../../analyzers/review/model.js';
import { evidenceLabels, ruleMeta, rulePage, ruleUrl } from '../../../analyzers/rules/meta.js';
import { singular } from '../findings/finding-text.js';
import { sarifText } from '../safe-text.js';

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

const LEVEL: Record<Severity, Sarif.Result.level> = { error: 'error', warning: 'warning', info: 'note' };

/** A message as a sentence: capitalised unless it starts with an identifier (`kvm->lock`), closed with a period. */
function sentence(s: string): string {
  const t = s.trim();
  const capital = /^[a-z]+\b(?![-(>_.])/.test(t) ? t.charAt(0).toUpperCase() + t.slice(1) : t;
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** A repository-relative path as a URI reference: each segment percent-encoded, the slashes kept. */
function uriOf(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function physical(file: string, line: number): Sarif.PhysicalLocation {
  const loc: Sarif.PhysicalLocation = { artifactLocation: { uri: uriOf(file), uriBaseId: SRCROOT } };
  // A 0 line means "somewhere in the file" (a precondition); SARIF regions start at 1.
  if (line >= 1) loc.region = { startLine: line };
  return loc;
}

/** One reporting descriptor per kind present, from the rule registry. */
function rulesOf(kinds: string[], o: ReviewSarifOptions): Sarif.ReportingDescriptor[] {
  return kinds.map((kind) => {
    const k = ruleMeta(kind);
    const rule: Sarif.ReportingDescriptor = {
      id: k.id,
      name: k.name,
      shortDescription: { text: k.title },
      fullDescription: { text: k.description },
      defaultConfiguration: { level: LEVEL[k.severity] },
      properties: { tags: k.subject === 'documentation' ? ['locking', 'documentation'] : ['locking', 'deadlock'] },
    };
    if (o.docsBaseUri) rule.helpUri = ruleUrl(k.id, o.docsBaseUri);
    else rule.help = { text: `See ${rulePage(k.id)} in the kvm-review sources.` };
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
  if (ruleMeta(f.kind).cycleIsChain && f.cycle) {
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
    const labels = evidenceLabels(f);
    side(f.evidence.against.sites, labels.against);
    side(f.evidence.agreeing.sites, labels.agreeing);
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

function resultOf(f: ReviewFinding, kinds: string[], docInTree: boolean): Sarif.Result {
  const properties: Sarif.PropertyBag = { patchIndex: f.patch.index, patchSubject: f.patch.subject, placement: f.placement };
  if (f.outer) properties.outerClass = f.outer;
  if (f.inner) properties.innerClass = f.inner;
  if (f.arch) properties.arch = f.arch;
  if (f.evidence) properties.evidence = { against: f.evidence.against.count, agreeing: f.evidence.agreeing.count, ...(f.evidence.against.assumed ? { againstAssumed: f.evidence.against.assumed } : {}) };
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

type ApplyFailure = PatchReview['applyFailures'][number];

/**
 * A hunk that did not apply, or that the tree already has (then located where the tree has it; a file
 * already deleted has no place to point at).
 */
function applyNotification(index: number, a: ApplyFailure): Sarif.Notification {
  const hunk = `${a.file}${a.hunk ? ` ${a.hunk}` : ''}`;
  if (!a.alreadyApplied) return { level: 'warning', message: { text: `patch ${index}: did not apply: ${hunk}: ${a.reason}` } };
  const note: Sarif.Notification = { level: 'note', message: { text: `patch ${index}: already applied: ${hunk}: ${a.reason}` } };
  if (a.alreadyApplied.line !== null) note.locations = [{ physicalLocation: physical(a.file, a.alreadyApplied.line) }];
  return note;
}

/** Input-level facts a reader of the alerts should know: degraded mode, patches not reviewed, notes. */
function notifications(r: ReviewResult): Sarif.Notification[] {
  const out: Sarif.Notification[] = [];
  if (r.degraded) out.push({ level: 'warning', message: { text: `hunk-only review: ${r.degraded}` } });
  for (const p of r.patches) {
    // A patch that did not apply was not reviewed at all: as loud as one that failed, louder than a partial one.
    const status = p.status === 'not-applied' ? 'not reviewed' : p.status;
    if (p.status !== 'reviewed') out.push({ level: p.status === 'skipped' ? 'note' : 'error', message: { text: `patch ${p.index} ${status}: ${p.reason ?? p.subject}` } });
    else if (p.reason) out.push({ level: 'warning', message: { text: `patch ${p.index}: ${p.reason}` } });
    for (const a of p.applyFailures) out.push(applyNotification(p.index, a));
    // The reader's doubts about the mail are about the tool's input, not the code: notifications, not results (absent in JSON from before: none).
    for (const w of p.warnings ?? []) out.push({ level: 'warning', message: { text: `patch ${p.index}, as read: ${w}` } });
  }
  for (const n of r.notes) out.push({ level: 'note', message: { text: n } });
  for (const c of r.series.others ?? []) out.push({ level: 'note', message: { text: `series ${c.number}, ${c.label}: ${c.reason}` } });
  return out;
}

/**
 * Every `message.text` holds input (subjects, function names, locking.rst
 * lines): made plain text that viewers cannot turn into a link, a mention
 * or a control sequence (safe-text.ts).
 */
function defuseMessages<T>(value: T): T {
  const walk = (v: unknown, key: string | null): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, null));
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = key === 'message' && k === 'text' && typeof x === 'string' ? sarifText(x) : walk(x, k);
    }
    return out;
  };
  return walk(value, null) as T;
}

export function renderReviewSarif(result: ReviewResult, options: ReviewSarifOptions): string {
  const findings = result.patches.flatMap((p) => p.findings);
  const kinds = [...new Set(findings.map((f) => f.kind))].sort();
  const driver: Sarif.ToolComponent = { name: 'kvm-review', version: options.toolVersion, rules: rulesOf(kinds, options) };
  if (options.informationUri) driver.informationUri = options.informationUri;
  // A run that reviewed no patch is no clean run (mbox exits 2, reviewedAny in bot/cli/mbox-command.ts): a code-scanning upload must not read it as one.
  const reviewed = result.patches.some((p) => p.status === 'reviewed');
  const invocation: Sarif.Invocation = { executionSuccessful: reviewed };
  const notes = notifications(result);
  if (!reviewed) notes.unshift({ level: 'error', message: { text: `no patch could be reviewed (${result.patches.length === 0 ? result.series.choice || 'no patch in the input' : 'every patch was skipped, failed or did not apply; see each reason'})` } });
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
  return JSON.stringify(defuseMessages(log), null, 2) + '\n';
}
