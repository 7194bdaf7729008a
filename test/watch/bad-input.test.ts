/**
 * `kvm-review watch` on bad input: an inbox that is not a git repository
 * or holds no `m` blobs stops the command (exit 2, named, nothing written)
 * unless another inbox is good; a bad commit inside a good inbox (no `m`,
 * a blob that is not mail, a broken References chain) is named on stderr
 * with the reason and the watch goes on. Options are checked first.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { buildInbox, commitsOf, mail } from './inbox-fixture.js';

const TREE = kernelTree('6.1');

// The command and the engine it loads are compiled on first import: on a busy machine that alone can pass a test's timeout.
beforeAll(async () => {
  await import('../../bot/cli/watch-command.js');
}, 600_000);

function dirs(): { state: string; outbox: string } {
  const root = mkdtempSync(join(tmpdir(), 'kvm-review-watch-bad-'));
  return { state: join(root, 'state'), outbox: join(root, 'outbox') };
}

function watch(inboxes: string[], d: { state: string; outbox: string }, extra: string[] = []): ReturnType<typeof runCli> {
  return runCli(['watch', '--once', ...inboxes.flatMap((i) => ['--inbox', i]), '--tree', TREE, '--state', d.state, '--outbox', d.outbox, '--no-cache', ...extra]);
}

/** A patch that touches no KVM file: recorded as skipped, never reviewed (the tests need no review). */
const NON_KVM = mail(
  {
    From: 'Dev <dev@example.org>',
    Subject: '[PATCH] arm64: tidy a comment',
    Date: 'Tue, 01 Nov 2022 10:00:00 +0000',
    'Message-ID': '<p1@example.org>',
  },
  'Tidy.\n\nSigned-off-by: Dev <dev@example.org>\n---\n arch/arm64/kernel/setup.c | 2 +-\n\ndiff --git a/arch/arm64/kernel/setup.c b/arch/arm64/kernel/setup.c\n--- a/arch/arm64/kernel/setup.c\n+++ b/arch/arm64/kernel/setup.c\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n',
);

const REPLY_BROKEN_REFS = mail(
  {
    From: 'Reviewer <r@example.org>',
    Subject: 'Re: [PATCH] arm64: tidy a comment',
    Date: 'Tue, 01 Nov 2022 11:00:00 +0000',
    'Message-ID': '<r1@example.org>',
    'In-Reply-To': '<p1@example.org>',
    References: '<elsewhere@example.org> <not-an-id>',
  },
  'Looks fine.\n',
);

describe('watch: bad inboxes', () => {
  it('a directory that is not a git repository: exit 2 naming it, nothing written', async () => {
    const d = dirs();
    const notGit = mkdtempSync(join(tmpdir(), 'kvm-review-not-git-'));
    const r = await watch([notGit], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(notGit);
    expect(r.stderr).toMatch(/not a git repository/);
    expect(existsSync(d.state)).toBe(false);
    expect(existsSync(d.outbox)).toBe(false);
  });

  it('a clone with a work tree (git clone without --mirror): exit 2 saying so and how to make a mirror, nothing written', async () => {
    const d = dirs();
    const bare = buildInbox([NON_KVM]);
    const clone = join(mkdtempSync(join(tmpdir(), 'kvm-review-work-clone-')), 'kvm-0');
    execFileSync('git', ['clone', '--quiet', bare, clone]);
    const r = await watch([clone], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `kvm-review: ${clone}: a clone with a work tree (${clone}/.git), not a public-inbox epoch as lore serves it: give a mirror, which git fetch keeps up to date: git clone --mirror https://lore.kernel.org/<list>/0 <list>-0.git\n`,
    );
    expect(existsSync(d.state)).toBe(false);
  });

  it('a git repository without m blobs: exit 2, not public-inbox', async () => {
    const d = dirs();
    const repo = buildInbox([{ file: 'README', text: 'a normal repository\n' }]);
    const r = await watch([repo], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(repo);
    expect(r.stderr).toMatch(/not a public-inbox repository/);
    expect(existsSync(d.state)).toBe(false);
  });

  it('with several inboxes a bad one is skipped with a warning and the good one is read', async () => {
    const d = dirs();
    const notGit = mkdtempSync(join(tmpdir(), 'kvm-review-not-git-'));
    const good = buildInbox([NON_KVM]);
    const r = await watch([notGit, good], d);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`warning: ${notGit}: not a git repository.*; skipped`));
    expect(r.stderr).toMatch(/pass: 1 commit read \(0 bad\), 0 series reviewed, 1 skipped/);
  });
});

describe('watch: bad commits inside a good inbox', () => {
  it('no m, not mail, broken References: each named with its reason; the rest is read and recorded', async () => {
    const d = dirs();
    const inbox = buildInbox([{ file: 'x', text: 'no message here\n' }, 'just some text, no headers at all\n', NON_KVM, REPLY_BROKEN_REFS]);
    const [noM, notMail, patch, reply] = commitsOf(inbox);
    const r = await watch([inbox], d);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`commit ${noM}: the commit has no message blob m`);
    expect(r.stderr).toContain(`commit ${notMail}: the blob m is not mail`);
    expect(r.stderr).toMatch(new RegExp(`commit ${reply}: broken References chain: In-Reply-To <p1@example.org> is not in References`));
    expect(r.stderr).not.toContain(`commit ${patch}:`);
    expect(r.stderr).toMatch(/pass: 4 commits read \(2 bad\), 0 series reviewed, 1 skipped, 0 waiting, 0 new replies/);
    // The patch touches no KVM file: a record that says so, and no reply.
    const records = readdirSync(join(d.outbox, 'series'));
    expect(records).toHaveLength(1);
    const rec = JSON.parse(readFileSync(join(d.outbox, 'series', records[0] ?? ''), 'utf8')) as { status: string; reason: string; patches: { messageId: string }[] };
    expect(rec).toMatchObject({ status: 'skipped', patches: [{ messageId: 'p1@example.org' }] });
    expect(rec.reason).toMatch(/touches no KVM file/);
    expect(readdirSync(join(d.outbox, 'new'))).toEqual([]);
    // The second pass reads nothing again.
    const again = await watch([inbox], d);
    expect(again.stderr).toMatch(/pass: 0 commits read/);
  });
});

describe('watch: options', () => {
  it('--send without SMTP settings refuses before anything is written', async () => {
    const d = dirs();
    const saved = process.env.KVM_REVIEW_SMTP_URL;
    delete process.env.KVM_REVIEW_SMTP_URL;
    try {
      const r = await watch([buildInbox([NON_KVM])], d, ['--send', '--from', 'Bot <bot@example.org>']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--send needs SMTP settings/);
      expect(existsSync(d.state)).toBe(false);
    } finally {
      if (saved !== undefined) process.env.KVM_REVIEW_SMTP_URL = saved;
    }
  });

  it('a --from that is not an address is refused before anything is written (the replies would have no From:)', async () => {
    const d = dirs();
    const r = await watch([buildInbox([NON_KVM])], d, ['--from', 'kvm-review bot']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kvm-review: --from kvm-review bot: "kvm-review bot" is not an address (addr@example.org, or Name <addr@example.org>)\n');
    expect(existsSync(d.state)).toBe(false);
  });

  it('--smtp without --send is refused before anything is written, not ignored (the user meant to send)', async () => {
    const d = dirs();
    const r = await watch([buildInbox([NON_KVM])], d, ['--smtp', 'smtp://localhost:2525']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kvm-review: --smtp goes with --send: without it, the replies are only written to the outbox and nothing is sent\n');
    expect(existsSync(d.state)).toBe(false);
  });

  it('--interval and --partial-after take a number with unit s, m or h', async () => {
    for (const [flag, value] of [
      ['--interval', '5'],
      ['--interval', '5d'],
      ['--partial-after', 'soon'],
    ] as const) {
      const d = dirs();
      const r = await watch([buildInbox([NON_KVM])], d, [flag, value]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${flag} ${value}: expected a number with unit s, m or h`);
      expect(existsSync(d.state)).toBe(false);
    }
  });

  it('a --state or --outbox that is a file: exit 2 naming the option and the path, nothing written', async () => {
    const inbox = buildInbox([NON_KVM]);
    for (const flag of ['--state', '--outbox'] as const) {
      const d = dirs();
      const file = flag === '--state' ? d.state : d.outbox;
      writeFileSync(file, 'not a directory\n');
      const r = await watch([inbox], d);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`kvm-review: ${file}: ${flag} is not a directory\n`);
      expect(existsSync(flag === '--state' ? d.outbox : d.state)).toBe(false);
      // Under a file, the directory cannot be created either.
      const under = join(file, 'sub');
      const r2 = await watch([inbox], flag === '--state' ? { ...dirs(), state: under } : { ...dirs(), outbox: under });
      expect(r2.code).toBe(2);
      expect(r2.stderr).toBe(`kvm-review: ${under}: ${flag} cannot be created: ${file} is not a directory\n`);
    }
  });

  it('a state directory in use by a live watcher is refused', async () => {
    const d = dirs();
    const inbox = buildInbox([NON_KVM]);
    expect((await watch([inbox], d)).code).toBe(0);
    // pid 1 is alive on every system.
    writeFileSync(join(d.state, 'lock'), '1\n');
    const r = await watch([inbox], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/in use by another kvm-review watch \(pid 1\)/);
  });
});
