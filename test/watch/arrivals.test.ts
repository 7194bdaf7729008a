/**
 * How postings arrive on a list, pass by pass, watched in process against
 * the 6.1 tree (series made here by series-fixture.ts): a series whose
 * patches come in two polls, a new version sent in the old one's thread,
 * a version that is superseded while it waits for its missing patches,
 * and an inbox whose history was rewritten under the watcher.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryTree } from '../../analyzers/trees/index.js';
import { kernelTree } from '../helpers/paths.js';
import { appendCommits, buildInbox, commitsOf } from './inbox-fixture.js';
import { clean, inverting, seriesMails } from './series-fixture.js';
import { watcher } from './watcher-fixture.js';

const tree = new DirectoryTree(kernelTree('6.1'));
const cache = mkdtempSync(join(tmpdir(), 'kvm-review-arrivals-cache-'));

const THREE = [
  { subject: 'KVM: demo: add a reset helper', text: inverting('demo_reset_a') },
  { subject: 'KVM: demo: add a memslot helper', text: clean('demo_slots_b') },
  { subject: 'KVM: demo: add another reset helper', text: inverting('demo_reset_c') },
];

/** A one-patch series from someone else, dated `date`: list traffic that moves the inbox's clock. */
function traffic(tag: string, date: string): string[] {
  return seriesMails({ tag, version: 1, title: `KVM: demo: unrelated ${tag}`, patches: [{ subject: `KVM: demo: unrelated ${tag}`, text: clean(`demo_${tag}`) }], date, from: 'Other Author <other@example.org>' });
}

describe('watch: a series whose patches arrive in two polls', () => {
  it('cover and 1/3 now, 2/3 and 3/3 later: waits, then reviewed once, complete', async () => {
    const mails = seriesMails({ tag: 'polls', version: 1, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-05T10:00:00Z' });
    const inbox = buildInbox(mails.slice(0, 2));
    const w = watcher(tree, cache, 'kvm-review-arrivals-');
    const first = await w.pass(inbox);
    expect([first.reviewed, first.waiting]).toEqual([0, 1]);
    appendCommits(inbox, mails.slice(2));
    await w.pass(inbox);
    await w.pass(inbox);
    expect(w.reviewed).toEqual(['v1 1,2,3/3']);
    expect(w.records().map((r) => [r.status, r.series.subject, r.patches.length])).toEqual([['reviewed', 'KVM: demo helpers', 3]]);
  });
});

describe('watch: patches that arrive after their series was reviewed as partial', () => {
  it('cover and 1/3 reviewed as partial once due, 2/3 and 3/3 later: they join the series, reviewed again complete, 1/3 not answered twice', async () => {
    const mails = seriesMails({ tag: 'late', version: 1, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-05T10:00:00Z' });
    // A day later the list has moved on: the wait of cover and 1/3 is over.
    const inbox = buildInbox([...mails.slice(0, 2), ...traffic('late-t', '2026-01-06T12:00:00Z')]);
    const w = watcher(tree, cache, 'kvm-review-arrivals-');
    const first = await w.pass(inbox, { send: true });
    expect(w.reviewed).toEqual(['v1 1/3', 'v1 1/1']);
    expect(first.replies).toBe(1);
    expect(w.sent).toHaveLength(1);
    const partialReply = w.replies();
    appendCommits(inbox, mails.slice(2));
    const second = await w.pass(inbox, { send: true });
    // Patch 1 is applied first: 2/3 and 3/3 are reviewed on the tree they were written for.
    expect(w.reviewed).toEqual(['v1 1/3', 'v1 1/1', 'v1 1,2,3/3']);
    const ours = w.records().filter((r) => r.series.subject === 'KVM: demo helpers');
    expect(ours.map((r) => [r.status, r.series.version, r.patches.map((p) => p.index).join(',')]).sort()).toEqual([
      ['partial', 1, '1'],
      ['reviewed', 1, '1,2,3'],
    ]);
    expect(ours.find((r) => r.status === 'reviewed')?.completes).toMatch(/completed by the late patches 2, 3 after the partial review of 1 of 3 patches/);
    expect(w.records().filter((r) => r.series.subject !== 'KVM: demo helpers').map((r) => r.series.subject)).toEqual(['KVM: demo: unrelated late-t']);
    // The reply to 1/3 (same findings, same Message-ID) is neither written nor sent again; 3/3's is new.
    expect(second.replies).toBe(1);
    expect(w.replies()).toEqual(expect.arrayContaining(partialReply));
    expect(w.replies()).toHaveLength(partialReply.length + 1);
    expect(w.sent).toHaveLength(2);
    expect(new Set(w.sent).size).toBe(2);
    expect(w.logs.join('\n')).toMatch(/reviewed v1 "KVM: demo helpers".*completed by the late patches 2, 3/);
    // A pass with nothing new reviews nothing.
    await w.pass(inbox, { send: true });
    expect(w.reviewed).toHaveLength(3);
    expect(w.sent).toHaveLength(2);
  });

  it('a partial review not sent before the late patches came: the reply to 1/3, listed by both reviews, is sent once', async () => {
    const mails = seriesMails({ tag: 'late2', version: 1, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-05T10:00:00Z' });
    const inbox = buildInbox([...mails.slice(0, 2), ...traffic('late2-t', '2026-01-06T12:00:00Z')]);
    const w = watcher(tree, cache, 'kvm-review-arrivals-');
    await w.pass(inbox);
    appendCommits(inbox, mails.slice(2));
    await w.pass(inbox, { send: true });
    expect(w.reviewed).toEqual(['v1 1/3', 'v1 1/1', 'v1 1,2,3/3']);
    expect(w.replies()).toHaveLength(2);
    expect(w.sent).toHaveLength(2);
    expect(new Set(w.sent).size).toBe(2);
  });

  it('no patch comes within the hold: the partial series\' messages leave the pool, and it is not reviewed again', async () => {
    const mails = seriesMails({ tag: 'late3', version: 1, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-05T10:00:00Z' });
    const inbox = buildInbox([...mails.slice(0, 2), ...traffic('late3-t', '2026-01-06T12:00:00Z')]);
    const w = watcher(tree, cache, 'kvm-review-arrivals-');
    await w.pass(inbox);
    expect(w.held()).toEqual(expect.arrayContaining(['late3-0@example.org', 'late3-1@example.org']));
    appendCommits(inbox, traffic('late3-u', '2026-01-25T12:00:00Z'));
    await w.pass(inbox);
    expect(w.held()).not.toContain('late3-0@example.org');
    expect(w.held()).not.toContain('late3-1@example.org');
    expect(w.logs.join('\n')).toMatch(/v1 "KVM: demo helpers" \(partial, 1 of 3 patches\): no patch came within 14 days; its messages are no longer held for late patches/);
    expect(w.reviewed.filter((r) => r.endsWith('/3'))).toEqual(['v1 1/3']);
  });
});

describe('watch: a cover letter that arrives alone', () => {
  it('the cover now, its wait over, the patches in a later poll: the cover is held, and the series is reviewed once, with its cover', async () => {
    const mails = seriesMails({ tag: 'alone', version: 1, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-05T10:00:00Z' });
    // The cover, then a day of list traffic: its wait for the patches is over before they come.
    const inbox = buildInbox([mails[0] ?? '', ...traffic('alone-t', '2026-01-06T12:00:00Z')]);
    const w = watcher(tree, cache, 'kvm-review-arrivals-');
    const first = await w.pass(inbox);
    expect(first.reviewed).toBe(1);
    const cover = w.records().find((r) => r.series.subject === 'KVM: demo helpers');
    expect(cover?.status).toBe('skipped');
    expect(cover?.reason).toMatch(/a cover letter without patches: none of its 3 patches came within 24 h; held 14 days for them/);
    expect(w.held()).toContain('alone-0@example.org');
    appendCommits(inbox, mails.slice(1));
    await w.pass(inbox);
    expect(w.reviewed).toEqual(['v1 1/1', 'v1 1,2,3/3']);
    const full = w.records().find((r) => r.series.subject === 'KVM: demo helpers' && r.status === 'reviewed');
    expect(full?.patches.map((p) => p.index)).toEqual([1, 2, 3]);
    expect(full?.completes).toMatch(/completed by the late patches 1, 2, 3 after its cover letter waited alone \(2026-01-05-v1-kvm-demo-helpers-[0-9a-f]{8}\.json\)/);
    // Reviewed with its cover: the "v1 ... reviewed" line names the cover's thread (patch replies go In-Reply-To the patch, References the cover).
    const text = w.replies().map((f) => readFileSync(join(w.outbox, 'new', f), 'utf8')).join('\n');
    expect(text).toContain('alone-0@example.org');
    expect(w.held()).not.toContain('alone-0@example.org');
    expect(w.logs.join('\n')).toMatch(/reviewed v1 "KVM: demo helpers".*completed by the late patches 1, 2, 3/);
    await w.pass(inbox);
    expect(w.reviewed).toHaveLength(2);
  });

  it('no patch comes within the hold: the cover ends as a partial series does, its messages no longer held, recorded with the reason', async () => {
    const mails = seriesMails({ tag: 'alone2', version: 1, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-05T10:00:00Z' });
    const inbox = buildInbox([mails[0] ?? '', ...traffic('alone2-t', '2026-01-06T12:00:00Z')]);
    const w = watcher(tree, cache, 'kvm-review-arrivals-');
    await w.pass(inbox);
    expect(w.held()).toContain('alone2-0@example.org');
    appendCommits(inbox, traffic('alone2-u', '2026-01-25T12:00:00Z'));
    await w.pass(inbox);
    expect(w.held()).not.toContain('alone2-0@example.org');
    expect(w.logs.join('\n')).toMatch(/v1 "KVM: demo helpers" \(a cover letter without patches, 0 of 3 patches\): no patch came within 14 days; its messages are no longer held for late patches/);
    expect(w.records().find((r) => r.series.subject === 'KVM: demo helpers')?.reason).toMatch(/a cover letter without patches/);
  });

  it('a later version comes while the cover waits alone: the cover is skipped as superseded, not held', async () => {
    const v1 = seriesMails({ tag: 'alone3', version: 1, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-05T10:00:00Z' });
    const v2 = seriesMails({ tag: 'alone3b', version: 2, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-06T10:00:00Z' });
    const inbox = buildInbox([v1[0] ?? '', ...v2, ...traffic('alone3-t', '2026-01-07T12:00:00Z')]);
    const w = watcher(tree, cache, 'kvm-review-arrivals-');
    await w.pass(inbox);
    expect(w.held()).not.toContain('alone3-0@example.org');
    expect(w.records().find((r) => r.series.version === 1 && r.series.subject === 'KVM: demo helpers')?.reason).toMatch(/superseded by v2 before its patches arrived/);
  });
});

describe('watch: new versions', () => {
  it('a v2 sent In-Reply-To the v1 cover, read in the same pass: two postings, v2 compared with v1', async () => {
    const v1 = seriesMails({ tag: 'thr1', version: 1, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-05T10:00:00Z' });
    const v2 = seriesMails({ tag: 'thr2', version: 2, title: 'KVM: demo helpers', patches: THREE.slice(0, 2), date: '2026-01-07T10:00:00Z', inReplyTo: 'thr1-0@example.org' });
    const w = watcher(tree, cache, 'kvm-review-arrivals-');
    await w.pass(buildInbox([...v1, ...v2]));
    expect(w.reviewed).toEqual(['v1 1,2,3/3', 'v2 1,2/2']);
    expect(w.records().map((r) => [r.series.version, r.status, r.previous?.version ?? null]).sort()).toEqual([
      [1, 'reviewed', null],
      [2, 'reviewed', 1],
    ]);
  });

  it('a v2 still missing patches when v3 comes complete: v2 is skipped as superseded, not reviewed as partial after v3', async () => {
    const v1 = seriesMails({ tag: 'sup1', version: 1, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-05T10:00:00Z' });
    const v2 = seriesMails({ tag: 'sup2', version: 2, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-07T10:00:00Z' });
    const v3 = seriesMails({ tag: 'sup3', version: 3, title: 'KVM: demo helpers', patches: THREE.slice(0, 2), date: '2026-01-07T12:00:00Z' });
    const inbox = buildInbox([...v1, ...v2.slice(0, 2), ...v3]);
    const w = watcher(tree, cache, 'kvm-review-arrivals-');
    await w.pass(inbox);
    // A day later the list has moved on: v2's wait is over.
    appendCommits(inbox, traffic('later', '2026-01-09T12:00:00Z'));
    await w.pass(inbox);
    expect(w.reviewed.filter((r) => r.startsWith('v2'))).toEqual([]);
    expect(w.reviewed).toEqual(expect.arrayContaining(['v1 1,2,3/3', 'v3 1,2/2']));
    const v2rec = w.records().find((r) => r.series.version === 2);
    expect(v2rec?.status).toBe('skipped');
    expect(v2rec?.reason).toMatch(/superseded by v3 before its missing patches arrived/);
    expect(w.records().find((r) => r.series.version === 3)?.previous?.version).toBe(1);
  });
});

describe('watch: the inbox rewritten under the watcher', () => {
  it('its history rewritten and the commit last read gone (a purge, a new clone): read again from the start, the new series reviewed, nothing twice', async () => {
    const a = seriesMails({ tag: 'rw1', version: 1, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-05T10:00:00Z' });
    const inbox = buildInbox(a);
    const w = watcher(tree, cache, 'kvm-review-arrivals-');
    await w.pass(inbox);
    expect(w.reviewed).toEqual(['v1 1,2,3/3']);
    const before = commitsOf(inbox);
    // The same mails committed again (other commit ids), then a new series; the old commits pruned.
    rmSync(inbox, { recursive: true, force: true });
    execFileSync('git', ['init', '--bare', '--quiet', inbox]);
    appendCommits(inbox, [...a.map((m) => ({ file: 'm', text: `${m}\n` })), ...traffic('after', '2026-01-06T10:00:00Z')]);
    expect(commitsOf(inbox).some((c) => before.includes(c))).toBe(false);
    const r = await w.pass(inbox);
    expect(w.logs.join('\n')).toMatch(new RegExp(`the last commit read, ${before.at(-1) ?? ''}, is no longer in the inbox`));
    expect(w.reviewed).toEqual(['v1 1,2,3/3', 'v1 1/1']);
    expect(r.read).toBe(a.length + 2);
    expect(w.records().map((x) => x.series.subject).sort()).toEqual(['KVM: demo helpers', 'KVM: demo: unrelated after']);
  });

  it('a force-updated HEAD whose old commits are still there: only what the new history adds is reviewed', async () => {
    const a = seriesMails({ tag: 'fu1', version: 1, title: 'KVM: demo helpers', patches: THREE, date: '2026-01-05T10:00:00Z' });
    const inbox = buildInbox(a);
    const w = watcher(tree, cache, 'kvm-review-arrivals-');
    await w.pass(inbox);
    const old = commitsOf(inbox);
    // Back to the first two commits, then the rest committed again with another text and a new series on top.
    execFileSync('git', [`--git-dir=${inbox}`, 'update-ref', 'HEAD', old[1] ?? '']);
    appendCommits(inbox, [...a.slice(2).map((m) => ({ file: 'm', text: `${m}\n` })), ...traffic('fu', '2026-01-06T10:00:00Z')]);
    await w.pass(inbox);
    expect(w.reviewed).toEqual(['v1 1,2,3/3', 'v1 1/1']);
  });
});
