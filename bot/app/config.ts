/**
 * `.github/kvm-review.yml`: the repository's settings for the App, one
 * zod-validated object. A bad file is a clear error naming the key and its
 * line; the App then posts a neutral check run and reviews nothing.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import type { Severity } from '../../analyzers/findings/model.js';
import { RULE_IDS } from '../../analyzers/rules/meta.js';
import { FAIL_LEVELS, SEVERITIES, type FailLevel, type SeverityConfig } from '../../analyzers/rules/severity.js';
import { digestConfigSchema, type DigestScheduleConfig } from './digest-schedule.js';

/** The path Probot's `context.config(CONFIG_FILE)` reads, under `.github/`. */
export const CONFIG_FILE = 'kvm-review.yml';
export const CONFIG_PATH = `.github/${CONFIG_FILE}`;

/** GitHub: "Unprocessable Entity ... comments: too many" past 30 comments in one review (reviewdog keeps the same cap). */
export const GITHUB_MAX_REVIEW_COMMENTS = 30;

/**
 * The file's keys are spelled as the CLI's `.kvm-review.yml` spells its own
 * (`severity`, `fail-on`), with the same values; the App adds its keys in
 * the same kebab-case.
 */
export const configSchema = z
  .object({
    /** The review's event: COMMENT (default) or REQUEST_CHANGES when a finding reaches `fail-on`. */
    'review-event': z.enum(['COMMENT', 'REQUEST_CHANGES']).default('COMMENT'),
    /** The check run fails when a finding is at least this severe; `never` keeps it green. */
    'fail-on': z.enum(FAIL_LEVELS as [FailLevel, ...FailLevel[]]).default('error'),
    /** Per-kind severity, as the CLI's --severity KIND=LEVEL. */
    severity: z.partialRecord(z.enum(RULE_IDS), z.enum(SEVERITIES as [Severity, ...Severity[]])).default({}),
    /** Review draft pull requests too. */
    drafts: z.boolean().default(false),
    /** Line comments per review, at most GitHub's cap; the rest go to the review body. */
    'max-comments': z.number().int().min(0).max(GITHUB_MAX_REVIEW_COMMENTS).default(GITHUB_MAX_REVIEW_COMMENTS),
    /** Architectures whose findings are posted (`all`, or names such as x86, arm64). */
    archs: z.union([z.literal('all'), z.array(z.string().regex(/^[a-z0-9_]+$/)).min(1)]).default('all'),
    /** Findings in files under these paths (directory prefixes, or globs with `*`/`**`) are not posted. */
    'ignore-paths': z.array(z.string().min(1)).default([]),
    /** Branches whose pushes are reviewed as a series (names or globs). */
    'push-branches': z.array(z.string().min(1)).default([]),
    /** The weekly digest issue (digest-schedule.ts): enabled, day, time, timezone, weeks; off when absent. */
    digest: digestConfigSchema.optional(),
  })
  .strict();

/** The validated configuration, in the code's spelling. */
export interface RepoConfig {
  reviewEvent: 'COMMENT' | 'REQUEST_CHANGES';
  failOn: FailLevel;
  severity: SeverityConfig;
  drafts: boolean;
  maxComments: number;
  archs: 'all' | string[];
  ignorePaths: string[];
  pushBranches: string[];
  /** Present when the file has `digest:`. */
  digest?: DigestScheduleConfig;
}

function fromFile(d: z.infer<typeof configSchema>): RepoConfig {
  return {
    reviewEvent: d['review-event'],
    failOn: d['fail-on'],
    severity: d.severity as SeverityConfig,
    drafts: d.drafts,
    maxComments: d['max-comments'],
    archs: d.archs,
    ignorePaths: d['ignore-paths'],
    pushBranches: d['push-branches'],
    ...(d.digest ? { digest: d.digest } : {}),
  };
}

/** The configuration of a repository without `.github/kvm-review.yml`. */
export const DEFAULT_CONFIG: RepoConfig = fromFile(configSchema.parse({}));

/** A configuration that cannot be used; `message` names the key and, when known, the line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** The offending key path, dotted (`severity.cycle`); empty for the whole file. */
    readonly key: string,
    /** 1-based line in the file, when the raw text was available. */
    readonly line: number | null,
  ) {
    super(message);
  }
}

/** Validates what `context.config` returned; `raw` (the file's text) lets the error name the line. */
export function validateConfig(value: unknown, raw: string | null = null): RepoConfig {
  const parsed = configSchema.safeParse(value ?? {});
  if (parsed.success) return fromFile(parsed.data);
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).map(String);
  // An unknown key is reported at the key itself.
  if (issue?.code === 'unrecognized_keys') path.push(String(issue.keys[0]));
  const key = path.join('.');
  const line = raw === null ? null : lineOf(raw, path);
  const where = `${CONFIG_PATH}${line ? `:${line}` : ''}`;
  throw new ConfigError(`${where}: ${key || '(file)'}: ${issue?.message ?? 'invalid'}`, key, line);
}

/** Parses the raw YAML itself (the Action reads the checkout): YAML errors name their line. */
export function parseConfigText(raw: string): RepoConfig {
  const counter = new LineCounter();
  const doc = parseDocument(raw, { lineCounter: counter });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0].line ?? null;
    throw new ConfigError(`${CONFIG_PATH}${line ? `:${line}` : ''}: not valid YAML: ${err.message.split('\n')[0]}`, '', line);
  }
  return validateConfig(doc.toJS() ?? {}, raw);
}

/** 1-based line of the node at `path` (the deepest that exists), or null. */
export function lineOf(raw: string, path: readonly string[]): number | null {
  const counter = new LineCounter();
  const doc = parseDocument(raw, { lineCounter: counter });
  let node: unknown = doc.contents;
  let at: number | null = null;
  const start = (n: unknown): number | null => {
    const range = (n as YamlNode | null)?.range;
    return range ? counter.linePos(range[0]).line : null;
  };
  at = start(node);
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === part);
      if (!pair) break;
      at = start(pair.key) ?? at;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(part)];
      at = start(node) ?? at;
    } else break;
  }
  return at;
}

/** Whether `name` matches a pattern of `pushBranches` (`*` within a segment, `**` across). */
export function matchesGlob(pattern: string, name: string): boolean {
  const re = pattern
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`).test(name);
}

/**
 * Whether a file is under one of `ignorePaths`: a directory prefix, or a
 * glob matched against the file and each directory above it (`arch/*\/kvm`
 * ignores everything under arch/x86/kvm/, as a directory prefix would; one
 * ending in `/` matches directories only). A leading `/` or `./` means the
 * top of the tree, as paths already are.
 */
export function isIgnored(config: RepoConfig, file: string): boolean {
  const parts = file.split('/');
  return config.ignorePaths.some((raw) => {
    const p = raw.replace(/^(?:\.?\/)+/, '');
    if (!p.includes('*')) return file === p || file.startsWith(p.endsWith('/') ? p : `${p}/`);
    const dirOnly = p.endsWith('/');
    const glob = p.replace(/\/+$/, '');
    for (let i = 1; i <= parts.length - (dirOnly ? 1 : 0); i++) if (matchesGlob(glob, parts.slice(0, i).join('/'))) return true;
    return false;
  });
}
