/**
 * The SARIF renderer, validated against the SARIF 2.1.0 JSON schema that
 * Microsoft's @microsoft/jest-sarif package ships
 * (lib/schemas/sarif-2.1.0-rtm.5.json, the schemastore copy GitHub points
 * producers at): the real SRCU-doc review, the hunk-only review, and the
 * demo series against its golden file.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Log, Result } from 'sarif';
import type { ReviewFinding, ReviewResult } from '../../analyzers/review/model.js';
import { RULES } from '../../analyzers/rules/index.js';
import { renderReviewSarif } from '../../bot/render/review/sarif.js';
import { RULE_IDS, RULE_META } from '../../analyzers/rules/meta.js';
import { ROOT } from '../helpers/paths.js';
import { fixtureResult, golden, srcuDocHunkOnly, srcuDocLines, srcuDocReview } from './helpers.js';

const SCHEMA = join(ROOT, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');

/**
 * The schema is draft-04, hence ajv-draft-04. unicodeRegExp is off because
 * rtm.5's `language` pattern has a stray `]` (`...-[a-zA-Z]{2}]?$`), which
 * is an error under the `u` flag and a literal `]` without it (the OASIS
 * final schema fixed it). The packages are CommonJS; `.default` is the
 * export under both TypeScript's and Node's reading.
 */
function sarifValidator(): (data: unknown) => string[] {
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

const validate = sarifValidator();
const OPTIONS = { toolVersion: '0.1.0', informationUri: 'https://example.org/kvm-review', docsBaseUri: 'https://example.org/kvm-review/blob/v0.1.0/' };

function parse(text: string): Log {
  return JSON.parse(text) as Log;
}

/** Paths to every empty array or object: SARIF consumers (GitHub's upload first) want optional members left out. */
function empties(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => empties(v, `${path}[${i}]`)) : [path];
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? entries.flatMap(([k, v]) => empties(v, `${path}.${k}`)) : [path];
  }
  return [];
}

function results(log: Log): Result[] {
  return log.runs[0]?.results ?? [];
}

describe('the schema check', () => {
  it('rejects what GitHub would: an empty thread flow, a relative helpUri, a level SARIF does not know', () => {
    const log = parse(renderReviewSarif(fixtureResult('demo-series'), OPTIONS));
    const run = log.runs[0];
    const result = run?.results?.find((r) => r.codeFlows);
    if (!run || !result?.codeFlows?.[0]) throw new Error('the demo series has a code flow');
    result.codeFlows[0].threadFlows = [];
    const rule = run.tool.driver.rules?.[0];
    if (rule) rule.helpUri = 'analyzers/rules/docs/cycle.md';
    (result as { level: string }).level = 'info';
    const errors = validate(log).join('\n');
    expect(errors).toMatch(/threadFlows must NOT have fewer than 1 items/);
    expect(errors).toMatch(/helpUri must match format "uri"/);
    expect(errors).toMatch(/level must be equal to one of the allowed values/);
  });
});

describe('the SRCU-doc review (6.1) as SARIF', () => {
  it('is valid SARIF 2.1.0 with one rule per kind and a result on locking.rst:34 for each finding', async () => {
    const log = parse(renderReviewSarif(await srcuDocReview(), OPTIONS));
    expect(validate(log)).toEqual([]);
    expect(empties(log)).toEqual([]);
    expect(log.version).toBe('2.1.0');
    const driver = log.runs[0]?.tool.driver;
    expect(driver).toMatchObject({ name: 'kvm-review', version: '0.1.0', informationUri: 'https://example.org/kvm-review' });
    expect(driver?.rules?.map((r) => r.id)).toEqual(['doc-conflict', 'doc-contradicted']);
    const rs = results(log);
    expect(rs.map((r) => [r.ruleId, r.level, driver?.rules?.[r.ruleIndex ?? -1]?.id])).toEqual([
      ['doc-contradicted', 'error', 'doc-contradicted'],
      ['doc-conflict', 'error', 'doc-conflict'],
    ]);
    for (const r of rs) {
      expect(r.locations?.[0]?.physicalLocation).toEqual({ artifactLocation: { uri: 'Documentation/virt/kvm/locking.rst', uriBaseId: '%SRCROOT%' }, region: { startLine: 34 } });
      expect(r.partialFingerprints?.['kvmReview/v1']).toMatch(/^[0-9a-f]{16}$/);
      expect(r.properties).toMatchObject({ patchIndex: 1, patchSubject: '[PATCH] Documentation: kvm: clarify SRCU locking order' });
    }
    const [contradicted, conflict] = rs as [Result, Result];
    // Evidence counts only full-confidence sites: the eighth synchronize_srcu() site is through kvm_put_kvm() (issue 10).
    expect(contradicted.properties).toMatchObject({ outerClass: 'kvm->srcu', innerClass: 'kvm->lock', evidence: { against: 7, agreeing: 4 } });
    const related = (contradicted.relatedLocations ?? []).map((l) => `${l.physicalLocation?.artifactLocation?.uri}:${l.physicalLocation?.region?.startLine} ${l.message?.text}`);
    const at61 = srcuDocLines();
    expect(related).toContain(`arch/x86/kvm/x86.c:${at61.vcpuRun} vcpu_run() takes kvm->lock inside a kvm->srcu read-side section`);
    expect(related).toContain(`arch/x86/kvm/x86.c:${at61.msrFilter} kvm_vm_ioctl_set_msr_filter() calls synchronize_srcu(&kvm->srcu) while holding kvm->lock`);
    // The cycle's statements are related locations in locking.rst (its own line excluded).
    expect(conflict.relatedLocations?.map((l) => l.physicalLocation?.region?.startLine)).toEqual([14, 27]);
    expect(conflict.properties?.outerClass).toBeUndefined();
  });

  it('names the tree as %SRCROOT% for local viewers', async () => {
    const result = await srcuDocReview();
    const run = parse(renderReviewSarif(result, OPTIONS)).runs[0];
    expect(run?.originalUriBaseIds?.['%SRCROOT%']?.uri).toBe(`file://${result.tree ?? ''}/`);
  });

  it('hunk-only: the doc-conflict with the embedded order, no locations in a tree, and the degraded mode as a tool notification', async () => {
    const log = parse(renderReviewSarif(await srcuDocHunkOnly(), { toolVersion: '0.1.0' }));
    expect(validate(log)).toEqual([]);
    // Without a tree the new rule is still checked against the embedded order, which runs synchronize_srcu() under kvm->lock.
    expect(results(log).map((r) => [r.ruleId, r.level, r.locations?.[0]?.physicalLocation?.region?.startLine])).toEqual([['doc-conflict', 'error', 34]]);
    expect(results(log)[0]?.relatedLocations).toBeUndefined();
    expect(log.runs[0]?.originalUriBaseIds).toBeUndefined();
    const notes = log.runs[0]?.invocations?.[0]?.toolExecutionNotifications ?? [];
    expect(notes[0]).toMatchObject({ level: 'warning', message: { text: expect.stringMatching(/^hunk-only review: no kernel tree/) } });
  });
});

describe('demo series (golden: demo-series.sarif)', () => {
  const result = fixtureResult('demo-series');

  it('renders the golden, valid SARIF', () => {
    const text = renderReviewSarif(result, OPTIONS);
    expect(text).toBe(golden('demo-series.sarif', text));
    expect(validate(parse(text))).toEqual([]);
    expect(empties(parse(text))).toEqual([]);
  });

  it('links engine rules to their pages, and names the page when no base URI is given', () => {
    const rules = (o: Parameters<typeof renderReviewSarif>[1]) => parse(renderReviewSarif(result, o)).runs[0]?.tool.driver.rules ?? [];
    const linked = rules(OPTIONS);
    expect(linked.find((r) => r.id === 'order-inversion')?.helpUri).toBe('https://example.org/kvm-review/blob/v0.1.0/analyzers/rules/docs/order-inversion.md');
    // The doc-review kinds have pages too: every registered kind does.
    expect(linked.find((r) => r.id === 'doc-unsupported')?.helpUri).toBe('https://example.org/kvm-review/blob/v0.1.0/analyzers/rules/docs/doc-unsupported.md');
    expect(linked.find((r) => r.id === 'undocumented-order')?.defaultConfiguration?.level).toBe('note');
    const plain = rules({ toolVersion: '0.1.0' });
    expect(plain.some((r) => r.helpUri)).toBe(false);
    expect(plain.find((r) => r.id === 'srcu-violation')?.help?.text).toBe('See analyzers/rules/docs/srcu-violation.md in the kvm-review sources.');
    expect(validate(parse(renderReviewSarif(result, { toolVersion: '0.1.0' })))).toEqual([]);
  });

  it('draws the call chain as a code flow, one location per step with its function', () => {
    const inversion = results(parse(renderReviewSarif(result, OPTIONS))).find((r) => r.ruleId === 'order-inversion');
    const steps = inversion?.codeFlows?.[0]?.threadFlows[0]?.locations ?? [];
    expect(steps.map((s) => [s.location?.physicalLocation?.artifactLocation?.uri, s.location?.physicalLocation?.region?.startLine, s.location?.message?.text, s.nestingLevel])).toEqual([
      ['virt/kvm/kvm_main.c', 4103, 'kvm_vcpu_ioctl() calls kvm_arch_vcpu_ioctl()', 0],
      ['arch/x86/kvm/x86.c', 6596, 'kvm_arch_vcpu_ioctl() calls kvm_demo_sync()', 1],
      ['arch/x86/kvm/x86.c', 6621, 'kvm_demo_sync()', 2],
    ]);
    expect(inversion?.level).toBe('error');
    expect(inversion?.properties).toMatchObject({ arch: 'x86', placement: 'added' });
  });

  it('gives a cycle one thread flow per CPU, as lockdep lays the deadlock out', () => {
    const base = result.patches[0]?.findings[1] as ReviewFinding;
    const other = { file: 'arch/x86/kvm/x86.c', line: 6801, function: 'kvm_arch_vm_ioctl', chain: [{ function: 'kvm_arch_vm_ioctl', file: 'arch/x86/kvm/x86.c', line: 6801 }] };
    const cycle: ReviewFinding = {
      ...base,
      kind: 'cycle',
      fingerprint: '0123456789abcdef',
      cycle: [
        { outer: 'vcpu->mutex', inner: 'kvm->lock', source: 'observed', site: base.sites[0] as ReviewFinding['sites'][number] },
        { outer: 'kvm->lock', inner: 'vcpu->mutex', source: 'observed', site: other },
      ],
    };
    const one: ReviewResult = { ...result, patches: [{ ...(result.patches[0] as ReviewResult['patches'][number]), findings: [cycle] }] };
    const log = parse(renderReviewSarif(one, OPTIONS));
    expect(validate(log)).toEqual([]);
    const threads = results(log)[0]?.codeFlows?.[0]?.threadFlows ?? [];
    expect(threads.map((t) => [t.id, t.message?.text, t.locations.length])).toEqual([
      ['CPU0', 'CPU0 holds vcpu->mutex and takes kvm->lock', 3],
      ['CPU1', 'CPU1 holds kvm->lock and takes vcpu->mutex', 1],
    ]);
  });

  it('describes every kind from the rule registry, at its default level', () => {
    for (const kind of RULE_IDS) {
      const finding = { ...(result.patches[0]?.findings[0] as ReviewFinding), kind };
      const one: ReviewResult = { ...result, patches: [{ ...(result.patches[0] as ReviewResult['patches'][number]), findings: [finding] }] };
      const [rule] = parse(renderReviewSarif(one, OPTIONS)).runs[0]?.tool.driver.rules ?? [];
      const meta = RULE_META[kind];
      expect([kind, rule?.defaultConfiguration?.level, rule?.shortDescription?.text]).toEqual([kind, meta.severity === 'info' ? 'note' : meta.severity, meta.title]);
    }
    // The engine's rules take their defaults from the same table.
    for (const [kind, rule] of Object.entries(RULES)) expect([kind, rule.severity]).toEqual([kind, RULE_META[kind as keyof typeof RULES].severity]);
  });
});
