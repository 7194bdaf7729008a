/**
 * A review GitHub would refuse: its body past 65536 characters. Findings
 * past the 30-comment cap are written out in the review body, and a
 * leaf-violation names every lock taken inside the leaf (18 locks, 2.5 kB in
 * the 6.1 tree's vcpu->mutex one): a few dozen such findings made a body
 * GitHub answers with 422, and the review, its line comments with it, was
 * never posted. The real read path, planner and applier against the fake
 * GitHub, which refuses a body past GitHub's limit.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { GITHUB_MAX_BODY, markersIn } from '../../bot/app/comment.js';
import { DEFAULT_CONFIG } from '../../bot/app/config.js';
import { planReview, type PlacedFinding } from '../../bot/app/plan.js';
import { publishPullRequest, type Octokit } from '../../bot/app/publish.js';
import { existingComments } from '../../bot/app/pull-request.js';
import { FakeGitHub } from './fake-github.js';
import { diffOf, finding, placed, testOctokit } from './helpers.js';
import { git, oneCommitRepo } from './kernel-repo.js';

const REPO = { owner: 'kvm', repo: 'linux' };
const HEAD = 'b'.repeat(40);
const RULES = 'https://x/';

let dir: string;
let gh: FakeGitHub;
let octokit: Octokit;
beforeAll(() => {
  dir = oneCommitRepo('review-size-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  const base = git(dir, ['rev-parse', 'HEAD']).trim();
  gh = new FakeGitHub(dir);
  octokit = testOctokit(`http://${await gh.start()}`);
  gh.prs.set(1, { number: 1, base, head: base });
});
afterEach(async () => gh.stop());

/** A leaf-violation as long as the 6.1 tree's vcpu->mutex one: 18 locks, each with its count and an example site. */
function leaf(i: number): PlacedFinding {
  const locks = Array.from({ length: 18 }, (_, k) => `kvm->arch.lock_${i}_${k} (${k + 1} sites, e.g. vgic_v3_attr_regs_access() (arch/arm64/kvm/vgic/vgic-kvm-device.c:${600 + k}))`);
  return placed(
    finding({
      kind: 'leaf-violation',
      severity: 'warning',
      outer: 'vcpu->mutex',
      inner: null,
      message: `locking.rst makes vcpu->mutex a leaf, but the code takes 18 locks inside it: ${locks.join(', ')}`,
      suggestion: `document the order of vcpu->mutex against ${locks.map((l) => l.split(' ')[0]).join(', ')}, or release vcpu->mutex before taking them`,
      line: 1000 + i,
    }),
  );
}

async function review(findings: PlacedFinding[]): Promise<void> {
  const existing = await existingComments(octokit, REPO, 1, 'kvm-review[bot]');
  const plan = planReview({ findings, diff: diffOf(findings), existing, headSha: HEAD, config: DEFAULT_CONFIG, rulesUrl: RULES });
  await publishPullRequest(octokit, REPO, { number: 1, headSha: HEAD }, plan, {});
}

describe('a review past GitHub\'s 65536 characters', () => {
  it('60 long findings: 30 line comments, the other 30 listed in a body GitHub takes, every marker kept; a re-run posts nothing', async () => {
    const fs = Array.from({ length: 60 }, (_, i) => leaf(i));
    await review(fs);
    expect(gh.reviews).toHaveLength(1);
    expect(gh.reviewComments).toHaveLength(30);
    const body = gh.reviews[0]?.body ?? '';
    expect(body.length).toBeLessThanOrEqual(GITHUB_MAX_BODY);
    expect(new Set([...markersIn(body), ...gh.reviewComments.flatMap((c) => markersIn(c.body))])).toEqual(new Set(fs.map((p) => p.finding.fingerprint)));
    for (const p of fs.slice(30)) expect(body).toContain(`\`${p.finding.file}:${p.finding.line}\` leaf-violation: locking.rst makes vcpu->mutex a leaf`);
    await review(fs);
    expect(gh.reviews).toHaveLength(1);
    expect(gh.checkRuns.filter((r) => r.conclusion === 'success')).toHaveLength(2);
  });

  it('300 findings off the diff: the list is cut with a note, the markers all kept', async () => {
    const fs = Array.from({ length: 300 }, (_, i) => ({ ...leaf(i), text: null }));
    await review(fs);
    const body = gh.reviews[0]?.body ?? '';
    expect(body.length).toBeLessThanOrEqual(GITHUB_MAX_BODY);
    expect(markersIn(body)).toHaveLength(300);
    expect(body).toMatch(/cut: GitHub keeps 65536 characters of a review; the check run lists every finding/);
  });
});
