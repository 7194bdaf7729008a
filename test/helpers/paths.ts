/** Where the shared corpus and the kernel trees are, for tests that read real inputs. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../knowledge/package-root.js';

export const ROOT = packageRoot();
export const SHARED = resolve(ROOT, '..', 'shared');
export const LOCKING_DOC_DIR = join(SHARED, 'corpus', 'locking-doc');
export const FIXTURES = join(ROOT, 'fixtures');

export function corpusRevisions(): string[] {
  return readdirSync(LOCKING_DOC_DIR).filter((f) => f.endsWith('.rst')).sort();
}

export function corpusRevision(prefix: string): string {
  const name = corpusRevisions().find((f) => f.startsWith(prefix));
  if (!name) throw new Error(`no corpus revision ${prefix}* in ${LOCKING_DOC_DIR}`);
  return join(LOCKING_DOC_DIR, name);
}

const trees = new Map<string, string>();

/**
 * The extracted Debian kernel tree for VERSION (6.1 or 6.12). .ci/run
 * installs them; a missing tree fails the test rather than skipping it.
 */
export function kernelTree(version: '6.1' | '6.12'): string {
  const cached = trees.get(version);
  if (cached) return cached;
  const out = execFileSync(join(SHARED, 'tools', 'kernel-tree'), [version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const path = out.trim().split('\n').pop() ?? '';
  trees.set(version, path);
  return path;
}

/**
 * The 1-based line of the first line of FILE (relative to TREE) that
 * contains TEXT, searched from the definition of function FN when given
 * (a line that starts the definition: `name(` at the start of a statement,
 * not a prototype) to the closing brace at column 0 that ends it. Debian
 * point releases move kernel lines, so tests find them by content here
 * rather than hard-coding a number; a miss throws, naming file and text.
 */
export function lineOf(tree: string, file: string, text: string, fn?: string): number {
  const lines = readFileSync(join(tree, file), 'utf8').split('\n');
  let from = 0;
  let to = lines.length;
  if (fn !== undefined) {
    const head = new RegExp(`^(?:[A-Za-z_][\\w\\s*]*[\\s*])?${fn}\\(`);
    from = lines.findIndex((l, i) => head.test(l) && !isPrototype(lines, i));
    if (from < 0) throw new Error(`${join(tree, file)}: no definition of ${fn}()`);
    const end = lines.findIndex((l, i) => i > from && l.startsWith('}'));
    to = end < 0 ? lines.length : end + 1;
  }
  for (let i = from; i < to; i++) if (lines[i]?.includes(text)) return i + 1;
  throw new Error(`${join(tree, file)}: no line containing ${JSON.stringify(text)}${fn ? ` in ${fn}()` : ''}`);
}

/** A declaration ends with `;` before any `{`: follow the header over its continuation lines. */
function isPrototype(lines: string[], at: number): boolean {
  for (let i = at; i < lines.length && i < at + 20; i++) {
    const l = lines[i] ?? '';
    const brace = l.indexOf('{');
    const semi = l.indexOf(';');
    if (semi >= 0 && (brace < 0 || semi < brace)) return true;
    if (brace >= 0) return false;
  }
  return true;
}
