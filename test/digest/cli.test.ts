/**
 * `kvm-review digest` from the command line (in process): exit codes and
 * bad input (§5), and --post against a GitHub issues API on loopback: one
 * issue per ISO week, updated when run again in the same week, a new one
 * the next week.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { weekMarker } from '../../bot/render/digest/markdown.js';
import { DIGEST_CACHE, digestHistory, type DigestHistory } from '../helpers/digest-history.js';
import { runCli } from '../helpers/run-cli.js';
import { fakeIssues, type FakeIssues } from './fake-issues.js';

let h: DigestHistory;
beforeAll(async () => {
  h = await digestHistory();
}, 300_000);

const digest = (...args: string[]): ReturnType<typeof runCli> => runCli(['digest', '--repo', h.repo, '--cache-dir', DIGEST_CACHE, ...args]);

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.org' } });
}

describe('kvm-review digest: input', () => {
  it('a directory that is not a repository, an unknown revision, a bad date, two starts: exit 2, naming what', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kvm-review-not-a-repo-'));
    const notRepo = await runCli(['digest', '--repo', empty]);
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toContain(`${empty}: not a git repository`);
    const unknown = await digest('--from', 'no-such-rev');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown revision no-such-rev');
    const date = await digest('--since', 'last tuesday-ish');
    expect(date.code).toBe(2);
    expect(date.stderr).toContain('--since last tuesday-ish: not a date');
    const both = await digest('--since', '2026-01-01', '--from', 'HEAD~1');
    expect(both.code).toBe(2);
    expect((await digest('--format', 'sarif')).code).toBe(2);
    expect(unknown.stdout + date.stdout + both.stdout).toBe('');
  }, 120_000);

  it('a --mail-from or --mail-to that is not an address, or holds a line break, is exit 2 naming it, not a mail without From: or with a mangled To:', async () => {
    const from = await digest('--format', 'email', '--mail-from', 'nobody');
    expect(from.code).toBe(2);
    expect(from.stderr).toBe('kvm-review: --mail-from nobody: "nobody" is not an address (addr@example.org, or Name <addr@example.org>)\n');
    const to = await digest('--format', 'email', '--mail-to', 'kvm@vger.kernel.org\nBcc: x@example.org');
    expect(to.code).toBe(2);
    expect(to.stderr).toBe('kvm-review: --mail-to: contains a line break or control character (a header is one line)\n');
    const list = await digest('--format', 'email', '--mail-to', 'kvm@vger.kernel.org, Jane <jane@example.org>', '--mail-from', 'Bot <bot@example.org>', '--weeks', '1');
    expect(list.stdout).toMatch(/^To: kvm@vger\.kernel\.org, Jane <jane@example\.org>$/m);
    expect(from.stdout + to.stdout).toBe('');
  }, 120_000);

  it('--mail-from and --mail-to without --format email, --repo-slug without --post: exit 2 naming them, nothing printed', async () => {
    const mail = await digest('--mail-from', 'Bot <bot@example.org>', '--mail-to', 'kvm@vger.kernel.org');
    expect(mail.code).toBe(2);
    expect(mail.stderr).toBe('kvm-review: --mail-from and --mail-to go with --format email: the markdown digest has no mail headers\n');
    const to = await digest('--format', 'html', '--mail-to', 'kvm@vger.kernel.org');
    expect(to.code).toBe(2);
    expect(to.stderr).toBe('kvm-review: --mail-to goes with --format email: the html digest has no mail headers\n');
    const slug = await digest('--repo-slug', 'kvm/linux');
    expect(slug.code).toBe(2);
    expect(slug.stderr).toBe('kvm-review: --repo-slug goes with --post: it names the repository the issue is opened in\n');
    expect(mail.stdout + to.stdout + slug.stdout).toBe('');
  });

  it('--weeks past two years is exit 2 saying the bound and why, before any tree is read: 520 weeks ran for minutes', async () => {
    const r = await digest('--weeks', '520');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--weeks <n>' argument '520' is invalid. expected a whole number of weeks from 1 to 104 (two years: each week's tree is read for the trend), got '520'");
    expect(r.stdout).toBe('');
  });

  it('an empty window is a note, and the drift at HEAD still decides the exit', async () => {
    // A start after the newest commit (the default, the last 7 days, is empty too whenever the clock is past the history).
    const r = await digest('--since', '2099-01-01', '--format', 'json', '--weeks', '2');
    expect(r.stderr).toMatch(/note: empty window: no commits/);
    const d = JSON.parse(r.stdout) as { notes: string[]; window: { commits: number }; drift: { contradicted: { severity: string }[] } };
    expect(d.window.commits).toBe(0);
    expect(d.notes.some((n) => n.startsWith('empty window'))).toBe(true);
    expect(r.code).toBe(d.drift.contradicted.some((c) => c.severity === 'error') ? 1 : 0);
  }, 300_000);

  it('a shallow clone that does not reach --since says what it could not see; exit 0 or 1, not 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-shallow-'));
    execFileSync('git', ['clone', '-q', '--depth', '2', `file://${h.repo}`, join(dir, 'r')]);
    const r = await runCli(['digest', '--repo', join(dir, 'r'), '--cache-dir', DIGEST_CACHE, '--since', '2020-01-01', '--weeks', '1', '--format', 'text']);
    expect([0, 1]).toContain(r.code);
    expect(r.stderr).toMatch(/note: shallow clone/);
    expect(r.stdout).toMatch(/Not seen/);
  }, 300_000);

  it('a repository without locking.rst: a note, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-no-doc-'));
    git(dir, 'init', '-q', '-b', 'main');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'a.c'), 'int a;\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'first');
    const r = await runCli(['digest', '--repo', dir, '--since', '2000-01-01', '--weeks', '1', '--format', 'text']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no Documentation\/virt\/kvm\/locking\.rst/);
    // The history starts inside the window: there is no commit before it to name.
    const head = git(dir, 'rev-parse', '--short=12', 'HEAD').trim();
    expect(r.stdout).toMatch(new RegExp(`^Locking-doc drift, up to ${head} \\(from the first commit to \\d{4}-\\d\\d-\\d\\d, since 2000-01-01\\)\n`));
    expect(r.stdout).toContain(`\n1 commit up to ${head}; locking.rst unchanged.`);
  }, 60_000);
});

describe('kvm-review digest --post', () => {
  let api: FakeIssues;
  const saved = { ...process.env };
  beforeAll(async () => {
    api = await fakeIssues('kvm', 'linux', 'test-token');
  });
  afterAll(async () => {
    process.env = saved;
    await api.close();
  });

  it('refuses without a token or a repository, before reading the history', async () => {
    delete process.env.GITHUB_TOKEN;
    delete process.env.GITHUB_REPOSITORY;
    const r = await digest('--post', '--repo-slug', 'kvm/linux');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('GITHUB_TOKEN');
    process.env.GITHUB_TOKEN = 'test-token';
    const s = await digest('--post');
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('--repo-slug');
  });

  it('opens one issue for the week, updates it when run again that week, opens another the next week', async () => {
    process.env.GITHUB_TOKEN = 'test-token';
    process.env.GITHUB_API_URL = api.url;
    const week23 = ['--from', h.revision('22').hash, '--to', h.revision('23').hash, '--weeks', '2', '--format', 'json', '--post', '--repo-slug', 'kvm/linux'];
    const first = await digest(...week23);
    expect(first.stderr).toMatch(/created issue #1 \(2026-W01\) in kvm\/linux/);
    expect(api.issues).toHaveLength(1);
    expect(api.issues[0]?.labels.map((l) => l.name)).toEqual(['locking-drift']);
    expect(api.issues[0]?.title).toBe('Locking-doc drift, week 2026-W01');
    expect(api.issues[0]?.body.startsWith(weekMarker('2026-W01'))).toBe(true);
    expect(api.issues[0]?.body).toContain('vcpu->mutex -> kvm->slots_lock');

    // Someone edits the title: the hidden marker still finds it.
    if (api.issues[0]) api.issues[0].title = 'renamed by a maintainer';
    const again = await digest(...week23);
    expect(again.stderr).toMatch(/updated issue #1 \(2026-W01\)/);
    expect(api.issues).toHaveLength(1);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);

    const next = await digest('--from', h.revision('23').hash, '--to', h.revision('24').hash, '--weeks', '2', '--format', 'json', '--post', '--repo-slug', 'kvm/linux');
    expect(next.stderr).toMatch(/created issue #2 \(2026-W09\)/);
    expect(api.issues.map((i) => i.title)).toEqual(['Locking-doc drift, week 2026-W01', 'Locking-doc drift, week 2026-W09']);
    expect([first.code, again.code, next.code].every((c) => c === 0 || c === 1)).toBe(true);
  }, 300_000);
});
