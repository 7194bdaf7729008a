/**
 * The tables against the Debian 6.12 tree: the guard types are exactly the
 * DEFINE_*GUARD* lines of the lock headers, every row is defined in the
 * extracted tree (or is listed here as living outside it), and every link of
 * an external lock taker's call chain that the tree holds is really there.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXTERNAL_LOCKS } from '../../knowledge/external-locks.js';
import { GUARD_TYPES, LOCK_PRIMITIVES } from '../../knowledge/lock-primitives.js';
import { kernelTree } from '../helpers/paths.js';

/** Rows whose definition is in a file the extraction leaves out, with that file. */
const OUTSIDE_TREE: Record<string, RegExp> = {
  'include/linux/mmap_lock.h': /^mmap_/,
  'include/linux/fs.h': /^filemap_invalidate_/,
  'include/linux/xarray.h': /^xa_/,
  'after 6.12': /^srcu_read_(?:un)?lock_(?:lite|fast)$/,
};
/** Guard types defined outside the extracted headers. */
const GUARDS_OUTSIDE_TREE = ['cpus_read_lock']; // include/linux/cpuhplock.h

function files(dir: string, keep: RegExp, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, keep, out);
    else if (keep.test(path)) out.push(path);
  }
  return out;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A line that starts with the declaration's return type (or with the name itself): not an indented call. */
const LINE_START = '(?:^|\\n)(?:[A-Za-z_][\\w \\t*]*[ \\t*])?';

/** True when `name` is declared or defined at the start of a line (an extern prototype counts). */
function declared(source: string, name: string): boolean {
  return definitions(source, name).length > 0 || new RegExp(`${LINE_START}${escape(name)}\\s*\\([^;{]*;`).test(source);
}

/** Bodies of every definition of `name`: a function's `{ ... }` or a macro's replacement. */
function definitions(source: string, name: string): string[] {
  const out: string[] = [];
  const fn = new RegExp(`${LINE_START}${escape(name)}\\s*\\([^;{]*\\)\\s*\\{`, 'g');
  for (const m of source.matchAll(fn)) {
    const start = (m.index ?? 0) + m[0].length;
    const end = source.indexOf('\n}', start);
    out.push(source.slice(start, end < 0 ? undefined : end));
  }
  const macro = new RegExp(`#\\s*define\\s+${escape(name)}\\b(?:[^\\n]*\\\\\\n)*[^\\n]*`, 'g');
  for (const m of source.matchAll(macro)) out.push(m[0]);
  return out;
}

describe('the tables against the 6.12 tree', () => {
  const tree = kernelTree('6.12');
  const sources = [
    ...files(join(tree, 'include', 'linux'), /\.h$/),
    ...files(join(tree, 'kernel'), /\.c$/),
    ...files(join(tree, 'virt', 'kvm'), /\.[ch]$/),
    ...['x86', 'arm64'].flatMap((arch) => [...files(join(tree, 'arch', arch, 'kvm'), /\.[ch]$/), ...files(join(tree, 'arch', arch, 'include'), /\.h$/)]),
  ];
  const text = sources.map((f) => readFileSync(f, 'utf8')).join('\n');

  it('GUARD_TYPES are the DEFINE_GUARD / DEFINE_LOCK_GUARD_1 lines of mutex.h, rwsem.h, spinlock.h and srcu.h', () => {
    const headers = ['mutex', 'rwsem', 'spinlock', 'srcu'].map((h) => readFileSync(join(tree, 'include', 'linux', `${h}.h`), 'utf8')).join('\n');
    const defined = [
      ...[...headers.matchAll(/\bDEFINE_(?:LOCK_)?GUARD(?:_1)?\(\s*(\w+)\s*,/g)].map((m) => m[1] ?? ''),
      ...[...headers.matchAll(/\bDEFINE_(?:LOCK_)?GUARD(?:_1)?_COND\(\s*(\w+)\s*,\s*(\w+)\s*,/g)].map((m) => `${m[1] ?? ''}${m[2] ?? ''}`),
    ].sort();
    expect(defined.length).toBeGreaterThan(20);
    expect(GUARD_TYPES.map((g) => g.type).filter((t) => !GUARDS_OUTSIDE_TREE.includes(t)).sort()).toEqual(defined);
  });

  it('every row is declared in the extracted tree, or listed as outside it', () => {
    const outside = (name: string): boolean => Object.values(OUTSIDE_TREE).some((re) => re.test(name));
    const missing = LOCK_PRIMITIVES.map((p) => p.name).filter((name) => !declared(text, name));
    expect(missing.filter((n) => !outside(n))).toEqual([]);
    // and the list stays honest: nothing listed as outside is in fact inside
    expect(LOCK_PRIMITIVES.map((p) => p.name).filter((n) => outside(n) && !missing.includes(n))).toEqual([]);
  });

  it('every link of an external call chain that the tree defines calls the next one', () => {
    const report: string[] = [];
    for (const e of EXTERNAL_LOCKS) {
      const chain = /\w+\(\)(?:\s*->\s*\w+\(\))+/.exec(e.source)?.[0].split(/\s*->\s*/).map((s) => s.replace('()', '')) ?? [];
      expect([e.name, chain[0]]).toEqual([e.name, e.name]);
      const claimsTree = !/not in the extracted tree/.test(e.source);
      let checked = 0;
      for (let i = 0; i + 1 < chain.length; i++) {
        const [from, to] = [chain[i] ?? '', chain[i + 1] ?? ''];
        const bodies = definitions(text, from);
        if (bodies.length === 0) {
          if (claimsTree) report.push(`${e.name}: ${from}() is not defined in the extracted tree`);
          continue;
        }
        checked++;
        if (!bodies.some((b) => new RegExp(`\\b${escape(to)}\\s*\\(`).test(b))) report.push(`${e.name}: ${from}() does not call ${to}()`);
      }
      if (claimsTree && checked === 0) report.push(`${e.name}: nothing checked`);
    }
    expect(report).toEqual([]);
  });
});
