/**
 * `kvm-review watch --once` over the whole real kvmarm slice (1,054
 * messages, November 2022) against the 6.1 tree: every commit read once,
 * every complete KVM series reviewed once (checked against the series
 * stage run on the same inbox), the kvm_init() rework v1 and v2 linked as
 * versions of one series, replies that answer the right message, and a
 * second pass that changes nothing. The slowest test of the suite (~45
 * series reviewed): about 1.5 minutes with a warm index cache, 3.5 CPU
 * minutes with an empty one (most of it the kvm_init() rework and the TDP
 * MMU refactor, whose struct changes re-walk every file of the arch); the
 * kill trials use a window of it.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSeries } from '../../analyzers/series/read-series.js';
import type { Series } from '../../analyzers/series/model.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { SLICE } from './inbox-fixture.js';

const KVM_FILE = /^(?:virt\/kvm\/|arch\/[^/]+\/kvm\/|include\/kvm\/|include\/linux\/kvm|Documentation\/virt\/kvm\/)/;

interface Finding {
  severity: string;
  fingerprint: string;
  since: number;
}

interface SeriesJson {
  status: 'reviewed' | 'partial' | 'not-reviewed' | 'skipped';
  reason?: string;
  key: string;
  series: { subject: string; version: number; total: number };
  previous: { version: number; messageId: string | null } | null;
  fixed: { fingerprint: string }[];
  patches: { index: number; status: string; messageId: string | null; references?: string[]; findings?: Finding[] }[];
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of ['series', 'new', 'cur', 'tmp']) {
    for (const name of readdirSync(join(dir, sub))) out[`${sub}/${name}`] = createHash('sha256').update(readFileSync(join(dir, sub, name))).digest('hex');
  }
  return out;
}

function header(text: string, name: string): string | null {
  const head = text.slice(0, text.indexOf('\n\n')).replace(/\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1] ?? null;
}

describe('watch --once over the kvmarm slice against 6.1', () => {
  const root = mkdtempSync(join(tmpdir(), 'kvm-review-slice-'));
  const outbox = join(root, 'outbox');
  const args = ['watch', '--once', '--inbox', SLICE, '--tree', kernelTree('6.1'), '--state', join(root, 'state'), '--outbox', outbox];
  let first: CliResult;
  let records: SeriesJson[];
  let expected: Series[];

  beforeAll(async () => {
    first = await runCli(args);
    records = readdirSync(join(outbox, 'series')).map((f) => JSON.parse(readFileSync(join(outbox, 'series', f), 'utf8')) as SeriesJson);
    // The expectation, from the series stage on the same inbox: complete postings that touch a KVM file
    // (stable backports and the stable team's queue notices excepted, as the README says).
    const read = await readSeries(SLICE);
    expected = read.series.filter((s) => s.complete && !s.backport && !/has been added to the [\w.-]+ tree$/.test(s.title) && s.patches.some((p) => p.files.some((f) => [f.newPath, f.oldPath, f.path].some((x) => x && KVM_FILE.test(x)))));
  }, 1_800_000);

  it('reads every commit exactly once', () => {
    const commits = Number(execFileSync('git', [`--git-dir=${SLICE}`, 'rev-list', '--count', 'HEAD'], { encoding: 'utf8' }).trim());
    expect(commits).toBe(1054);
    expect(first.stderr).toMatch(new RegExp(`pass: ${commits} commits read \\(0 bad\\)`));
    const state = readFileSync(join(root, 'state', 'journal.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { t: string; read?: number });
    expect(state.filter((r) => r.t === 'head').map((r) => r.read)).toEqual([commits]);
  });

  it('reviews every complete KVM series exactly once, and says so in the exit code', () => {
    const keys = records.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    // Handled: reviewed, or read against the tree with no patch that could be (6.1 already has some of these series).
    const handled = new Set(records.filter((r) => r.status === 'reviewed' || r.status === 'not-reviewed').map((r) => r.key));
    const missing = expected.filter((s) => !handled.has(s.fingerprint)).map((s) => `v${s.version} ${s.title}`);
    expect(missing).toEqual([]);
    // A series not reviewed says why, patch by patch, and none of its patches was reviewed.
    for (const r of records.filter((x) => x.status === 'not-reviewed')) {
      expect(r.reason).toMatch(/^no patch could be reviewed: patch \d+: /);
      expect(r.patches.every((p) => p.status !== 'reviewed')).toBe(true);
    }
    expect(expected.length).toBeGreaterThan(30);
    const errors = records.some((r) => r.patches.some((p) => (p.findings ?? []).some((f) => f.severity === 'error')));
    expect(first.code).toBe(errors ? 1 : 0);
  });

  it('the kvm_init() rework: v2 is compared with v1, each finding says since when', () => {
    const rework = records.filter((r) => r.series.subject === 'KVM: Rework kvm_init() and hardware enabling');
    const v1 = rework.find((r) => r.series.version === 1);
    const v2 = rework.find((r) => r.series.version === 2);
    expect([v1?.series.total, v2?.series.total]).toEqual([44, 50]);
    expect(v1?.previous).toBeNull();
    expect(v2?.previous).toEqual({ version: 1, messageId: '20221102231911.3107438-1-seanjc@google.com' });
    const before = new Set(v1?.patches.flatMap((p) => (p.findings ?? []).map((f) => f.fingerprint)));
    for (const f of v2?.patches.flatMap((p) => p.findings ?? []) ?? []) expect(f.since).toBe(before.has(f.fingerprint) ? 1 : 2);
    for (const f of v2?.fixed ?? []) expect(before.has(f.fingerprint)).toBe(true);
  });

  it('each reply answers a patch (or, for "fixed in", the cover) of a reviewed series, with References down to it', () => {
    const patches = new Map(records.flatMap((r) => r.patches.filter((p) => p.messageId).map((p) => [p.messageId as string, { r, p }] as const)));
    const replies = readdirSync(join(outbox, 'new')).map((f) => readFileSync(join(outbox, 'new', f), 'utf8'));
    expect(replies.length).toBeGreaterThan(0);
    for (const text of replies) {
      const parent = /^<(.*)>$/.exec(header(text, 'In-Reply-To') ?? '')?.[1] ?? '';
      const refs = (header(text, 'References') ?? '').split(/\s+/);
      expect(refs.at(-1)).toBe(`<${parent}>`);
      expect(header(text, 'Subject')).toMatch(/^Re: /);
      const hit = patches.get(parent);
      // No reply to a series nothing of which was reviewed.
      expect(hit?.r.status).not.toBe('not-reviewed');
      if (hit) {
        expect(hit.p.findings?.length).toBeGreaterThan(0);
        expect(text).toMatch(/^> /m);
      } else {
        // The "fixed in vN" reply answers the cover letter, named as every patch's first reference.
        expect(text).toMatch(/fixed in v\d+:/);
        expect(records.some((r) => r.fixed.length > 0 && r.patches.some((p) => p.references?.[0] === parent))).toBe(true);
      }
    }
  });

  it('a second --once reads nothing and adds, removes or rewrites no file', async () => {
    const before = snapshot(outbox);
    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/pass: 0 commits read \(0 bad\), 0 series reviewed, 0 skipped, 0 waiting, 0 new replies/);
    expect(snapshot(outbox)).toEqual(before);
  }, 600_000);
});
