/**
 * `.github/kvm-review.yml` values that were accepted and then did nothing:
 * an `ignore-paths` glob naming a directory (`virt/*\/`) or a path written
 * from the top (`./virt/kvm/`) ignored no file, and an `archs` entry the
 * tree has no arch/NAME/kvm for (a typo) dropped that architecture's
 * findings in silence. The App in process (Probot.receive) against the fake
 * GitHub on a repository made from the Debian 6.1 tree, with the lock-order
 * bug of the App's tests (generic code, virt/kvm/kvm_main.c).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, isIgnored } from '../../bot/app/config.js';
import { kernelTree } from '../helpers/paths.js';
import { payload } from './app-server.js';
import { FakeGitHub } from './fake-github.js';
import { inProcessApp } from './in-process.js';
import { commitLockBug, kernelRepo } from './kernel-repo.js';

let gh: FakeGitHub;
let url: string;
let base: string;
let head: string;
const cache = mkdtempSync(join(tmpdir(), 'kvm-review-config-'));

beforeAll(async () => {
  let dir: string;
  ({ dir, base } = kernelRepo(kernelTree('6.1')));
  head = commitLockBug(dir);
  gh = new FakeGitHub(dir);
  url = `http://${await gh.start()}`;
  gh.prs.set(1, { number: 1, base, head });
});
afterAll(async () => gh.stop());

/** The pull request reviewed under `config`; returns its check run and how many reviews it added. */
async function reviewWith(config: string): Promise<{ conclusion: string | null; title?: string; summary?: string; reviews: number }> {
  gh.config = config;
  gh.reviewComments.length = 0;
  gh.reviews.length = 0;
  const p = await inProcessApp(url, cache);
  await p.receive({ id: 'd', name: 'pull_request', payload: payload('pull_request.opened', { HEAD_SHA: head, BASE_SHA: base }) as never });
  const run = gh.checkRuns.filter((r) => r.head_sha === head).at(-1);
  return { conclusion: run?.conclusion ?? null, title: run?.output.title, summary: run?.output.summary, reviews: gh.reviews.length };
}

describe('the configuration on a real review', () => {
  it('no configuration: the finding is posted and fails the check', async () => {
    expect(await reviewWith('')).toMatchObject({ conclusion: 'failure', reviews: 1 });
  });

  it('ignore-paths: a glob naming a directory ignores the files under it', async () => {
    expect(await reviewWith('ignore-paths: ["virt/*/"]\n')).toMatchObject({ conclusion: 'success', title: 'No lock-order findings', reviews: 0 });
    expect(await reviewWith('ignore-paths: ["*/kvm"]\n')).toMatchObject({ conclusion: 'success', reviews: 0 });
  });

  it('ignore-paths: a path written from the top (./ or /) is the same path', async () => {
    expect(await reviewWith('ignore-paths: [./virt/kvm/]\n')).toMatchObject({ conclusion: 'success', reviews: 0 });
    expect(await reviewWith('ignore-paths: [/virt/kvm/kvm_main.c]\n')).toMatchObject({ conclusion: 'success', reviews: 0 });
  });

  it('archs: a name the tree has no arch/NAME/kvm for is an invalid configuration, said on a neutral check run; a real one reviews', async () => {
    const typo = await reviewWith('archs: [x68, arm64]\n');
    expect(typo).toMatchObject({ conclusion: 'neutral', title: 'Invalid .github/kvm-review.yml', reviews: 0 });
    expect(typo.summary).toMatch(/^\.github\/kvm-review\.yml: archs: the base commit [0-9a-f]{40} has no arch\/x68\/kvm; archs takes all, or some of .*\bx86\b/);
    // As uname -m prints it: the summary says what the kernel calls it.
    const machine = await reviewWith('archs: [aarch64]\n');
    expect(machine).toMatchObject({ conclusion: 'neutral', title: 'Invalid .github/kvm-review.yml', reviews: 0 });
    expect(machine.summary).toMatch(/^\.github\/kvm-review\.yml: archs: the base commit [0-9a-f]{40} has no arch\/aarch64\/kvm \(the kernel calls it arm64\); archs takes all, or some of /);
    expect(await reviewWith('archs: [x86]\n')).toMatchObject({ conclusion: 'failure', reviews: 1 });
  });
});

describe('isIgnored', () => {
  it('a glob ending in / matches directories only; a file glob still matches the file', () => {
    const c = { ...DEFAULT_CONFIG, ignorePaths: ['arch/*/kvm/vgic/', 'virt/kvm/*.h'] };
    expect(isIgnored(c, 'arch/arm64/kvm/vgic/vgic-its.c')).toBe(true);
    expect(isIgnored(c, 'arch/arm64/kvm/arm.c')).toBe(false);
    expect(isIgnored(c, 'virt/kvm/vfio.h')).toBe(true);
    expect(isIgnored(c, 'virt/kvm/kvm_main.c')).toBe(false);
    expect(isIgnored({ ...DEFAULT_CONFIG, ignorePaths: ['virt/kvm/kvm_main.c/'] }, 'virt/kvm/kvm_main.c')).toBe(false);
  });
});
