/**
 * A rule under "On x86 and arm64:" that reverses a documented order is a
 * doc-conflict on each architecture, each its own finding in the JSON (a v2
 * can tell which went away). The same paragraph twice is noise to a
 * maintainer: text, markdown and e-mail print one block naming both, and
 * the App posts one line comment carrying both fingerprints, which a re-run
 * recognises. Findings whose words differ by architecture (doc-contradicted:
 * x86 has more sites against the rule) stay apart. The patch is made at test
 * time from 6.12's locking.rst and reviewed against the 6.12 tree.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { findingComment, markersIn } from '../../bot/app/comment.js';
import { DEFAULT_CONFIG } from '../../bot/app/config.js';
import { placedFindings } from '../../bot/app/findings.js';
import { planReview, type DiffLines, type ExistingComment, type PlanInput } from '../../bot/app/plan.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const DOC = 'Documentation/virt/kvm/locking.rst';
/** Reverses the generic "kvm->lock is taken outside vcpu->mutex": a doc-conflict on x86 and on arm64, in the same words. */
const RULE = '- vcpu->mutex is taken outside kvm->lock';
const HEAD = 'c0ffee0000000000000000000000000000000001';
const RULES = 'https://example.org/kvm-review/';

const work = mkdtempSync(join(tmpdir(), 'kvm-review-arch-groups-'));

/** 6.12's locking.rst with "On x86 and arm64:" and RULE added before "cpus_read_lock() vs kvm_lock:", as a mail. */
function patchMail(): string {
  const before = readFileSync(join(kernelTree('6.12'), DOC), 'utf8');
  const all = before.split('\n');
  const at = all.indexOf('cpus_read_lock() vs kvm_lock:');
  if (at < 0) throw new Error('6.12 locking.rst no longer has "cpus_read_lock() vs kvm_lock:"');
  const after = [...all.slice(0, at), 'On x86 and arm64:', '', RULE, '', ...all.slice(at)].join('\n');
  const input = join(work, 'both.mbx');
  writeFileSync(input, formatPatchMail({ file: DOC, before, after, subject: '[PATCH] Documentation: KVM: an order for x86 and arm64', messageId: 'both@example.org', body: 'Both.' }));
  return input;
}

const outputs = new Map<string, Promise<string>>();
/** `mbox FILE --tree 6.12 --format FORMAT`'s output, each format run once. */
function reviewed(format: 'text' | 'markdown' | 'email' | 'json'): Promise<string> {
  let out = outputs.get(format);
  if (!out) {
    out = runCli(['mbox', patchMail(), '--tree', kernelTree('6.12'), '--format', format, '--cache-dir', join(work, 'cache')]).then((r) => {
      if (r.code !== 1) throw new Error(`exit ${r.code}: ${r.stderr}`);
      return r.stdout;
    });
    outputs.set(format, out);
  }
  return out;
}

const count = (text: string, re: RegExp): number => [...text.matchAll(new RegExp(re.source, 'g'))].length;

describe('findings that differ only in their architecture (the 6.12 tree)', () => {
  it('JSON keeps one doc-conflict per architecture, each its own fingerprint (the contract)', async () => {
    const r = JSON.parse(await reviewed('json')) as ReviewResult;
    const c = (r.patches[0]?.findings ?? []).filter((f) => f.kind === 'doc-conflict');
    expect(c.map((f) => f.arch)).toEqual(['x86', 'arm64']);
    expect(new Set(c.map((f) => f.fingerprint)).size).toBe(2);
  }, 600_000);

  it('text prints the doc-conflict once, tagged [x86, arm64], and counts it once; doc-contradicted, worded per architecture, stays two', async () => {
    const text = await reviewed('text');
    expect(count(text, /error: doc-conflict \[/)).toBe(1);
    expect(text).toContain('error: doc-conflict [x86, arm64]: the new rule "vcpu->mutex is taken outside kvm->lock"');
    expect(count(text, /error: doc-contradicted \[(?:x86|arm64)\]/)).toBe(2);
    expect(text).toMatch(/\n3 errors, 0 warnings, 0 info in 1 patch\n$/);
  }, 600_000);

  it('markdown has one doc-conflict heading naming both', async () => {
    const md = await reviewed('markdown');
    expect(count(md, /`doc-conflict`/)).toBe(1);
    expect(md).toContain('`doc-conflict` (x86, arm64)');
    expect(count(md, /`doc-contradicted` \((?:x86|arm64)\)/)).toBe(2);
  }, 600_000);

  it('the e-mail reply has one doc-conflict comment, for x86 and arm64', async () => {
    const mail = await reviewed('email');
    expect(count(mail, /\[error: doc-conflict/)).toBe(1);
    expect(mail).toContain('[error: doc-conflict, x86 and arm64 only]');
    expect(count(mail, /the two cannot both hold/)).toBe(1);
  }, 600_000);
});

describe('the App on the same review', () => {
  /** The pull request's diff as the patch shows it: every added and context line of its post-image. */
  function diffOfPatch(r: ReviewResult): DiffLines {
    const out: DiffLines = new Map();
    for (const f of r.patches.flatMap((p) => p.files)) {
      const lines = new Map<number, string>();
      for (const h of f.hunks) for (const l of h.lines) if (l.type !== 'del' && l.newLine !== undefined) lines.set(l.newLine, l.content);
      out.set(f.newPath ?? f.path, lines);
    }
    return out;
  }
  async function planInput(): Promise<PlanInput> {
    const r = JSON.parse(await reviewed('json')) as ReviewResult;
    return { findings: placedFindings(r, DEFAULT_CONFIG), diff: diffOfPatch(r), existing: [], headSha: HEAD, config: DEFAULT_CONFIG, rulesUrl: RULES };
  }
  const conflictComments = (bodies: string[]): string[] => bodies.filter((b) => b.includes('`doc-conflict`'));
  const mine = (id: number, body: string): ExistingComment => ({ id, kind: 'line', body, mine: true, replies: 0 });

  it('posts one line comment for the doc-conflict, naming both architectures and carrying both fingerprints', async () => {
    const input = await planInput();
    const fps = input.findings.filter((p) => p.finding.kind === 'doc-conflict').map((p) => p.finding.fingerprint);
    const plan = planReview(input);
    const bodies = conflictComments((plan.review?.comments ?? []).map((c) => c.body));
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toContain('(x86, arm64)');
    expect(markersIn(bodies[0]).sort()).toEqual([...fps].sort());
    // The check run too: one row and one annotation for it, counted once.
    expect(plan.check.annotations.filter((a) => a.title.startsWith('doc-conflict'))).toHaveLength(1);
    expect(plan.check.title).toMatch(/^3 lock-order findings/);
  }, 600_000);

  it('a re-run posts nothing twice; with one architecture fixed, the comment names only the other and stays open for it', async () => {
    const input = await planInput();
    const first = planReview(input);
    const existing = (first.review?.comments ?? []).map((c, i) => mine(100 + i, c.body));
    const again = planReview({ ...input, existing });
    expect(again.review).toBeNull();
    expect(again.actions.every((a) => a.code === 'skip')).toBe(true);
    // arm64's doc-conflict gone, x86's still there: the comment is not marked fixed, nothing is posted again,
    // and it is edited to name x86 only and say the head fixed arm64 (arch-partly-fixed.test.ts has it through the server).
    const x86Only = input.findings.filter((p) => !(p.finding.kind === 'doc-conflict' && p.finding.arch === 'arm64'));
    const later = planReview({ ...input, findings: x86Only, existing });
    expect(later.actions.filter((a) => a.code === 'fixed' || a.code === 'create')).toEqual([]);
    const narrowed = later.actions.filter((a) => a.code === 'partly-fixed');
    expect(narrowed).toHaveLength(1);
    const edit = narrowed[0] && 'body' in narrowed[0] ? narrowed[0].body : '';
    expect(edit).toContain(`**Fixed on arm64 in ${HEAD.slice(0, 12)}**`);
    expect(edit).toContain('`doc-conflict` (x86)');
    // Both gone: that one comment is marked fixed, once.
    const neither = input.findings.filter((p) => p.finding.kind !== 'doc-conflict');
    const fixed = planReview({ ...input, findings: neither, existing }).actions.filter((a) => a.code === 'fixed');
    expect(fixed).toHaveLength(1);
    expect(conflictComments(existing.filter((c) => fixed.some((a) => a.code === 'fixed' && a.commentId === c.id)).map((c) => c.body))).toHaveLength(1);
  }, 600_000);

  it('a comment posted per architecture before (one fingerprint each) is recognised: nothing is posted again', async () => {
    const input = await planInput();
    const existing = input.findings.map((p, i) => mine(200 + i, findingComment(p.finding, { rulesUrl: RULES })));
    const plan = planReview({ ...input, existing });
    expect(plan.review).toBeNull();
  }, 600_000);
});
