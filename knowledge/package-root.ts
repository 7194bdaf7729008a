/**
 * The package's root directory, from source (jest) and from dist/ alike, so
 * that data files in knowledge/data are found however the code is run.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'knowledge'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('kvm-review: cannot find the package root (package.json beside knowledge/)');
    dir = up;
  }
  cached = dir;
  return dir;
}
