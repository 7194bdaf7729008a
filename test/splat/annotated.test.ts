/**
 * "possible recursive locking" when the tree already annotates the lock:
 * when the function that takes the inner lock already does it with a
 * _nested() primitive (the real SEV report on the 6.1 and 6.12 trees, and
 * a fixture naming the 6.12 tree's vgic_irq_cmp()), or the tree sets the
 * lock's class with lockdep_set_class() (a small tree written here), the
 * answer says the annotation is there and what the report then means,
 * instead of asking for the annotation.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PlacedReport, SplatReport } from '../../analyzers/splat/model.js';
import { reportsInText } from '../../analyzers/splat/report.js';
import { readReports } from '../../analyzers/splat/read.js';
import { placeContext, placeReports } from '../../analyzers/splat/splat.js';
import type { PlaceContext } from '../../analyzers/splat/place.js';
import { loadEmbeddedOrder } from '../../knowledge/doc/embedded.js';
import { verdictText } from '../../bot/render/splat/cycle.js';
import { FIXTURES, kernelTree, lineOf, SHARED } from '../helpers/paths.js';

const SEV = join(SHARED, 'corpus', 'lore', 'kvm', 'sev-nested-vcpu-mutex-lockdep.mbx');
const VGIC = join(FIXTURES, 'splat', 'vgic-irq-cmp-subclass-collision.txt');
const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-splat-annotated-'));
const cache = { dir: join(tmp, 'cache') };
const contexts = new Map<string, PlaceContext>();

async function place(reports: readonly SplatReport[], tree: string): Promise<PlacedReport> {
  const ctx = contexts.get(tree) ?? (await placeContext(tree, loadEmbeddedOrder(), cache));
  contexts.set(tree, ctx);
  const [r] = (await placeReports(reports, ctx, { tree })).reports;
  if (!r) throw new Error('no report placed');
  return r;
}

describe('an annotation the tree already has', () => {
  it.each(['6.1', '6.12'] as const)('SEV on %s: sev_lock_vcpus_for_migration() already takes vcpu->mutex with mutex_lock_killable_nested(); the report prints subclass 0 on both', async (version) => {
    const tree = kernelTree(version);
    const r = await place(await readReports(SEV), tree);
    const line = lineOf(tree, 'arch/x86/kvm/svm/sev.c', 'mutex_lock_killable_nested(&vcpu->mutex', 'sev_lock_vcpus_for_migration');
    const advice = r.nesting?.advice ?? '';
    expect(advice).toContain(`sev_lock_vcpus_for_migration() already takes vcpu->mutex with mutex_lock_killable_nested(&vcpu->mutex, role) (arch/x86/kvm/svm/sev.c:${line})`);
    // `role` is a run-time value: the answer says what the report shows instead of a subclass it cannot know.
    expect(advice).toMatch(/its subclass, role, is only known at run time; the report prints subclass 0 on both acquisitions \(&vcpu->mutex\)/);
    // The report's kernel is named: it may predate the annotation.
    expect(advice).toContain('5.17.0-dbg-DEV');
    expect(advice).not.toContain('take the inner one with mutex_lock_nested');
    expect(r.edges[0]?.reason).toMatch(/same class nested: already annotated with mutex_lock_killable_nested\(\) in sev_lock_vcpus_for_migration\(\)/);
    expect(verdictText(r)).toContain(advice);
  });

  it('vgic_irq_cmp() on 6.12: raw_spin_lock_nested(..., SINGLE_DEPTH_NESTING) is there and both acquisitions print /1: the subclasses collide', async () => {
    const tree = kernelTree('6.12');
    const r = await place(reportsInText(readFileSync(VGIC, 'utf8')), tree);
    const line = lineOf(tree, 'arch/arm64/kvm/vgic/vgic.c', 'raw_spin_lock_nested(&irqb->irq_lock', 'vgic_irq_cmp');
    const advice = r.nesting?.advice ?? '';
    expect(advice).toContain(`vgic_irq_cmp() already takes vgic_irq->irq_lock with raw_spin_lock_nested(&irqb->irq_lock, SINGLE_DEPTH_NESTING) (arch/arm64/kvm/vgic/vgic.c:${line})`);
    expect(advice).toMatch(/both acquisitions are subclass 1 \(&irq->irq_lock\/1\)/);
    expect(advice).not.toMatch(/take the inner one with raw_spin_lock_nested/);
  });

  it('vgic_irq_cmp() on 6.12, the report printing no subclass: the kernel that printed it did not take the lock through this call', async () => {
    const text = readFileSync(VGIC, 'utf8').replaceAll('&irq->irq_lock/1', '&irq->irq_lock');
    const r = await place(reportsInText(text), kernelTree('6.12'));
    const advice = r.nesting?.advice ?? '';
    expect(advice).toContain('vgic_irq_cmp() already takes vgic_irq->irq_lock with raw_spin_lock_nested(&irqb->irq_lock, SINGLE_DEPTH_NESTING)');
    expect(advice).toMatch(/the report prints subclass 0 on the lock being taken \(&irq->irq_lock\), not 1/);
    expect(advice).not.toMatch(/take the inner one with raw_spin_lock_nested/);
  });

  describe('a class set with lockdep_set_class()', () => {
    const root = join(tmp, 'tree');
    const write = (file: string, text: string): void => {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    };
    beforeAll(() => {
      write('include/linux/kvm_host.h', 'struct mutex { int x; };\nstruct lock_class_key { int x; };\nstruct demo_dev { struct mutex lock; };\n');
      write('arch/x86/kvm/x86.c', 'int demo_x86;\n');
      write(
        'virt/kvm/demo.c',
        [
          '#include <linux/kvm_host.h>',
          '',
          'static struct lock_class_key demo_dev_key;',
          '',
          'void demo_dev_init(struct demo_dev *d)',
          '{',
          '\tmutex_init(&d->lock);',
          '\tlockdep_set_class(&d->lock,',
          '\t\t\t  &demo_dev_key);',
          '}',
          '',
          'void demo_dev_pair(struct demo_dev *a, struct demo_dev *b)',
          '{',
          '\tmutex_lock(&a->lock);',
          '\tmutex_lock(&b->lock);',
          '\tmutex_unlock(&b->lock);',
          '\tmutex_unlock(&a->lock);',
          '}',
          '',
        ].join('\n'),
      );
    });

    it('the report names the key: the answer says the class is set there and shared by both', async () => {
      const text = readFileSync(VGIC, 'utf8')
        .replaceAll('&irq->irq_lock/1){-.-.}-{2:2}', '&demo_dev_key){+.+.}-{4:4}')
        .replaceAll('vgic_irq_cmp+', 'demo_dev_pair+')
        .replace('_raw_spin_lock_nested+', 'mutex_lock_nested+');
      const r = await place(reportsInText(text), root);
      const line = readFileSync(join(root, 'virt/kvm/demo.c'), 'utf8').split('\n').findIndex((l) => l.includes('lockdep_set_class(')) + 1;
      const advice = r.nesting?.advice ?? '';
      expect(advice).toContain(`demo_dev_init() already sets its class with lockdep_set_class(&d->lock, &demo_dev_key) (virt/kvm/demo.c:${line})`);
      expect(advice).toMatch(/both acquisitions are in that class: the locks set up there share one key/);
      expect(advice).not.toMatch(/^.*If they nest by design, take the inner one with mutex_lock_nested/);
    });
  });
});
