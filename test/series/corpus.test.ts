/**
 * The real threads of ../shared/corpus, read at test time (never copied).
 * Per file: how many messages and patch messages, the series chosen and
 * what it lacks, checked by reading the files (subjects, Message-IDs, the
 * corpus README's tables). Then golden details of a few patches, and the
 * kvmarm public-inbox epoch.
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { readSeries, type SeriesReadResult } from '../../analyzers/series/index.js';
import { openSource } from '../../analyzers/sources/index.js';
import { LORE, PUBLIC_INBOX } from './paths.js';

interface Expected {
  messages: number;
  /** Non-reply messages tagged as patch k (k > 0). */
  patchMessages: number;
  version: number;
  expected: number;
  present: number;
  missing: number;
  hasCover: boolean;
  followUps: number;
  choice: string;
}

const FILES: [string, Expected][] = [
  ['kvm/arm64-vcpu-mutex-kvm-lock-inversion-v3.mbx', { messages: 4, patchMessages: 4, version: 3, expected: 4, present: 4, missing: 0, hasCover: false, followUps: 0, choice: 'v3 (4/4): the complete series' }],
  ['kvm/kvm-usage-count-kvm_lock-v2-44.mbx', { messages: 2, patchMessages: 1, version: 2, expected: 50, present: 1, missing: 49, hasCover: true, followUps: 0, choice: 'v2 (1/50, 49 missing, cover): no series is complete; chose the newest with patches' }],
  ['kvm/kvm-usage-lock-deadlock-2024.mbx', { messages: 2, patchMessages: 1, version: 1, expected: 538, present: 1, missing: 537, hasCover: false, followUps: 0, choice: '#2 v1 6.6 backport by gregkh@linuxfoundation.org (1/538, 537 missing): no series is complete; chose the newest with patches (the first thread in the input has no patches); also present: #1 v4 by seanjc@google.com (0/10, 10 missing, cover)' }],
  ['kvm/kvm_lock-leaf-rule-2025.mbx', { messages: 12, patchMessages: 2, version: 1, expected: 2, present: 2, missing: 0, hasCover: true, followUps: 9, choice: 'RFC v1 (2/2, cover): the complete series' }],
  ['kvm/locking-docs-rfc-2026.mbx', { messages: 8, patchMessages: 3, version: 1, expected: 12, present: 3, missing: 9, hasCover: true, followUps: 4, choice: 'RFC v1 (3/12, 9 missing, cover): no series is complete; chose the newest with patches' }],
  ['kvm/sev-nested-vcpu-mutex-lockdep.mbx', { messages: 7, patchMessages: 2, version: 4, expected: 1, present: 1, missing: 0, hasCover: false, followUps: 5, choice: '#1 v4 (1/1): the newest complete series; also present: #2 v3 (1/1)' }],
  ['kvm/srcu-locking-order-doc.mbx', { messages: 4, patchMessages: 1, version: 1, expected: 1, present: 1, missing: 0, hasCover: false, followUps: 3, choice: 'v1 (1/1): the complete series' }],
  ['kvm/vcpu-mutex-outside-slots-lock-2026.mbx', { messages: 4, patchMessages: 2, version: 2, expected: 1, present: 1, missing: 0, hasCover: false, followUps: 2, choice: '#1 v2 (1/1): the newest complete series; also present: #2 v1 (1/1)' }],
  ['kvm/xen-evtchn-reset-deadlock.mbx', { messages: 3, patchMessages: 1, version: 1, expected: 1, present: 1, missing: 0, hasCover: false, followUps: 2, choice: 'v1 (1/1): the complete series' }],
  ['kvm/xen-lock-leaf-lockdep-v2.mbx', { messages: 8, patchMessages: 4, version: 2, expected: 4, present: 4, missing: 0, hasCover: false, followUps: 4, choice: 'v2 (4/4): the complete series' }],
  ['kvm/xen-srcu-rcu-evtchn-series.mbx', { messages: 6, patchMessages: 6, version: 1, expected: 6, present: 6, missing: 0, hasCover: false, followUps: 0, choice: 'v1 (6/6): the complete series' }],
  ['kvmarm/arm64-mixed-width-kvm-lock-v4.mbx', { messages: 10, patchMessages: 3, version: 4, expected: 3, present: 3, missing: 0, hasCover: true, followUps: 6, choice: 'v4 (3/3, cover): the complete series' }],
  ['kvmarm/arm64-pgtable-rcu-exclusive-walk-v3.mbx', { messages: 7, patchMessages: 2, version: 3, expected: 2, present: 2, missing: 0, hasCover: true, followUps: 4, choice: 'v3 (2/2, cover): the complete series' }],
  ['kvmarm/arm64-spe-memslot-lock-rfc-v4.mbx', { messages: 47, patchMessages: 39, version: 4, expected: 39, present: 39, missing: 0, hasCover: true, followUps: 7, choice: 'RFC v4 (39/39, cover): the complete series' }],
  ['kvmarm/arm64-vgic-v4-residency-lockdep.mbx', { messages: 8, patchMessages: 1, version: 1, expected: 1, present: 1, missing: 0, hasCover: false, followUps: 7, choice: 'v1 (1/1): the complete series' }],
  ['kvmarm/kvm-init-rework-v1.mbx', { messages: 127, patchMessages: 44, version: 1, expected: 44, present: 44, missing: 0, hasCover: true, followUps: 82, choice: 'v1 (44/44, cover): the complete series' }],
  ['kvmarm/kvm-init-rework-v2.mbx', { messages: 77, patchMessages: 50, version: 2, expected: 50, present: 50, missing: 0, hasCover: true, followUps: 26, choice: 'v2 (50/50, cover): the complete series' }],
  ['kvmarm/mmu-notifier-consolidate-v1.mbx', { messages: 44, patchMessages: 18, version: 1, expected: 18, present: 18, missing: 0, hasCover: true, followUps: 25, choice: 'v1 (18/18, cover): the complete series' }],
  ['kvmarm/mmu-notifier-consolidate-v2.mbx', { messages: 20, patchMessages: 10, version: 2, expected: 10, present: 10, missing: 0, hasCover: true, followUps: 9, choice: 'v2 (10/10, cover): the complete series' }],
  ['kvmarm/vcpu-array-xarray-kvm-lock.mbx', { messages: 24, patchMessages: 5, version: 1, expected: 5, present: 5, missing: 0, hasCover: true, followUps: 18, choice: 'v1 (5/5, cover): the complete series' }],
  ['kvmarm/x86-tsc-sync-lock-v7.mbx', { messages: 21, patchMessages: 6, version: 7, expected: 6, present: 6, missing: 0, hasCover: true, followUps: 14, choice: 'v7 (6/6, cover): the complete series' }],
];

/** Messages the result shows, wherever they went. */
function accounted(r: SeriesReadResult): number {
  const inSeries = r.series.reduce((n, s) => n + (s.cover ? 1 : 0) + s.patches.length + s.duplicates.length + s.followUps.length, 0);
  return inSeries + r.orphanFollowUps.length + r.others.length;
}

/** Patch messages counted from the decoded subjects alone, independently of the series parser. */
async function taggedPatchMessages(path: string): Promise<number> {
  const read = await (await openSource(path)).read();
  return read.messages.filter((m) => /^\[[^\]]*(?:PATCH|\d+\/\d+)[^\]]*\]/.test(m.subject) && !/\b0+\/\d+\]/.test(m.subject)).length;
}

const cache = new Map<string, Promise<SeriesReadResult>>();
function series(file: string): Promise<SeriesReadResult> {
  const hit = cache.get(file) ?? readSeries(join(LORE, file));
  cache.set(file, hit);
  return hit;
}

describe.each(FILES)('%s', (file, want) => {
  it('accounts for every message and every patch message', async () => {
    const r = await series(file);
    expect(r.source).toEqual({ path: join(LORE, file), kind: 'mbox', messages: want.messages });
    expect(accounted(r)).toBe(want.messages);
    const patchMessages = r.series.reduce((n, s) => n + s.patches.length + s.duplicates.length, 0);
    expect(patchMessages).toBe(want.patchMessages);
    expect(await taggedPatchMessages(join(LORE, file))).toBe(want.patchMessages);
    expect(r.orphanFollowUps).toEqual([]);
  });

  it('chooses the series the file is about, parsed without failures', async () => {
    const r = await series(file);
    const c = r.chosen;
    expect(c && { version: c.version, expected: c.expected, present: c.patches.length, missing: c.missing.length, hasCover: c.hasCover }).toEqual({
      version: want.version, expected: want.expected, present: want.present, missing: want.missing, hasCover: want.hasCover,
    });
    expect(r.series.reduce((n, s) => n + s.followUps.length, 0)).toBe(want.followUps);
    expect(r.choice).toBe(want.choice);
    const all = r.series.flatMap((s) => s.patches);
    expect(all.filter((p) => p.status !== 'ok').map((p) => [p.subject, p.reason])).toEqual([]);
    expect(all.every((p) => p.files.length > 0 && p.files.every((f) => f.hunks.length > 0 || f.isRenamed || f.isNew || f.isDeleted))).toBe(true);
  });
});

describe('golden details', () => {
  it('srcu-locking-order-doc.mbx: the patch, its hunk at file line 74, three replies to slot 1', async () => {
    const r = await series('kvm/srcu-locking-order-doc.mbx');
    const p = r.chosen?.patches[0];
    expect(p).toMatchObject({ index: 1, messageId: '20221228110410.1682852-2-pbonzini@redhat.com', author: { name: 'Paolo Bonzini', email: 'pbonzini@redhat.com' }, date: '2022-12-28T11:04:10.000Z' });
    const f = p?.files[0];
    expect(f).toMatchObject({ path: 'Documentation/virt/kvm/locking.rst', additions: 14, deletions: 5 });
    const h = f?.hunks[0];
    expect(h?.header).toBe('@@ -16,17 +16,26 @@ The acquisition orders for mutexes are as follows:');
    expect((p?.position.bodyLine ?? 0) + (h?.bodyLine ?? 0) - 1).toBe(74);
    expect(h?.lines[3]).toEqual({ type: 'del', oldLine: 19, content: '- Unlike kvm->slots_lock, kvm->slots_arch_lock is released before' });
    // The S/MIME-signed reply is decoded (signature left out) and its inline xen_lock patch does not make it a patch.
    expect(r.chosen?.followUps.map((x) => [x.slot, x.author?.email, x.hasDiff, x.position.line])).toEqual([
      [1, 'seanjc@google.com', false, 110], [1, 'seanjc@google.com', false, 249], [1, 'dwmw2@infradead.org', true, 402],
    ]);
    expect(r.chosen?.followUps[2]?.body).toContain('xen_lock');
  });

  it('kvm-init-rework-v2.mbx: base64 patches decode; 44/50 is the same change as the LKML copy', async () => {
    const v2 = (await series('kvmarm/kvm-init-rework-v2.mbx')).chosen;
    expect(v2?.patches.filter((p) => p.position.bodyLine === undefined).map((p) => [p.index, p.status])).toEqual([
      [22, 'ok'], [23, 'ok'], [24, 'ok'], [27, 'ok'], [29, 'ok'], [32, 'ok'],
    ]);
    const p44 = v2?.patches[43];
    expect(p44).toMatchObject({ index: 44, messageId: '20221130230934.1014142-45-seanjc@google.com', title: 'KVM: Drop kvm_count_lock and instead protect kvm_usage_count with kvm_lock' });
    expect(p44?.files.map((f) => f.path)).toEqual(['Documentation/virt/kvm/locking.rst', 'virt/kvm/kvm_main.c']);
    const lkml = (await series('kvm/kvm-usage-count-kvm_lock-v2-44.mbx')).chosen;
    expect(lkml?.cover?.messageId).toBe('20221130230934.1014142-1-seanjc@google.com');
    expect(lkml?.patches[0]?.patchId).toBe(p44?.patchId);
    expect(v2?.patches[14]?.title).toBe('KVM: x86: Serialize vendor module initialization (hardware setup)');
  });

  it('kvm-usage-lock-deadlock-2024.mbx: a stable backport of a quilt diff, authored in the body', async () => {
    const p = (await series('kvm/kvm-usage-lock-deadlock-2024.mbx')).chosen?.patches[0];
    expect(p).toMatchObject({ index: 413, author: { email: 'seanjc@google.com' }, sender: { email: 'gregkh@linuxfoundation.org' } });
    expect(p?.description.startsWith('commit 44d17459626052a2390457e550a12cb973506b2f upstream.')).toBe(true);
    expect(p?.files.map((f) => [f.path, f.hunks.length])).toEqual([['Documentation/virt/kvm/locking.rst', 4], ['virt/kvm/kvm_main.c', 8]]);
    expect((p?.position.bodyLine ?? 0) + (p?.files[0]?.hunks[0]?.bodyLine ?? 0) - 1).toBe(400);
  });

  it('xen-lock-leaf-lockdep-v2.mbx: four patches, no cover, a reply on each', async () => {
    const c = (await series('kvm/xen-lock-leaf-lockdep-v2.mbx')).chosen;
    expect(c?.patches.map((p) => p.messageId)).toEqual([1, 2, 3, 4].map((k) => `20230111180651.14394-${k}-dwmw2@infradead.org`));
    expect(c?.followUps.map((f) => [f.slot, f.author?.email])).toEqual([
      [1, 'xadimgnik@gmail.com'], [2, 'xadimgnik@gmail.com'], [3, 'xadimgnik@gmail.com'], [4, 'pbonzini@redhat.com'],
    ]);
  });
});

describe('public-inbox: kvmarm-2022-11.git', () => {
  let inbox: Promise<SeriesReadResult> | null = null;
  const read = (): Promise<SeriesReadResult> => (inbox ??= readSeries(PUBLIC_INBOX));

  it('reads all 1054 messages and accounts for each', async () => {
    const r = await read();
    expect(r.source).toEqual({ path: PUBLIC_INBOX, kind: 'public-inbox', messages: 1054 });
    expect(accounted(r)).toBe(1054);
    const patches = r.series.flatMap((s) => [...s.patches, ...s.duplicates]);
    expect(patches.filter((p) => p.status !== 'ok')).toEqual([]);
    expect(r.others.filter((o) => o.subject.startsWith('[GIT PULL]'))).toHaveLength(3);
  });

  it('assembles both kvm_init() rework series as the mbox files do', async () => {
    const r = await read();
    const rework = r.series.filter((s) => s.title === 'KVM: Rework kvm_init() and hardware enabling');
    expect(rework.map((s) => [s.version, s.patches.length, s.expected, s.complete, s.hasCover, s.followUps.length])).toEqual([
      [2, 50, 50, true, true, 26],
      [1, 44, 44, true, true, 82],
    ]);
    const fromMbox = (await series('kvmarm/kvm-init-rework-v2.mbx')).chosen;
    expect(rework[0]?.fingerprint).toBe(fromMbox?.fingerprint);
  });

  it('splits two postings that claim the same slots by thread (a cover sent twice)', async () => {
    const r = await read();
    const m2 = r.series.filter((s) => s.title === 'KVM: arm64: M2 vgic maintenance interrupt rework pre-NV');
    expect(m2.map((s) => [s.cover?.messageId, s.patches.length, s.missing])).toEqual([
      ['20230103095022.3230946-1-maz@kernel.org', 3, []],
      ['20230103094950.3230912-1-maz@kernel.org', 0, [1, 2, 3]],
    ]);
  });

  it('reads only the commits after `since`', async () => {
    const all = await (await import('../../analyzers/sources/index.js')).openSource(PUBLIC_INBOX);
    const messages = (await all.read()).messages;
    const since = messages[messages.length - 3]?.position.commit ?? '';
    const r = await readSeries(PUBLIC_INBOX, { since });
    expect(r.source.messages).toBe(2);
    expect(r.others.map((o) => o.subject)).toEqual(['[FINAL WARNING] kvmarm@lists.cs.columbia.edu going away']);
  });
});
