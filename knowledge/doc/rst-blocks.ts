/**
 * The block structure of a reStructuredText (or pre-2020 plain-text)
 * locking document: sections, paragraphs, bullet items, field-list fields,
 * with literal blocks, grid tables, comments and non-admonition directive
 * bodies set aside (the last two kept in `skipped`, so that a rule written
 * in one is reported rather than lost).
 *
 * Why hand-written: npm has no maintained reST parser (`restructured` was
 * last published in 2016 and fails on field lists), and locking.rst uses a
 * small, stable subset. See ./README.md.
 */

/** A block of text with its 1-based starting line. */
export interface Block {
  kind: 'paragraph' | 'bullet' | 'field';
  /** 1-based line of the block's first line. */
  line: number;
  /** The block's lines, indentation and bullet marker removed, one entry per source line. */
  lines: string[];
  /** Title of the enclosing section ("1. Acquisition Orders", "``kvm_lock``"). */
  section: string;
  /** For fields: the field name without colons ("Type", "Comment"). */
  field?: string;
  /** For skipped directive bodies: the directive's name ("code-block"); "::" for a literal block. */
  directive?: string;
  /** For skipped explicit markup that is no directive: a comment, a footnote or citation, a target or substitution definition. */
  markup?: ExplicitMarkup;
  /** A paragraph indented under the bullet before it: that item's text going on, not a paragraph of its own. */
  inItem?: true;
  /** For bullets: the marker's column (a nested list's items are deeper than the item they are under). */
  indent?: number;
}

/** Explicit markup (".. " not followed by "name::"), by what docutils makes of it. */
export type ExplicitMarkup = 'comment' | 'footnote' | 'target' | 'substitution';

/** What ".. REST" is, from the text after the two dots: footnotes "[1]", citations "[CIT]", targets "_name:", substitutions "|name|". */
function markupKind(rest: string): ExplicitMarkup {
  if (/^\[[^\]]+\](\s|$)/.test(rest)) return 'footnote';
  if (/^_\S/.test(rest) || /^__(\s|:|$)/.test(rest)) return 'target';
  if (/^\|[^|]+\|/.test(rest)) return 'substitution';
  return 'comment';
}

export interface Section {
  title: string;
  /** 1-based line of the title. */
  line: number;
  /** Underline character: '=', '-', '^', '~'. */
  level: string;
}

export interface BlockDocument {
  sections: Section[];
  blocks: Block[];
  /**
   * Paragraphs that are not read, one block per paragraph: directive bodies
   * ("code-block", "only", with `directive`) and comments and other explicit
   * markup (with `markup`), the text on the ".." line included.
   */
  skipped: Block[];
}

const UNDERLINE = /^([=\-^~`#*+])\1{2,}\s*$/;
/** reST bullet characters: "-", "*", "+" and the Unicode bullets docutils accepts. */
const BULLET = /^(\s*)[-*+\u2022\u2023\u2043]\s+(.*)$/;
/** An enumerated list item, read as a bullet: "1.", "1)", "(1)" or docutils' auto-numbered "#.". */
const ENUMERATED = /^(\s*)(?:\d+[.)]|\(\d+\)|#[.)])\s+(.*)$/;
const listItem = (line: string): RegExpExecArray | null => BULLET.exec(line) ?? ENUMERATED.exec(line);
/** A grid table starts with a border line; "+ text" is a bullet and "| text" a line block. */
const GRID_BORDER = /^\s*\+[-=]/;
const LINE_BLOCK = /^(\s*)\|(?:\s+(.*))?$/;
/** `.. name::`, as opposed to a comment (`.. anything else`). */
const DIRECTIVE = /^(\s*)\.\.\s+([\w:-]+?)::(?:\s+(.*))?$/;
/** Directives whose body is ordinary visible text: read it like any other block. */
const ADMONITIONS = new Set(['note', 'warning', 'important', 'attention', 'caution', 'tip', 'hint', 'danger', 'error', 'admonition']);
/** A directive option line (":class: x") right after the directive. */
const OPTION = /^\s*:[\w-]+:(\s|$)/;
/** `:Type:  mutex` (reST) or `Type:\t\tmutex` (the pre-2020 .txt tables). */
const FIELD = /^:?(Name|Type|Arch|Protects|Comment):\s*(.*)$/;

function indentOf(line: string): number {
  const m = /^[ \t]*/.exec(line);
  // Tabs count as 8 columns, as docutils does.
  return (m?.[0] ?? '').replace(/\t/g, '        ').length;
}

function isBlank(line: string | undefined): boolean {
  return line === undefined || line.trim() === '';
}

/** The column TEXT starts at after PREFIX, tabs advancing to the next multiple of 8 as in docutils. */
function columnAfter(prefix: string): number {
  let col = 0;
  for (const ch of prefix) col = ch === '\t' ? col - (col % 8) + 8 : col + 1;
  return col;
}

/** Split LF-normalised text into sections and blocks. */
export function readBlocks(input: readonly string[]): BlockDocument {
  // A working copy: text on an admonition's directive line is rewritten in place as the body's first line.
  const lines = [...input];
  const sections: Section[] = [];
  const blocks: Block[] = [];
  const skipped: Block[] = [];
  let section = '';
  let i = 0;
  /** Marker indent of the bullet item still open (a less or equally indented line closes it). */
  let item: number | null = null;

  const skipIndentedBody = (baseIndent: number): void => {
    // Comment and directive bodies: everything indented deeper than the introducer.
    while (i < lines.length && (isBlank(lines[i]) || indentOf(lines[i] ?? '') > baseIndent)) i++;
  };

  /**
   * Skip the indented body from line FROM (0-based) on, keeping its paragraphs in `skipped` with
   * TAG; FIRST is text on the introducing line (1-based LINE), the first paragraph's first line.
   */
  const keepSkipped = (from: number, base: number, tag: Pick<Block, 'directive' | 'markup'>, first?: { line: number; text: string }): void => {
    skipIndentedBody(base);
    let para: { line: number; lines: string[] } | null = null;
    const add = (line: number, text: string): void => {
      if (!para) {
        para = { line, lines: [] };
        skipped.push({ kind: 'paragraph', line, lines: para.lines, section, ...tag });
      }
      para.lines.push(text);
    };
    if (first) add(first.line, first.text);
    for (let k = from; k < i; k++) {
      const l = lines[k] ?? '';
      if (isBlank(l)) para = null;
      else add(k + 1, l.trim());
    }
  };

  /**
   * The literal block after text ending in '::': the lines indented more
   * than that text (docutils' rule). For a bullet the text starts after the
   * marker, so the item's text going on after the block is read again.
   */
  const skipLiteral = (textIndent: number): void => {
    let j = i;
    while (j < lines.length && isBlank(lines[j])) j++;
    // Nothing indented more: docutils warns "Literal block expected"; what follows is ordinary text.
    if (j >= lines.length || indentOf(lines[j] ?? '') <= textIndent) return;
    // Kept in `skipped`, as a directive's body is: a rule written in one is reported, not dropped.
    keepSkipped(j, textIndent, { directive: '::' });
  };

  while (i < lines.length) {
    const line = lines[i] ?? '';
    const next = lines[i + 1];
    if (isBlank(line)) {
      i++;
      continue;
    }
    if (item !== null && indentOf(line) <= item) item = null;
    // Overlined title: ===\nTitle\n===
    if (UNDERLINE.test(line) && next !== undefined && !isBlank(next) && UNDERLINE.test(lines[i + 2] ?? '')) {
      section = next.trim();
      sections.push({ title: section, line: i + 2, level: line.trim()[0] ?? '=' });
      i += 3;
      continue;
    }
    // Underlined title.
    if (next !== undefined && UNDERLINE.test(next) && !UNDERLINE.test(line) && indentOf(line) === 0) {
      section = line.trim();
      sections.push({ title: section, line: i + 1, level: next.trim()[0] ?? '-' });
      i += 2;
      continue;
    }
    const directive = DIRECTIVE.exec(line);
    if (directive) {
      const base = indentOf(line);
      const name = (directive[2] ?? '').toLowerCase();
      if (ADMONITIONS.has(name)) {
        // An admonition is visible text: its body is read in place as ordinary blocks, and text
        // on the directive line (the first line of a note, the title of an "admonition") with it.
        const text = directive[3] ?? '';
        if (text.trim() !== '') {
          lines[i] = ' '.repeat(columnAfter(line.slice(0, line.length - text.length))) + text;
          continue;
        }
        i++;
        while (i < lines.length && OPTION.test(lines[i] ?? '')) i++;
        continue;
      }
      // Other directives (code-block, only, ...) are not read, but their paragraphs are kept so
      // that the reader can report one that states a rule.
      i++;
      keepSkipped(i, base, { directive: name });
      continue;
    }
    // Comments (".. SPDX-License-Identifier") and other explicit markup (footnotes, targets, substitutions).
    const markup = /^\s*\.\.(?:\s+(.*))?$/.exec(line);
    if (markup) {
      const base = indentOf(line);
      const rest = (markup[1] ?? '').trim();
      i++;
      // docutils: ".." alone before a blank line is an empty comment, which "does not consume any
      // indented text following": that text is a block quote, read as any other paragraph.
      if (rest === '' && isBlank(lines[i])) continue;
      // Not rendered (a comment) or not read here (a footnote): kept, so that a rule in it is reported.
      keepSkipped(i, base, { markup: markupKind(rest) }, rest === '' ? undefined : { line: i, text: rest });
      continue;
    }
    // Grid tables: the ASCII-art CPU0/CPU1 scenarios, from a border line on.
    if (GRID_BORDER.test(line)) {
      while (i < lines.length && /^\s*[+|]/.test(lines[i] ?? '')) i++;
      continue;
    }
    // Line block: each "| " line is a line of text of its own, with its deeper-indented continuation lines.
    const lineBlock = LINE_BLOCK.exec(line);
    if (lineBlock) {
      const base = indentOf(line);
      const start = i;
      const body = [(lineBlock[2] ?? '').trim()];
      i++;
      while (i < lines.length && !isBlank(lines[i]) && !LINE_BLOCK.test(lines[i] ?? '') && indentOf(lines[i] ?? '') > base) {
        body.push((lines[i] ?? '').trim());
        i++;
      }
      if (body.some((l) => l !== '')) blocks.push({ kind: 'paragraph', line: start + 1, lines: body, section });
      continue;
    }
    const field = FIELD.exec(line.trimStart());
    if (field && indentOf(line) === 0) {
      const start = i;
      const body = [field[2] ?? ''];
      i++;
      while (i < lines.length && !isBlank(lines[i]) && indentOf(lines[i] ?? '') > 0) {
        body.push((lines[i] ?? '').trim());
        i++;
      }
      blocks.push({ kind: 'field', line: start + 1, lines: body, section, field: field[1] ?? '' });
      continue;
    }
    const bullet = listItem(line);
    if (bullet) {
      const base = indentOf(line);
      const start = i;
      const body = [bullet[2] ?? ''];
      i++;
      while (i < lines.length && !isBlank(lines[i]) && indentOf(lines[i] ?? '') > base && !listItem(lines[i] ?? '')) {
        body.push((lines[i] ?? '').trim());
        i++;
      }
      blocks.push({ kind: 'bullet', line: start + 1, lines: body, section, indent: base });
      item = base;
      // The item's text starts after the marker (or where its continuation lines do, if less).
      let textIndent = columnAfter(line.slice(0, line.length - (bullet[2] ?? '').length));
      for (let k = start + 1; k < i; k++) textIndent = Math.min(textIndent, indentOf(lines[k] ?? ''));
      if (body[body.length - 1]?.endsWith('::')) skipLiteral(textIndent);
      continue;
    }
    // Paragraph: consecutive non-blank lines that start no other construct.
    const start = i;
    const base = indentOf(line);
    const body: string[] = [];
    while (i < lines.length && !isBlank(lines[i])) {
      const l = lines[i] ?? '';
      if (i > start && (BULLET.test(l) || UNDERLINE.test(lines[i + 1] ?? ''))) break;
      body.push(l.trim());
      i++;
    }
    blocks.push({ kind: 'paragraph', line: start + 1, lines: body, section, ...(item !== null ? { inItem: true as const } : {}) });
    if (body[body.length - 1]?.endsWith('::')) skipLiteral(base);
  }
  return { sections, blocks, skipped };
}
