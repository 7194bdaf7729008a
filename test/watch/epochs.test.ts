/**
 * A lore list mirrored as public-inbox-clone and grokmirror lay it out: an
 * inbox directory whose git/ holds the epochs 0.git, 1.git, ... Lore starts
 * a new epoch when one reaches about a gigabyte, and the series posted
 * across the rollover has patches in both. The watcher given the directory
 * follows every epoch, the new one from its first message, without a
 * restart; given an epoch alone it reads that epoch as before. In process
 * against the 6.1 tree, and the command line's check of what --inbox names.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryTree } from '../../analyzers/trees/index.js';
import { checkInbox, InboxError } from '../../bot/watch/inbox.js';
import { kernelTree } from '../helpers/paths.js';
import { buildInbox } from './inbox-fixture.js';
import { clean, inverting, seriesMails } from './series-fixture.js';
import { watcher } from './watcher-fixture.js';

const tree = new DirectoryTree(kernelTree('6.1'));
const cache = mkdtempSync(join(tmpdir(), 'kvm-review-epochs-cache-'));

const THREE = [
  { subject: 'KVM: demo: add a reset helper', text: inverting('demo_epoch_a') },
  { subject: 'KVM: demo: add a memslot helper', text: clean('demo_epoch_b') },
  { subject: 'KVM: demo: add another reset helper', text: inverting('demo_epoch_c') },
];

describe('watch: an inbox directory of epochs', () => {
  it('a series posted across the rollover to a new epoch: the new epoch is read from its first message and the series reviewed once, complete', async () => {
    const mails = seriesMails({ tag: 'epochs', version: 1, title: 'KVM: demo helpers over two epochs', patches: THREE, date: '2026-01-05T10:00:00Z' });
    const inbox = mkdtempSync(join(tmpdir(), 'kvm-review-lore-kvm-'));
    mkdirSync(join(inbox, 'git'));
    buildInbox(mails.slice(0, 2), join(inbox, 'git', '0.git'));
    const w = watcher(tree, cache, 'kvm-review-epochs-');
    const first = await w.pass(inbox);
    expect([first.read, first.reviewed, first.waiting]).toEqual([2, 0, 1]);
    // Lore rolls over: 2/3 and 3/3 land in epoch 1, which did not exist when the watcher started.
    buildInbox(mails.slice(2), join(inbox, 'git', '1.git'));
    const second = await w.pass(inbox);
    expect(second.read).toBe(2);
    expect(w.reviewed).toEqual(['v1 1,2,3/3']);
    expect(w.logs).toContain(`${inbox}: reading its epoch git/1.git from its first message`);
    // Nothing new: nothing read or reviewed again, and the epochs are not announced again.
    const logged = w.logs.length;
    const third = await w.pass(inbox);
    expect([third.read, third.reviewed]).toEqual([0, 0]);
    expect(w.logs.slice(logged).filter((l) => l.includes('reading its epoch'))).toEqual([]);
  });

  it('an epoch lore has made but not written to yet is announced once, not again on every pass that finds it still empty', async () => {
    const inbox = mkdtempSync(join(tmpdir(), 'kvm-review-lore-empty-epoch-'));
    mkdirSync(join(inbox, 'git'));
    buildInbox(seriesMails({ tag: 'ep0', version: 1, title: 'KVM: demo: one', patches: [THREE[1] as (typeof THREE)[number]], date: '2026-01-05T10:00:00Z' }), join(inbox, 'git', '0.git'));
    execFileSync('git', ['init', '--bare', '--quiet', join(inbox, 'git', '1.git')]);
    const w = watcher(tree, cache, 'kvm-review-epochs-');
    for (let pass = 0; pass < 3; pass++) await w.pass(inbox);
    expect(w.logs.filter((l) => l.includes('reading its epoch'))).toEqual([`${inbox}: reading its epoch git/0.git from its first message`, `${inbox}: reading its epoch git/1.git from its first message`]);
    expect(w.reviewed).toEqual(['v1 1/1']);
  });

  it('epochs are read in their number order (10.git after 9.git), and an epoch given alone is read as before', async () => {
    const inbox = mkdtempSync(join(tmpdir(), 'kvm-review-lore-order-'));
    mkdirSync(join(inbox, 'git'));
    const one = seriesMails({ tag: 'ep9', version: 1, title: 'KVM: demo: one', patches: [THREE[0] as (typeof THREE)[number]], date: '2026-01-05T10:00:00Z' });
    buildInbox(one, join(inbox, 'git', '9.git'));
    buildInbox(seriesMails({ tag: 'ep10', version: 1, title: 'KVM: demo: two', patches: [THREE[1] as (typeof THREE)[number]], date: '2026-01-05T11:00:00Z' }), join(inbox, 'git', '10.git'));
    const w = watcher(tree, cache, 'kvm-review-epochs-');
    await w.pass(inbox);
    expect(w.logs.filter((l) => l.includes('reading its epoch'))).toEqual([`${inbox}: reading its epoch git/9.git from its first message`, `${inbox}: reading its epoch git/10.git from its first message`]);
    const alone = watcher(tree, cache, 'kvm-review-epochs-');
    const r = await alone.pass(join(inbox, 'git', '9.git'));
    expect([r.read, alone.reviewed]).toEqual([2, ['v1 1/1']]);
    expect(alone.logs.filter((l) => l.includes('reading its epoch'))).toEqual([]);
  });

  it('the check of --inbox the command line makes takes an inbox directory whose epochs are public-inbox epochs, and names what is wrong with one that is not', async () => {
    const good = mkdtempSync(join(tmpdir(), 'kvm-review-lore-good-'));
    mkdirSync(join(good, 'git'));
    buildInbox(seriesMails({ tag: 'ok', version: 1, title: 'KVM: demo', patches: [THREE[1] as (typeof THREE)[number]], date: '2026-01-05T10:00:00Z' }), join(good, 'git', '0.git'));
    await expect(checkInbox(good)).resolves.toBeUndefined();
    // An epoch that is not a repository with messages: the check names that epoch.
    const bad = join(good, 'git', '1.git');
    execFileSync('git', ['init', '--bare', '--quiet', bad]);
    await expect(checkInbox(good)).rejects.toThrow(InboxError);
    await expect(checkInbox(good).catch((e: Error) => e.message)).resolves.toBe(`${bad}: not a git repository with commits`);
    // A directory that is neither an epoch nor holds any.
    const empty = mkdtempSync(join(tmpdir(), 'kvm-review-lore-empty-'));
    await expect(checkInbox(empty)).rejects.toThrow(/nor an inbox directory whose git\/ holds its epochs 0\.git, 1\.git/);
  });
});
