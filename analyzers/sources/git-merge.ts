/**
 * What a merge commit of a range changes itself. A merge whose result is the one git's own merge
 * of its parents gives has nothing of its own to review: what it brings in is the commits of its
 * parents. A merge that differs from that (a conflict resolved by hand, an "evil merge" that adds
 * code no parent has) changes the tree itself, and that change can add a lock-order bug that no
 * commit of the range shows.
 *
 * git 2.36+ recreates its automatic merge for `git show --remerge-diff` (in a temporary object
 * store: nothing is left in the repository) and diffs the merge against it. That diff is the
 * merge's own change, a patch to the state of the range's commits before the merge (both sides'
 * commits come first in the range's order). A file the automatic merge left in conflict has
 * conflict markers on that side, which no state holds: such a merge (a conflict resolved by hand)
 * is instead the content its files have at the merge, which the review diffs against its own
 * state before the merge (PatchEntry.becomes, review/content-change.ts).
 */
import type { SimpleGit } from 'simple-git';
import { unquoteIfQuoted } from '../series/diff-path.js';
import { gitMessage } from '../trees/git-client.js';
import { someFiles } from '../counted.js';

export { someFiles };

/** The diff options of every merge diff: what the repository's configuration would otherwise change (as for format-patch). */
const DIFF_OPTIONS = ['--no-ext-diff', '--no-textconv', '--no-color', '--no-relative', '--src-prefix=a/', '--dst-prefix=b/', '--unified=3', '--no-renames'];

export type MergeChange =
  /** Its result is git's automatic merge of its parents: no change of its own. */
  | { kind: 'automatic' }
  /** It changes `files` beyond the automatic merge, which left none in conflict: `diff` is that change, a patch to the automatic merge's state. */
  | { kind: 'own'; files: string[]; diff: string }
  /** Its own change touches `files`, of which the automatic merge left `conflicted` in conflict: the change is what those files hold at the merge. */
  | { kind: 'resolved'; files: string[]; conflicted: string[] }
  /** Its own change could not be read: `why`. It is not reviewed. */
  | { kind: 'unread'; why: string };


/** One file's section of a diff: its lines, and the path it names. */
interface Section {
  lines: string[];
  path: string | null;
  conflicted: boolean;
  /** git wrote `Binary files ... differ` for it: there is no text to review. */
  binary: boolean;
}

/** The path a `--- a/X` or `+++ b/X` line names (C-quoted when git quoted it, a tab after a name with a space); null for /dev/null. */
function pathOf(line: string): string | null {
  const written = line.slice(4).replace(/\t$/, '');
  if (written === '/dev/null') return null;
  const { path } = unquoteIfQuoted(written);
  return /^[ab]\//.test(path) ? path.slice(2) : null;
}

/** A diff's file sections. A section holding a `remerge CONFLICT` header line is one the automatic merge left in conflict. */
function sectionsOf(diff: string): Section[] {
  const out: Section[] = [];
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) out.push({ lines: [], path: null, conflicted: false, binary: false });
    const s = out[out.length - 1];
    if (!s) continue;
    s.lines.push(line);
    if (line.startsWith('remerge CONFLICT')) s.conflicted = true;
    if (line.startsWith('Binary files ')) s.binary = true;
    if (!s.path && (line.startsWith('--- ') || line.startsWith('+++ '))) s.path = pathOf(line);
  }
  return out;
}

/** The files `git diff-tree --cc` shows for a merge: those that differ from every parent. */
async function combinedFiles(git: SimpleGit, config: string[], sha: string): Promise<string[]> {
  const out = await git.raw([...config, 'diff-tree', '--cc', '--name-only', '-r', '-z', '--no-commit-id', '--no-ext-diff', '--no-textconv', sha]);
  return out.split('\0').filter(Boolean);
}

/**
 * What merge `sha` (with `parents`) changes itself. `config` is the `-c` list of the range's other
 * git commands. Never throws for a merge git cannot recreate: that is `unread`, with why.
 */
export async function mergeChange(git: SimpleGit, config: string[], sha: string, parents: string[]): Promise<MergeChange> {
  const id = sha.slice(0, 12);
  if (parents.length !== 2) {
    // --remerge-diff recreates two-parent merges only. An octopus merge that git's octopus strategy made
    // has no conflict resolution (it refuses conflicts), so one that --cc shows nothing for is taken as automatic.
    const files = await combinedFiles(git, config, sha).catch(() => null);
    if (files?.length === 0) return { kind: 'automatic' };
    return { kind: 'unread', why: `git cannot recreate the automatic merge of a merge of ${parents.length} parents, so what ${id} changes itself cannot be told from what it merges; read it with git show --cc ${id}` };
  }
  let remerged: string;
  try {
    remerged = await git.raw([...config, 'show', '--remerge-diff', '--format=', '--no-notes', ...DIFF_OPTIONS, sha]);
  } catch (e) {
    return { kind: 'unread', why: `git show --remerge-diff ${id} failed (${gitMessage(e)}; it needs git 2.36 or later and a repository it can write temporary objects in); read it with git show --cc ${id}` };
  }
  const sections = sectionsOf(remerged);
  if (sections.length === 0) return { kind: 'automatic' };
  const unnamed = sections.find((s) => !s.path);
  if (unnamed) return { kind: 'unread', why: `git show --remerge-diff ${id} wrote a file section kvm-review could not name ("${unnamed.lines[0] ?? ''}"); read it with git show --remerge-diff ${id}` };
  const conflicted = sections.filter((s) => s.conflicted).map((s) => s.path as string);
  if (conflicted.length) {
    // The resolution's pre-image holds conflict markers, which no state of the review holds; against the first
    // parent its hunks mix the other side's lines (already applied by their own commits) with the resolution.
    // What the review can place is the files' content at the merge, diffed against its own state before it.
    const binary = sections.filter((s) => s.binary).map((s) => s.path as string);
    if (binary.length) return { kind: 'unread', why: `git's automatic merge left ${someFiles(conflicted)} in conflict, and the resolution changes ${someFiles(binary)}, which git shows as binary; read it with git show --remerge-diff ${id}` };
    return { kind: 'resolved', files: sections.map((s) => s.path as string), conflicted };
  }
  return { kind: 'own', files: sections.map((s) => s.path as string), diff: sections.map((s) => s.lines.join('\n').replace(/\n*$/, '\n')).join('') };
}
