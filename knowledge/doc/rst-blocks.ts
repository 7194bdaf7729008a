/**
 * The block structure of a reStructuredText (or pre-2020 plain-text)
 * locking document: sections, paragraphs, bullet items, field-list fields,
 * with literal blocks, grid tables and comments set aside.
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
}

const UNDERLINE = /^([=\-^~`#*+])\1{2,}\s*$/;
const BULLET = /^(\s*)[-*]\s+(.*)$/;
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

/** Split LF-normalised text into sections and blocks. */
export function readBlocks(lines: readonly string[]): BlockDocument {
  const sections: Section[] = [];
  const blocks: Block[] = [];
  let section = '';
  let i = 0;

  const skipIndentedBody = (baseIndent: number): void => {
    // Literal blocks and directive bodies: everything indented deeper than the introducer.
    while (i < lines.length && (isBlank(lines[i]) || indentOf(lines[i] ?? '') > baseIndent)) i++;
  };

  while (i < lines.length) {
    const line = lines[i] ?? '';
    const next = lines[i + 1];
    if (isBlank(line)) {
      i++;
      continue;
    }
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
    // Comments and directives (".. SPDX-License-Identifier", ".. note::").
    if (/^\s*\.\.(\s|$)/.test(line)) {
      const base = indentOf(line);
      i++;
      skipIndentedBody(base);
      continue;
    }
    // Grid tables: the ASCII-art CPU0/CPU1 scenarios.
    if (/^\s*[+|]/.test(line)) {
      while (i < lines.length && /^\s*[+|]/.test(lines[i] ?? '')) i++;
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
    const bullet = BULLET.exec(line);
    if (bullet) {
      const base = indentOf(line);
      const start = i;
      const body = [bullet[2] ?? ''];
      i++;
      while (i < lines.length && !isBlank(lines[i]) && indentOf(lines[i] ?? '') > base && !BULLET.test(lines[i] ?? '')) {
        body.push((lines[i] ?? '').trim());
        i++;
      }
      blocks.push({ kind: 'bullet', line: start + 1, lines: body, section });
      if (body[body.length - 1]?.endsWith('::')) skipIndentedBody(base);
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
    blocks.push({ kind: 'paragraph', line: start + 1, lines: body, section });
    if (body[body.length - 1]?.endsWith('::')) skipIndentedBody(base);
  }
  return { sections, blocks };
}
