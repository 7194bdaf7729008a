/**
 * Series mail for the watch tests, made at test time: a git repository
 * holding virt/kvm/kvm_main.c as the 6.1 tree has it, one commit per patch
 * (each appends a function), and the diffs written as list mail the way
 * git send-email threads them (the cover first, each patch In-Reply-To the
 * cover). Nothing of the kernel is committed to this project: the file is
 * copied from the extracted tree.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { kernelTree } from '../helpers/paths.js';
import { mail } from './inbox-fixture.js';

export const MAIN = 'virt/kvm/kvm_main.c';

/** A function that takes kvm->lock inside vcpu->mutex: against "kvm->lock is taken outside vcpu->mutex". */
export const inverting = (name: string): string => `
static void ${name}(struct kvm_vcpu *vcpu)
{
\tmutex_lock(&vcpu->mutex);
\tmutex_lock(&vcpu->kvm->lock);
\tmutex_unlock(&vcpu->kvm->lock);
\tmutex_unlock(&vcpu->mutex);
}
`;

/** A function that follows "kvm->lock is taken outside kvm->slots_lock". */
export const clean = (name: string): string => `
static void ${name}(struct kvm *kvm)
{
\tmutex_lock(&kvm->lock);
\tmutex_lock(&kvm->slots_lock);
\tmutex_unlock(&kvm->slots_lock);
\tmutex_unlock(&kvm->lock);
}
`;

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, '-c', 'user.name=Test Author', '-c', 'user.email=test@example.org', ...args], { encoding: 'utf8' });
}

/** The diffs of patches that each append `texts[i]` to kvm_main.c, in order (each on top of the one before). */
export function appendDiffs(texts: string[]): string[] {
  const repo = mkdtempSync(join(tmpdir(), 'kvm-review-series-'));
  mkdirSync(dirname(join(repo, MAIN)), { recursive: true });
  copyFileSync(join(kernelTree('6.1'), MAIN), join(repo, MAIN));
  git(repo, 'init', '-q');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'base');
  const out: string[] = [];
  for (const text of texts) {
    writeFileSync(join(repo, MAIN), readFileSync(join(repo, MAIN), 'utf8') + text);
    out.push(git(repo, 'diff', '--no-color'));
    git(repo, 'commit', '-q', '-a', '-m', 'next');
  }
  return out;
}

export interface SeriesSpec {
  /** Distinguishes the Message-IDs of this posting: `<tag>-<k>@example.org`. */
  tag: string;
  version: number;
  title: string;
  /** One subject and appended text per patch. */
  patches: { subject: string; text: string }[];
  /** The date of the cover; patch k is k minutes later. */
  date: string;
  /** Optional: the cover replies to this Message-ID (a new version sent in the old one's thread). */
  inReplyTo?: string;
  /** Optional: the cover's body. */
  coverBody?: string;
  from?: string;
}

/** The cover (index 0) and patches of a series, as list mail. */
export function seriesMails(s: SeriesSpec): string[] {
  const total = s.patches.length;
  const prefix = (k: number): string => `[PATCH${s.version > 1 ? ` v${s.version}` : ''} ${k}/${total}]`;
  const at = (k: number): string => new Date(Date.parse(s.date) + k * 60_000).toUTCString().replace('GMT', '+0000');
  const from = s.from ?? 'Test Author <test@example.org>';
  const coverId = `<${s.tag}-0@example.org>`;
  const cover = mail(
    {
      From: from,
      Date: at(0),
      Subject: `${prefix(0)} ${s.title}`,
      'Message-ID': coverId,
      ...(s.inReplyTo ? { 'In-Reply-To': `<${s.inReplyTo}>`, References: `<${s.inReplyTo}>` } : {}),
    },
    `${s.coverBody ?? 'The cover letter.'}\n\nTest Author (${total}):\n`,
  );
  const diffs = appendDiffs(s.patches.map((p) => p.text));
  const patches = s.patches.map((p, i) =>
    mail(
      {
        From: from,
        Date: at(i + 1),
        Subject: `${prefix(i + 1)} ${p.subject}`,
        'Message-ID': `<${s.tag}-${i + 1}@example.org>`,
        'In-Reply-To': coverId,
        References: s.inReplyTo ? `<${s.inReplyTo}> ${coverId}` : coverId,
      },
      `${p.subject}.\n\nSigned-off-by: ${from}\n---\n${diffs[i] ?? ''}-- \n2.43.0\n`,
    ),
  );
  return [cover, ...patches];
}
