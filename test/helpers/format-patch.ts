/** A `git format-patch` mail made from two versions of one file: patches generated at test time from a tree. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTwoFilesPatch } from 'diff';

export interface PatchMail {
  file: string;
  before: string;
  after: string;
  subject: string;
  messageId: string;
  body: string;
  from?: string;
  date?: string;
  /** Made by `git diff`, whose hunk headers name the function each hunk is in (git's funcname context), as a real mail's do; else by jsdiff, whose headers name none. */
  git?: boolean;
}

/** `git diff` of the two versions, from its `---` line: the files are written as a/FILE and b/FILE and compared without prefixes. */
function gitDiff(file: string, before: string, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-git-diff-'));
  try {
    for (const [side, text] of [['a', before], ['b', after]] as const) {
      mkdirSync(dirname(join(dir, side, file)), { recursive: true });
      writeFileSync(join(dir, side, file), text);
    }
    const out = spawnSync('git', ['diff', '--no-index', '--no-prefix', '--no-color', `a/${file}`, `b/${file}`], { cwd: dir, encoding: 'utf8' });
    // Exit 1: the files differ.
    if (out.status !== 1) throw new Error(`git diff --no-index of ${file}: exit ${out.status}: ${out.stderr}`);
    return out.stdout.slice(out.stdout.indexOf('\n--- ') + 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatPatchMail(p: PatchMail): string {
  const from = p.from ?? 'Test Author <test@example.org>';
  // createTwoFilesPatch starts with an "Index:" / "===" banner that git never writes.
  const diff = p.git ? gitDiff(p.file, p.before, p.after) : createTwoFilesPatch(`a/${p.file}`, `b/${p.file}`, p.before, p.after, undefined, undefined, { context: 3 }).replace(/^(?:Index:.*\n)?=+\n/m, '');
  return [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    `From: ${from}`,
    `Date: ${p.date ?? 'Mon, 16 Nov 2026 10:00:00 +0000'}`,
    `Subject: ${p.subject}`,
    `Message-ID: <${p.messageId}>`,
    '',
    p.body,
    '',
    `Signed-off-by: ${from}`,
    '---',
    `diff --git a/${p.file} b/${p.file}`,
    diff.replace(/\n$/, ''),
    '-- ',
    '2.47.0',
    '',
  ].join('\n');
}
