/**
 * The App's engine on every kind of tree it reads (the GitHub API, a git
 * repository: the checkout or a mirror) gives the findings `kvm-review
 * mbox` gives on the same commits against the extracted directory: the
 * pull request with the lock-order bug, made from the Debian 6.1 tree.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { GitTree } from '../../analyzers/trees/git-tree.js';
import { ApiTree } from '../../bot/app/api-tree.js';
import { reviewCommits } from '../../bot/app/engine.js';
import { toSeries } from '../../bot/app/series-mbox.js';
import { kernelTree } from '../helpers/paths.js';
import { FakeGitHub } from './fake-github.js';
import { testOctokit } from './helpers.js';
import { commitLockBug, git, kernelRepo } from './kernel-repo.js';

let gh: FakeGitHub;
let url: string;
let dir: string;
let base: string;
let patch: string;
const source = kernelTree('6.1');
const cache = (): string => mkdtempSync(join(tmpdir(), 'kvm-review-engine-'));

beforeAll(async () => {
  ({ dir, base } = kernelRepo(source));
  const bug = commitLockBug(dir);
  patch = git(dir, ['format-patch', '--stdout', `${base}..${bug}`]);
  gh = new FakeGitHub(dir);
  url = `http://${await gh.start()}`;
});
afterAll(async () => gh.stop());

/** What a finding is, without the tree's label. */
const findings = (r: ReviewResult): string[] => r.patches.flatMap((p) => p.findings.map((f) => `${p.index} ${f.kind} ${f.severity} ${f.file}:${f.line} ${f.fingerprint}`)).sort();

describe('reviewCommits', () => {
  it('the API tree and the git tree give the findings mbox gives against the directory', async () => {
    const input = join(mkdtempSync(join(tmpdir(), 'kvm-review-engine-mbox-')), 'series.mbx');
    writeFileSync(input, toSeries(patch).mbox);
    const expected = findings(await review({ input, tree: source, cache: { dir: cache() } }));
    expect(expected.some((f) => f.includes('order-inversion'))).toBe(true);
    const api = await reviewCommits(patch, new ApiTree(testOctokit(url), { owner: 'kvm', repo: 'linux' }, base, cache()), cache());
    expect(findings(api.result)).toEqual(expected);
    expect(api.result.tree).toMatch(/GitHub API/);
    const tree = await GitTree.open(dir, base);
    try {
      const fromGit = await reviewCommits(patch, tree, cache());
      expect(findings(fromGit.result)).toEqual(expected);
      expect(fromGit.series.commits).toHaveLength(1);
      expect([...fromGit.patchIds.keys()]).toEqual([1]);
    } finally {
      tree.close();
    }
  });
});
