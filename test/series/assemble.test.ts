/**
 * Series assembly on the fixtures: two versions with covers and replies,
 * a series with a missing patch and a duplicate, a format-patch directory.
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { readSeries, type Series } from '../../analyzers/series/index.js';
import { SERIES_FIXTURES } from './paths.js';

/** The per-series facts a reviewer checks first. */
function summary(s: Series): object {
  return {
    version: s.version,
    expected: s.expected,
    sender: s.sender?.email,
    patches: s.patches.map((p) => [p.index, p.status]),
    missing: s.missing,
    complete: s.complete,
    hasCover: s.hasCover,
    followUps: s.followUps.map((f) => f.slot),
  };
}

describe('demo-v1-v2.mbx: two versions, covers, replies', () => {
  it('assembles v2 and v1, newest first, and chooses v2, saying so', async () => {
    const r = await readSeries(join(SERIES_FIXTURES, 'demo-v1-v2.mbx'));
    expect(r.series.map(summary)).toEqual([
      { version: 2, expected: 2, sender: 'jane@example.org', patches: [[1, 'ok'], [2, 'ok']], missing: [], complete: true, hasCover: true, followUps: [0, 0] },
      { version: 1, expected: 2, sender: 'jane@example.org', patches: [[1, 'ok'], [2, 'ok']], missing: [], complete: true, hasCover: true, followUps: [1] },
    ]);
    expect(r.chosen).toBe(r.series[0]);
    expect(r.choice).toBe('#1 v2 (2/2, cover): the newest complete series; also present: #2 v1 (2/2, cover)');
    expect(r.orphanFollowUps).toEqual([]);
    expect(r.others).toEqual([]);
  });

  it('gives each patch what the review needs', async () => {
    const patch = (await readSeries(join(SERIES_FIXTURES, 'demo-v1-v2.mbx'))).chosen?.patches[1];
    expect(patch).toMatchObject({
      index: 2,
      subject: '[PATCH v2 2/2] KVM: demo: Take slots_lock around demo_users',
      title: 'KVM: demo: Take slots_lock around demo_users',
      messageId: '20240311090000.2000-3-jane@example.org',
      author: { name: 'Jane Hacker', email: 'jane@example.org' },
      date: '2024-03-11T09:00:02.000Z',
      status: 'ok',
      reason: null,
      warnings: [],
    });
    expect(patch?.description).toMatch(/^The memslot code reads demo_users[\s\S]*Signed-off-by: Jane Hacker <jane@example.org>$/);
    const hunk = patch?.files[0]?.hunks[0];
    expect(hunk?.header).toBe('@@ -12,9 +12,11 @@ static int demo_users;');
    expect(hunk?.lines.filter((l) => l.type === 'add')).toEqual([
      { type: 'add', newLine: 15, content: '\tmutex_lock(&kvm->slots_lock);' },
      { type: 'add', newLine: 19, content: '\tmutex_unlock(&kvm->slots_lock);' },
    ]);
  });

  it('ties a reply with only In-Reply-To to the cover through the reply it answers', async () => {
    const v2 = (await readSeries(join(SERIES_FIXTURES, 'demo-v1-v2.mbx'))).series[0];
    expect(v2?.followUps.map((f) => [f.messageId, f.slot, f.hasDiff])).toEqual([
      ['rob-reply-2@example.com', 0, false],
      ['jane-reply-3@example.org', 0, false],
    ]);
  });

  it('never takes a reply with a quoted diff for a patch', async () => {
    const v1 = (await readSeries(join(SERIES_FIXTURES, 'demo-v1-v2.mbx'))).series[1];
    expect(v1?.followUps[0]).toMatchObject({ subject: 'Re: [PATCH 1/2] KVM: demo: Add demo_lock', slot: 1, hasDiff: false });
    expect(v1?.followUps[0]?.body).toContain('> +static DEFINE_MUTEX(demo_lock);');
  });

  it('keeps the same posting fingerprint when read again, distinct per version', async () => {
    const a = await readSeries(join(SERIES_FIXTURES, 'demo-v1-v2.mbx'));
    const b = await readSeries(join(SERIES_FIXTURES, 'demo-v1-v2.mbx'));
    expect(a.series.map((s) => s.fingerprint)).toEqual(b.series.map((s) => s.fingerprint));
    expect(a.series[0]?.fingerprint).not.toBe(a.series[1]?.fingerprint);
  });
});

describe('missing-patch.mbx: a hole, a duplicate, an orphan reply, an announcement', () => {
  it('reports the missing slot and keeps the duplicate as skipped', async () => {
    const r = await readSeries(join(SERIES_FIXTURES, 'missing-patch.mbx'));
    expect(r.series.map(summary)).toEqual([
      { version: 3, expected: 3, sender: 'sam@example.org', patches: [[1, 'ok'], [3, 'ok']], missing: [2], complete: false, hasCover: true, followUps: [] },
    ]);
    expect(r.chosen?.duplicates.map((d) => [d.index, d.status, d.reason, d.position.index])).toEqual([
      [3, 'skipped', 'the same message (Message-ID) appears again', 5],
    ]);
    expect(r.choice).toBe('v3 (2/3, 1 missing, cover): no series is complete; chose the newest with patches');
  });

  it('keeps the reply to an absent patch and the non-patch message, with reasons', async () => {
    const r = await readSeries(join(SERIES_FIXTURES, 'missing-patch.mbx'));
    expect(r.orphanFollowUps.map((f) => [f.subject, f.slot])).toEqual([['Re: [PATCH v2 2/3] KVM: demo: Take slots_lock in demo_get()', null]]);
    expect(r.others.map((o) => [o.subject, o.reason, o.position.index])).toEqual([['[ANNOUNCE] demo-tools 1.0', 'not a patch, a cover letter or a reply', 4]]);
  });
});

describe('format-patch directory', () => {
  it('assembles the cover and both patches from their files', async () => {
    const r = await readSeries(join(SERIES_FIXTURES, 'format-patch'));
    expect(r.series.map(summary)).toEqual([
      { version: 1, expected: 2, sender: 'jane@example.org', patches: [[1, 'ok'], [2, 'ok']], missing: [], complete: true, hasCover: true, followUps: [] },
    ]);
    expect(r.chosen?.cover?.title).toBe('KVM: demo: Order demo_lock inside slots_lock');
    expect(r.chosen?.patches[1]?.files[0]).toMatchObject({ path: 'Documentation.txt', isNew: true, oldPath: null, additions: 1 });
  });
});
