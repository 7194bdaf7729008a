/**
 * What the fuzz suite mutates, read at test time (never copied into the
 * project): messages and small threads of the lore corpus, the seed patches,
 * the locking.rst revisions, and a three-patch series generated against the
 * tiny tree of fixtures/fuzz/tree (whose locking.rst is copied from the
 * Debian 6.12 tree into a temporary directory).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, kernelTree, LOCKING_DOC_DIR, SHARED } from '../helpers/paths.js';
import { formatPatchMail } from '../helpers/format-patch.js';

const LORE = join(SHARED, 'corpus', 'lore');
const SEEDS = join(SHARED, 'seeds');
const SEPARATOR = /^(?=From MAILER-DAEMON Thu Jan {2}1 00:00:00 1970$)/m;

/** Every message of every corpus mbox, in file order, each with its separator line. */
export function corpusMessages(): string[][] {
  const files = readdirSync(LORE).flatMap((list) => readdirSync(join(LORE, list)).filter((f) => f.endsWith('.mbx')).map((f) => join(LORE, list, f)));
  return files.sort().map((f) => readFileSync(f, 'latin1').split(SEPARATOR).filter((m) => m.trim() !== ''));
}

/** The seed patches: diffs of locking.rst and KVM code as they were published. */
export function seedPatches(): string[] {
  return readdirSync(SEEDS).sort().map((f) => readFileSync(join(SEEDS, f), 'utf8'));
}

/** The 25 locking.rst revisions. */
export function docRevisions(): string[] {
  return readdirSync(LOCKING_DOC_DIR).filter((f) => f.endsWith('.rst')).sort().map((f) => readFileSync(join(LOCKING_DOC_DIR, f), 'utf8'));
}

const TREE_DOC = 'Documentation/virt/kvm/locking.rst';

/** The tiny tree, in a fresh temporary directory: fixtures/fuzz/tree plus the 6.12 locking.rst. */
export function tinyTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-fuzz-tree-'));
  cpSync(join(FIXTURES, 'fuzz', 'tree'), dir, { recursive: true });
  mkdirSync(join(dir, 'Documentation', 'virt', 'kvm'), { recursive: true });
  cpSync(join(kernelTree('6.12'), TREE_DOC), join(dir, TREE_DOC));
  return dir;
}

/** Replaces the first line equal to `from` (trimmed) with `to` lines; throws when the line is not there, so a fixture edit cannot silently void the seed. */
function edit(text: string, from: string, to: string[]): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.trim() === from);
  if (i < 0) throw new Error(`fuzz seed: no line '${from}'`);
  lines.splice(i, 1, ...to);
  return lines.join('\n');
}

/**
 * A cover and three patches against `tree`: slots_lock inside a kvm->srcu
 * reader, kvm->lock under vcpu->mutex, and a locking.rst rule. Built from
 * the files at test time, so the hunks apply.
 */
export function tinySeries(tree: string): string {
  const main = readFileSync(join(tree, 'virt/kvm/kvm_main.c'), 'utf8');
  const doc = readFileSync(join(tree, TREE_DOC), 'utf8');
  const srcu = edit(main, 'r = kvm->demo;', ['\tmutex_lock(&kvm->slots_lock);', '\tr = kvm->demo;', '\tmutex_unlock(&kvm->slots_lock);']);
  const vcpu = edit(srcu, 'vcpu->demo++;', ['\tmutex_lock(&vcpu->kvm->lock);', '\tvcpu->demo++;', '\tmutex_unlock(&vcpu->kvm->lock);']);
  const firstRule = doc.split('\n').find((l) => /^- .* is taken outside /.test(l));
  if (!firstRule) throw new Error('fuzz seed: no ordering rule in locking.rst');
  const docAfter = edit(doc, firstRule, [firstRule, '', '- kvm->slots_arch_lock is taken outside vcpu->mutex']);
  const id = (k: number): string => `fuzz-${k}@example.org`;
  const cover = [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    'From: Test Author <test@example.org>',
    'Date: Mon, 16 Nov 2026 10:00:00 +0000',
    'Subject: [PATCH 0/3] KVM: fuzz: three changes',
    `Message-ID: <${id(0)}>`,
    '',
    'Three changes.',
    '',
  ].join('\n');
  const patch = (k: number, file: string, before: string, after: string, title: string): string =>
    formatPatchMail({ file, before, after, subject: `[PATCH ${k}/3] ${title}`, messageId: id(k), body: `${title}.` }).replace(
      `Message-ID: <${id(k)}>`,
      `Message-ID: <${id(k)}>\nIn-Reply-To: <${id(0)}>\nReferences: <${id(0)}>`,
    );
  return [
    cover,
    patch(1, 'virt/kvm/kvm_main.c', main, srcu, 'KVM: fuzz: Read demo under slots_lock'),
    patch(2, 'virt/kvm/kvm_main.c', srcu, vcpu, 'KVM: fuzz: Take kvm->lock in kvm_demo_vcpu'),
    patch(3, TREE_DOC, doc, docAfter, 'Documentation: KVM: fuzz rule'),
  ].join('');
}
