/** Where the shared corpus and the kernel trees are, for tests that read real inputs. */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
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
