/**
 * Finds the file diffs in a mail body and where each ends, counting hunk
 * lines against their `@@ -a,b +c,d @@` headers. parse-diff does not check
 * those counts: a truncated mail would silently lose lines, and the mail's
 * signature (`-- `) would be read as a deleted line. Counting here lets a
 * truncated or mangled diff fail with the line where it went wrong, and hands
 * parse-diff exactly one file's text at a time.
 */
import { counted } from '../counted.js';

/** One file's part of the body. */
export interface DiffSection {
  /** 0-based index of the first line (`diff --git`, or `---`; a hunk header outside any file for a problem) in the body's lines. */
  start: number;
  /** 0-based index one past the last line. */
  end: number;
  /** Optional: why the section cannot be trusted, with the 1-based body line. */
  problem?: { line: number; message: string };
}

/** The body split into description and file sections. */
export interface DiffScan {
  /** The body's lines (LF split). */
  lines: string[];
  /** 0-based index where the description ends: the `---` line, else the first section, else the end. */
  descriptionEnd: number;
  /** The file sections, in order. */
  sections: DiffSection[];
}

/** A hunk header; a combined diff (`@@@`) does not match and fails its section. */
export const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** git's extended header lines and the unified file lines. */
const GIT_HEADER =
  /^(?:(?:old|new|deleted file|new file) mode \d+|(?:copy|rename) (?:from|to) .+|(?:dis)?similarity index \d+%|index [0-9a-f,]+\.\.[0-9a-f]+(?: \d+)?|--- .+|\+\+\+ .+|Binary files .+ differ)$/;

/** Lines of a `GIT binary patch` block: `literal N`, `delta N`, base85 data, blank separators. */
const BINARY_LINE = /^(?:(?:literal|delta) \d+|[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]*|)$/;

/**
 * Largest line number or count a hunk header may name. The largest kernel
 * files are a few hundred thousand lines; a header past a million is a
 * damaged or hostile mail, and placing such a hunk (a context search from
 * line 2,147,483,648 down) would take minutes.
 */
export const MAX_HUNK_LINE = 1_000_000;

interface ScanState {
  cur: DiffSection | null;
  state: 'text' | 'header' | 'binary' | 'hunk';
  /** Old and new lines the current hunk still expects. */
  oldLeft: number;
  newLeft: number;
  /** 1-based body line of the current hunk's header. */
  hunkLine: number;
  /** A hunk header outside any file needs no report: one was reported, or the last section failed, since the last file diff started. */
  orphan: boolean;
}

/** Scans `body` for file diffs. Lines starting with `> ` (quoted) never start a section. */
export function scanDiff(body: string): DiffScan {
  const lines = body.split('\n');
  const sections: DiffSection[] = [];
  // One mutable record, so the helpers below can change the state the loop reads.
  const st: ScanState = { cur: null, state: 'text', oldLeft: 0, newLeft: 0, hunkLine: 0, orphan: false };
  const close = (end: number, problem?: DiffSection['problem']): void => {
    if (st.cur) sections.push(problem ? { ...st.cur, end, problem } : { ...st.cur, end });
    // After a section that failed, the hunk headers left of it are its own, not orphans: its problem says where it went wrong.
    if (problem) st.orphan = true;
    st.cur = null;
    st.state = 'text';
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (st.state === 'hunk') {
      if (st.oldLeft > 0 || st.newLeft > 0) {
        const c = line.charAt(0);
        // An empty line is a context line whose single space a mailer stripped.
        if (c === ' ' || line === '') { st.oldLeft--; st.newLeft--; }
        else if (c === '-') st.oldLeft--;
        else if (c === '+') st.newLeft--;
        else if (c !== '\\') {
          close(i, { line: i + 1, message: `the hunk at body line ${st.hunkLine} ends early: line ${i + 1} is not a diff line (${st.oldLeft} old and ${counted(st.newLeft, 'new line')} still expected)` });
          i--;
          continue;
        }
        if (st.oldLeft < 0 || st.newLeft < 0) {
          close(i + 1, { line: i + 1, message: `the hunk at body line ${st.hunkLine} has more ${st.oldLeft < 0 ? 'old' : 'new'} lines than its header says (line ${i + 1})` });
        }
        continue;
      }
      if (line.startsWith('\\')) continue;
      if (startHunk(line, i)) continue;
      close(i);
    } else if (st.state === 'header' || st.state === 'binary') {
      if (startHunk(line, i)) continue;
      if (st.state === 'binary' && BINARY_LINE.test(line)) continue;
      if (line === 'GIT binary patch') { st.state = 'binary'; continue; }
      if (GIT_HEADER.test(line)) continue;
      if (line.startsWith('@@')) {
        close(i + 1, { line: i + 1, message: `line ${i + 1} is not a hunk header this reader understands (${line.slice(0, 40)})` });
        continue;
      }
      close(i);
    }
    // The state is 'text' here. A hunk header after a file's diff has ended belongs to no file: the hunk
    // before it ended early by its counts (a hand-edited header), and its file's later hunks would be
    // dropped in silence with their findings. git apply refuses it too ("patch fragment without header").
    if (sections.length > 0 && !st.orphan && HUNK_HEADER.test(line)) {
      sections.push({ start: i, end: i + 1, problem: { line: i + 1, message: `line ${i + 1} is a hunk header without a file header: the previous hunk's counts may be too small` } });
      // One problem per run of orphaned hunks: the first names where the diff went wrong.
      st.orphan = true;
      continue;
    }
    // Does a file diff start on this line?
    if (/^diff (?:--git|--cc|--combined) |^diff -\S*[uU]/.test(line) || (line.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ '))) {
      st.cur = { start: i, end: i };
      st.state = 'header';
      st.orphan = false;
    }
  }
  if (st.state === 'hunk' && (st.oldLeft > 0 || st.newLeft > 0)) {
    close(lines.length, { line: st.hunkLine, message: `the body ends inside the hunk at body line ${st.hunkLine} (${st.oldLeft} old and ${counted(st.newLeft, 'new line')} missing): the mail is truncated` });
  } else {
    close(lines.length);
  }
  const first = sections[0]?.start ?? lines.length;
  const separator = lines.findIndex((l, i) => i < first && /^---\s*$/.test(l));
  return { lines, descriptionEnd: separator >= 0 ? separator : first, sections };

  /** Starts a hunk when `line` is a hunk header; false otherwise. */
  function startHunk(line: string, at: number): boolean {
    const m = HUNK_HEADER.exec(line);
    if (!m) return false;
    const numbers = [m[1], m[2], m[3], m[4]].filter((x): x is string => x !== undefined).map(Number);
    if (numbers.some((n) => n > MAX_HUNK_LINE)) {
      close(at + 1, { line: at + 1, message: `the hunk header at body line ${at + 1} names line ${Math.max(...numbers)}, past the ${MAX_HUNK_LINE.toLocaleString('en')}-line limit of a file this reader accepts` });
      return true;
    }
    st.oldLeft = m[2] === undefined ? 1 : Number(m[2]);
    st.newLeft = m[4] === undefined ? 1 : Number(m[4]);
    st.hunkLine = at + 1;
    st.state = 'hunk';
    return true;
  }
}
