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
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree, lineOf } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { INVERTING } from '../git/repo.js';

const tree = kernelTree('6.1');
const dir = mkdtempSync(join(tmpdir(), 'kvm-review-not-reviewed-v2-'));
const MAIN = 'virt/kvm/kvm_main.c';
const EVENTFD = 'virt/kvm/eventfd.c';
const ANCHOR = '\tif (mutex_lock_killable(&vcpu->mutex))';
const BUG = ['\tmutex_lock(&vcpu->kvm->lock);', '\tmutex_unlock(&vcpu->kvm->lock);'];
const SUBJECT1 = 'KVM: take kvm->lock in the vCPU ioctl';
const SUBJECT2 = 'KVM: eventfd: say which lock resampler_lock nests in';

/** `text` with the bug inserted after the anchor line (as it is, or as `elsewhere` rewords it) and the line after it. */
function withBug(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(ANCHOR));
  if (at < 0) throw new Error(`no line "${ANCHOR}" in ${MAIN}`);
  lines.splice(at + 2, 0, ...BUG);
  return lines.join('\n');
}

/** `text` as another tree has it: the lines around the anchor reworded, so a hunk made there has no 6.1 context. */
function elsewhere(text: string): string {
  const lines = text.split('\n');
  const at = lines.indexOf(ANCHOR);
  for (let i = at - 4; i <= at + 6; i++) lines[i] = `${lines[i]} /* rebased */`;
  return lines.join('\n');
}

function thread(v: number, patch2Comment: string, patch1Before: string, patch2Extra = ''): string {
  const tag = v === 1 ? 'PATCH' : `PATCH v${v}`;
  const cover = `v${v}-0@example.org`;
  const date = (s: number): string => `Mon, ${16 + v} Nov 2026 10:00:0${s} +0000`;
  const reply = (mail: string): string => mail.replace(/\nMessage-ID: /, `\nIn-Reply-To: <${cover}>\nReferences: <${cover}>\nMessage-ID: `);
  const eventfd = readFileSync(join(tree, EVENTFD), 'utf8');
  const commented = eventfd.split('\n');
  commented.splice(lineOf(tree, EVENTFD, '\tmutex_lock(&kvm->irqfds.resampler_lock);'), 0, patch2Comment);
  return [
    [
      'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
      'From: Test Author <test@example.org>',
      `Date: ${date(0)}`,
      `Subject: [${tag} 0/2] KVM: vCPU ioctl locking`,
      `Message-ID: <${cover}>`,
      '',
      'Two patches.',
      '',
    ].join('\n'),
    reply(formatPatchMail({ file: MAIN, before: patch1Before, after: withBug(patch1Before), subject: `[${tag} 1/2] ${SUBJECT1}`, messageId: `v${v}-1@example.org`, body: 'Take kvm->lock.', date: date(1) })),
    reply(formatPatchMail({ file: EVENTFD, before: eventfd, after: commented.join('\n') + patch2Extra, subject: `[${tag} 2/2] ${SUBJECT2}`, messageId: `v${v}-2@example.org`, body: 'A comment.', date: date(2) })),
  ].join('\n');
}

const main = readFileSync(join(tree, MAIN), 'utf8');
const input = join(dir, 'v1-v2.mbx');
writeFileSync(input, `${thread(1, '\t/* resampler_lock nests in irqfds.lock */', main, INVERTING)}\n${thread(2, '\t/* resampler_lock: inside kvm->irqfds.lock */', elsewhere(main))}`);

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
    expect(body).toContain(`(v1 patch 2: ${SUBJECT2})`);
    expect(body).not.toContain(`(v1 patch 1: ${SUBJECT1})`);
    expect(body).not.toContain('Nothing reported on v1 is still present.');
    expect(body.replace(/\s+/g, ' ')).toContain(`Not compared: ${n === 1 ? '1 finding' : `${n} findings`} of v1 (on patch 1), as patch 1 of v2 could not be reviewed (no hunk of virt/kvm/kvm_main.c applies to the tree); whether`);
  });
});
