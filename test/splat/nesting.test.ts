/**
 * "possible recursive locking": the annotation the answer suggests fits the
 * lock's primitive, as the report's stack frame, its `{usage}-{outer:inner}`
 * notation and the code say it; when they do not say, the answer says what
 * is not known instead of guessing. The reports are written here on the
 * lockdep report format (one template, the lock line and stack varied); the
 * real SEV report is in corpus.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { loadEmbeddedOrder } from '../../knowledge/doc/embedded.js';
import type { LockKind } from '../../knowledge/lock-primitives-model.js';
import type { PlacedReport } from '../../analyzers/splat/model.js';
import { placeReport, type PlaceContext } from '../../analyzers/splat/place.js';
import { reportsInText } from '../../analyzers/splat/report.js';
import { verdictText } from '../../bot/render/splat/cycle.js';

interface Shape {
  /** The class as lockdep names it. */
  name: string;
  /** `{usage}-{outer:inner}` of its lines, or `{usage}` alone (kernels before the wait-type checks). */
  notation: string;
  /** The primitive frame under lock_acquire(), none when the stack has none. */
  frame?: string;
  /** The notation of the other lock the task holds (kvm_lock, a mutex). */
  other?: string;
  /** Both lock lines print the same address. */
  sameAddress?: boolean;
}

/** A recursive report on the format lockdep prints. */
function recursive(s: Shape): string {
  const held = 'ffff888100000020';
  const taking = s.sameAddress ? held : 'ffff888100000010';
  return [
    '============================================',
    'WARNING: possible recursive locking detected',
    '6.12.0-demo #1 Not tainted',
    '--------------------------------------------',
    'demo/42 is trying to acquire lock:',
    `${taking} (${s.name})${s.notation}, at: demo_inner+0x30/0x80 [kvm]`,
    '',
    'but task is already holding lock:',
    `${held} (${s.name})${s.notation}, at: demo_outer+0x20/0x80 [kvm]`,
    '',
    'other info that might help us debug this:',
    ' Possible unsafe locking scenario:',
    '',
    '       CPU0',
    '       ----',
    `  lock(${s.name});`,
    `  lock(${s.name});`,
    '',
    ' *** DEADLOCK ***',
    '',
    ' May be due to missing lock nesting notation',
    '',
    '2 locks held by demo/42:',
    ` #0: ffffffff82000100 (kvm_lock)${s.other ?? '{+.+.}-{4:4}'}, at: demo_entry+0x14/0x40 [kvm]`,
    ` #1: ${held} (${s.name})${s.notation}, at: demo_outer+0x20/0x80 [kvm]`,
    '',
    'stack backtrace:',
    'CPU: 1 PID: 42 Comm: demo Not tainted 6.12.0-demo #1',
    'Call Trace:',
    ' <TASK>',
    ' dump_stack_lvl+0x45/0x60',
    ' __lock_acquire+0x1000/0x2000',
    ' lock_acquire+0xe0/0x260',
    ...(s.frame ? [` ${s.frame}+0x40/0x80`] : []),
    ' demo_inner+0x30/0x80 [kvm]',
    ' demo_entry+0x20/0x40 [kvm]',
    ' </TASK>',
    '',
  ].join('\n');
}

function place(s: Shape, kinds?: PlaceContext['kinds']): PlacedReport {
  const [r] = reportsInText(recursive(s));
  if (!r) throw new Error('no report');
  return placeReport(r, { doc: loadEmbeddedOrder(), functions: null, observed: [], ...(kinds ? { kinds } : {}) });
}

describe('recursive locking: the annotation fits the primitive', () => {
  it.each([
    ['a mutex (mutex_lock_nested frame, sleeping wait types)', { name: '&kvm->slots_lock', notation: '{+.+.}-{4:4}', frame: 'mutex_lock_nested' }, 'mutex', /mutex_lock_nested\(\.\.\., SINGLE_DEPTH_NESTING\)/],
    ['a spinlock_t taken with irqsave', { name: '&ioapic->lock', notation: '{-.-.}-{3:3}', frame: '_raw_spin_lock_irqsave' }, 'spinlock', /take the inner one with spin_lock_irqsave_nested\(\.\.\., flags, SINGLE_DEPTH_NESTING\)/],
    ['a spinlock_t taken with spin_lock_irq()', { name: '&kvm->irqfds.lock', notation: '{+.+.}-{3:3}', frame: '_raw_spin_lock_irq' }, 'spinlock', /there is no spin_lock_irq_nested\(\), so take the inner one with spin_lock_nested\(/],
    ['a raw_spinlock_t ({2:2} where sleeping locks print {4:4})', { name: '&vgic_cpu->ap_list_lock', notation: '{-.-.}-{2:2}', frame: '_raw_spin_lock_irqsave' }, 'raw_spinlock', /raw_spin_lock_irqsave_nested\(/],
    ['an rwlock_t taken for read', { name: '&kvm->mmu_lock', notation: '{++++}-{3:3}', frame: '_raw_read_lock' }, 'rwlock', /lockdep_set_class\(\) and a separate lock_class_key \(rwlock_t has no read_lock_nested\(\)/],
    ['an rwlock_t taken for write', { name: '&kvm->mmu_lock', notation: '{++++}-{3:3}', frame: '_raw_write_lock' }, 'rwlock', /take the inner one with write_lock_nested\(/],
    ['an rw_semaphore taken for write', { name: '&mm->mmap_lock', notation: '{++++}-{4:4}', frame: 'down_write' }, 'rwsem', /down_write_nested\(/],
    ['an rw_semaphore taken for read', { name: '&mm->mmap_lock', notation: '{++++}-{4:4}', frame: 'down_read' }, 'rwsem', /down_read_nested\(/],
  ] as [string, Shape, string, RegExp][])('%s', (_, shape, primitive, says) => {
    const r = place(shape);
    expect(r.nesting?.primitive).toBe(primitive);
    expect(r.nesting?.advice).toMatch(says);
    expect(r.nesting?.evidence.join('; ')).toContain(`the stack takes it in ${shape.frame}()`);
    if (primitive !== 'mutex') expect(verdictText(r)).not.toContain('mutex_lock_nested');
    expect(verdictText(r)).toContain(r.nesting?.advice);
    // Two addresses: two instances of one class, which is what an annotation is for.
    expect(r.nesting?.advice).toContain('two instances of one class');
  });

  it('the wait types say which when the stack has no primitive frame: {2:2} next to a {4:4} is a raw_spinlock_t', () => {
    const r = place({ name: '&vgic_cpu->ap_list_lock', notation: '{-.-.}-{2:2}' });
    expect(r.nesting?.primitive).toBe('raw_spinlock');
    expect(r.nesting?.evidence.join('; ')).toMatch(/\{-\.-\.\}-\{2:2\} are a raw_spinlock_t's \(CONFIG_PROVE_RAW_LOCK_NESTING is on/);
    expect(r.edges[0]?.reason).toMatch(/same class nested: lockdep needs raw_spin_lock_nested\(\) or one lock at a time/);
  });

  it('the same frame without a {4:4} in the report: spinlock_t or raw_spinlock_t is not known, and the answer says so', () => {
    const r = place({ name: '&ioapic->lock', notation: '{-.-.}-{2:2}', frame: '_raw_spin_lock', other: '{+.+.}-{3:3}' });
    expect(r.nesting?.primitive).toBeNull();
    expect(r.nesting?.advice).toMatch(/cannot tell what kind of lock .*: no kernel tree was given to look it up in \(--tree DIR\)\. It could be a spinlock_t or a raw_spinlock_t\./);
    expect(r.nesting?.advice).not.toMatch(/is a (?:mutex|spinlock_t)/);
  });

  it('{3:3} alone, no frame, no tree: a sleeping lock or a spinlock_t, and the answer names what is missing', () => {
    const r = place({ name: '&kvm->lock', notation: '{+.+.}-{3:3}', other: '{+.+.}-{3:3}' });
    expect(r.nesting?.primitive).toBeNull();
    expect(r.nesting?.advice).toMatch(/kvm-review cannot tell what kind of lock kvm->lock is: the report's stack shows no lock primitive frame and no kernel tree was given/);
    expect(r.nesting?.advice).toContain("rwlock_t's read_lock() has none");
    expect(r.edges[0]?.reason).toContain('the _nested() variant of its primitive (not known here)');
  });

  it('a kernel before the wait-type checks: the answer says the lines print no wait types', () => {
    const r = place({ name: '&kvm->lock', notation: '{+.+.}', other: '{+.+.}' });
    expect(r.nesting?.primitive).toBeNull();
    expect(r.nesting?.advice).toContain('the lock lines print no wait types');
  });

  it('the code says what the report does not: the tree\'s primitives for the class', () => {
    const kinds = new Map([['kvm->lock', new Map<LockKind, string>([['mutex', 'kvm_vm_ioctl() (virt/kvm/kvm_main.c:1)']])]]);
    const r = place({ name: '&kvm->lock', notation: '{+.+.}-{3:3}', other: '{+.+.}-{3:3}' }, kinds);
    expect(r.nesting?.primitive).toBe('mutex');
    expect(r.nesting?.evidence[0]).toBe('the tree takes kvm->lock as a mutex in kvm_vm_ioctl() (virt/kvm/kvm_main.c:1)');
    expect(r.nesting?.advice).toMatch(/mutex_lock_nested\(/);
  });

  it('SRCU: no _nested(); its own lock_class_key, or a real deadlock when it is synchronize_srcu() inside its read side', () => {
    const kinds = new Map([['kvm->srcu', new Map<LockKind, string>([['srcu', 'kvm_vcpu_ioctl() (virt/kvm/kvm_main.c:1)']])]]);
    const r = place({ name: '&kvm->srcu', notation: '{.+.+}-{0:0}' }, kinds);
    expect(r.nesting?.primitive).toBe('srcu');
    expect(r.nesting?.advice).toMatch(/synchronize_srcu\(\) inside a read side of the same srcu_struct it is a real deadlock/);
    expect(r.nesting?.advice).toMatch(/lock_class_key/);
    expect(r.nesting?.advice).not.toMatch(/_nested\(\.\.\./);
  });

  it('both lock lines print one address: the very same lock taken twice, a real deadlock, no annotation', () => {
    const r = place({ name: '&kvm->slots_lock', notation: '{+.+.}-{4:4}', frame: 'mutex_lock_nested', sameAddress: true });
    expect(r.nesting?.advice).toMatch(/^Both lock lines print the same address \(ffff888100000020\): this takes the very same kvm->slots_lock \(a mutex\) twice, which is a real deadlock/);
    expect(r.nesting?.advice).toContain('no lockdep annotation fixes it');
    expect(r.nesting?.advice).not.toContain('mutex_lock_nested');
  });
});
