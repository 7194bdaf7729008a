/**
 * The git history the digest tests read (issue 12, §4): one commit per
 * revision of locking.rst in the corpus, dated as its file name says, with
 * the indexed files of the Debian 6.1 tree committed before the 2023
 * revisions and those of the 6.12 tree before the 2025 ones. Only what the
 * analysis reads is committed (indexedFiles() of each tree), so it builds in
 * seconds; nothing of it is kept in the project.
 *
 * The repository is built once per set of inputs into the system temporary
 * directory (a key over this helper, the corpus revisions and the two
 * trees' paths) and renamed into place, so concurrent test files share one
 * build and a later run reuses it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { indexedFiles } from '../../analyzers/index/files.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { corpusRevisions, kernelTree, LOCKING_DOC_DIR } from './paths.js';

export const LOCKING_RST = 'Documentation/virt/kvm/locking.rst';

/**
 * The index cache the digest tests share (KVM_REVIEW_CACHE_DIR when set):
 * the two trees are indexed once per machine, not once per test file.
 */
export const DIGEST_CACHE = process.env.KVM_REVIEW_CACHE_DIR ?? join(tmpdir(), 'kvm-review-digest-test-cache');

/** One commit of the history, oldest first. */
export interface HistoryCommit {
  hash: string;
  /** ISO date (UTC) of author and committer. */
  date: string;
  subject: string;
  /** The corpus revision committed as locking.rst, or the kernel tree whose code was committed. */
  revision?: string;
  code?: '6.1' | '6.12';
}

export interface DigestHistory {
  repo: string;
  commits: HistoryCommit[];
  /** The commit that committed corpus revision PREFIX (`16`, `23`). */
  revision(prefix: string): HistoryCommit;
  /** The commit that committed the code of a tree. */
  code(version: '6.1' | '6.12'): HistoryCommit;
}

/** Bumped when the way the history is built changes: the cached repository is then rebuilt. */
const LAYOUT = 3;
const DAY = 24 * 3600 * 1000;

/**
 * Dates from the names: `NN-YYYY-MM-...` is that month, `NN-YYYY-...` that
 * year; each revision is dated the first of its month (January for a year
 * alone) or two weeks after the previous one, whichever is later, at noon
 * UTC. So revisions never share an ISO week and stay in the year (and
 * month) their names give.
 */
export function revisionDates(names: string[]): Date[] {
  const out: Date[] = [];
  let prev = 0;
  for (const n of names) {
    const m = /^\d+-(\d{4})(?:-(\d{2})(?=-))?/.exec(n);
    if (!m) throw new Error(`${n}: no year in the name of a corpus revision`);
    const named = Date.UTC(Number(m[1]), m[2] ? Number(m[2]) - 1 : 0, 1, 12);
    const at = Math.max(named, prev ? prev + 14 * DAY : 0);
    out.push(new Date(at));
    prev = at;
  }
  return out;
}

function git(repo: string, args: string[], date?: Date): string {
  const when = date?.toISOString();
  return execFileSync('git', ['-c', 'core.hooksPath=/dev/null', ...args], {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test Author',
      GIT_AUTHOR_EMAIL: 'author@example.org',
      GIT_COMMITTER_NAME: 'Test Author',
      GIT_COMMITTER_EMAIL: 'author@example.org',
      ...(when ? { GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when } : {}),
    },
  });
}

function key(trees: Record<string, string>): string {
  const h = createHash('sha256').update(`layout ${LAYOUT}\n`);
  for (const f of corpusRevisions()) h.update(f).update(readFileSync(join(LOCKING_DOC_DIR, f)));
  for (const [v, p] of Object.entries(trees)) h.update(`${v}=${p}`);
  return h.digest('hex').slice(0, 16);
}

async function copyCode(kernel: string, repo: string): Promise<void> {
  // The previous tree's code goes first: a file 6.12 dropped must not linger.
  for (const d of ['virt', 'arch', 'include', 'kernel']) rmSync(join(repo, d), { recursive: true, force: true });
  for (const f of await indexedFiles(new DirectoryTree(kernel))) {
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    copyFileSync(join(kernel, f), join(repo, f));
  }
}

async function build(dir: string, trees: Record<'6.1' | '6.12', string>): Promise<HistoryCommit[]> {
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'master']);
  const names = corpusRevisions();
  const dates = revisionDates(names);
  const commits: HistoryCommit[] = [];
  const commit = (subject: string, date: Date, extra: Partial<HistoryCommit>): void => {
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '--allow-empty', '-m', `${subject}\n\nSigned-off-by: Test Author <author@example.org>`], date);
    commits.push({ hash: git(dir, ['rev-parse', 'HEAD']).trim(), date: date.toISOString(), subject, ...extra });
  };
  for (const [i, name] of names.entries()) {
    const date = dates[i] ?? new Date(0);
    const year = date.getUTCFullYear();
    // The code lands a week before the first revision of its era.
    const era = year >= 2025 ? '6.12' : year >= 2023 ? '6.1' : null;
    if (era && !commits.some((c) => c.code === era)) {
      await copyCode(trees[era], dir);
      commit(`KVM: the code of Linux ${era}`, new Date(date.getTime() - 7 * DAY), { code: era });
    }
    mkdirSync(join(dir, dirname(LOCKING_RST)), { recursive: true });
    copyFileSync(join(LOCKING_DOC_DIR, name), join(dir, LOCKING_RST));
    commit(`Documentation: KVM: locking.rst as in ${name.replace(/\.rst$/, '')}`, date, { revision: name });
  }
  return commits;
}

let built: Promise<DigestHistory> | null = null;

/** The history repository (built on first use, then shared). */
export function digestHistory(): Promise<DigestHistory> {
  built ??= (async () => {
    const trees = { '6.1': kernelTree('6.1'), '6.12': kernelTree('6.12') };
    const repo = join(tmpdir(), `kvm-review-digest-history-${key(trees)}`);
    const record = join(repo, '.git', 'kvm-review-history.json');
    if (!existsSync(record) || !statSync(record).isFile()) {
      const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-digest-build-'));
      const commits = await build(tmp, trees);
      writeFileSync(join(tmp, '.git', 'kvm-review-history.json'), JSON.stringify(commits));
      try {
        renameSync(tmp, repo);
      } catch {
        // Another test file built it first: theirs is the same history.
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    const commits = JSON.parse(readFileSync(record, 'utf8')) as HistoryCommit[];
    const find = (what: string, pred: (c: HistoryCommit) => boolean): HistoryCommit => {
      const c = commits.find(pred);
      if (!c) throw new Error(`the digest history has no commit for ${what}`);
      return c;
    };
    return {
      repo,
      commits,
      revision: (prefix) => find(`revision ${prefix}`, (c) => c.revision?.startsWith(`${prefix}-`) ?? false),
      code: (version) => find(`code ${version}`, (c) => c.code === version),
    };
  })();
  return built;
}
