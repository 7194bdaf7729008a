/**
 * v1 -> v2 when a patch of v2 was reviewed only in part: a v1 finding in a
 * function whose v2 hunk did not apply is unknown, never "fixed in v2".
 * A two-patch series made here against the Debian 6.1 tree, its diffs made
 * by git (hunk headers name their function, as a real mail's do): patch 1
 * takes kvm->lock under vcpu->mutex in kvm_vcpu_ioctl() (against
 * locking.rst's "kvm->lock is taken outside vcpu->mutex") and adds a
 * comment above kvm_vm_ioctl(); patch 2 adds a comment in eventfd.c and, in
 * v1 only, a function taking the same two locks the same wrong way. v2's
 * patch 1 was rebased onto another tree around kvm_vcpu_ioctl() only: that
 * hunk does not apply to 6.1, the comment's does, and the patch is reviewed
 * in part. v1's finding on patch 2 is fixed in v2; the one in
 * kvm_vcpu_ioctl() is not known to be, as v2's kvm_vcpu_ioctl() was never read.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelTree, lineOf } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { INVERTING } from '../git/repo.js';
import { ANCHOR, BUG, elsewhere, MAIN, SUBJECT1, SUBJECT2, twoPatchThread } from './two-patch-thread.js';

const tree = kernelTree('6.1');
const dir = mkdtempSync(join(tmpdir(), 'kvm-review-partly-reviewed-v2-'));
const VM_IOCTL = 'static long kvm_vm_ioctl(struct file *filp,';

/** `text` with the bug inserted after the anchor line and the line after it (in kvm_vcpu_ioctl()), and a comment above kvm_vm_ioctl(). */
function patched(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(ANCHOR));
  if (at < 0) throw new Error(`no line "${ANCHOR}" in ${MAIN}`);
  const vm = lines.indexOf(VM_IOCTL);
  if (vm < at) throw new Error(`no line "${VM_IOCTL}" after kvm_vcpu_ioctl() in ${MAIN}`);
  lines.splice(vm, 0, '/* kvm_vm_ioctl() takes kvm->lock for the VM-wide state. */');
  lines.splice(at + 2, 0, ...BUG);
  return lines.join('\n');
}

const main = readFileSync(join(tree, MAIN), 'utf8');
const input = join(dir, 'v1-v2.mbx');
const v1 = twoPatchThread(tree, 1, { patch1Before: main, patch1: patched, patch2Comment: '\t/* resampler_lock nests in irqfds.lock */', patch2Extra: INVERTING, git: true });
const v2 = twoPatchThread(tree, 2, { patch1Before: elsewhere(main), patch1: patched, patch2Comment: '\t/* resampler_lock: inside kvm->irqfds.lock */', git: true });
writeFileSync(input, `${v1}\n${v2}`);

interface Prior {
  fingerprint: string;
  patch: { index: number };
  reason?: string;
}
interface Json {
  series: { version: number };
  previous: { version: number } | null;
  patches: { index: number; status: string; partial?: boolean; reason?: string; applyFailures: { file: string; hunk: string | null; reason: string }[]; findings: Prior[] }[];
  fixed: Prior[];
  notCompared: Prior[];
  notes: string[];
}

async function run(format: string, extra: string[] = []): Promise<{ stdout: string; code: number }> {
  return runCli(['mbox', input, '--tree', tree, '--cache-dir', join(dir, 'cache'), '--format', format, '--fail-on', 'never', ...extra], dir);
}

/** What the review says of the hunk that did not apply: "patch 1/2 of v2 changes kvm_vcpu_ioctl() (...), but that hunk did not apply to the tree (why)". */
const why = (v2: Json): string => `patch 1/2 of v2 changes kvm_vcpu_ioctl() (${MAIN}), but that hunk did not apply to the tree (${v2.patches[0]?.applyFailures[0]?.reason ?? '?'})`;

describe('v2 whose patch 1 was reviewed in part (its hunk in kvm_vcpu_ioctl() does not apply to 6.1)', () => {
  it('v1 has a finding on each patch; v2\'s patch 1 is reviewed, its kvm_vcpu_ioctl() hunk alone refused', async () => {
    const v1 = JSON.parse((await run('json', ['--message-id', 'v1-0@example.org'])).stdout) as Json;
    expect(v1.patches.map((p) => p.status)).toEqual(['reviewed', 'reviewed']);
    expect(v1.patches[0]?.findings.length).toBeGreaterThan(0);
    expect(v1.patches[1]?.findings.length).toBeGreaterThan(0);
    const v2 = JSON.parse((await run('json')).stdout) as Json;
    expect(v2.patches.map((p) => p.status)).toEqual(['reviewed', 'reviewed']);
    expect(v2.patches[0]?.partial).toBe(true);
    expect(v2.patches[0]?.applyFailures.map((a) => a.hunk?.replace(/^@@[^@]*@@ /, ''))).toEqual([definition('kvm_vcpu_ioctl')]);
  });

  it('JSON: v1\'s finding in kvm_vcpu_ioctl() is not compared, with the reason, and a note says why; patch 2\'s is fixed', async () => {
    const v1 = JSON.parse((await run('json', ['--message-id', 'v1-0@example.org'])).stdout) as Json;
    const v2 = JSON.parse((await run('json')).stdout) as Json;
    expect(v2.previous?.version).toBe(1);
    const onPatch1 = (v1.patches[0]?.findings ?? []).map((f) => f.fingerprint).sort();
    expect(v2.fixed.map((f) => f.fingerprint).sort()).toEqual((v1.patches[1]?.findings ?? []).map((f) => f.fingerprint).sort());
    expect(v2.notCompared.map((f) => f.fingerprint).sort()).toEqual(onPatch1);
    expect(v2.notCompared.map((f) => f.reason)).toEqual(onPatch1.map(() => why(v2)));
    const n = onPatch1.length;
    expect(v2.notes).toContain(`${why(v2)}, so v1's ${n === 1 ? 'finding' : `${n} findings`} there ${n === 1 ? 'is' : 'are'} not compared`);
  });

  it('text counts it as not compared and says why; the email\'s "fixed in v2" reply lists only patch 2\'s and says why the rest is not known', async () => {
    const v1 = JSON.parse((await run('json', ['--message-id', 'v1-0@example.org'])).stdout) as Json;
    const v2 = JSON.parse((await run('json')).stdout) as Json;
    const n = v1.patches[0]?.findings.length ?? 0;
    const fixed = v1.patches[1]?.findings.length ?? 0;
    const text = (await run('text')).stdout;
    expect(text).toContain(`: 0 findings still present, ${fixed} fixed in v2, ${n} not compared (see the notes)`);
    expect(text).toContain(`note: ${why(v2)}, so v1's`);
    const email = (await run('email')).stdout;
    const body = email.slice(email.indexOf('fixed in v2:'));
    // The mail is wrapped at 72 columns: where a subject falls across lines depends on the findings before it.
    const flat = body.replace(/\s+/g, ' ');
    expect(flat).toContain(`(v1 patch 2: ${SUBJECT2})`);
    expect(flat).not.toContain(`(v1 patch 1: ${SUBJECT1})`);
    expect(body).not.toContain('Nothing reported on v1 is still present.');
    expect(flat).toContain(`Not compared: ${n === 1 ? '1 finding' : `${n} findings`} of v1 (on patch 1), as ${why(v2)}; whether`);
  });
});

/** The line that starts the definition of `fn` in kvm_main.c (6.1): what git names a hunk inside that function by. */
function definition(fn: string): string {
  return main.split('\n')[lineOf(tree, MAIN, `${fn}(`, fn) - 1] ?? '';
}
