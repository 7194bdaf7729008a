/**
 * v1 -> v2 in `kvm-review mbox`: an input holding several versions of a
 * series reviews the newest and compares it with the one before (per
 * finding `since`, `fixed`, `previous`), in every format. A demo series of
 * our own where v2 fixes one of v1's two findings, and real corpus threads
 * holding two versions (the kvm_init() rework v1 + v2, the SEV nested
 * vcpu->mutex v3 + v4), reviewed hunk-only (the comparison is the same
 * with a tree; the watcher's slice test runs it against 6.1).
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSeries } from '../../analyzers/series/read-series.js';
import { ROOT, SHARED } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const DEMO = join(ROOT, 'test', 'compare', 'demo-v1-v2.mbx');
const LORE = join(SHARED, 'corpus', 'lore');

interface Finding {
  kind: string;
  severity: string;
  fingerprint: string;
  since?: number;
  patch: { index: number };
}
interface Json {
  series: { version: number };
  previous?: { version: number; messageId: string | null } | null;
  fixed?: (Finding & { fixedIn: number })[];
  patches: { index: number; messageId: string | null; findings: Finding[] }[];
  notes: string[];
}

async function json(input: string, extra: string[] = []): Promise<Json> {
  const r = await runCli(['mbox', input, '--format', 'json', '--no-cache', '--fail-on', 'never', ...extra], tmpdir());
  expect(r.stderr.replace(/^kvm-review: degraded: .*\n/m, '')).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Json;
}

const fingerprints = (j: Json): Set<string> => new Set(j.patches.flatMap((p) => p.findings.map((f) => f.fingerprint)));

function header(mail: string, name: string): string | null {
  const head = mail.slice(0, mail.indexOf('\n\n')).replace(/\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1] ?? null;
}

describe('mbox on an input with v1 and v2 (own fixture: v2 fixes patch 2)', () => {
  it('JSON: v2 reviewed, compared with v1; patch 1 still has its finding since v1; patch 2 inversion is fixed', async () => {
    const v1 = await json(DEMO, ['--message-id', 'v1-0@example.org']);
    expect(v1.series.version).toBe(1);
    // Alone (no earlier version in the input): no comparison at all.
    expect(v1.previous).toBeUndefined();
    expect(v1.patches.flatMap((p) => p.findings.map((f) => f.since))).toEqual(v1.patches.flatMap((p) => p.findings.map(() => undefined)));
    const inversion = v1.patches.find((p) => p.index === 2)?.findings.find((f) => f.kind === 'order-inversion');
    expect(inversion).toBeDefined();

    const v2 = await json(DEMO);
    expect(v2.series.version).toBe(2);
    expect(v2.previous).toEqual({ version: 1, messageId: 'v1-0@example.org' });
    const p1 = v2.patches.find((p) => p.index === 1)?.findings ?? [];
    expect(p1.length).toBeGreaterThan(0);
    for (const f of p1) expect(f.since).toBe(fingerprints(v1).has(f.fingerprint) ? 1 : 2);
    expect(p1.some((f) => f.since === 1)).toBe(true);
    expect(v2.patches.find((p) => p.index === 2)?.findings).toEqual([]);
    expect(v2.fixed?.map((f) => [f.fingerprint, f.fixedIn, f.patch.index])).toEqual([[inversion?.fingerprint, 2, 2]]);
  });

  it('text and markdown say "still present since v1" and "fixed in v2"', async () => {
    const text = await runCli(['mbox', DEMO, '--no-cache'], tmpdir());
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^compared with v1 <v1-0@example\.org>: 1 finding still present, 1 fixed in v2$/m);
    expect(text.stdout).toMatch(/^ {4}still present since v1$/m);
    expect(text.stdout).toMatch(/^fixed in v2 \(reported on v1\):\n {2}\[error: order-inversion\] kvm->lock is taken inside vcpu->mutex .*\(v1 patch 2, virt\/kvm\/demo\.c:\d+\)$/m);
    const md = await runCli(['mbox', DEMO, '--no-cache', '--format', 'markdown'], tmpdir());
    expect(md.stdout).toMatch(/\(still present since v1\)/);
    expect(md.stdout).toMatch(/^### Fixed in v2 \(reported on v1\)\n\n[-*] error: order-inversion: kvm->lock is taken inside vcpu->mutex/m);
  });

  it('email: the patch reply notes "still present since v1"; one reply to the v2 cover lists what v2 fixed', async () => {
    const r = await runCli(['mbox', DEMO, '--no-cache', '--format', 'email'], tmpdir());
    const mails = r.stdout.split(/^From kvm-review@localhost .*\n/m).filter(Boolean);
    expect(mails).toHaveLength(2);
    const [patch, cover] = mails as [string, string];
    expect(header(patch, 'In-Reply-To')).toBe('<v2-1@example.org>');
    expect(patch).toMatch(/^Note: still present since v1\.$/m);
    expect(header(cover, 'In-Reply-To')).toBe('<v2-0@example.org>');
    expect(header(cover, 'References')).toBe('<v2-0@example.org>');
    expect(header(cover, 'Subject')).toBe('Re: [PATCH v2 0/2] KVM: demo: count device resets per VM');
    expect(cover).toMatch(/^Compared with v1 \(<v1-0@example\.org>\), fixed in v2:$/m);
    expect(cover).toMatch(/^ {2}- \[error: order-inversion\] kvm->lock is taken inside vcpu->mutex/m);
    expect(cover.replace(/\n(?!\n)/g, ' ')).toMatch(/Still present since an earlier version: 1 finding, in the replies to the patches\./);
  });

  it('render: a saved JSON prints the comparison again', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kvm-review-cmp-')), 'r.json');
    writeFileSync(file, (await runCli(['mbox', DEMO, '--no-cache', '--format', 'json'], tmpdir())).stdout);
    const direct = await runCli(['mbox', DEMO, '--no-cache'], tmpdir());
    const again = await runCli(['render', file, '--format', 'text'], tmpdir());
    expect(again.stdout).toBe(direct.stdout);
  });
});

describe('mbox on real threads holding two versions', () => {
  it('the kvm_init() rework v1 + v2 in one input: v2 compared with v1, since and fixed match the versions reviewed alone', async () => {
    const v1File = join(LORE, 'kvmarm', 'kvm-init-rework-v1.mbx');
    const v2File = join(LORE, 'kvmarm', 'kvm-init-rework-v2.mbx');
    const both = join(mkdtempSync(join(tmpdir(), 'kvm-review-cmp-')), 'both.mbx');
    writeFileSync(both, Buffer.concat([readFileSync(v1File), readFileSync(v2File)]));
    const [alone1, alone2, compared] = [await json(v1File), await json(v2File), await json(both)];
    const v1Cover = (await readSeries(v1File)).chosen?.cover?.messageId;
    expect(compared.series.version).toBe(2);
    expect(compared.previous).toEqual({ version: 1, messageId: v1Cover });
    // The same findings as v2 reviewed alone, each marked with the version that first had it.
    expect(fingerprints(compared)).toEqual(fingerprints(alone2));
    const before = fingerprints(alone1);
    for (const f of compared.patches.flatMap((p) => p.findings)) expect(f.since).toBe(before.has(f.fingerprint) ? 1 : 2);
    const gone = [...before].filter((fp) => !fingerprints(alone2).has(fp)).sort();
    expect(gone.length).toBeGreaterThan(0);
    expect(compared.fixed?.map((f) => f.fingerprint).sort()).toEqual(gone);
  }, 300_000);

  it('the SEV nested vcpu->mutex patch, v3 and v4 threads in one file: v4 compared with v3', async () => {
    const file = join(LORE, 'kvm', 'sev-nested-vcpu-mutex-lockdep.mbx');
    const read = await readSeries(file);
    const v3 = read.series.find((s) => s.version === 3);
    const r = await json(file);
    expect(r.series.version).toBe(4);
    expect(r.previous).toEqual({ version: 3, messageId: v3?.cover?.messageId ?? v3?.patches[0]?.messageId });
    expect(r.notes.some((n) => /^compared with v3 \(1\/1\)/.test(n))).toBe(true);
  });
});
