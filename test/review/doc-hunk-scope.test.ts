/**
 * A rule a locking.rst patch adds under "On x86:" when the label is above
 * the hunk's context, reviewed without a tree: the hunk does not show the
 * label, so the rule is placed as a maintainer reading the patch would, by
 * the label the hunk's header names (git takes it from the last line above
 * the hunk that starts with a letter) or by a rule of its context the
 * embedded order states for x86; where nothing places it, its findings say
 * its scope is not known rather than presenting it as every architecture's.
 * The texts patched are the 6.12 tree's locking.rst and corpus revisions,
 * read at test time; the patches are written here.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewFinding } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { corpusRevision, kernelTree } from '../helpers/paths.js';

const DOC = 'Documentation/virt/kvm/locking.rst';
/** Reverses the generic "kvm->lock is taken outside vcpu->mutex" (6.12 and the embedded order): a conflict through a rule every architecture has. */
const RULE = '- vcpu->mutex is taken outside kvm->lock';

const work = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-scope-'));

/** TEXT with LINES inserted after the line that is exactly AFTER; throws when the text no longer has it. */
function insertAfter(text: string, after: string, lines: string[]): string {
  const all = text.split('\n');
  const at = all.indexOf(after);
  if (at < 0) throw new Error(`the text no longer has "${after}"`);
  all.splice(at + 1, 0, ...lines);
  return all.join('\n');
}

/** The findings of the patch turning BEFORE into AFTER (made by git, whose hunk headers carry the funcname line, when GIT). */
async function reviewed(before: string, after: string, name: string, opts: { git?: boolean; tree?: string } = {}): Promise<ReviewFinding[]> {
  const input = join(work, `${name}.mbx`);
  const subject = '[PATCH] Documentation: KVM: one more x86 lock order';
  writeFileSync(input, formatPatchMail({ file: DOC, before, after, subject, messageId: `${name}@example.org`, body: 'A rule written for the test.', git: opts.git ?? false }));
  const r = await review({ input, tree: opts.tree ?? null, cache: { dir: join(work, 'cache') } });
  expect(r.mode).toBe(opts.tree ? 'tree' : 'hunk-only');
  return r.patches[0]?.findings ?? [];
}

const conflicts = (findings: ReviewFinding[]): ReviewFinding[] => findings.filter((f) => f.kind === 'doc-conflict');

const lineOf = (text: string, line: string): number => text.split('\n').indexOf(line) + 1;

describe('a rule added under "On x86:" above the hunk\'s context, without a tree (6.12)', () => {
  // 6.12 ends its x86 list with a three-line item: the hunk starts at its second line, three lines below "On x86:".
  const LAST = '  also take kvm->arch.mmu_lock';

  it('is x86\'s when the hunk header names "On x86:": the finding the review with the tree gives, arch and fingerprint', async () => {
    const tree = kernelTree('6.12');
    const before = readFileSync(join(tree, DOC), 'utf8');
    const after = insertAfter(before, LAST, ['', RULE]);
    const without = conflicts(await reviewed(before, after, 'header', { git: true }));
    const withTree = conflicts(await reviewed(before, after, 'header-tree', { git: true, tree }));
    const line = lineOf(after, RULE);
    expect(without.map((f) => `${f.arch} ${f.severity} ${f.outer} -> ${f.inner} ${f.line}`)).toEqual([`x86 error vcpu->mutex -> kvm->lock ${line}`]);
    expect(without.map((f) => [f.arch, f.fingerprint])).toEqual(withTree.map((f) => [f.arch, f.fingerprint]));
    expect(without[0]?.message).toContain('Read as x86\'s rule: no label or section title above it is in the hunk, but the hunk\'s header names "On x86:"');
  }, 600_000);

  it('is said to be of no known architecture, naming its line and why, when nothing places it: checked against every architecture\'s rules', async () => {
    const before = readFileSync(join(kernelTree('6.12'), DOC), 'utf8');
    const after = insertAfter(before, LAST, ['', RULE]);
    // jsdiff writes no header text, and the context is the end of an item whose first line is above the hunk.
    const found = conflicts(await reviewed(before, after, 'unknown'));
    const line = lineOf(after, RULE);
    expect(found.map((f) => `${f.arch} ${f.severity} ${f.line}`)).toEqual([`null error ${line}`]);
    expect(found[0]?.message).toContain(
      `Which architecture the rule at line ${line} is for is not known without the tree: no label or section title above it is in the hunk, its header names none, and its context has no rule the embedded order states to place it by`,
    );
    expect(found[0]?.message).toMatch(/conflicts through rules every architecture has: this holds whichever architecture it is for$/);
  });
});

describe('a rule added under "On x86:" above the hunk\'s context, without a tree (corpus revision 25)', () => {
  it('is x86\'s when a rule of its context is x86\'s in the embedded order', async () => {
    const before = readFileSync(corpusRevision('25-'), 'utf8');
    const after = insertAfter(before, '  kvm->arch.tdp_mmu_pages_lock must also take kvm->arch.mmu_lock', ['', RULE]);
    const found = conflicts(await reviewed(before, after, 'context'));
    const line = lineOf(after, RULE);
    const context = lineOf(before, '- kvm->arch.mmu_lock is an rwlock; critical sections for');
    expect(found.map((f) => `${f.arch} ${f.severity} ${f.line}`)).toEqual([`x86 error ${line}`]);
    expect(found[0]?.message).toMatch(new RegExp(`Read as x86's rule: no label or section title above it is in the hunk, but the rule of its context at line ${context} \\(".*kvm->arch\\.mmu_lock"\\) is x86's in the embedded order`));
  });

  it('is x86\'s under a section titled "On x86" that the hunk shows, as the document reader reads it', async () => {
    const rev = readFileSync(corpusRevision('25-'), 'utf8');
    // The label as a section title of its own (the reader scopes every rule of such a section to x86).
    const before = rev.replace('\nOn x86:\n', '\nOn x86\n~~~~~~\n');
    expect(before).not.toBe(rev);
    const after = insertAfter(before, '~~~~~~', ['', RULE]);
    const found = conflicts(await reviewed(before, after, 'title'));
    expect(found.map((f) => `${f.arch} ${f.line}`)).toEqual([`x86 ${lineOf(after, RULE)}`]);
    // The title is in the hunk: nothing to say about where the scope came from.
    expect(found[0]?.message).not.toContain('Read as');
  });

  it('a hunk starting at "On x86:" reads its label: the rule is x86\'s and nothing is reported about where it starts', async () => {
    const before = readFileSync(corpusRevision('25-'), 'utf8');
    // Right under the x86 list's first item: the hunk's context is "On x86:", a blank line and that item.
    const after = insertAfter(before, '- vcpu->mutex is taken outside kvm->arch.hyperv.hv_lock and kvm->arch.xen.xen_lock', [RULE]);
    const all = await reviewed(before, after, 'label-first');
    expect(all.map((f) => `${f.kind} ${f.arch} ${f.line}`)).toEqual([`doc-conflict x86 ${lineOf(after, RULE)}`]);
    expect(all[0]?.message).not.toContain('Read as');
  });
});
