/**
 * A series whose patches each add another instance of one inversion, on a
 * real repository made from the Debian 6.1 tree: every patch's finding names
 * the function that patch adds (the state's finding named its first site,
 * the one an earlier patch added, while the comment sat on this patch's
 * line), and a finding in generic code, found by every build, carries no
 * architecture (it was labelled with the first build's, so an App set to
 * `archs: [x86]` dropped it).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { commitAppend, copyKernelFiles, initRepo, lineOf } from '../git/repo.js';

const work = mkdtempSync(join(tmpdir(), 'kvm-review-second-'));
const repo = join(work, 'repo');
const MAIN = 'virt/kvm/kvm_main.c';
const NAMES = ['demo_first', 'demo_second', 'demo_third'];

/** kvm->lock inside vcpu->mutex, against "kvm->lock is taken outside vcpu->mutex". */
const inverting = (name: string): string => `
static void ${name}(struct kvm_vcpu *vcpu)
{
\tmutex_lock(&vcpu->mutex);
\tmutex_lock(&vcpu->kvm->lock);
\tmutex_unlock(&vcpu->kvm->lock);
\tmutex_unlock(&vcpu->mutex);
}
`;

let review: ReviewResult;

beforeAll(async () => {
  const base = join(work, 'base');
  await copyKernelFiles(kernelTree('6.1'), base);
  initRepo(base, repo);
  for (const n of NAMES) commitAppend(repo, MAIN, inverting(n), `KVM: demo: add ${n}()`);
  const cli = await runCli(['git', 'base..HEAD', '--repo', repo, '--format', 'json', '--cache-dir', join(work, 'cache')]);
  if (cli.code !== 1) throw new Error(`exit ${cli.code}: ${cli.stderr}`);
  review = JSON.parse(cli.stdout) as ReviewResult;
}, 240_000);

describe('another instance of a known inversion', () => {
  it("each patch's finding names its own site, on its own added line", () => {
    expect(review.patches.map((p) => p.status)).toEqual(['reviewed', 'reviewed', 'reviewed']);
    review.patches.forEach((p, i) => {
      const name = NAMES[i] as string;
      // Each patch appends: its function's lines are the same in every later commit.
      const line = lineOf(repo, 'HEAD', MAIN, `static void ${name}(`) + 3;
      const inversions = p.findings.filter((f) => f.kind === 'order-inversion' && f.inner === 'kvm->lock' && f.outer === 'vcpu->mutex');
      expect(inversions).toHaveLength(1);
      const f = inversions[0] as (typeof inversions)[number];
      expect([f.file, f.line, f.placement]).toEqual([MAIN, line, 'added']);
      expect(f.sites[0]?.function).toBe(name);
      expect(f.message).toContain(`at ${name}() (${MAIN}:${line})`);
      for (const other of NAMES.filter((n) => n !== name)) expect(f.message).not.toContain(`${other}()`);
      // The cycle's observed link is witnessed by the site the message names.
      expect(f.cycle?.find((l) => l.source === 'observed')?.site?.function).toBe(name);
      // The earlier patches' sites are still counted as evidence.
      expect(f.evidence?.against.sites.map((s) => s.function)).toEqual(expect.arrayContaining(NAMES.slice(0, i + 1)));
    });
  });

  it('a generic-code finding found by every build has no architecture', () => {
    const all = review.patches.flatMap((p) => p.findings.filter((f) => f.kind === 'order-inversion'));
    expect(all).toHaveLength(NAMES.length);
    for (const f of all) expect(f.arch).toBeNull();
  });
});
