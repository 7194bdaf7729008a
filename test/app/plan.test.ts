/** The planner: findings and existing comments in, create/update/fixed/skip actions out. */
import { describe, expect, it } from '@jest/globals';
import { fingerprintMarker, findingComment, fixedIn, markerOf, markersIn } from '../../bot/app/comment.js';
import { DEFAULT_CONFIG } from '../../bot/app/config.js';
import { planReview, type ExistingComment, type PlanInput } from '../../bot/app/plan.js';
import { unreadCoverage, withUnpatched, type ListedCommit } from '../../bot/app/findings.js';
import { diffOf, finding, placed } from './helpers.js';

const HEAD = 'c0ffee0000000000000000000000000000000001';
const RULES = 'https://example.org/kvm-review/';

function input(over: Partial<PlanInput>): PlanInput {
  const findings = over.findings ?? [];
  return { findings, diff: diffOf(findings), existing: [], headSha: HEAD, config: DEFAULT_CONFIG, rulesUrl: RULES, ...over };
}

function mine(id: number, body: string, over: Partial<ExistingComment> = {}): ExistingComment {
  return { id, kind: 'line', body, mine: true, replies: 0, ...over };
}

describe('planReview', () => {
  it('a new finding on a diff line becomes a line comment with its marker and rule page', () => {
    const f = finding();
    const plan = planReview(input({ findings: [placed(f)] }));
    expect(plan.actions.map((a) => a.code)).toEqual(['create']);
    const c = plan.review?.comments[0];
    expect(c).toMatchObject({ path: f.file, line: f.line, side: 'RIGHT' });
    expect(markerOf(c?.body)).toBe(f.fingerprint);
    expect(c?.body).toContain('kvm->lock is taken outside vcpu->mutex');
    expect(c?.body).toContain(`${RULES}analyzers/rules/docs/order-inversion.md`);
    expect(plan.review?.event).toBe('COMMENT');
    expect(plan.check.conclusion).toBe('failure');
  });

  it('a finding already posted is skipped and nothing new is reviewed', () => {
    const f = finding();
    const plan = planReview(input({ findings: [placed(f)], existing: [mine(7, findingComment(f, { rulesUrl: RULES }))] }));
    expect(plan.actions).toEqual([{ code: 'skip', fingerprint: f.fingerprint, commentId: 7 }]);
    expect(plan.review).toBeNull();
    expect(plan.check.conclusion).toBe('failure');
  });

  it('the 30-comment cap: the rest are listed in the review body with their markers', () => {
    const fs = Array.from({ length: 33 }, () => placed(finding()));
    const plan = planReview(input({ findings: fs }));
    expect(plan.review?.comments).toHaveLength(30);
    expect(plan.actions.filter((a) => a.code === 'overflow')).toHaveLength(3);
    for (const p of fs.slice(30)) expect(plan.review?.body).toContain(fingerprintMarker(p.finding.fingerprint));
    expect(plan.check.annotations).toHaveLength(33);
  });

  it('the configured cap is used, and errors come before warnings', () => {
    const warn = placed(finding({ severity: 'warning', line: 1 }));
    const err = placed(finding({ line: 500 }));
    const plan = planReview(input({ findings: [warn, err], config: { ...DEFAULT_CONFIG, maxComments: 1 } }));
    expect(plan.review?.comments.map((c) => c.line)).toEqual([500]);
    expect(plan.actions.find((a) => a.code === 'overflow')?.fingerprint).toBe(warn.finding.fingerprint);
  });

  it('a finding whose line moved (text differs at that line) goes to the check run, never to a wrong line', () => {
    const f = finding();
    const diff = new Map([[f.file, new Map([[f.line, 'something else']])]]);
    const plan = planReview(input({ findings: [placed(f, 'mutex_lock(&kvm->lock);')], diff }));
    expect(plan.actions.map((a) => a.code)).toEqual(['off-diff']);
    expect(plan.review?.comments).toEqual([]);
    expect(plan.review?.body).toContain(fingerprintMarker(f.fingerprint));
    expect(plan.check.summary).toContain('Not on a line of the diff');
  });

  it('an off-diff finding listed in an earlier review body is not listed again', () => {
    const f = finding();
    const plan = planReview(input({ findings: [placed(f, null)], diff: new Map(), existing: [mine(9, `${fingerprintMarker(f.fingerprint)}\nbody`, { kind: 'review' })] }));
    expect(plan.review).toBeNull();
  });

  it('a gone finding: the comment is edited to name the fixing commit; with replies, a reply instead', () => {
    const gone = finding();
    const discussed = finding();
    const plan = planReview(
      input({
        findings: [],
        existing: [mine(1, findingComment(gone, { rulesUrl: RULES })), mine(2, findingComment(discussed, { rulesUrl: RULES }), { replies: 1 })],
      }),
    );
    expect(plan.actions.map((a) => [a.code, 'commentId' in a ? a.commentId : null])).toEqual([
      ['fixed', 1],
      ['reply-fixed', 2],
    ]);
    const edit = plan.actions[0];
    expect(edit && 'body' in edit ? edit.body : '').toMatch(/^<!-- kvm-review:fixed=c0ffee0+1 -->\n\*\*Fixed in c0ffee000000\*\*/);
    expect(plan.review).toBeNull();
    expect(plan.check.conclusion).toBe('success');
  });

  it('never touches comments by others, even with a marker; an already-fixed comment stays as it is', () => {
    const f = finding();
    const fixedOne = finding();
    const theirs = { id: 3, kind: 'line' as const, body: findingComment(f, { rulesUrl: RULES }), mine: false, replies: 0 };
    const already = mine(4, `<!-- kvm-review:fixed=abc -->\n${findingComment(fixedOne, { rulesUrl: RULES })}`);
    const plan = planReview(input({ findings: [], existing: [theirs, already] }));
    expect(plan.actions).toEqual([]);
  });

  it('a finding that was fixed and comes back is posted again', () => {
    const f = finding();
    const plan = planReview(input({ findings: [placed(f)], existing: [mine(4, `<!-- kvm-review:fixed=abc -->\n${findingComment(f, { rulesUrl: RULES })}`)] }));
    expect(plan.actions.map((a) => a.code)).toEqual(['create']);
  });

  it('REQUEST_CHANGES only when configured and a finding reaches the threshold', () => {
    const config = { ...DEFAULT_CONFIG, reviewEvent: 'REQUEST_CHANGES' as const };
    expect(planReview(input({ findings: [placed(finding())], config })).review?.event).toBe('REQUEST_CHANGES');
    const info = planReview(input({ findings: [placed(finding({ severity: 'info' }))], config }));
    expect(info.review?.event).toBe('COMMENT');
    expect(info.check.conclusion).toBe('success');
    expect(planReview(input({ findings: [placed(finding({ severity: 'warning' }))], config: { ...config, failOn: 'warning' } })).check.conclusion).toBe('failure');
  });

  it('the same fingerprint from two patches is one comment', () => {
    const f = finding();
    const again = { ...f, patch: { index: 2, subject: 'x' } };
    const plan = planReview(input({ findings: [placed(f), placed(again)] }));
    expect(plan.review?.comments).toHaveLength(1);
  });

  it('the check run is worded for its counts and for fail-on: never', () => {
    const one = planReview(input({ findings: [placed(finding()), placed(finding({ severity: 'warning' }))] }));
    expect(one.check.summary).toMatch(/^1 error, 1 warning, 0 info\./);
    expect(one.check.title).toBe('2 lock-order findings, 1 at or above error');
    const never = planReview(input({ findings: [placed(finding())], config: { ...DEFAULT_CONFIG, failOn: 'never' } }));
    expect(never.check).toMatchObject({ conclusion: 'success', title: '1 lock-order finding, none failing (fail-on: never)' });
    const two = planReview(input({ findings: [placed(finding()), placed(finding())] }));
    expect(two.check.summary).toMatch(/^2 errors, 0 warnings, 0 info\./);
    const dismissed = planReview(input({ findings: [placed(finding())], config: { ...DEFAULT_CONFIG, failOn: 'never' }, existing: [mine(3, 'body', { kind: 'review', changesRequested: true })] }));
    expect(dismissed.actions).toContainEqual({ code: 'dismiss', reviewId: 3, message: `kvm-review: no finding fails (fail-on: never) at ${HEAD.slice(0, 12)}.` });
  });
});

describe('planReview: a comment for several architectures, fixed on some of them', () => {
  /** The same finding on each of `archs`, each its own fingerprint (as the engine makes them for a rule under "On x86, arm64 and riscv:"). */
  const perArch = (archs: string[]): ReturnType<typeof finding>[] => {
    const first = finding({ kind: 'doc-conflict', arch: archs[0] });
    return archs.map((arch, i) => (i ? { ...first, arch, fingerprint: finding().fingerprint } : first));
  };
  const bodyOf = (plan: ReturnType<typeof planReview>, id: number): string => {
    const a = plan.actions.find((x) => 'commentId' in x && x.commentId === id && 'body' in x);
    return a && 'body' in a ? a.body : '';
  };

  it('fixed on one architecture, then another, then the last: narrowed twice (each note kept), then "Fixed in"', () => {
    const [x86, arm64, riscv] = perArch(['x86', 'arm64', 'riscv']) as [ReturnType<typeof finding>, ReturnType<typeof finding>, ReturnType<typeof finding>];
    const posted = planReview(input({ findings: [x86, arm64, riscv].map((f) => placed(f)) })).review?.comments ?? [];
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body).toContain('(x86, arm64, riscv)');
    const first = planReview(input({ findings: [placed(x86), placed(arm64)], existing: [mine(1, posted[0]?.body ?? '')], headSha: 'a'.repeat(40) }));
    expect(first.actions.filter((a) => a.code !== 'skip')).toEqual([{ code: 'partly-fixed', fingerprint: riscv.fingerprint, fixed: [riscv.fingerprint], commentId: 1, body: expect.any(String) }]);
    const once = bodyOf(first, 1);
    expect(once).toMatch(/^\*\*Fixed on riscv in a{12}\*\*: kvm-review no longer finds this on riscv at that commit; it still does on x86 and arm64\.\n\n/);
    expect(once).toContain('(x86, arm64)');
    expect(markersIn(once)).toEqual([x86.fingerprint, arm64.fingerprint]);
    expect(first.review).toBeNull();
    expect(first.check.title).toBe('1 lock-order finding, 1 at or above error');
    const second = planReview(input({ findings: [placed(x86)], existing: [mine(1, once)], headSha: 'b'.repeat(40) }));
    const twice = bodyOf(second, 1);
    expect(twice).toMatch(/^\*\*Fixed on riscv in a{12}\*\*: [^\n]*\n\n\*\*Fixed on arm64 in b{12}\*\*: kvm-review no longer finds this on arm64 at that commit; it still does on x86\.\n\n/);
    expect(twice).toContain('`doc-conflict` (x86)');
    expect(markersIn(twice)).toEqual([x86.fingerprint]);
    // Nothing left: the "Fixed in" of any finding, once.
    const last = planReview(input({ findings: [], existing: [mine(1, twice)] }));
    expect(last.actions.map((a) => a.code)).toEqual(['fixed']);
    expect(fixedIn(bodyOf(last, 1))).toBe(HEAD);
    // A fixed architecture's finding back is a new comment; the narrowed one is left as it is.
    const back = planReview(input({ findings: [placed(x86), placed(arm64), placed(riscv)], existing: [mine(1, once)] }));
    expect(back.actions.map((a) => a.code).sort()).toEqual(['create', 'skip', 'skip']);
    expect(back.review?.comments.map((c) => markersIn(c.body))).toEqual([[riscv.fingerprint]]);
  });

  it('a comment posted before the App recorded each fingerprint\'s architecture: "partly fixed", naming what is left, never a guess', () => {
    const [x86, arm64] = perArch(['x86', 'arm64']) as [ReturnType<typeof finding>, ReturnType<typeof finding>];
    const old = `${fingerprintMarker(x86.fingerprint)}\n${fingerprintMarker(arm64.fingerprint)}\n### error: \`doc-conflict\` (x86, arm64)\n`;
    const plan = planReview(input({ findings: [placed(x86)], existing: [mine(1, old)] }));
    expect(bodyOf(plan, 1)).toMatch(/^\*\*Partly fixed in c0ffee000000\*\*: kvm-review still finds this on x86 only at that commit\.\n\n/);
    const discussed = planReview(input({ findings: [placed(x86)], existing: [mine(1, old, { replies: 1 })] }));
    expect(discussed.actions.filter((a) => a.code !== 'skip')).toEqual([
      { code: 'reply-partly-fixed', fingerprint: arm64.fingerprint, fixed: [arm64.fingerprint], commentId: 1, body: `<!-- kvm-review:fixed-fp=${arm64.fingerprint} -->\nPartly fixed in c0ffee000000: kvm-review still finds this on x86 only at that commit.` },
    ]);
    // That reply read back: the comment is open for x86 only; nothing more is said while x86 has it, "Fixed in" once it goes.
    const replied = mine(1, old, { replies: 2, repliedFixedFingerprints: [arm64.fingerprint] });
    expect(planReview(input({ findings: [placed(x86)], existing: [replied] })).actions.map((a) => a.code)).toEqual(['skip']);
    expect(planReview(input({ findings: [], existing: [replied] })).actions.map((a) => a.code)).toEqual(['reply-fixed']);
  });
});

describe('planReview with no commit to read', () => {
  const merge = (sha: string, message: string): ListedCommit => ({ sha, parents: [{ sha: HEAD }, { sha: HEAD.replace(/1$/, '2') }], commit: { message } });

  it('two merge commits: neutral, titled so, each named by its short sha and subject', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const plan = planReview(input({ coverage: unreadCoverage([merge(a, 'Merge branch kvm-x86/mmu\n\nThe MMU topic.'), merge(b, "Merge tag 'kvm-arm64-fixes'")]) }));
    expect(plan.check.conclusion).toBe('neutral');
    expect(plan.check.title).toBe("Nothing reviewed: the pull request's 2 commits are all merge commits");
    expect(plan.check.summary).toContain(`\`${a.slice(0, 12)}\` "Merge branch kvm-x86/mmu": a merge commit`);
    expect(plan.check.summary).toContain(`\`${b.slice(0, 12)}\` "Merge tag 'kvm-arm64-fixes'": a merge commit`);
    expect(plan.check.summary).not.toMatch(/no lock-order findings|The MMU topic/i);
  });

  it('no commit past the base: neutral, saying so', () => {
    const plan = planReview(input({ coverage: unreadCoverage([]) }));
    expect(plan.check.conclusion).toBe('neutral');
    expect(plan.check.title).toBe('Nothing reviewed: the pull request has no commit past its base');
    expect(plan.check.summary).not.toMatch(/no lock-order findings/i);
  });
});

describe('planReview with a merge beside ordinary commits', () => {
  const commit = (sha: string, message: string, parents = 1): ListedCommit => ({ sha, parents: Array.from({ length: parents }, (_, i) => ({ sha: String(i).repeat(40) })), commit: { message } });
  const [a, m, b] = ['a', 'b', 'c'].map((x) => x.repeat(40)) as [string, string, string];
  const listed = [commit(a, 'KVM: one'), commit(m, "Merge branch 'topic'", 2), commit(b, 'KVM: two')];

  it('one commit not applying and the merge: the conclusion is the reviewed commit\'s; both counted, in the order GitHub lists them', () => {
    const notApplied = { index: 2, sha: b, subject: 'KVM: two', why: 'no hunk applies to the tree', alreadyApplied: false, hunks: [] };
    const plan = planReview(input({ coverage: withUnpatched({ commits: 2, unreviewed: [notApplied] }, [a, b], listed) }));
    expect(plan.check.conclusion).toBe('success');
    expect(plan.check.title).toBe('No lock-order findings; 2 of 3 commits not reviewed');
    expect(plan.check.summary).toContain('1 of 3 commits of the pull request could not be reviewed against the base tree, and 1 more is a merge, which is not reviewed: this run speaks for the other commit only.');
    const merge = plan.check.summary.indexOf(`- \`${m.slice(0, 12)}\` "Merge branch 'topic'": a merge commit`);
    expect(merge).toBeGreaterThan(0);
    expect(plan.check.summary.indexOf(`- 2: \`${b.slice(0, 12)}\` "KVM: two": no hunk applies`)).toBeGreaterThan(merge);
  });
});
