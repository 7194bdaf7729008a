/**
 * Paolo's Jan 2025 RFC "KVM: x86: Strengthen locking rules for kvm_lock"
 * (corpus lore/kvm/kvm_lock-leaf-rule-2025.mbx): patch 2/2 writes, in
 * locking.rst, "no other mutex should be taken inside kvm_lock" (and
 * "Do not take any mutex inside" in kvm_lock's :Comment:), then explains
 * it with an example: "For example, if you take kvm->slots_lock inside
 * kvm_lock, the following can happen on x86:" and five steps.
 *
 * Read as a maintainer reads it: the rule is a rule (kvm_lock is a leaf
 * for mutexes) and is checked against the code, where set_nx_huge_pages()
 * takes kvm->slots_lock inside kvm_lock (the hunk of 1/2 that fixes it does
 * not apply to Debian's 6.12); the example is one example, not five
 * sentences "not understood".
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditTree } from '../../analyzers/audit.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { corpusRevision, kernelTree, SHARED } from '../helpers/paths.js';

const MBOX = join(SHARED, 'corpus', 'lore', 'kvm', 'kvm_lock-leaf-rule-2025.mbx');
const DOC = 'Documentation/virt/kvm/locking.rst';

/** Patch 2/2's diff, as the mail carries it. */
function docDiff(): string {
  const mbox = readFileSync(MBOX, 'utf8');
  const at = mbox.search(/^Subject: \[PATCH 2\/2\]/m);
  const mail = mbox.slice(at);
  const diff = mail.slice(mail.indexOf('\ndiff --git') + 1);
  const end = diff.search(/^-- $/m);
  return end < 0 ? diff : diff.slice(0, end);
}

/** The v6.13 revision of locking.rst (corpus) with patch 2/2 applied by git, and the document read from it. */
function patchedDoc(dir: string): { path: string; order: DocumentedOrder; text: string } {
  mkdirSync(join(dir, 'Documentation', 'virt', 'kvm'), { recursive: true });
  const path = join(dir, DOC);
  writeFileSync(path, readFileSync(corpusRevision('21-')));
  writeFileSync(join(dir, 'p2.diff'), docDiff());
  execFileSync('git', ['apply', 'p2.diff'], { cwd: dir });
  const bytes = readFileSync(path);
  return { path, order: readLockingDoc(bytes, path), text: bytes.toString('utf8') };
}

const lineOf = (text: string, needle: string): number => {
  const n = text.split('\n').findIndex((l) => l.includes(needle));
  if (n < 0) throw new Error(`locking.rst no longer has "${needle}"`);
  return n + 1;
};

describe('the reader on the patched locking.rst', () => {
  let doc: { path: string; order: DocumentedOrder; text: string };
  beforeAll(() => {
    doc = patchedDoc(mkdtempSync(join(tmpdir(), 'kvm-review-leaf-doc-')));
  });

  it('reads "no other mutex should be taken inside kvm_lock" and the :Comment: as kvm_lock being a leaf for mutexes', () => {
    expect(doc.order.leaves.map((l) => ({ lock: l.lock, kinds: l.kinds, arch: l.arch, line: l.line }))).toEqual([
      { lock: 'kvm_lock', kinds: ['mutex'], arch: null, line: lineOf(doc.text, 'In particular no other mutex') },
      { lock: 'kvm_lock', kinds: ['mutex'], arch: null, line: lineOf(doc.text, 'Do not take any mutex inside') },
    ]);
    expect(doc.order.unrecognized.map((u) => u.text)).not.toContainEqual(expect.stringMatching(/no other mutex/));
  });

  it('reports the example once, spanning its five steps, instead of each step as a rule not understood', () => {
    const intro = lineOf(doc.text, 'For example, if you take');
    const last = lineOf(doc.text, 'never completes');
    expect(doc.order.unrecognized).toEqual([
      expect.objectContaining({ line: intro, example: { endLine: last, steps: 5 }, reason: `an example scenario (lines ${intro}-${last}, 5 steps), read as an explanation, not as rules` }),
    ]);
    // None of the steps became a rule: "you wait for kvm->slots_lock with kvm_lock taken" is what the rule forbids.
    expect(doc.order.edges.filter((e) => e.line >= intro && e.line <= last)).toEqual([]);
  });

  it('"For example:" on a line of its own opens the example too (it labels nothing)', () => {
    const text = doc.text.replace(/ {2}For example, if you take ``kvm->slots_lock``\ninside ``kvm_lock``, the following can happen on x86:\n/, '\n\nFor example:\n');
    expect(text).not.toEqual(doc.text);
    const order = readLockingDoc(Buffer.from(text), doc.path);
    expect(order.unrecognized).toEqual([expect.objectContaining({ text: 'For example:', example: { endLine: lineOf(text, 'never completes'), steps: 5 } })]);
    expect(order.edges.filter((e) => e.line > lineOf(text, 'For example:'))).toEqual(order.edges.filter((e) => e.line > lineOf(text, 'never completes')));
  });

  it('a one-sentence "For example, ...:" with no list after it is read as any sentence is', () => {
    const text = doc.text.replace(/\n- ``kvm->srcu`` is synchronized[\s\S]*?never completes\.\n/, '\n');
    const order = readLockingDoc(Buffer.from(text), doc.path);
    expect(order.unrecognized.map((u) => ({ text: u.text, example: u.example }))).toEqual([
      { text: 'For example, if you take kvm->slots_lock inside kvm_lock, the following can happen on x86:', example: undefined },
    ]);
  });
});

describe('the RFC reviewed against 6.12', () => {
  let withTree: ReviewResult;
  let noTree: ReviewResult;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-leaf-rfc-'));
    withTree = await review({ input: MBOX, tree: kernelTree('6.12'), cache: { dir: join(dir, 'cache') } });
    noTree = await review({ input: MBOX, tree: null, cache: { dir: join(dir, 'cache') } });
  });

  it('2/2: the new leaf rule is contradicted by set_nx_huge_pages(), which takes kvm->slots_lock inside kvm_lock', () => {
    const findings = withTree.patches[1]?.findings ?? [];
    expect(findings.map((f) => `${f.severity} ${f.kind}`).sort()).toEqual(['error doc-contradicted', 'info doc-unrecognized']);
    const f = findings.find((x) => x.kind === 'doc-contradicted');
    expect(f).toMatchObject({ outer: 'kvm_lock', inner: null, file: DOC, placement: 'added' });
    expect(f?.message).toMatch(/says no mutex is taken inside kvm_lock; 1 code site does \(set_nx_huge_pages\(\) takes kvm->slots_lock\)/);
    expect(f?.sites.map((s) => `${s.function} ${s.file}`)).toEqual(['set_nx_huge_pages arch/x86/kvm/mmu/mmu.c']);
    // kvm->mmu_lock is also taken inside kvm_lock (mmu_shrink_scan()), but it is no mutex.
    expect(f?.message).not.toMatch(/mmu_shrink_scan|kvm->mmu_lock/);
    // 1/2 changes set_nx_huge_pages(): the author is not asked for a change his series makes.
    expect(f?.suggestion).toBe('patch 1/2 changes set_nx_huge_pages(), but that hunk did not apply to this tree: the finding holds against set_nx_huge_pages() as the tree has it; check the rule again once that change applies, or drop the rule');
  });

  it("2/2's finding says that 1/2 changes set_nx_huge_pages() in a hunk that did not apply to this tree", () => {
    const failed = withTree.patches[0]?.applyFailures ?? [];
    expect(failed.map((x) => `${x.file} ${x.hunk ?? ''}`)).toEqual([expect.stringMatching(/^arch\/x86\/kvm\/mmu\/mmu\.c @@ .* @@ static int set_nx_huge_pages\(/)]);
    const f = withTree.patches[1]?.findings.find((x) => x.kind === 'doc-contradicted');
    expect(f?.note).toMatch(/^patch 1\/2 changes set_nx_huge_pages\(\) \(arch\/x86\/kvm\/mmu\/mmu\.c\), but that hunk did not apply to this tree \(the context does not match the tree\): the finding is about the code as the tree has it, which the series may fix$/);
    // The example is about no code.
    expect(withTree.patches[1]?.findings.find((x) => x.kind === 'doc-unrecognized')?.note).toBeUndefined();
  });

  it('without a tree, the example is one info and the rule is read (no warnings)', () => {
    const findings = noTree.patches[1]?.findings ?? [];
    expect(findings.map((f) => `${f.severity} ${f.kind} ${f.line}`)).toEqual([`info doc-unrecognized ${withTree.patches[1]?.findings.find((x) => x.kind === 'doc-unrecognized')?.line}`]);
  });
});

describe('leaf-violation for a lock that is a leaf for mutexes only', () => {
  it('6.12 with kvm_lock ordered outside kvm->mmu_lock and made a leaf for mutexes: the mutex taken inside it is reported, the spinlock is not', async () => {
    const tree = kernelTree('6.12');
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-leaf-kinds-'));
    const text = readFileSync(join(tree, DOC), 'utf8');
    const anchor = '- cpus_read_lock() is taken outside kvm_lock';
    if (!text.includes(anchor)) throw new Error(`6.12 locking.rst no longer has "${anchor}"`);
    // kvm_lock now orders a lock, so the "Everything else is a leaf" claim no longer makes it a leaf.
    const edited = text.replace(anchor, `${anchor}\n\n- kvm_lock is taken outside kvm->mmu_lock\n\n- No other mutex should be taken inside kvm_lock`);
    const path = join(dir, 'locking.rst');
    writeFileSync(path, edited);
    const doc = readLockingDoc(Buffer.from(edited), path);
    expect(doc.leaves).toEqual([expect.objectContaining({ lock: 'kvm_lock', kinds: ['mutex'] })]);
    const audit = await auditTree(tree, { arch: 'x86', doc, cache: { dir: join(dir, 'cache') } });
    const leaf = audit.findings.filter((f) => f.kind === 'leaf-violation' && f.outer === 'kvm_lock');
    expect(leaf).toHaveLength(1);
    expect(leaf[0]?.message).toMatch(/^locking\.rst says no mutex is taken inside kvm_lock, but the code takes a mutex inside it: kvm->slots_lock \(1 site, e\.g\. set_nx_huge_pages\(\)/);
    expect(leaf[0]?.rule?.line).toBe(lineOf(edited, 'No other mutex should be taken inside kvm_lock'));
    expect(leaf[0]?.suggestion).toMatch(/^release kvm_lock before taking it \(locking\.rst forbids it at line \d+\)/);
    // The unchanged document makes kvm_lock a leaf for every lock: kvm->mmu_lock is among them there.
    const before = await auditTree(tree, { arch: 'x86', doc: readLockingDoc(Buffer.from(text), path), cache: { dir: join(dir, 'cache') } });
    expect(before.findings.find((f) => f.kind === 'leaf-violation' && f.outer === 'kvm_lock')?.message).toMatch(/kvm->mmu_lock/);
  });
});

describe('a leaf rule on a function an earlier patch of the series changes', () => {
  const tree = kernelTree('6.12');
  const MMU = 'arch/x86/kvm/mmu/mmu.c';
  const anchor = '- cpus_read_lock() is taken outside kvm_lock';
  const comment = '\t/* In "auto" mode deploy workaround only if CPU has the bug. */';

  /** 1/2 edits set_nx_huge_pages() (or, with `elsewhere`, another function) without fixing it; 2/2 makes kvm_lock a leaf for mutexes. */
  async function series(elsewhere: boolean): Promise<ReviewResult> {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-leaf-series-'));
    const mmu = readFileSync(join(tree, MMU), 'utf8');
    const doc = readFileSync(join(tree, DOC), 'utf8');
    if (!mmu.includes(comment) || !doc.includes(anchor)) throw new Error('6.12 no longer has the lines this test edits');
    const edited = elsewhere ? mmu.replace(/^static bool is_obsolete_sp\(struct kvm \*kvm, struct kvm_mmu_page \*sp\)\n\{\n/m, (m) => `${m}\t/* Obsolete pages are zapped lazily. */\n`) : mmu.replace(comment, '\t/* "auto" deploys the workaround only if the CPU has the bug. */');
    if (edited === mmu) throw new Error(`6.12 ${MMU} no longer has is_obsolete_sp()`);
    const mails = [
      formatPatchMail({ file: MMU, before: mmu, after: edited, subject: '[PATCH 1/2] KVM: x86: reword a comment', messageId: 'leaf-1@example.org', body: 'Reword.' }),
      formatPatchMail({ file: DOC, before: doc, after: doc.replace(anchor, `${anchor}\n\n- No other mutex should be taken inside kvm_lock`), subject: '[PATCH 2/2] Documentation: kvm_lock is a leaf for mutexes', messageId: 'leaf-2@example.org', body: 'Leaf.' }),
    ];
    const input = join(dir, 'series.mbx');
    writeFileSync(input, mails.join('\n'));
    return review({ input, tree, cache: { dir: join(dir, 'cache') } });
  }

  it('1/2 applies and set_nx_huge_pages() still takes kvm->slots_lock inside kvm_lock: the suggestion says so', async () => {
    const r = await series(false);
    expect(r.patches.map((p) => p.applyFailures)).toEqual([[], []]);
    const f = r.patches[1]?.findings.find((x) => x.kind === 'doc-contradicted');
    expect(f?.suggestion).toBe('patch 1/2 changes set_nx_huge_pages(), and with that change it still takes kvm->slots_lock inside kvm_lock: make it release kvm_lock first, or drop the rule');
    expect(f?.note).toBeUndefined();
  }, 600_000);

  it('1/2 changes another function: the author is asked to change set_nx_huge_pages()', async () => {
    const r = await series(true);
    const f = r.patches[1]?.findings.find((x) => x.kind === 'doc-contradicted');
    expect(f?.suggestion).toBe('change set_nx_huge_pages() to release kvm_lock before taking kvm->slots_lock, in this series before this patch, or drop the rule');
  }, 600_000);
});

describe('a new leaf rule the document itself contradicts, against 6.12', () => {
  it('"No other lock should be taken inside kvm_usage_lock" with "kvm_usage_lock is taken outside cpus_read_lock()" still there is a doc-conflict quoting it', async () => {
    const tree = kernelTree('6.12');
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-leaf-conflict-'));
    const before = readFileSync(join(tree, DOC), 'utf8');
    const documented = '- kvm_usage_lock is taken outside cpus_read_lock()';
    const rule = '- No other lock should be taken inside kvm_usage_lock';
    if (!before.includes(documented)) throw new Error(`6.12 locking.rst no longer has "${documented}"`);
    const after = before.replace(documented, `${documented}\n\n${rule}`);
    const input = join(dir, 'leaf.mbx');
    writeFileSync(input, formatPatchMail({ file: DOC, before, after, subject: '[PATCH] Documentation: KVM: kvm_usage_lock is a leaf', messageId: 'leaf-conflict@example.org', body: 'Leaf.' }));
    const r = await review({ input, tree, cache: { dir: join(dir, 'cache') } });
    const conflicts = (r.patches[0]?.findings ?? []).filter((f) => f.kind === 'doc-conflict');
    expect(conflicts.map((f) => `${f.severity} ${f.outer} ${f.inner} ${f.line}`)).toEqual([`error kvm_usage_lock null ${lineOf(after, rule)}`]);
    expect(conflicts[0]?.message).toMatch(
      `the new rule "No other lock should be taken inside kvm_usage_lock" says no other lock is taken inside kvm_usage_lock, but the document still takes cpus_read_lock() inside kvm_usage_lock (line ${lineOf(after, documented)}: "kvm_usage_lock is taken outside cpus_read_lock()"; line `,
    );
    // kvm_usage_lock's :Comment: says so too ("Exists to allow taking cpus_read_lock() while ..."): both are quoted.
    expect(conflicts[0]?.rulePath.map((q) => q.line)).toEqual([lineOf(after, rule), lineOf(after, documented), lineOf(after, 'Exists to allow taking cpus_read_lock()')]);
  }, 600_000);
});
