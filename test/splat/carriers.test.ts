/**
 * A real report (the kvm_usage_lock thread's) as other carriers print it:
 * each line re-prefixed the way syslog, journalctl, dmesg and /dev/kmsg do
 * at test time, then read back. The locks and the chain must be the ones
 * read from the mail.
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { SplatReport } from '../../analyzers/splat/model.js';
import { readReports } from '../../analyzers/splat/read.js';
import { reportsInText } from '../../analyzers/splat/report.js';
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
