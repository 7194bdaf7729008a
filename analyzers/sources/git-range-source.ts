/**
 * A range of commits as a series, like `checkpatch.pl --git`: each commit
 * of RANGE, oldest first, becomes `[PATCH k/M]` in `git format-patch` form
 * (no external diff, no textconv, hooks off: nothing from the repository
 * runs), read by the same mail decoder as `mbox`. A merge commit is its
 * own change beyond git's automatic merge (git-merge.ts): none, skipped
 * with the reason; an evil merge's, a patch; a conflict resolution's, the
 * content of its files at the merge (PatchEntry.becomes), which the review
 * diffs against its own state; one not read (an octopus, a resolution
 * whose history the range does not hold), `failed`: NOT reviewed. An empty commit
 * (format-patch writes nothing for it) keeps its slot, skipped with the
 * reason. The work tree is never read: when it has
 * uncommitted changes, a note says they are not part of the review.
 *
 * RANGE is `A..B` (every commit of B not in A; `A...B` only when A has
 * no commits of its own), a single commit or `X^!` (that commit alone),
 * `X^-n` (`X^n..X`), default `@{upstream}..HEAD`. The series is reviewed
 * against the tree of the range's base: the merge base of A and B (A for
 * a branch built on A), or the parent of a single commit.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { assembleSeries } from '../series/assemble.js';
import { classify, type Classified } from '../series/classify.js';
import { scanDiff } from '../series/diff-sections.js';
import type { ContentChange, PatchEntry, Series } from '../series/model.js';
import { assertRepository, gitClient, gitMessage, resolveCommit } from '../trees/git-client.js';
import { TreeError } from '../trees/model.js';
import { decodeMessage } from './decode.js';
import { createHash } from 'node:crypto';
import { mergeChange, someFiles, type MergeChange } from './git-merge.js';
import { isSeparator, splitMbox } from './mbox-split.js';
import type { Person, SourceMessage } from './model.js';
import { counted } from '../counted.js';

export const DEFAULT_RANGE = '@{upstream}..HEAD';

export interface GitCommit {
  sha: string;
  parents: string[];
  subject: string;
}

export interface GitRangeSeries {
  repo: string;
  range: string;
  /** The commits of the range, oldest first (merges included). */
  commits: GitCommit[];
  /** The commit whose tree the series is reviewed against: the merge base of A and B for `A..B`, the parent of a single commit. */
  base: string;
  /** What `base` is, in words: `A`, `the merge base of A and B`, `the parent of <commit>`. */
  baseIs: string;
  /** The series: one patch per commit, slot k for the k-th commit. */
  series: Series;
  /** What the reader noticed: uncommitted changes, merges. */
  notes: string[];
}

/**
 * The commits where a shallow clone's history is cut (`.git/shallow`): git shows each without
 * parents, as if it were a root. Empty for a full repository. Asked only when a commit without
 * parents or an unknown revision needs telling apart.
 */
async function shallowCuts(git: SimpleGit, repo: string): Promise<Set<string>> {
  try {
    if ((await git.raw(['rev-parse', '--is-shallow-repository'])).trim() !== 'true') return new Set();
    const file = resolvePath(repo, (await git.raw(['rev-parse', '--git-path', 'shallow'])).trim());
    return new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

const DEEPEN = 'fetch the history with git fetch --deepen=N or git fetch --unshallow';

/** `error`, said of a shallow clone when `repo` is one: a revision git does not know may lie beyond the cut. */
async function unknownIn(git: SimpleGit, repo: string, error: TreeError): Promise<TreeError> {
  if ((await shallowCuts(git, repo)).size === 0) return error;
  return new TreeError(`${error.message} (the repository is a shallow clone: the revision may be older than its history goes; ${DEEPEN})`);
}

/**
 * The range as rev-list and the base read it: git's shorthands for one commit spelled out. `X^!`
 * is X alone (a single commit, as X is); `X^-n` is `X^n..X` (what merge X brought in through its
 * n-th parent; `X^-` is `X^1..X`). Messages keep the range as it was given.
 */
function spelledOut(range: string): string {
  const bang = /^(.+)\^!$/.exec(range);
  if (bang?.[1]) return bang[1];
  const minus = /^(.+)\^-(\d*)$/.exec(range);
  if (minus?.[1]) return `${minus[1]}^${minus[2] || '1'}..${minus[1]}`;
  return range;
}

async function commitsOf(git: SimpleGit, repo: string, range: string, spec: string): Promise<string[]> {
  if (spec.startsWith('-')) throw new TreeError(`${repo}: ${range}: not a revision range`);
  const sides = sidesOf(spec);
  if (!sides) {
    try {
      return [await resolveCommit(git, repo, spec)];
    } catch (e) {
      throw e instanceof TreeError ? await unknownIn(git, repo, e) : e;
    }
  }
  let out: string;
  try {
    // --left-right marks each commit with its side: only `A...B` has a left side (`<`).
    out = await git.raw(['rev-list', '--reverse', '--topo-order', '--left-right', '--end-of-options', spec]);
  } catch (e) {
    const why = gitMessage(e);
    // git names the whole range ("ambiguous argument 'A..B': unknown revision or path not in the
    // working tree"): name the side it could not read. Other messages (no upstream) say it already.
    if (/ambiguous argument/.test(why)) {
      for (const side of sides) {
        const known = await resolveCommit(git, repo, side).then(
          () => true,
          () => false,
        );
        if (!known) throw await unknownIn(git, repo, new TreeError(`${repo}: ${range}: unknown revision ${side}`));
      }
    }
    const hint = range === DEFAULT_RANGE ? ' (the default range needs an upstream branch: give RANGE, e.g. origin/master..HEAD)' : '';
    throw new TreeError(`${repo}: ${range}: ${why}${hint}`);
  }
  const lines = out.split('\n').filter(Boolean);
  const left = lines.filter((l) => l.startsWith('<')).length;
  if (left) {
    // `A...B` is every commit of either side since their merge base: two branches, not one
    // series to apply in order on one base (the second side's commits would be reviewed on the first's).
    const [a, b] = sides;
    const right = lines.length - left;
    // B behind A: only A has commits, and "both sides" or "give A..B" (which holds none) would mislead.
    if (right === 0) throw new TreeError(`${repo}: ${range}: ${b} has no commits of its own since the merge base; the ${counted(left, 'commit')} are ${a}'s: give ${b}..${a}`);
    throw new TreeError(
      `${repo}: ${range}: the commits of both sides since their merge base (${counted(left, 'commit')} of ${a} and ${counted(right, 'commit')} of ${b}) are not one series: give ${a}..${b} for those of ${b}, or ${b}..${a}`,
    );
  }
  return lines.map((l) => l.replace(/^[<>-]/, ''));
}

type Described = GitCommit & { author: Person; date: string | null };

/** Commits described per `git log` call: their ids are 41 bytes of its command line each. */
const DESCRIBED_PER_CALL = 512;

/**
 * Each commit's parents, author, date and subject, in the order given: one `git log --no-walk`
 * for many commits (a git process costs the review about 10 ms). One line a commit: no field
 * printed can hold a line break.
 */
async function describe(git: SimpleGit, repo: string, shas: string[]): Promise<Described[]> {
  const out: Described[] = [];
  for (let i = 0; i < shas.length; i += DESCRIBED_PER_CALL) {
    const chunk = shas.slice(i, i + DESCRIBED_PER_CALL);
    // --encoding: the repository's i18n.logOutputEncoding (latin1, say) would give bytes read here as UTF-8.
    const text = await git.raw(['log', '--no-walk=unsorted', '--no-show-signature', '--encoding=UTF-8', '--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%s', ...chunk]);
    const lines = text.split('\n').filter(Boolean);
    for (const [k, sha] of chunk.entries()) {
      const [h = '', p = '', an = '', ae = '', ad = '', s = ''] = (lines[k] ?? '').split('\0');
      if (h !== sha) throw new TreeError(`${repo}: git log did not describe commit ${sha} (${lines.length} lines for ${chunk.length} commits)`);
      out.push({ sha: h, parents: p.split(' ').filter(Boolean), subject: s, author: { name: an, email: ae.toLowerCase() }, date: ad ? new Date(ad).toISOString() : null });
    }
  }
  return out;
}

/**
 * `-c` settings for format-patch: what the repository's configuration would otherwise change in
 * its output. Non-ASCII names are written as they are (still C-quoted when they hold a quote, a
 * backslash or a control character: diff-parse.ts undoes that); the rest are settings newer gits
 * read that have no command-line switch in 2.39 (an unknown key is ignored).
 */
const FORMAT_CONFIG = [
  'core.quotePath=false',
  'format.mboxrd=false',
  'format.noprefix=false',
  'diff.noprefix=false',
  'diff.mnemonicPrefix=false',
  'i18n.logOutputEncoding=UTF-8',
  // git's own defaults, for --find-renames below.
  'diff.renames=true',
  'diff.renameLimit=1000',
];

/**
 * `git format-patch` of one commit as [PATCH k/M], with nothing of the repository's configuration
 * run or applied: format.numbered, format.coverLetter, format.thread, format.attach,
 * format.useAutoBase, format.signature, format.headers/to/cc, format.from and diff.noprefix each
 * change what is written (a numbered [PATCH 1/1] for every commit, a cover letter, an attachment,
 * "failed to get upstream"), so each is switched off here.
 */
async function formatPatch(git: SimpleGit, sha: string, k: number, m: number): Promise<string> {
  return git.raw([
    ...FORMAT_CONFIG.flatMap((c) => ['-c', c]),
    'format-patch',
    '--stdout',
    '-1',
    '--no-ext-diff',
    '--no-textconv',
    '--no-color',
    '--no-signature',
    '--no-notes',
    '--no-numbered',
    '--no-cover-letter',
    '--no-thread',
    '--no-attach',
    '--no-base',
    '--no-to',
    '--no-cc',
    '--no-add-header',
    '--no-from',
    '--no-relative',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    '--encoding=UTF-8',
    // diff.context would shrink the hunks' context, which places them less surely.
    '--unified=3',
    // diff.renames=false (or a small diff.renameLimit) would write a renamed file as deleted and
    // added whole: its existing locking read as added lines (diff.renames=copies: as copies).
    '--find-renames',
    `--subject-prefix=PATCH ${k}/${m}`,
    sha,
  ]);
}

/**
 * The one message `git format-patch --stdout -1` writes, read as one: its separator line, then
 * the mail. Read as an mbox, a commit message quoting a mail (a `From <sha> Mon Sep 17 ...` line,
 * which format-patch does not escape) would be cut there into two messages: the commit's own with
 * no diff, and a stray one holding the diff.
 */
async function oneMessage(bytes: Buffer, label: string): Promise<SourceMessage> {
  const nl = bytes.indexOf(0x0a);
  const separator = bytes.subarray(0, nl < 0 ? bytes.length : nl).toString('latin1');
  if (nl < 0 || !isSeparator(separator)) throw new TreeError(`${label}: git format-patch wrote no mbox 'From ' line first: "${separator.slice(0, 80)}"`);
  const [raw] = splitMbox(bytes.subarray(nl + 1), { file: label, layout: 'message' }).messages;
  if (!raw) throw new TreeError(`${label}: git format-patch wrote no message after its 'From ' line`);
  // Lines counted as in the whole output, separator included, as an mbox of it would count them.
  const message = await decodeMessage({ ...raw, line: 1, contentLine: raw.contentLine + 1 }, label);
  return { ...message, formatPatch: true as const };
}

/**
 * The body line of format-patch's own `---`: the last `---` line followed by diffstat lines (each
 * starting with a space), a blank line and the first `diff --git`. A diff never holds a blank line
 * outside a binary patch, nor a diffstat after it, so the last is format-patch's; -1 when none.
 */
function diffSeparator(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i] !== '---') continue;
    let j = i + 1;
    while (j < lines.length && (lines[j] ?? '').startsWith(' ')) j++;
    if (j > i + 1 && lines[j] === '' && (lines[j + 1] ?? '').startsWith('diff --git ')) return i;
  }
  return -1;
}

/**
 * A commit message that quotes a diff (a rejected alternative, a reproducer) would have the quote
 * read as part of the patch, as `git am` would apply it: the commit's diff is what follows
 * format-patch's `---`, and the message before it is description only. Returns the message to
 * parse (its body from that `---` on) and the description, or null when the message quotes no diff.
 */
function withoutQuotedDiff(message: SourceMessage): { message: SourceMessage; description: string } | null {
  const lines = message.body.split('\n');
  const at = diffSeparator(lines);
  if (at < 0) return null;
  const text = lines.slice(0, at);
  if (scanDiff(text.join('\n')).sections.length === 0) return null;
  return { message: { ...message, body: lines.slice(at).join('\n') }, description: text.join('\n').trim() };
}

async function uncommitted(git: SimpleGit): Promise<boolean> {
  try {
    if ((await git.raw(['rev-parse', '--is-bare-repository'])).trim() === 'true') return false;
    // Tracked files only: untracked ones are not changes to a commit.
    return (await git.raw(['status', '--porcelain', '--untracked-files=no', '--ignore-submodules'])).trim().length > 0;
  } catch {
    return false;
  }
}

/**
 * The k-th commit of M is slot k of M, version 1, a patch, whatever its title says: a title that
 * already holds a bracket (`[PATCH v2 3/5] KVM: ...`, as `git am -k` leaves it) or starts with
 * `Re:` is the commit's title, not a mail's subject to read a slot or a reply from.
 */
function asSlot(c: Classified, commit: Described, k: number, m: number): Classified {
  const info = { subject: c.message.subject, title: commit.subject, reply: false, isPatch: true, version: 1, index: k, total: m, rfc: false, resend: false, backport: null, tags: [] };
  return { kind: 'patch', message: c.message, info };
}

/** A commit that keeps its slot without a patch: a merge with nothing of its own to review, an empty commit; `failed`: a merge whose own change could not be read. */
function skippedEntry(c: Described, k: number, label: string, reason: string, status: 'skipped' | 'failed' = 'skipped'): PatchEntry {
  return {
    index: k,
    subject: `[PATCH ${k}] ${c.subject}`,
    title: c.subject,
    messageId: null,
    author: c.author,
    sender: c.author,
    date: c.date,
    status,
    reason,
    description: '',
    files: [],
    patchId: null,
    position: { file: label, index: k, line: 1, commit: c.sha },
    warnings: [],
  };
}

/**
 * A merge whose conflicts were resolved by hand, as the content its own change's files have at
 * the merge (the review diffs it against the state it reached before the slot), built on the
 * slots of its history that carry a change (`builtOn`). Its content is built on the base's tree
 * and the commits of its history; when that history holds commits the range does not, the state
 * before its slot lacks their changes, and it is `unread`, with why.
 */
async function resolution(git: SimpleGit, config: string[], c: Described, files: string[], base: string, inRange: ReadonlySet<string>, builtOn: number[]): Promise<ContentChange | { why: string }> {
  const id = c.sha.slice(0, 12);
  const readWith = `git show --remerge-diff ${id}`;
  const history = (await git.raw([...config, 'rev-list', c.sha, '--not', base])).split('\n').filter(Boolean);
  const outside = history.filter((sha) => !inRange.has(sha));
  if (outside.length) {
    const which = outside.slice(0, 3).map((sha) => sha.slice(0, 12)).join(', ') + (outside.length > 3 ? ` and ${counted(outside.length - 3, 'other')}` : '');
    return { why: `its conflict resolution is the content of ${someFiles(files)} at the merge, built on ${counted(outside.length, 'commit')} the range does not hold (${which}), whose changes the review's state before it lacks; review a range holding both sides of the merge, or read it with ${readWith}` };
  }
  const listed = await git.raw([...config, '--literal-pathspecs', 'ls-tree', '-z', '--full-tree', c.sha, '--', ...files]);
  const entries = new Map<string, { mode: string; oid: string }>();
  for (const row of listed.split('\0').filter(Boolean)) {
    const tab = row.indexOf('\t');
    const [mode = '', , oid = ''] = row.slice(0, tab).split(' ');
    entries.set(row.slice(tab + 1), { mode, oid });
  }
  const out: ContentChange['files'] = [];
  for (const path of files) {
    const e = entries.get(path);
    if (e && e.mode !== '100644' && e.mode !== '100755') return { why: `its conflict resolution makes ${path} a ${e.mode === '120000' ? 'symbolic link' : e.mode === '160000' ? 'submodule' : `mode ${e.mode} entry`}, which is no text to review; read it with ${readWith}` };
    out.push({ path, content: e ? await git.raw([...config, 'cat-file', 'blob', e.oid]) : null });
  }
  return { files: out, builtOn, what: `the conflict resolution of merge ${id}`, readWith };
}

/** A content change's digest, for the series' identity (PatchEntry.patchId). */
function contentId(change: ContentChange): string {
  const h = createHash('sha256');
  for (const f of change.files) h.update(f.path).update('\0').update(f.content ?? '\0deleted').update('\0');
  return h.digest('hex').slice(0, 40);
}

/** The slots of the range in `c`'s history (its ancestors the range holds), by the range's order. */
function historySlots(c: Described, slotOf: ReadonlyMap<string, { index: number; parents: string[] }>): number[] {
  const seen = new Set<string>();
  const todo = [...c.parents];
  while (todo.length) {
    const sha = todo.pop() as string;
    const slot = slotOf.get(sha);
    if (!slot || seen.has(sha)) continue;
    seen.add(sha);
    todo.push(...slot.parents);
  }
  return [...seen].map((sha) => slotOf.get(sha)?.index ?? 0).sort((a, b) => a - b);
}

/** Where what a merge brings in is reviewed: in its own slots when the range holds the merged commits. */
function mergedWhere(c: Described, inRange: ReadonlySet<string>): string {
  const outside = c.parents.slice(1).filter((p) => !inRange.has(p));
  return outside.length ? `what it merges from ${outside.map((p) => p.slice(0, 12)).join(', ')} is not in the range` : 'the commits it merges are reviewed in their own slots';
}

/** Why a merge keeps its slot without a patch: nothing of its own, or its own change unread. */
function mergeReason(c: Described, change: Exclude<MergeChange, { kind: 'own' | 'resolved' }>, inRange: ReadonlySet<string>): string {
  const id = c.sha.slice(0, 12);
  if (change.kind === 'automatic') return `a merge (${id}) with no change of its own: its result is git's automatic merge of its parents, nothing of it to review; ${mergedWhere(c, inRange)}`;
  return `a merge (${id}) whose own change is NOT reviewed: ${change.why}`;
}

/**
 * A merge's own change (mergeChange) as the one message format-patch would write for a commit
 * with that diff: the commit's mail headers (`git show --format=email`, names and subject encoded
 * as format-patch encodes them) as [PATCH k/M], and the diff as its body.
 */
async function mergeMail(git: SimpleGit, sha: string, k: number, m: number, diff: string): Promise<string> {
  const email = await git.raw([...FORMAT_CONFIG.flatMap((c) => ['-c', c]), 'show', '-s', '--format=email', '--encoding=UTF-8', '--no-notes', sha]);
  const end = email.indexOf('\n\n');
  const headers = (end < 0 ? email.trimEnd() : email.slice(0, end)).replace(/^Subject: \[PATCH\] /m, `Subject: [PATCH ${k}/${m}] `);
  return `${headers}\n\n${diff}`;
}

/**
 * The range's notes on its merges, briefly: those with nothing of their own, those whose own
 * change is reviewed in their slot, and, loudly, those whose own change is not reviewed.
 */
function mergeNotes(range: string, kept: PatchEntry[], reviewed: string[], unread: string[]): string[] {
  const out: string[] = [];
  const nothing = kept.filter((p) => p.status === 'skipped').length;
  if (nothing) out.push(`${counted(nothing, 'merge')} in ${range} with no change of ${nothing === 1 ? 'its' : 'their'} own beyond git's automatic merge: nothing of ${nothing === 1 ? 'it' : 'them'} to review`);
  if (reviewed.length) {
    const which = reviewed.length === 1 ? `merge ${reviewed[0] ?? ''}: what it changes` : `merges ${reviewed.join(', ')}: what each changes`;
    out.push(`${which} beyond git's automatic merge of its parents (an evil merge) is reviewed as that patch, on the range's commits before it`);
  }
  if (unread.length) out.push(`NOT reviewed: what merge${unread.length === 1 ? '' : 's'} ${unread.join(', ')} ${unread.length === 1 ? 'changes' : 'change'} beyond git's automatic merge; ${range} is reviewed only in part (see ${unread.length === 1 ? 'its' : 'their'} reason)`);
  return out;
}

/** `git format-patch` writes nothing at all for a commit that changes no file (`--allow-empty`). */
const emptyReason = (c: Described): string => `an empty commit (${c.sha.slice(0, 12)}): it changes no file, nothing to review`;

/** The two sides of `A..B` or `A...B` (an empty side is HEAD, as git reads it); null for one commit. */
function sidesOf(range: string): [string, string] | null {
  const at = range.indexOf('..');
  if (at < 0) return null;
  const dots = range.startsWith('...', at) ? 3 : 2;
  return [range.slice(0, at) || 'HEAD', range.slice(at + dots) || 'HEAD'];
}

/**
 * The commit the series is reviewed against, and in words why. For `A..B` it is the merge base of
 * A and B (A itself when B is built on A): the first commit in rev-list order may be one of a
 * side branch merged in, whose parent is an older fork point, and a commit built on A applied to
 * that tree would be reviewed without A's changes. A single commit has no left side: its parent.
 */
async function baseOf(git: SimpleGit, repo: string, range: string, first: Described): Promise<{ base: string; why: string; notes: string[] }> {
  const parent = first.parents[0];
  const sides = sidesOf(range);
  if (!sides) {
    if (!parent) throw new TreeError(`${repo}: ${first.sha.slice(0, 12)} is a root commit: there is no tree before it to review against`);
    return { base: parent, why: `the parent of ${first.sha.slice(0, 12)}`, notes: [] };
  }
  const [left, right] = sides;
  const a = await resolveCommit(git, repo, left);
  const b = await resolveCommit(git, repo, right);
  let bases: string[] = [];
  try {
    bases = (await git.raw(['merge-base', '--all', a, b])).split('\n').filter(Boolean);
  } catch {
    // No common ancestor: merge-base exits 1 without a word (handled below).
  }
  const [base, ...others] = bases;
  if (!base) {
    if (!parent) throw new TreeError(`${repo}: ${range}: ${left} and ${right} have no common ancestor and ${first.sha.slice(0, 12)} is a root commit: there is no tree to review against`);
    return { base: parent, why: `the parent of ${first.sha.slice(0, 12)}`, notes: [`${range}: ${left} and ${right} have no common ancestor; the series is reviewed against the parent of its first commit, ${parent.slice(0, 12)}`] };
  }
  const notes = others.length ? [`${range}: ${left} and ${right} have ${bases.length} merge bases (${bases.map((x) => x.slice(0, 12)).join(', ')}); the series is reviewed against the first, ${base.slice(0, 12)}`] : [];
  return { base, why: base === a ? left : `the merge base of ${left} and ${right}`, notes };
}

/**
 * In a shallow clone, a commit of the range where the history is cut has parents the repository
 * lacks: the commits before it that the range holds are not there to review, nor is the tree to
 * review it against. Git shows it as a root commit; it is said as what it is.
 */
async function assertHistoryWhole(git: SimpleGit, repo: string, range: string, commits: Described[]): Promise<void> {
  const parentless = commits.filter((c) => c.parents.length === 0);
  if (!parentless.length) return;
  const cuts = await shallowCuts(git, repo);
  const cut = parentless.find((c) => cuts.has(c.sha));
  if (cut) throw new TreeError(`${repo}: ${range}: ${cut.sha.slice(0, 12)} ("${cut.subject}") is where this shallow clone's history is cut: its parent is not in the repository, nor are the commits before it; ${DEEPEN}`);
}

export async function readGitRange(repo: string, range: string = DEFAULT_RANGE): Promise<GitRangeSeries> {
  const git = gitClient(repo);
  await assertRepository(git, repo);
  const spec = spelledOut(range);
  const shas = await commitsOf(git, repo, range, spec);
  if (shas.length === 0) throw new TreeError(`${repo}: ${range}: no commits to review`);
  // Whether the work tree has changes (a `git status` of the whole tree) is asked while the commits are read.
  const dirty = uncommitted(git);
  const commits = await describe(git, repo, shas);
  const first = commits[0];
  if (!first) throw new TreeError(`${repo}: ${range}: no commits to review`);
  await assertHistoryWhole(git, repo, range, commits);
  const { base, why: baseIs, notes: baseNotes } = await baseOf(git, repo, spec, first);
  const m = commits.length;
  const group = [];
  const merges: PatchEntry[] = [];
  const empties: PatchEntry[] = [];
  /** The description of each commit whose message quotes a diff, parsed without it (withoutQuotedDiff). */
  const descriptions = new Map<string, string>();
  // All asked at once: simple-git runs as many git processes as gitClient() allows, in turn.
  const config = FORMAT_CONFIG.flatMap((c) => ['-c', c]);
  const asked = commits.map((c, i) => (c.parents.length > 1 ? { merge: mergeChange(git, config, c.sha, c.parents) } : { patch: formatPatch(git, c.sha, i + 1, m) }));
  // Each is awaited in its turn below; one failing before then is not an unhandled rejection.
  for (const a of asked) (a.merge ?? a.patch)?.catch(() => undefined);
  const inRange = new Set(shas);
  /** Merges whose own change is reviewed in their slot, and those whose own change is not reviewed. */
  const ownReviewed: string[] = [];
  const ownUnread: string[] = [];
  /** Merges resolved by hand: their content, which the review diffs against its state before them. */
  const resolved: PatchEntry[] = [];
  /** The range's commits by sha: their slot and parents, for a merge's history. */
  const slotOf = new Map(commits.map((c, i) => [c.sha, { index: i + 1, parents: c.parents }]));
  /** The slots that carry no change (a merge with nothing of its own, an empty commit): no merge's content needs them. */
  const nothing = new Set<number>();
  for (const [i, c] of commits.entries()) {
    const label = `${repo}@${c.sha.slice(0, 12)}`;
    const { patch, merge } = asked[i] ?? {};
    let text: string;
    if (merge) {
      let change = await merge;
      if (change.kind === 'resolved') {
        const builtOn = historySlots(c, slotOf).filter((k) => !nothing.has(k));
        const content = await resolution(git, config, c, change.files, base, inRange, builtOn);
        if (!('why' in content)) {
          resolved.push({ ...skippedEntry(c, i + 1, label, ''), subject: `[PATCH ${i + 1}/${m}] ${c.subject}`, status: 'ok', reason: null, patchId: contentId(content), becomes: content });
          continue;
        }
        change = { kind: 'unread', why: content.why };
      }
      if (change.kind !== 'own') {
        if (change.kind === 'automatic') nothing.add(i + 1);
        if (change.kind === 'unread') ownUnread.push(`${c.sha.slice(0, 12)} (patch ${i + 1})`);
        merges.push(skippedEntry(c, i + 1, label, mergeReason(c, change, inRange), change.kind === 'unread' ? 'failed' : 'skipped'));
        continue;
      }
      // Its own change is a patch to the state of the range's commits before it (both sides' commits come first in the range's order).
      ownReviewed.push(`${c.sha.slice(0, 12)} (patch ${i + 1}, ${someFiles(change.files)})`);
      text = await mergeMail(git, c.sha, i + 1, m, change.diff);
    } else {
      text = (await patch) ?? '';
      if (!text.trim()) {
        nothing.add(i + 1);
        empties.push(skippedEntry(c, i + 1, label, emptyReason(c)));
        continue;
      }
    }
    const read = await oneMessage(Buffer.from(text), label);
    const quoting = merge ? null : withoutQuotedDiff(read);
    if (quoting) descriptions.set(c.sha, quoting.description);
    const message = quoting?.message ?? read;
    group.push(asSlot(classify({ ...message, position: { ...message.position, commit: c.sha } }), c, i + 1, m));
  }
  const notes: string[] = [...baseNotes];
  /** The commits that keep their slot without a patch, in the range's order. */
  const kept = [...merges, ...empties, ...resolved].sort((a, b) => a.index - b.index);
  let series: Series;
  if (group.length) {
    // One series whatever the authors: a branch is one posting (grouping by sender would split it).
    series = assembleSeries(group).series;
    for (const p of series.patches) {
      const description = p.position.commit ? descriptions.get(p.position.commit) : undefined;
      if (description !== undefined) p.description = description;
    }
  } else {
    const only = kept[0] as PatchEntry;
    series = {
      fingerprint: '',
      version: 1,
      expected: m,
      sender: only.author,
      title: only.title,
      rfc: false,
      resend: false,
      backport: null,
      tags: [],
      cover: null,
      patches: [],
      missing: [],
      duplicates: [],
      followUps: [],
      complete: true,
      hasCover: false,
      date: only.date,
    };
  }
  if (kept.length) {
    series.patches = [...series.patches, ...kept].sort((a, b) => a.index - b.index);
    series.missing = series.missing.filter((k) => !kept.some((p) => p.index === k));
    series.complete = series.missing.length === 0;
  }
  notes.push(...mergeNotes(range, merges, ownReviewed, ownUnread));
  if (empties.length) notes.push(`${counted(empties.length, 'empty commit')} in ${range}: nothing to review`);
  if (await dirty) notes.push(`${repo}: the work tree has uncommitted changes; they are not part of the review (only the commits of ${range} are)`);
  return { repo, range, commits, base, baseIs, series, notes };
}
