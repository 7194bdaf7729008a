/**
 * v1 -> v2 when a patch of v2 could not be reviewed: v1's findings on that
 * patch are unknown, never "fixed in v2". A two-patch series made here
 * against the Debian 6.1 tree: patch 1 takes kvm->lock under vcpu->mutex in
 * kvm_vcpu_ioctl() (against locking.rst's "kvm->lock is taken outside
 * vcpu->mutex"), patch 2 adds a comment in eventfd.c and, in v1 only, a
 * function taking the same two locks the same wrong way. v2 resends both,
 * but its patch 1 was rebased onto another tree: its context is not 6.1's,
 * no hunk of it applies, and it is not reviewed. v1's finding on patch 2 is
 * fixed in v2; those on patch 1 are not known to be.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { INVERTING } from '../git/repo.js';
import { ANCHOR, BUG, elsewhere, MAIN, SUBJECT1, SUBJECT2, twoPatchThread } from './two-patch-thread.js';

const tree = kernelTree('6.1');
const dir = mkdtempSync(join(tmpdir(), 'kvm-review-not-reviewed-v2-'));
/** `text` with the bug inserted after the anchor line (as it is, or as `elsewhere` rewords it) and the line after it. */
function withBug(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(ANCHOR));
  if (at < 0) throw new Error(`no line "${ANCHOR}" in ${MAIN}`);
  lines.splice(at + 2, 0, ...BUG);
  return lines.join('\n');
}

const main = readFileSync(join(tree, MAIN), 'utf8');
const input = join(dir, 'v1-v2.mbx');
const v1 = twoPatchThread(tree, 1, { patch1Before: main, patch1: withBug, patch2Comment: '\t/* resampler_lock nests in irqfds.lock */', patch2Extra: INVERTING });
const v2 = twoPatchThread(tree, 2, { patch1Before: elsewhere(main), patch1: withBug, patch2Comment: '\t/* resampler_lock: inside kvm->irqfds.lock */' });
writeFileSync(input, `${v1}\n${v2}`);

interface Prior {
  fingerprint: string;
  patch: { index: number };
}
interface Json {
  series: { version: number };
  previous: { version: number } | null;
  patches: { index: number; status: string; reason?: string; findings: Prior[] }[];
  fixed: Prior[];
  notCompared: Prior[];
  notes: string[];
}

async function run(format: string, extra: string[] = []): Promise<{ stdout: string; code: number }> {
  return runCli(['mbox', input, '--tree', tree, '--cache-dir', join(dir, 'cache'), '--format', format, '--fail-on', 'never', ...extra], dir);
}

describe('v2 whose patch 1 could not be reviewed (its hunk does not apply to 6.1)', () => {
  it('v1 alone has a finding on patch 1', async () => {
    const v1 = JSON.parse((await run('json', ['--message-id', 'v1-0@example.org'])).stdout) as Json;
    expect(v1.series.version).toBe(1);
    expect(v1.patches.map((p) => p.status)).toEqual(['reviewed', 'reviewed']);
    expect(v1.patches[0]?.findings.length).toBeGreaterThan(0);
    expect(v1.patches[1]?.findings.length).toBeGreaterThan(0);
  });

  it('JSON: v1\'s findings on patch 1 are not compared, not fixed, and a note says why', async () => {
    const v1 = JSON.parse((await run('json', ['--message-id', 'v1-0@example.org'])).stdout) as Json;
    const out = await run('json');
    const v2 = JSON.parse(out.stdout) as Json;
    expect(v2.series.version).toBe(2);
    expect(v2.previous?.version).toBe(1);
    expect(v2.patches.map((p) => p.status)).toEqual(['not-applied', 'reviewed']);
    const onPatch1 = (v1.patches[0]?.findings ?? []).map((f) => f.fingerprint).sort();
    expect(v2.fixed.filter((f) => f.patch.index === 1)).toEqual([]);
    expect(v2.fixed.map((f) => f.fingerprint).sort()).toEqual((v1.patches[1]?.findings ?? []).map((f) => f.fingerprint).sort());
    expect(v2.notCompared.map((f) => f.fingerprint).sort()).toEqual(onPatch1);
    const n = onPatch1.length;
    expect(v2.notes).toContain(`patch 1 of v2 could not be reviewed (${v2.patches[0]?.reason}), so v1's ${n === 1 ? 'finding' : `${n} findings`} on it ${n === 1 ? 'is' : 'are'} not compared`);
  });

  it('text and markdown count them as not compared; the email\'s "fixed in v2" reply lists only patch 2\'s and says the rest is not known', async () => {
    const v1 = JSON.parse((await run('json', ['--message-id', 'v1-0@example.org'])).stdout) as Json;
    const n = v1.patches[0]?.findings.length ?? 0;
    const fixed = v1.patches[1]?.findings.length ?? 0;
    const text = (await run('text')).stdout;
    expect(text).toContain(`: 0 findings still present, ${fixed} fixed in v2, ${n} not compared (see the notes)`);
    expect(text).toMatch(/note: patch 1 of v2 could not be reviewed \(no hunk of virt\/kvm\/kvm_main\.c applies to the tree\), so v1's/);
    expect((await run('markdown')).stdout).toContain(`${fixed} fixed in v2, ${n} not compared (see the notes).`);
    const email = (await run('email')).stdout;
    const body = email.slice(email.indexOf('fixed in v2:'));
    // The mail is wrapped at 72 columns: where a subject falls across lines depends on the findings before it.
    const flat = body.replace(/\s+/g, ' ');
    expect(flat).toContain(`(v1 patch 2: ${SUBJECT2})`);
    expect(flat).not.toContain(`(v1 patch 1: ${SUBJECT1})`);
    expect(body).not.toContain('Nothing reported on v1 is still present.');
    expect(flat).toContain(`Not compared: ${n === 1 ? '1 finding' : `${n} findings`} of v1 (on patch 1), as patch 1 of v2 could not be reviewed (no hunk of virt/kvm/kvm_main.c applies to the tree); whether`);
  });
});
