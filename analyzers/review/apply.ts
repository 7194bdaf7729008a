/**
 * Apply one patch's file diffs to an overlay, hunk by hunk, with jsdiff's
 * context search (a patch made against a slightly different tree still
 * lands). A hunk that does not apply is reported; the others still apply.
 */
import { applyPatch, type StructuredPatch } from 'diff';
import type { DiffLine, FileDiff, Hunk } from '../series/model.js';
import type { OverlayTree } from '../trees/overlay-tree.js';
import { UnsafePath } from '../trees/paths.js';

/** A hunk (or file) that could not be applied, and why. */
export interface ApplyFailure {
  file: string;
  /** The hunk header, null for a whole-file problem. */
  hunk: string | null;
  reason: string;
  /**
   * Set when the hunk did not apply because the tree already has its change: its new side (context and
   * added lines) stands in the file, as `git apply -R --check` would find it. `line` is where that new side
   * starts in the tree (1-based), as the `+` of a hunk header counts; `reason` says so in words. With
   * `hunk` null, the whole file's change is there: a file created with its content (line 1), a rename
   * done (where its first hunk's new side is, else 1), or a file deleted (null: there is no line).
   */
  alreadyApplied?: { line: number | null };
}

function structured(file: FileDiff, hunks: Hunk[]): StructuredPatch {
  return {
    oldFileName: file.oldPath ?? '/dev/null',
    newFileName: file.newPath ?? '/dev/null',
    oldHeader: undefined,
    newHeader: undefined,
    hunks: hunks.map((h) => ({
      oldStart: h.oldStart,
      oldLines: h.oldLines,
      newStart: h.newStart,
      newLines: h.newLines,
      lines: h.lines.map((l) => (l.type === 'add' ? '+' : l.type === 'del' ? '-' : ' ') + l.content),
    })),
  };
}

/**
 * Apply hunks where their old lines stand exactly, nearest to where the
 * header says (earlier hunks shift the later ones). Returns the hunks that
 * found no exact place.
 */
function applyExact(lines: string[], hunks: readonly Hunk[]): { lines: string[]; failed: Hunk[] } {
  const failed: Hunk[] = [];
  let shift = 0;
  for (const h of hunks) {
    const old = h.lines.filter((l) => l.type !== 'add').map((l) => l.content);
    const now = h.lines.filter((l) => l.type !== 'del').map((l) => l.content);
    const expected = Math.max(0, h.oldStart - 1 + shift);
    const matches = (at: number): boolean => standsAt(lines, at, old, false);
    let at = -1;
    if (old.length === 0) at = Math.min(expected, lines.length);
    else {
      for (let d = 0; d <= lines.length && at < 0; d++) {
        if (expected - d >= 0 && matches(expected - d)) at = expected - d;
        else if (d > 0 && expected + d < lines.length && matches(expected + d)) at = expected + d;
      }
    }
    if (at < 0) {
      failed.push(h);
      continue;
    }
    lines.splice(at, old.length, ...now);
    shift += at - (h.oldStart - 1 + shift) + now.length - old.length;
  }
  return { lines, failed };
}

/** Lines a hunk may place differently from the file (jsdiff's fuzz factor): a hunk refreshed against another base. */
const FUZZ = 2;

/**
 * Whether jsdiff could place the hunk with at most `fuzz` errors anywhere: each error skips a line
 * of the hunk or of the file, so where it fits, all but `fuzz` of the hunk's old lines (context and
 * removed) are lines of the file within `old + fuzz` lines of one another. Counting, in every such
 * window, the file's lines the hunk has is a bound on what can match: a window short of it cannot
 * fit, and a hunk no window can fit is refused without jsdiff's search of every offset, which costs
 * tens of milliseconds a hunk on a series against another base. So is a hunk whose lines around
 * an addition, which jsdiff matches as two consecutive lines, are not two consecutive lines of the
 * file anywhere (most hunks refreshed against another tree: their context moved).
 */
export function mayFit(lines: readonly string[], h: Hunk, fuzz: number): boolean {
  const old = h.lines.filter((l) => l.type !== 'add').map((l) => bare(l.content));
  const need = old.length - fuzz;
  if (need <= 0) return true;
  const width = old.length + fuzz;
  // The file's lines the hunk has, in order; a window of `width` lines ending at each holds the ones
  // after the line `width` before it.
  const at = lineIndex(lines, h).at;
  const hits = [...new Set(old)].flatMap((l) => at.get(l) ?? []).sort((a, b) => a - b);
  let window = false;
  for (let r = 0, l = 0; r < hits.length && !window; r++) {
    while ((hits[l] as number) <= (hits[r] as number) - width) l++;
    if (r - l + 1 >= need) window = true;
  }
  return window && besideAdded(h).every(([before, after]) => consecutive(lines, h, before, after));
}

interface LineIndex {
  /** Each line the hunks ask for, without its CR, to where it stands (0-based, ascending). */
  at: Map<string, number[]>;
  /** Some line ends in a CR. */
  cr: boolean;
}
const indexes = new WeakMap<readonly string[], { wanted: ReadonlySet<string>; ix: LineIndex }>();

/** The lines a hunk's searches ask the index for: those of its file's hunks (filesHunks()), else its own. */
const wantedBy = new WeakMap<Hunk, ReadonlySet<string>>();

function hunkLines(hunks: readonly Hunk[]): Set<string> {
  const out = new Set<string>();
  for (const h of hunks) for (const l of h.lines) out.add(bare(l.content));
  return out;
}

/** Every hunk of the file asks for every line of the file's hunks: one index serves them all while the file is unchanged. */
function filesHunks(hunks: readonly Hunk[]): void {
  const all = hunkLines(hunks);
  for (const h of hunks) wantedBy.set(h, all);
}

/**
 * Where each line of the file that `h`'s file's hunks have stands, made once per lines array: the
 * searches below ask for every hunk that did not apply exactly, and each scanned the whole file (a
 * series against another base has many such hunks in files of thousands of lines). Only the hunks'
 * lines are indexed: each fuzzy placement makes a new lines array, and a map of every line of a
 * file of thousands, made again each time, was most of applying a series against another base.
 * A lines array is not changed once searched.
 */
function lineIndex(lines: readonly string[], h: Hunk): LineIndex {
  let wanted = wantedBy.get(h);
  if (!wanted) {
    wanted = hunkLines([h]);
    wantedBy.set(h, wanted);
  }
  const known = indexes.get(lines);
  if (known?.wanted === wanted) return known.ix;
  const ix: LineIndex = { at: new Map(), cr: false };
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (line.charCodeAt(line.length - 1) === 13) {
      ix.cr = true;
      line = line.slice(0, -1);
    }
    if (!wanted.has(line)) continue;
    const list = ix.at.get(line);
    if (list) list.push(i);
    else ix.at.set(line, [i]);
  }
  indexes.set(lines, { wanted, ix });
  return ix;
}

// Without a line's CR: jsdiff converts a CRLF patch to an LF file's line ends before it compares.
const bare = (l: string): string => (l.endsWith('\r') ? l.slice(0, -1) : l);

/**
 * Whether `want` stands at line `at` of the file, the file's lines compared without their CRs when
 * `withoutCr`. A loop rather than every() with a closure: the searches call it at every offset of
 * the file, outwards from the header's line.
 */
function standsAt(lines: readonly string[], at: number, want: readonly string[], withoutCr: boolean): boolean {
  if (at + want.length > lines.length) return false;
  for (let i = 0; i < want.length; i++) {
    const line = lines[at + i] as string;
    if ((withoutCr ? bare(line) : line) !== want[i]) return false;
  }
  return true;
}

/**
 * Whether `before` and `after` are two consecutive lines of the file, without CRs, or `before` its
 * last line and `after` empty (jsdiff adds that line when a hunk adds the file's final newline).
 * A scan, not a set of every pair: most files get here for one or two hunks.
 */
function consecutive(lines: readonly string[], h: Hunk, before: string, after: string): boolean {
  for (const i of lineIndex(lines, h).at.get(before) ?? []) {
    if (i + 1 < lines.length ? bare(lines[i + 1] as string) === after : after === '') return true;
  }
  return false;
}

/**
 * The lines jsdiff places as two consecutive lines of the file wherever the hunk goes, errors or
 * not: around each run of added lines followed by a context line, the hunk line before the run (a
 * context line it matched without an error, or a removed line, which always matches) and that
 * context line, which must match at the next line.
 */
function besideAdded(h: Hunk): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 1; i < h.lines.length; i++) {
    const before = h.lines[i - 1] as DiffLine;
    if (h.lines[i]?.type !== 'add' || before.type === 'add') continue;
    let j = i;
    while (h.lines[j]?.type === 'add') j++;
    const after = h.lines[j];
    if (after?.type === 'normal') out.push([bare(before.content), bare(after.content)]);
  }
  return out;
}

/**
 * The lines of the file where jsdiff can start the hunk (place its first old line), as
 * [first, last]. A hunk's old line with k old lines before it, when it is matched at line j of
 * the file, puts the start within `fuzz` of j - k: the errors on the way (a file line skipped, a
 * hunk line skipped, at most `fuzz` of them) move it by no more. All but `fuzz` of the old lines
 * are matched, so a start has that many lines within reach; and each removed line, and the lines
 * on each side of a run of added lines, are matched wherever the hunk goes (the invariants
 * `besideAdded` relies on), so a start has each of those within reach. Lines are compared as they
 * are: the caller leaves files and hunks with CRs, and hunks of at most `fuzz` old lines, to jsdiff.
 */
export function startSpan(lines: readonly string[], h: Hunk, fuzz: number): { first: number; last: number } {
  const old: { content: string; exact: boolean }[] = [];
  h.lines.forEach((l, i) => {
    if (l.type === 'add') return;
    old.push({ content: l.content, exact: l.type === 'del' || h.lines[i + 1]?.type === 'add' || h.lines[i - 1]?.type === 'add' });
  });
  // Starts from -(old + fuzz) to lines.length + fuzz, at index start + shift.
  const shift = old.length + fuzz;
  const size = lines.length + shift + fuzz + 1;
  const reached = new Uint16Array(size);
  const exact = new Uint16Array(size);
  const exactLines = old.filter((l) => l.exact).length;
  // Without CRs in the file, its index has each line as it is.
  const ix = lineIndex(lines, h);
  const placesOf = (content: string): Iterable<number> => (ix.cr ? lines.flatMap((l, j) => (l === content ? [j] : [])) : (ix.at.get(content) ?? []));
  old.forEach((l, k) => {
    // Each line counts once per start, however many of its places reach it.
    let done = -1;
    for (const j of placesOf(l.content)) {
      const to = j - k + fuzz + shift;
      for (let i = Math.max(done + 1, j - k - fuzz + shift); i <= to; i++) {
        reached[i] = (reached[i] as number) + 1;
        if (l.exact) exact[i] = (exact[i] as number) + 1;
      }
      done = to;
    }
  });
  const need = old.length - fuzz;
  let first = -1;
  let last = -1;
  for (let i = 0; i < size; i++) {
    if ((reached[i] as number) < need || exact[i] !== exactLines) continue;
    if (first < 0) first = i;
    last = i;
  }
  return first < 0 ? { first: 1, last: 0 } : { first: first - shift, last: last - shift };
}

/**
 * jsdiff's fuzzy placement of one hunk, searched only where it can start. jsdiff tries every start
 * from the header's line outwards, at 0 errors, then 1, then `FUZZ`; a start outside `startSpan`
 * cannot fit, and a fit at a start inside it reads no line past the start plus the hunk's old lines
 * plus `FUZZ`. So jsdiff is given those lines (and a margin) with the header moved by as many,
 * tries the starts that can fit in the same order, and the result is the same as on the whole file
 * at a fraction of the search (test/review/apply-fuzz-bound.test.ts compares the two).
 *
 * Returns the file's lines after it: outside the slice, the same strings as `lines` (whose hashes
 * V8 keeps, so that indexing them again for the next hunk, lineIndex(), does not hash the whole
 * file again), not the text split anew.
 */
export function applyFuzzy(text: string, lines: readonly string[], f: FileDiff, h: Hunk): string[] | false {
  const whole = (): string[] | false => {
    const out = applyPatch(text, structured(f, [h]), { fuzzFactor: FUZZ });
    return out === false ? false : out.split('\n');
  };
  const old = h.lines.filter((l) => l.type !== 'add').length;
  // A hunk of at most FUZZ old lines can start anywhere; line ends jsdiff converts are compared by it alone.
  if (old <= FUZZ || text.includes('\r') || h.lines.some((l) => l.content.includes('\r'))) return whole();
  const span = startSpan(lines, h, FUZZ);
  if (span.first > span.last) return false;
  const from = Math.max(0, span.first);
  const to = Math.min(lines.length, span.last + old + 2 * FUZZ + 2);
  // Too few lines beside the hunk to tell an emptied slice from an empty line: the whole file.
  if (from >= to || to - from <= old + 2 * FUZZ || (from === 0 && to === lines.length)) return whole();
  const moved: Hunk = { ...h, oldStart: h.oldStart - from, newStart: h.newStart - from };
  const out = applyPatch(lines.slice(from, to).join('\n'), structured(f, [moved]), { fuzzFactor: FUZZ });
  if (out === false) return false;
  return [...lines.slice(0, from), ...out.split('\n'), ...lines.slice(to)];
}

/**
 * Where the hunk's new side (its context and added lines) stands exactly in the file, nearest to where the
 * header puts it, as a 0-based index; -1 when nowhere. A hunk the file refused forward but whose new side is
 * there is one the tree already has (a backport, a fix merged since): reverse-applying it would succeed.
 * A hunk without a new side (a removal with no context) proves nothing and is never found.
 */
export function newSideAt(lines: readonly string[], h: Hunk): number {
  const now = h.lines.filter((l) => l.type !== 'del').map((l) => bare(l.content));
  // Only context: the file has it whether or not the change was made (a hunk changing nothing is not one).
  if (!h.lines.some((l) => l.type !== 'normal') || now.length === 0) return -1;
  const expected = Math.max(0, h.newStart - 1);
  // Where its first line stands, nearest the header's line first, before it on a tie.
  const starts = [...(lineIndex(lines, h).at.get(now[0] as string) ?? [])];
  starts.sort((a, b) => Math.abs(a - expected) - Math.abs(b - expected) || a - b);
  return starts.find((at) => standsAt(lines, at, now, true)) ?? -1;
}

/** A hunk that did not apply: "already applied" when the file has its new side, else `reason`. */
function refused(f: FileDiff, h: Hunk, lines: readonly string[], reason: string): ApplyFailure {
  const at = newSideAt(lines, h);
  if (at < 0) return { file: f.path, hunk: h.header, reason };
  const file = f.newPath ?? f.path;
  return { file: f.path, hunk: h.header, reason: `the tree has this change (its new side is at ${file}:${at + 1})`, alreadyApplied: { line: at + 1 } };
}

/**
 * The text a new file's diff makes: its added lines, each ending in a newline unless the diff says
 * the last has none. A creation has no other lines, so this is the whole new side.
 */
function createdText(f: FileDiff): string {
  const added = f.hunks.flatMap((h) => h.lines.filter((l) => l.type === 'add'));
  const last = added[added.length - 1];
  return last ? added.map((l) => l.content).join('\n') + (last.noNewlineAtEnd ? '' : '\n') : '';
}

/**
 * A new file, rename or copy onto a path the tree has. Applying it would replace that file whole (and the
 * review would see its locking removed): git apply refuses it ("already exists"), and so does this. But
 * when the file is what the patch makes, the tree has the change, as `git apply -R --check` finds it: a
 * creation whose whole new side is the file; a rename whose old path is gone and whose hunks' new sides
 * stand in the new one; a copy whose hunks' new sides stand there (or, without hunks, its source's text).
 * (git reverses a copy into a copy onto its source, which exists, and refuses it; the tree has it all the same.)
 */
async function ontoExisting(overlay: OverlayTree, f: FileDiff, oldPath: string | null, existing: Buffer): Promise<ApplyFailure> {
  const name = f.newPath ?? f.path;
  const verb = f.isNew ? 'created' : f.isRenamed ? 'renamed onto' : 'copied onto';
  const text = existing.toString('utf8');
  const lines = text.split('\n');
  filesHunks(f.hunks);
  const sides = f.hunks.map((h) => newSideAt(lines, h));
  const hunksThere = sides.every((at) => at >= 0);
  const line = sides.length ? (sides[0] as number) + 1 : 1;
  const source = !f.isNew && oldPath !== null ? await overlay.read(oldPath) : null;
  if (f.isNew && text === createdText(f)) return { file: f.path, hunk: null, reason: `the tree has ${name}, with the content the patch creates`, alreadyApplied: { line: 1 } };
  if (f.isRenamed && hunksThere && source === null) {
    const what = f.hunks.length ? `, and the renamed file's ${f.hunks.length === 1 ? 'hunk' : 'hunks'} applied` : '';
    return { file: f.path, hunk: null, reason: `the tree has ${name}, not ${f.oldPath}${what}`, alreadyApplied: { line } };
  }
  if (f.isCopied && (f.hunks.length ? hunksThere : source !== null && source.equals(existing))) {
    return { file: f.path, hunk: null, reason: `the tree has ${name}, with the content the patch copies there`, alreadyApplied: { line } };
  }
  // Where the rename's target is what the patch makes but its source is still there, it is not done either.
  const why = f.isRenamed && hunksThere ? `, and so does ${f.oldPath}` : ' with other content';
  return { file: f.path, hunk: null, reason: `${name} already exists in the tree${why}: not ${verb}, left as it is` };
}

/** Apply `files` to `overlay` in place; returns what did not apply. */
export async function applyFiles(overlay: OverlayTree, files: readonly FileDiff[]): Promise<ApplyFailure[]> {
  const failures: ApplyFailure[] = [];
  for (const f of files) {
    try {
      if (f.isBinary) {
        failures.push({ file: f.path, hunk: null, reason: 'binary diff: not applied, not reviewed' });
        continue;
      }
      // Every path the diff names is checked before anything is read or written.
      const newPath = f.newPath ? await overlay.safePath(f.newPath) : null;
      const oldPath = f.oldPath ? await overlay.safePath(f.oldPath) : null;
      const path = await overlay.safePath(f.path);
      const target = newPath ?? path;
      const creates = f.isNew || ((f.isRenamed || f.isCopied) && oldPath !== null && oldPath !== target);
      const existing = creates ? await overlay.read(target) : null;
      if (existing !== null) {
        failures.push(await ontoExisting(overlay, f, oldPath, existing));
        continue;
      }
      const source = f.isNew ? '' : await overlay.readText(oldPath ?? path);
      if (source === null) {
        // A file deleted and not there: reverse-applying the deletion (creating it) would succeed.
        if (f.isDeleted) failures.push({ file: f.path, hunk: null, reason: `the tree does not have ${f.path}, which the patch deletes`, alreadyApplied: { line: null } });
        else failures.push({ file: f.path, hunk: null, reason: `${f.oldPath ?? f.path} does not exist in the tree` });
        continue;
      }
      // Exact placement first (what git apply does, at any offset); jsdiff's fuzzy search only for what is left.
      const exact = applyExact(source.split('\n'), f.hunks);
      // No exact hunk applied (most files of a series against another base): the lines are the source's.
      let text = exact.failed.length === f.hunks.length ? source : exact.lines.join('\n');
      let lines = exact.lines;
      // Asked again only when the text changes (a file of 150 KB has many hunks here in a series against another base).
      let withCr = exact.failed.length > 0 && text.includes('\r');
      const refusedBefore = failures.length;
      if (exact.failed.length) filesHunks(exact.failed);
      for (const h of exact.failed) {
        // A line the hunk removes must be in the file as it is: when one is not, skip jsdiff's search of every offset.
        // With CRs in the file, without them on either side: jsdiff gives an LF hunk a CRLF file's line ends.
        const has = withCr ? (c: string) => lines.some((l) => bare(l) === bare(c)) : (c: string) => lineIndex(lines, h).at.has(c);
        if (h.lines.some((l) => l.type === 'del' && !has(l.content))) {
          failures.push(refused(f, h, lines, 'a line the hunk removes is not in the file'));
          continue;
        }
        if (!mayFit(lines, h, FUZZ)) {
          failures.push(refused(f, h, lines, 'the context does not match the tree'));
          continue;
        }
        const out = applyFuzzy(text, lines, f, h);
        if (out === false) failures.push(refused(f, h, lines, 'the context does not match the tree'));
        else {
          lines = out;
          text = lines.join('\n');
          withCr = text.includes('\r');
        }
      }
      if (f.isDeleted) {
        // A deletion removes the file only when it removed every line (git apply: "removal patch leaves
        // file contents"): one whose lines are not the file's would hide code the tree still has.
        if (failures.length > refusedBefore) continue;
        if (text !== '') {
          failures.push({ file: f.path, hunk: null, reason: `the deletion leaves lines in ${f.path}: not deleted` });
          continue;
        }
      }
      if (f.isRenamed && oldPath && oldPath !== newPath) overlay.write(oldPath, null);
      overlay.write(newPath ?? path, f.isDeleted ? null : text);
    } catch (e) {
      if (e instanceof UnsafePath) failures.push({ file: f.path, hunk: null, reason: e.message });
      else throw e;
    }
  }
  return failures;
}
