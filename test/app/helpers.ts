/** Builders the App's tests share: findings, existing comments, an Octokit that nock can intercept. */
import { ProbotOctokit } from 'probot';
import type { ReviewFinding } from '../../analyzers/review/model.js';
import type { PlacedFinding } from '../../bot/app/plan.js';

let n = 0;

/** A finding on `file:line` with a fresh fingerprint unless one is given. */
export function finding(over: Partial<ReviewFinding> = {}): ReviewFinding {
  n += 1;
  return {
    kind: 'order-inversion',
    severity: 'error',
    outer: 'vcpu->mutex',
    inner: 'kvm->lock',
    message: 'the patch takes kvm->lock inside vcpu->mutex; the documented order is kvm->lock outside vcpu->mutex',
    rule: { line: 20, text: 'kvm->lock is taken outside vcpu->mutex' },
    rulePath: [{ line: 20, text: 'kvm->lock is taken outside vcpu->mutex' }],
    sites: [{ file: 'virt/kvm/kvm_main.c', line: 100 + n, function: 'demo', chain: [{ function: 'demo', file: 'virt/kvm/kvm_main.c', line: 100 + n }] }],
    suggestion: 'take kvm->lock before vcpu->mutex',
    arch: null,
    fingerprint: (0x1000000000000000n + BigInt(n)).toString(16),
    patch: { index: 1, subject: '[PATCH] KVM: demo' },
    file: 'virt/kvm/kvm_main.c',
    line: 100 + n,
    placement: 'added',
    chain: [],
    ...over,
  };
}

/** A finding whose line is in `diff` with the text `text`, at the same line at the head. */
export function placed(f: ReviewFinding, text: string | null = `line ${f.line}`): PlacedFinding {
  return { finding: f, text, at: { file: f.file, line: f.line } };
}

/** The diff lines a set of placed findings sit on. */
export function diffOf(findings: readonly PlacedFinding[]): Map<string, Map<number, string>> {
  const out = new Map<string, Map<number, string>>();
  for (const p of findings) {
    const m = out.get(p.finding.file) ?? new Map<number, string>();
    if (p.text !== null) m.set(p.at?.line ?? p.finding.line, p.text);
    out.set(p.finding.file, m);
  }
  return out;
}

/** An Octokit with retry and throttling off, for nock. */
export function testOctokit(baseUrl = 'https://api.github.com'): InstanceType<typeof ProbotOctokit> {
  return new ProbotOctokit({ auth: { token: 'test' }, baseUrl, retry: { enabled: false }, throttle: { enabled: false } });
}

/** A body as the planner wrote it: without the marker the applier adds to find a post again after a 5xx (post-once.ts). */
export function unposted(body: string): string {
  return body.replace(/^<!-- kvm-review:post=[0-9a-f-]+ -->\n/, '');
}
