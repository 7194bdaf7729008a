/**
 * A real report (the kvm_usage_lock thread's) as other carriers print it:
 * each line re-prefixed the way syslog, journalctl, dmesg and /dev/kmsg do
 * at test time, then read back. The locks and the chain must be the ones
 * read from the mail.
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { LockLine, PlacedReport, SplatReport } from '../../analyzers/splat/model.js';
import { placeReport } from '../../analyzers/splat/place.js';
import { readReports } from '../../analyzers/splat/read.js';
import { distinctReports, reportsInText } from '../../analyzers/splat/report.js';
import { loadEmbeddedOrder } from '../../knowledge/doc/embedded.js';
import { cycleText, scenarioOfReport, verdictText } from '../../bot/render/splat/cycle.js';
import { SHARED } from '../helpers/paths.js';

const USAGE = join(SHARED, 'corpus', 'lore', 'kvm', 'kvm-usage-lock-deadlock-2024.mbx');

async function mailReport(): Promise<SplatReport> {
  const [r] = await readReports(USAGE);
  if (!r) throw new Error('no report in the usage thread');
  return r;
}

function shape(r: SplatReport | undefined): unknown {
  return r && { kind: r.kind, acquiring: r.acquiring, held: r.held, chain: r.chain.map((c) => [c.n, c.lockdep, c.frames.map((f) => f.function)]) };
}

describe('a real report under carrier prefixes', () => {
  it.each([
    ['journalctl', (l: string, i: number) => `Dec 04 12:00:${String(i % 60).padStart(2, '0')} host kernel: ${l}`],
    ['syslog (traditional)', (l: string) => `Dec  4 12:00:01 host kernel: ${l}`],
    ['syslog (RFC 3339) with the kernel time', (l: string, i: number) => `2026-12-04T12:00:01.123456+00:00 host kernel: [  100.${String(i).padStart(6, '0')}] ${l}`],
    ['a bare kernel: prefix', (l: string) => `kernel: ${l}`],
    ['printk levels', (l: string, i: number) => `<4>[  100.${String(i).padStart(6, '0')}] ${l}`],
    ['dmesg -T', (l: string) => `[Fri Dec  4 12:00:01 2026] ${l}`],
    ['dmesg -x', (l: string, i: number) => `kern  :warn  : [  100.${String(i).padStart(6, '0')}] ${l}`],
    ['time and caller apart', (l: string, i: number) => `[  100.${String(i).padStart(6, '0')}] [ T35048] ${l}`],
  ])('%s', async (_carrier, prefix) => {
    const mail = await mailReport();
    expect(mail.chain).toHaveLength(4);
    const log = mail.text.split('\n').map(prefix).join('\n');
    const [r, ...rest] = reportsInText(log);
    expect(rest).toHaveLength(0);
    expect(shape(r)).toEqual(shape(mail));
  });
});

describe('a real report with lines cut out of it', () => {
  it.each(['[...]', '[ ... ]', '...', '<snip>', '[snip]', '--- snip ---'])('%s on a paragraph of its own does not end the report', async (marker) => {
    const mail = await mailReport();
    const lines = mail.text.split('\n');
    // The end of #2's stack (cpu_hotplug_lock) left out, as a reporter trims a long trace, the marker set apart by blank lines.
    const at = lines.findIndex((l) => l.startsWith('-> #2 '));
    expect(at).toBeGreaterThan(0);
    const next = lines.findIndex((l) => l.startsWith('-> #1 '));
    const cut = [...lines.slice(0, at + 4), '', marker, '', ...lines.slice(next)].join('\n');
    const [r, ...rest] = reportsInText(cut);
    expect(rest).toHaveLength(0);
    expect(r?.chain.map((c) => [c.n, c.lockdep])).toEqual(mail.chain.map((c) => [c.n, c.lockdep]));
    expect(r?.chain.find((c) => c.n === 0)?.frames).toEqual(mail.chain.find((c) => c.n === 0)?.frames);
  });
});

describe('a real report whose chain a mail cut', () => {
  /** The report with the chain entries `drop` taken out, entry header and stack. */
  function without(mail: SplatReport, drop: number[]): string {
    const out: string[] = [];
    let skipping = false;
    for (const l of mail.text.split('\n')) {
      const entry = /^-> #(\d+) /.exec(l);
      if (entry) skipping = drop.includes(Number(entry[1]));
      else if (!/^\S+\+0x[0-9a-f]+\/0x[0-9a-f]+/.test(l)) skipping = false;
      if (!skipping) out.push(l);
    }
    return out.join('\n');
  }

  async function place(text: string): Promise<PlacedReport> {
    const [r] = reportsInText(text);
    if (!r) throw new Error('no report');
    return placeReport(r, { doc: loadEmbeddedOrder(), functions: null, observed: [] });
  }

  it.each([
    [[2], [0, 1], /leaves out entry #2 of the chain, so dependencies #2 and #3 are not known/, 'kvm_lock -> kvm->slots_lock -> kvm->srcu (synchronize_srcu) -> ... -> kvm_lock'],
    [[1, 0], [0, 3], /leaves out entry #1 of the chain, so dependencies #1 and #2 are not known/, 'kvm_lock -> kvm->slots_lock -> ... -> cpus_read_lock() -> kvm_lock'],
    [[3], [0, 1, 2], /the chain stops at #2, before it comes back to the held lock kvm_lock/, 'kvm_lock -> kvm->slots_lock -> kvm->srcu (synchronize_srcu) -> cpus_read_lock() -> ... -> kvm_lock'],
  ])('without entries %j: only the dependencies it names, and the cycle says what is left out', async (drop, kept, says, cycle) => {
    const mail = await mailReport();
    const whole = await place(mail.text);
    const cut = await place(without(mail, drop));
    expect(whole.incomplete).toBeNull();
    expect(cut.edges.map((e) => e.n)).toEqual(kept);
    // Every dependency shown is one the whole report has, between the same two locks.
    for (const e of cut.edges) {
      const same = whole.edges.find((w) => w.n === e.n);
      expect([e.outerLockdep, e.innerLockdep]).toEqual([same?.outerLockdep, same?.innerLockdep]);
    }
    expect(cut.incomplete).toMatch(says);
    expect(cycleText(cut)).toBe(cycle);
    // A scenario drawn from part of the cycle would be another cycle.
    expect(scenarioOfReport(cut)).toEqual([]);
    expect(scenarioOfReport(whole).length).toBeGreaterThan(0);
  });
});

describe('a real report in the format of kernels before 4.10', () => {
  it('"[ INFO: ... ]" headers and "[<address>]" before frames and at: are read as the newer format', async () => {
    const mail = await mailReport();
    const old = mail.text
      .split('\n')
      .map((l, i) => {
        if (l.startsWith('WARNING: ')) return `[ ${l.replace(/^WARNING: /, 'INFO: ')} ]`;
        const addr = `[<ffffffff81${String(i).padStart(6, '0')}>] `;
        // 3.x prints the lock without its instance address, and the at: and each frame with the return address.
        const lock = /^[0-9a-f]{16} (\(.*\)\{[^{}]*\})(?:-\{[^{}]*\})?, at: (.*)$/.exec(l);
        if (lock) return ` ${lock[1]}, at: ${addr}${lock[2]}`;
        return /^\S+\+0x[0-9a-f]+\/0x[0-9a-f]+/.test(l) ? `       ${addr}${l}` : l;
      })
      .join('\n');
    expect(old).toContain('[ INFO: possible circular locking dependency detected ]');
    expect(old).toContain('[<ffffffff81');
    const [r, ...rest] = reportsInText(old);
    expect(rest).toHaveLength(0);
    expect(r?.title).toBe('[ INFO: possible circular locking dependency detected ]');
    // The lock lines of 3.x print neither the instance address nor wait types; the usage bits are the same.
    const noAddress = (l: LockLine | null): unknown => l && { ...l, notation: { ...l.notation, address: null, wait: null } };
    expect(shape(r)).toEqual({ ...(shape(mail) as object), acquiring: noAddress(mail.acquiring), held: noAddress(mail.held) });
  });
});

describe('a real report cut after its header', () => {
  it('says its locks could not be read, not that it has no dependency', async () => {
    const mail = await mailReport();
    const lines = mail.text.split('\n');
    // The reporter quoted the banner and went on in prose.
    const cut = [...lines.slice(0, lines.findIndex((l) => /is trying to acquire lock:$/.test(l))), '', 'and then the guest hung.'].join('\n');
    const [r] = reportsInText(cut);
    if (!r) throw new Error('the header is a report');
    const placed = placeReport(r, { doc: loadEmbeddedOrder(), functions: null, observed: [] });
    expect(placed.edges).toEqual([]);
    expect(placed.incomplete).toMatch(/^incomplete report: the lock being acquired and the held lock could not be read/);
    expect(verdictText(placed)).toBe('Nothing to place: the locks of this report could not be read.');
  });
});

describe('a real report printed twice in one log', () => {
  it('is read once: the second copy\'s "=====" banner is not part of the first', async () => {
    const mail = await mailReport();
    // As the console and then the journal print it: each copy under its own banner.
    const copy = (prefix: (l: string, i: number) => string): string => ['======================================================', ...mail.text.split('\n')].map(prefix).join('\n');
    const log = [copy((l, i) => `[  100.${String(i).padStart(6, '0')}] ${l}`), copy((l) => `Dec 04 12:00:01 host kernel: ${l}`)].join('\n');
    const reports = distinctReports([{ text: log, message: 0, subject: null }]);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.text).toBe(mail.text);
  });
});
