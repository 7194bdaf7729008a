/**
 * The v1/v2 threads the compare tests build against a real tree: a cover
 * letter and two patches. Patch 1 changes virt/kvm/kvm_main.c (its `after`
 * made from its `before` by the test: the lock bug after ANCHOR), patch 2
 * adds a comment in virt/kvm/eventfd.c and, in v1, what `patch2Extra`
 * appends (a function taking the locks the wrong way).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPatchMail } from '../helpers/format-patch.js';
import { lineOf } from '../helpers/paths.js';

export const MAIN = 'virt/kvm/kvm_main.c';
export const EVENTFD = 'virt/kvm/eventfd.c';
/** The line of kvm_vcpu_ioctl() the bug goes after (and the line after it). */
export const ANCHOR = '\tif (mutex_lock_killable(&vcpu->mutex))';
/** kvm->lock under vcpu->mutex: against locking.rst's "kvm->lock is taken outside vcpu->mutex". */
export const BUG = ['\tmutex_lock(&vcpu->kvm->lock);', '\tmutex_unlock(&vcpu->kvm->lock);'];
export const SUBJECT1 = 'KVM: take kvm->lock in the vCPU ioctl';
export const SUBJECT2 = 'KVM: eventfd: say which lock resampler_lock nests in';

/** `text` as another tree has it around the anchor only: a hunk made there has no context in the tree. */
export function elsewhere(text: string): string {
  const lines = text.split('\n');
  const at = lines.indexOf(ANCHOR);
  for (let i = at - 4; i <= at + 6; i++) lines[i] = `${lines[i]} /* rebased */`;
  return lines.join('\n');
}

export interface ThreadParts {
  /** kvm_main.c before patch 1, and patch 1's change of it. */
  patch1Before: string;
  patch1: (before: string) => string;
  /** The comment patch 2 adds above resampler_lock's mutex_lock(). */
  patch2Comment: string;
  /** Appended to eventfd.c by patch 2. */
  patch2Extra?: string;
  /** Diffs made by git (hunk headers name their function, as a real mail's do). */
  git?: boolean;
}

/** Version `v` of the series as mail: cover letter, then patches 1/2 and 2/2 in reply to it. */
export function twoPatchThread(tree: string, v: number, parts: ThreadParts): string {
  const tag = v === 1 ? 'PATCH' : `PATCH v${v}`;
  const cover = `v${v}-0@example.org`;
  const date = (s: number): string => `Mon, ${16 + v} Nov 2026 10:00:0${s} +0000`;
  const reply = (mail: string): string => mail.replace(/\nMessage-ID: /, `\nIn-Reply-To: <${cover}>\nReferences: <${cover}>\nMessage-ID: `);
  const eventfd = readFileSync(join(tree, EVENTFD), 'utf8');
  const commented = eventfd.split('\n');
  commented.splice(lineOf(tree, EVENTFD, '\tmutex_lock(&kvm->irqfds.resampler_lock);'), 0, parts.patch2Comment);
  const git = parts.git ? { git: true } : {};
  return [
    [
      'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
      'From: Test Author <test@example.org>',
      `Date: ${date(0)}`,
      `Subject: [${tag} 0/2] KVM: vCPU ioctl locking`,
      `Message-ID: <${cover}>`,
      '',
      'Two patches.',
      '',
    ].join('\n'),
    reply(formatPatchMail({ file: MAIN, before: parts.patch1Before, after: parts.patch1(parts.patch1Before), subject: `[${tag} 1/2] ${SUBJECT1}`, messageId: `v${v}-1@example.org`, body: 'Take kvm->lock.', date: date(1), ...git })),
    reply(formatPatchMail({ file: EVENTFD, before: eventfd, after: commented.join('\n') + (parts.patch2Extra ?? ''), subject: `[${tag} 2/2] ${SUBJECT2}`, messageId: `v${v}-2@example.org`, body: 'A comment.', date: date(2), ...git })),
  ].join('\n');
}
