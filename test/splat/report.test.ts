/**
 * Reading reports out of text, on fixtures written for it: quoting,
 * timestamps, wrapped lines, `? ` frames, a report pasted twice; and the
 * lockdep class names mapped onto the project's classes.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapLockdepClass } from '../../analyzers/splat/classes.js';
import { logicalLines } from '../../analyzers/splat/normalize.js';
import { reportsInBytes, unflowQuotes } from '../../analyzers/splat/read.js';
import { distinctReports, reportsInText } from '../../analyzers/splat/report.js';
import { FIXTURES } from '../helpers/paths.js';

const fixture = (name: string): string => readFileSync(join(FIXTURES, 'splat', name), 'utf8');

describe('reading a report', () => {
  it('strips quoting and timestamps, joins wrapped lines, skips ? frames, and reads a report pasted twice once', () => {
    const text = fixture('quoted-wrapped.txt');
    expect(reportsInText(text)).toHaveLength(2);
    const [r, ...rest] = distinctReports([{ text, message: 0, subject: null }]);
    expect(rest).toHaveLength(0);
    expect(r?.kind).toBe('circular');
    // The quoted copy comes first; its "at:" was wrapped onto the next quoted line.
    expect(r?.where.line).toBe(6);
    expect(r?.acquiring).toEqual({ lockdep: '&kvm->lock', at: 'demo_reset', notation: { address: 'ffff8881deadbe00', usage: '+.+.', wait: { outer: 3, inner: 3 } } });
    expect(r?.held).toEqual({ lockdep: '&vcpu->mutex', at: 'demo_vcpu_ioctl', notation: { address: 'ffff8881deadbf00', usage: '+.+.', wait: { outer: 3, inner: 3 } } });
    expect(r?.chain.map((c) => [c.n, c.lockdep])).toEqual([
      [1, '&vcpu->mutex'],
      [0, '&kvm->lock'],
    ]);
    expect(r?.chain[0]?.frames.map((f) => f.function)).toEqual(['__mutex_lock', 'mutex_lock_nested', 'demo_create_vcpus', 'kvm_vm_ioctl', '__x64_sys_ioctl']);
    expect(r?.chain[1]?.frames.find((f) => f.function === 'demo_reset')).toEqual({ function: 'demo_reset', module: 'kvm' });
  });

  it('a report is as long as its lines: the mail after it is not read', () => {
    const [r] = reportsInText(fixture('classes.txt'));
    expect(r?.kind).toBe('recursive');
    expect(r?.heldLocks).toHaveLength(5);
    expect(r?.backtrace.map((f) => f.function)).toEqual(['dump_stack_lvl', '__lock_acquire', 'lock_acquire', 'demo_lock_pair', 'demo_entry']);
    expect(r?.text).not.toContain('Thanks');
  });

  it('timestamped lines wrapped by a mailer are joined; a line quoted deeper is not', () => {
    const lines = logicalLines('> [  1.000001] ffff (&kvm->lock){+.+.}-{3:3}, at: \n> demo_fn+0x1/0x2\n> [  1.000002]  demo_fn+0x1/0x2\n> > > Thanks,\n');
    expect(lines.map((l) => l.text.trim())).toEqual(['ffff (&kvm->lock){+.+.}-{3:3}, at: demo_fn+0x1/0x2', 'demo_fn+0x1/0x2', 'Thanks,', '']);
  });

  it('a lock line cut after its class is joined with its "at:" line', () => {
    const lines = logicalLines(' ffffffff9c775ca0 (demo_class){+.+.}-{0:0},\nat: demo_fn+0x5/0x190\n');
    expect(lines[0]?.text).toBe(' ffffffff9c775ca0 (demo_class){+.+.}-{0:0}, at: demo_fn+0x5/0x190');
  });

  it('format=flowed replies: the quote marker joined into a line is dropped', () => {
    expect(unflowQuotes('> [ 1.0] ffff (&rq->lock){-.-.}, at: > __schedule+0xd4/0x988\n> a > b')).toBe('> [ 1.0] ffff (&rq->lock){-.-.}, at: __schedule+0xd4/0x988\n> a b');
  });

  it('text with no lockdep report is an input error naming the file', async () => {
    await expect(reportsInBytes(Buffer.from('just a log line\nand another\n'), 'log.txt')).rejects.toThrow(/^log\.txt: no lockdep report found/);
  });

  it('an RCU splat that is not about SRCU is not a report here', () => {
    expect(reportsInText('=============================\nWARNING: suspicious RCU usage\n-----------------------------\nkernel/demo.c:12 suspicious rcu_dereference_check() usage!\n')).toHaveLength(0);
    expect(reportsInText('=============================\nWARNING: suspicious RCU usage\n-----------------------------\ninclude/linux/kvm_host.h:99 suspicious rcu_dereference_check() usage!\n1 lock held by demo/1:\n #0: ffff888100000030 (&kvm->srcu){.+.+}-{0:0}, at: demo+0x1/0x2\n')).toHaveLength(1);
  });
});

describe('lockdep class names', () => {
  const known = new Set(['kvm->lock', 'vcpu->mutex', 'cpus_read_lock()', 'kvm_lock', 'kvm->srcu', 'vcpu->arch.vgic_cpu.ap_list_lock', 'mm->mmap_lock']);

  it.each([
    ['&kvm->lock', 'kvm->lock', null],
    ['&host_kvm->lock', 'kvm->lock', null],
    ['&vcpu->kvm->lock', 'kvm->lock', null],
    ['&vcpu->mutex', 'vcpu->mutex', null],
    ['&kvm->lock/1', 'kvm->lock', 1],
    ['cpu_hotplug_lock', 'cpus_read_lock()', null],
    ['kvm_lock', 'kvm_lock', null],
    ['&kvm->srcu', 'kvm->srcu', null],
    ['&vgic_cpu->ap_list_lock', 'vcpu->arch.vgic_cpu.ap_list_lock', null],
    ['&mm->mmap_lock#2', 'mm->mmap_lock', null],
  ])('%s is %s', (lockdep, cls, subclass) => {
    expect(mapLockdepClass(lockdep, known)).toEqual(expect.objectContaining({ lockdep, class: cls, subclass }));
  });

  it.each(['(work_completion)(&kvm->arch.demo_work)', '&rq->lock', '&kvm->mmu_notifier_slots_lock', 'mmu_notifier_invalidate_range_start'])('%s has no class here, and says why', (lockdep) => {
    const m = mapLockdepClass(lockdep, known);
    expect(m.class).toBeNull();
    expect(m.reason).toMatch(/^no class here: \S/);
  });
});

describe('reports without a chain', () => {
  it('an inconsistent lock state and an SRCU-related RCU splat are read, with their locks and no dependency', async () => {
    const { placeReport } = await import('../../analyzers/splat/place.js');
    const { loadEmbeddedOrder } = await import('../../knowledge/doc/embedded.js');
    const reports = reportsInText(fixture('inconsistent-and-srcu.txt'));
    expect(reports.map((r) => r.kind)).toEqual(['inconsistent', 'suspicious-rcu']);
    expect(reports[0]?.acquiring).toEqual({ lockdep: '&kvm->arch.demo_irq_lock', at: 'demo_irq_handler', notation: { address: 'ffff888100000060', usage: '?.+.', wait: { outer: 2, inner: 2 } } });
    expect(reports[1]?.heldLocks).toEqual([{ lockdep: '&kvm->srcu', at: 'demo_memslots', notation: { address: 'ffff888100000070', usage: '.+.+', wait: { outer: 0, inner: 0 } } }]);
    const placed = placeReport(reports[1] as (typeof reports)[number], { doc: loadEmbeddedOrder(), functions: null, observed: [] });
    expect(placed.edges).toEqual([]);
    expect(placed.locks).toEqual([expect.objectContaining({ lockdep: '&kvm->srcu', class: 'kvm->srcu' })]);
    expect(placed.wrongEdge).toBeNull();
  });
});
