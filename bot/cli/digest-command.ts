/**
 * `kvm-review digest`: the weekly digest of locking-doc drift over a window
 * of a repository's history. Wiring only: the window and the analysis are
 * analyzers/history/digest.ts, the formats bot/render/digest/, posting
 * bot/app/digest-post.ts.
 */
import { resolve } from 'node:path';
import { buildDigest, DEFAULT_WEEKS } from '../../analyzers/history/digest.js';
import { DIGEST_FORMATS } from '../render/registry.js';
import type { Io } from './doc-command.js';
import { EXIT, InputError, type ExitCode } from './exit-codes.js';
import { checkAddress } from './address-option.js';

export interface DigestCommandOptions {
  repo?: string;
  since?: string;
  from?: string;
  to?: string;
  weeks?: number;
  format: string;
  cacheDir?: string;
  /** commander's --no-cache sets cache to false. */
  cache: boolean;
  /** --mail-from / --mail-to: the email format's From: and To:. */
  mailFrom?: string;
  mailTo?: string;
  post?: boolean;
  /** owner/name of the repository the issue is opened in. */
  repoSlug?: string;
}

export const DIGEST_FORMAT_NAMES = DIGEST_FORMATS.map((f) => f.name);

export async function runDigest(options: DigestCommandOptions, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  const format = DIGEST_FORMATS.find((f) => f.name === options.format);
  if (!format) throw new InputError(`--format ${options.format}: the digest is written as one of ${DIGEST_FORMAT_NAMES.join(', ')}`);
  if (options.since !== undefined && options.from !== undefined) throw new InputError('--since and --from both say where the window starts: give one');
  // Options that only mean something with another: refused alone rather than ignored, so a cron line missing --format email or --post is caught on its first run.
  const headers = [options.mailFrom !== undefined && '--mail-from', options.mailTo !== undefined && '--mail-to'].filter(Boolean);
  if (headers.length > 0 && options.format !== 'email') throw new InputError(`${headers.join(' and ')} ${headers.length > 1 ? 'go' : 'goes'} with --format email: the ${options.format} digest has no mail headers`);
  checkAddress(options.mailFrom, '--mail-from');
  checkAddress(options.mailTo, '--mail-to', true);
  if (options.repoSlug !== undefined && !options.post) throw new InputError('--repo-slug goes with --post: it names the repository the issue is opened in');
  // Checked before the history is read: a post that cannot be made fails in milliseconds.
  const slug = options.post ? postTarget(options, env) : null;
  const repo = resolve(io.cwd, options.repo ?? '.');
  const run = await buildDigest(repo, {
    from: options.from,
    to: options.to,
    since: options.since,
    weeks: options.weeks ?? DEFAULT_WEEKS,
    cache: { dir: options.cacheDir, disabled: !options.cache },
  });
  for (const note of run.digest.notes) io.stderr(`kvm-review: note: ${note}\n`);
  io.stdout((await format.load()).renderDigest(run.digest, { from: options.mailFrom, to: options.mailTo }));
  if (slug) {
    const { postDigest } = await import('../app/digest-post.js');
    const { renderDigestMarkdown } = await import('../render/digest/markdown.js');
    const posted = await postDigest({ ...slug, digest: run.digest, body: renderDigestMarkdown(run.digest) });
    io.stderr(`kvm-review: ${posted.action} issue #${posted.number} (${posted.week}) in ${slug.owner}/${slug.repo}\n`);
  }
  return run.exitCode === 1 ? EXIT.findings : EXIT.ok;
}

function postTarget(options: DigestCommandOptions, env: NodeJS.ProcessEnv): { owner: string; repo: string; token: string; baseUrl: string } {
  const token = env.GITHUB_TOKEN;
  if (!token) throw new InputError('--post needs GITHUB_TOKEN in the environment');
  const slug = options.repoSlug ?? env.GITHUB_REPOSITORY;
  const m = slug ? /^([\w.-]+)\/([\w.-]+)$/.exec(slug) : null;
  if (!m?.[1] || !m[2]) throw new InputError(`--post needs --repo-slug OWNER/NAME (or GITHUB_REPOSITORY)${slug ? `, not "${slug}"` : ''}`);
  return { owner: m[1], repo: m[2], token, baseUrl: env.GITHUB_API_URL ?? 'https://api.github.com' };
}
