/**
 * The causes of impossible paths in the observed order (issue 10 §1), each
 * as a mechanism, on fixtures/order/: constant arguments, calls through a
 * vendor's table, a callee releasing the caller's lock, reference-count
 * puts. Each "gone" case has a look-alike that stays.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { COpsEntry } from '../../analyzers/c/ops-tables.js';
import { parseFile } from '../../analyzers/c/parse-file.js';
import { mergeStructTypes } from '../../analyzers/c/struct-types.js';
import { typeEnv } from '../../analyzers/index/index-tree.js';
import type { FunctionFacts } from '../../analyzers/locks/model.js';
import { walkFunction } from '../../analyzers/locks/walk.js';
import type { EdgeSite } from '../../analyzers/order/model.js';
import { observeOrder, type ObservedOrder } from '../../analyzers/order/observe.js';
import { FIXTURES } from '../helpers/paths.js';

/** Fixture -> the tree path it is read as: the directory decides the vendor. */
const FILES: Record<string, string> = {
  'generic.c': 'arch/x86/kvm/demo_x86.c',
  'vmx.c': 'arch/x86/kvm/vmx/demo_vmx.c',
  'svm.c': 'arch/x86/kvm/svm/demo_svm.c',
  'release-through.c': 'virt/kvm/demo_release.c',
  'member-table.c': 'virt/kvm/demo_member.c',
};

let order: ObservedOrder;
const sources = new Map<string, string[]>();

beforeAll(async () => {
  const functions: FunctionFacts[] = [];
  const ops: COpsEntry[] = [];
  for (const [name, path] of Object.entries(FILES)) {
    const text = readFileSync(join(FIXTURES, 'order', name), 'utf8');
    sources.set(path, text.split('\n'));
    const parsed = await parseFile(path, text);
    try {
      const local = mergeStructTypes(parsed.structs);
      for (const f of parsed.functions) functions.push(walkFunction(f, typeEnv(f, mergeStructTypes([]), local)));
      ops.push(...parsed.ops);
    } finally {
      parsed.dispose();
    }
  }
  order = observeOrder(functions, ops);
});

/** Sites whose outer lock is held in `fn`, as `outer -> inner`. */
function edgesIn(fn: string): string[] {
  const out = new Set<string>();
  for (const e of order.edges) for (const s of e.sites) if (s.function === fn) out.add(`${e.outer} -> ${e.inner}${e.innerOp === 'sync' ? ' (sync)' : ''}`);
  return [...out].sort();
}

function sitesIn(fn: string, outer: string, inner: string): EdgeSite[] {
  return order.edges.filter((e) => e.outer === outer && e.inner === inner).flatMap((e) => e.sites.filter((s) => s.function === fn));
}

/** 1-based line of the only line of `path` containing `marker`. */
function lineOf(path: string, marker: string): number {
  const hits = (sources.get(path) ?? []).flatMap((l, i) => (l.includes(marker) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`${marker} is on ${hits.length} lines of ${path}`);
  return hits[0] as number;
}

describe('constant arguments decide the callee\'s branches', () => {
  it('gone: kvm_vcpu_reset(vcpu, true) never runs its `if (!init_event)` block nor what follows `if (init_event) return;`', () => {
    expect(edgesIn('demo_init_event')).toEqual([]);
  });

  it('gone: a constant passed on through a wrapper\'s own parameter', () => {
    expect(edgesIn('demo_init_wrapped')).toEqual([]);
  });

  it('kept: the same callee with false, and with a value the analysis cannot know', () => {
    expect(edgesIn('demo_cold_reset')).toEqual(['vcpu->mutex -> kvm->lock', 'vcpu->mutex -> kvm->slots_lock']);
    expect(edgesIn('demo_unknown_reset')).toEqual(['vcpu->mutex -> kvm->lock', 'vcpu->mutex -> kvm->slots_lock']);
  });

  it('a fixed MSR index passed into a switch takes only its case (default is every other value)', () => {
    expect(edgesIn('demo_msr_b')).toEqual([]);
    expect(edgesIn('demo_msr_a')).toEqual(['vcpu->mutex -> kvm->slots_lock']);
  });

  it('kept: a parameter the callee rewrites decides nothing', () => {
    expect(edgesIn('demo_written_caller')).toEqual(['kvm->lock -> kvm->slots_lock']);
  });

  it('records the conditions in the walk facts and summaries per context', () => {
    const reset = order.index.functions.find((f) => f.name === 'demo_reset');
    expect(reset?.acquires.map((a) => a.when)).toEqual([
      [{ param: 1, op: 'false' }],
      [{ param: 1, op: 'false' }],
    ]);
    expect(order.summaries.pruned).toBeGreaterThan(0);
  });
});

describe('calls through a vendor\'s table stay with that vendor', () => {
  const vendorDirs = (s: EdgeSite): string[] => [...new Set(s.chain.map((c) => /arch\/x86\/kvm\/(vmx|svm)\//.exec(c.file)?.[1]).filter((d) => d !== undefined))];

  it('a chain that entered VMX code calls VMX\'s set_msr, never SVM\'s, and the reverse', () => {
    const all = order.edges.flatMap((e) => e.sites);
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((s) => vendorDirs(s).length > 1).map((s) => s.chain.map((c) => c.function).join(' > '))).toEqual([]);
    const chains = sitesIn('demo_free', 'vcpu->mutex', 'vmx_demo_lock').map((s) => s.chain.map((c) => c.function));
    expect(chains).toEqual([['demo_free', 'vmx_demo_free', 'demo_set_msr', 'vmx_demo_set_msr']]);
    expect(sitesIn('demo_free', 'vcpu->mutex', 'svm_demo_lock').map((s) => s.chain.map((c) => c.function))).toEqual([
      ['demo_free', 'svm_demo_free', 'demo_set_msr', 'svm_demo_set_msr'],
    ]);
  });

  it('vendor code calling a generic helper that calls through the table stays in its vendor', () => {
    expect(edgesIn('vmx_demo_entry')).toEqual(['vcpu->mutex -> vmx_demo_lock']);
    expect(edgesIn('svm_demo_entry')).toEqual(['vcpu->mutex -> svm_demo_lock']);
  });

  it('a generic caller with no vendor yet reaches every implementation, and the site says it went through a table', () => {
    const [site] = sitesIn('demo_free', 'vcpu->mutex', 'vmx_demo_lock');
    expect(site?.confidence).toEqual({ level: 'full', calls: 3, indirect: ['kvm_x86_ops.vcpu_free', 'kvm_x86_ops.set_msr'], assumed: [] });
  });
});

describe('a callee that releases the caller\'s lock', () => {
  it('gone: re-taking kvm->slots_arch_lock after kvm_swap_active_memslots() dropped it is not nesting', () => {
    expect(edgesIn('demo_set_memslot')).toEqual([]);
  });

  it('kept: when the release happens on one path only, the other path nests', () => {
    expect(edgesIn('demo_set_memslot_maybe')).toEqual(['kvm->slots_arch_lock -> kvm->slots_arch_lock']);
  });

  // kvm_set_memslot(): kvm_create_memslot() -> kvm_activate_memslot() -> kvm_swap_active_memslots()
  // drops kvm->slots_arch_lock, as does each other branch, and the last one is BUG().
  it('gone: released two calls down on every branch (the last BUG()), the call after the branches runs without it', () => {
    expect(edgesIn('rel_set_memslot')).toEqual([]);
  });

  it('kept: one branch neither releases it nor stops', () => {
    expect(edgesIn('rel_set_memslot_maybe')).toEqual(['kvm->slots_arch_lock -> kvm->mmu_lock']);
  });

  // kvm_invalidate_memslot(): its re-take follows the release below it, so it does not nest either.
  it('kept: a callee whose callee releases it takes it again before returning', () => {
    expect(edgesIn('rel_set_memslot_retake')).toEqual(['kvm->slots_arch_lock -> kvm->mmu_lock']);
  });

  it('a callee releasing its own lock before one of two acquisitions gives its caller one site, not one per release state', () => {
    const sites = sitesIn('rel_outer', 'kvm->slots_lock', 'kvm->mmu_lock');
    expect(sites.map((s) => s.line)).toEqual([lineOf(FILES['release-through.c'] as string, 'one site')]);
  });
});

describe('reference-count puts', () => {
  it('gone: a put whose caller is known to hold another reference (sev_migrate_from()) never reaches the destructor, and the count says what was relied on', () => {
    expect(edgesIn('demo_move_enc_context')).toEqual(['kvm->lock -> sev_mirror_lock']);
    expect(edgesIn('sev_migrate_from')).toEqual([]);
    expect(order.summaries.ruledOut.get('sev-migrate-source-file-reference')).toBeGreaterThan(0);
  });

  it('kept: the same put from a caller the knowledge does not name stays conditional', () => {
    expect(sitesIn('demo_move_from', 'kvm->lock', 'kvm_lock').map((s) => s.confidence.level)).toEqual(['conditional']);
  });

  it('an edge through kvm_put_kvm() into kvm_destroy_vm() is kept apart as conditional, saying what it assumes', () => {
    const [site, ...rest] = sitesIn('demo_move_from', 'kvm->lock', 'kvm_lock');
    expect(rest).toEqual([]);
    expect(site?.chain.map((c) => c.function)).toEqual(['demo_move_from', 'kvm_put_kvm', 'kvm_destroy_vm']);
    expect(site?.line).toBe(lineOf(FILES['generic.c'] as string, 'put under kvm->lock'));
    expect(site?.confidence.level).toBe('conditional');
    expect(site?.confidence.assumed).toEqual([expect.stringMatching(/^kvm_put_kvm\(\) drops the last reference and calls kvm_destroy_vm\(\)/)]);
    const edge = order.edges.find((e) => e.outer === 'kvm->lock' && e.inner === 'kvm_lock');
    expect(edge?.fullCount).toBe(0);
  });
});

describe('invariants the code relies on', () => {
  it('gone: below kvm_timer_update_irq() the `!vgic_initialized()` branch of vgic_lazy_init() is dead, and the count says which invariant removed it', () => {
    expect(edgesIn('demo_timer_reset')).toEqual([]);
    expect(order.summaries.ruledOut.get('arm64-timer-vgic-initialised')).toBeGreaterThan(0);
  });

  it('kept: the same lazy init reached on a path the invariant does not cover', () => {
    expect(edgesIn('demo_pmu_inject')).toEqual(['vcpu->mutex -> kvm->arch.config_lock']);
  });

  it('records the fact the branch tests in the walk facts', () => {
    const lazy = order.index.functions.find((f) => f.name === 'vgic_lazy_init');
    expect(lazy?.acquires.map((a) => a.when)).toEqual([[{ param: -1, op: 'false', fact: 'arm64-timer-vgic-initialised' }]]);
  });
});

describe('calls through a function table reached by members', () => {
  it("dev->ops->release(dev) is a call of the table's release slot: kvm->lock held around it reaches the lock its implementation takes", () => {
    expect(edgesIn('demo_release_through_member')).toEqual(['kvm->lock -> kvm->mmu_lock']);
    expect(sitesIn('demo_release_through_member', 'kvm->lock', 'kvm->mmu_lock').map((s) => s.chain.map((c) => c.function))).toEqual([['demo_release_through_member', 'demo_dev_release']]);
  });

  it('a member of a member, (h->dev).ops->release(), resolves the same slot', () => {
    expect(edgesIn('demo_release_through_members')).toEqual(['kvm->lock -> kvm->mmu_lock']);
  });

  it('stays: a member of a struct whose definition is not known names no slot', () => {
    expect(edgesIn('demo_release_unknown')).toEqual([]);
  });
});
