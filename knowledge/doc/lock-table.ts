/**
 * The "Reference" lock table: one entry per lock with :Type:, :Arch:,
 * :Protects: and :Comment:. reST files name each entry in a ``name``
 * subsection heading; the pre-2020 .txt files use a `Name:` field.
 */
import { aliasesOf, canonicalLock } from '../lock-names.js';
import { findLockRefs } from './lock-refs.js';
import type { LockEntry } from './model.js';
import type { Block, BlockDocument } from './rst-blocks.js';

/** A table entry together with its comment, for the statement reader. */
export interface TableEntry {
  entry: LockEntry;
  /** The :Comment: block, when there is one. */
  comment: Block | null;
  /** The entry's name as the table writes it. */
  written: string;
}

function entryFor(written: string, line: number): LockEntry {
  const name = canonicalLock(written);
  const aliases = new Set(aliasesOf(name));
  if (written !== name) aliases.add(written);
  return { name, aliases: [...aliases], type: null, arch: null, line, archLine: null, protects: [], commentLine: null };
}

function fieldText(block: Block): string {
  return block.lines.join(' ').replace(/\s+/g, ' ').trim();
}

/** Protects items: each "- a" line starts an item, other lines continue the one before. */
function protectsItems(block: Block): string[] {
  const items: string[] = [];
  for (const line of block.lines) {
    const item = /^-\s*(.*)$/.exec(line);
    if (item || items.length === 0) items.push((item?.[1] ?? line).trim());
    else items[items.length - 1] += ` ${line.trim()}`;
  }
  return items.filter((l) => l !== '');
}

/** Table fields that belong to no entry: reported, never given to the lock before them. */
export interface UnattributedField {
  block: Block;
  reason: string;
}

export interface LockTable {
  entries: TableEntry[];
  unattributed: UnattributedField[];
}

/**
 * The lock a section heading names: anything written as code (``x`` or `x`),
 * or a plain title that is one lock name and nothing else. Null for a
 * heading such as "3. Reference" or "Other locks".
 */
function headingLock(title: string): string | null {
  const code = /^(`{1,2})([^`]+)\1$/.exec(title);
  if (code) return (code[2] ?? '').trim();
  const refs = findLockRefs(title);
  return refs.length === 1 && refs[0]?.written === title ? title : null;
}

export function readLockTable(doc: BlockDocument): LockTable {
  const entries: TableEntry[] = [];
  const unattributed: UnattributedField[] = [];
  const headingLine = new Map(doc.sections.map((s) => [s.title, s.line] as const));
  let current: TableEntry | null = null;
  let currentSection = '';
  for (const block of doc.blocks) {
    if (block.kind !== 'field') continue;
    if (block.field === 'Name') {
      current = { entry: entryFor(fieldText(block), block.line), comment: null, written: fieldText(block) };
      entries.push(current);
      currentSection = block.section;
      continue;
    }
    if (block.section !== currentSection) {
      // Every heading starts a new entry. One that names no lock ends the entry before it, so
      // that its fields are reported instead of silently changing another lock's.
      const name = headingLock(block.section);
      current = name === null ? null : { entry: entryFor(name, headingLine.get(block.section) ?? block.line), comment: null, written: name };
      if (current) entries.push(current);
      currentSection = block.section;
    }
    if (!current) {
      const where = block.section === '' ? 'before any heading' : `under the heading "${block.section}"`;
      unattributed.push({ block, reason: `lock table field ${where}, which names no lock (a Name: field or a lock name as the heading); not given to any lock` });
      continue;
    }
    switch (block.field) {
      case 'Type':
        current.entry.type = fieldText(block);
        break;
      case 'Arch':
        current.entry.arch = fieldText(block);
        current.entry.archLine = block.line;
        break;
      case 'Protects':
        current.entry.protects = protectsItems(block);
        break;
      case 'Comment':
        current.entry.commentLine = block.line;
        current.comment = block;
        break;
    }
  }
  return { entries, unattributed };
}
