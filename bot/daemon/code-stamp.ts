/**
 * What the resident process's code is on disk: the size and modification
 * time of every file under dist/ and of package.json. A server whose stamp
 * no longer matches (a rebuild, `npm ci`) runs code other than the files
 * say: it must not answer. Stat only, no reading: about 3 ms for dist/'s
 * ~280 files that run (not its source maps and declarations), paid before
 * each request.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One line per file, `path size mtime`, in a stable order; a missing path is a line too. */
export function codeStamp(paths: readonly string[]): string {
  const lines: string[] = [];
  const visit = (path: string): void => {
    let st;
    try {
      st = statSync(path);
    } catch {
      lines.push(`${path} missing`);
      return;
    }
    if (!st.isDirectory()) {
      lines.push(`${path} ${st.size} ${st.mtimeMs}`);
      return;
    }
    lines.push(`${path}/`);
    // Source maps and type declarations are not run: half of dist/'s files.
    for (const name of readdirSync(path).sort()) if (!name.endsWith('.map') && !name.endsWith('.d.ts')) visit(join(path, name));
  };
  for (const p of paths) visit(p);
  return lines.join('\n');
}

/**
 * The paths whose stamp the server keeps: dist/ and package.json of the
 * package root, and the paths in KVM_REVIEW_DAEMON_CODE (colon-separated:
 * for a test, a file it can change without rebuilding).
 */
export function codePaths(root: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env.KVM_REVIEW_DAEMON_CODE ?? '').split(':').filter(Boolean);
  return [join(root, 'dist'), join(root, 'package.json'), ...extra];
}
