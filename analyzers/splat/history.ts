/**
 * `--repo`: the commit that added the inner acquisition of a placed site,
 * by `git blame` of the acquisition line (the last step of the site's
 * chain) in the tree's git history.
 */
import { simpleGit } from 'simple-git';
import type { PlacedSite, SiteCommit } from './model.js';

/** Parses `git blame --porcelain` output for one line. */
export function parseBlame(out: string, file: string, line: number): SiteCommit | null {
  const lines = out.split('\n');
  const sha = /^([0-9a-f]{40}) /.exec(lines[0] ?? '')?.[1];
  if (!sha) return null;
  const field = (name: string): string => lines.find((l) => l.startsWith(`${name} `))?.slice(name.length + 1) ?? '';
  const time = Number(field('author-time'));
  return {
    sha,
    subject: field('summary'),
    author: `${field('author')} ${field('author-mail')}`.trim(),
    date: Number.isFinite(time) && time > 0 ? new Date(time * 1000).toISOString() : '',
    file,
    line,
  };
}

/** The commit that added the acquisition line of `site`, or a sentence saying why there is none. */
export async function commitOf(repo: string, site: PlacedSite): Promise<SiteCommit | string> {
  const step = site.chain[site.chain.length - 1] ?? { file: site.file, line: site.line };
  try {
    const out = await simpleGit(repo).raw(['blame', '--porcelain', '-L', `${step.line},${step.line}`, '--', step.file]);
    return parseBlame(out, step.file, step.line) ?? `git blame gave nothing for ${step.file}:${step.line}`;
  } catch (e) {
    return `git blame ${step.file}:${step.line} failed in ${repo}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
  }
}
