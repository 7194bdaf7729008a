/**
 * Table slots filled in function bodies. An exit handler array filled at
 * run time, as VMX's is: vmx.c passes kvm_vmx_exit_handlers to
 * nested_vmx_hardware_setup(), which stores the nested VMX instructions'
 * handlers into it. Each file's facts say their half (the stores into a
 * parameter, the call passing the table), and an architecture's tables join
 * them: a call by index through the table may reach the functions stored,
 * resolved in the file that stores them. And a local struct variable's
 * initializer, as the MMU notifier callbacks' struct
 * kvm_mmu_notifier_range, or a store into a parameter's member, as mmu.c's
 * `context->gva_to_gpa = paging64_gva_to_gpa`: the functions fill the
 * struct's slots as a file-scope table's do. On the small tree of fixtures/order/runtime-tables,
 * then on the real trees.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditTree } from '../../analyzers/audit.js';
import { expandRuntimeTables, type COpsEntry } from '../../analyzers/c/ops-tables.js';
import type { AuditResult } from '../../analyzers/findings/check-result.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { FIXTURES, kernelTree } from '../helpers/paths.js';
import { walkFixtureFile, type WalkedFile } from '../helpers/walk-fixture.js';

const TREE = join(FIXTURES, 'order', 'runtime-tables');
const VMX = 'arch/x86/kvm/vmx/demo_vmx.c';
const NESTED = 'arch/x86/kvm/vmx/demo_nested.c';
const NOTIFIER = 'virt/kvm/demo_notifier.c';

/** The chains of the audit's sites of `outer` -> `inner`. */
const chains = (r: AuditResult, outer: string, inner: string): string[] =>
  r.observed.filter((o) => o.outer === outer && o.inner === inner).flatMap((o) => o.sites.map((s) => s.chain.map((c) => c.function).join(' > ')));

const slots = (ops: readonly COpsEntry[]): string[] => ops.map((o) => `${o.struct}.${o.field} = ${o.fn} (${o.file.split('/').pop()}:${o.line})`);

let vmx: WalkedFile;
let nested: WalkedFile;
let notifier: WalkedFile;
let audit: AuditResult;

beforeAll(async () => {
  vmx = await walkFixtureFile(TREE, VMX);
  nested = await walkFixtureFile(TREE, NESTED);
  notifier = await walkFixtureFile(TREE, NOTIFIER);
  audit = await auditTree(TREE, { arch: 'x86', doc: loadDocumentedOrder({ cwd: '/' }), cache: { disabled: true } });
});

describe('a table filled at run time', () => {
  it("is read as each file's half: the stores into the parameter, the call passing the table", () => {
    expect(slots(nested.ops)).toEqual(['demo_nested_setup(0).[] = demo_handle_vmon (demo_nested.c:32)', 'demo_nested_setup(0).[] = demo_handle_vmoff (demo_nested.c:33)']);
    expect(slots(vmx.ops)).toEqual(['demo_exit_handlers.[] = demo_handle_hlt (demo_vmx.c:26)', 'demo_exit_handlers.[] = demo_nested_setup(0) (demo_vmx.c:33)']);
  });

  it("joins them into the table's slot, after its initializer's entries, at the stores' file and lines", () => {
    expect(slots(expandRuntimeTables([...vmx.ops, ...nested.ops]))).toEqual([
      'demo_exit_handlers.[] = demo_handle_hlt (demo_vmx.c:26)',
      'demo_exit_handlers.[] = demo_handle_vmon (demo_nested.c:32)',
      'demo_exit_handlers.[] = demo_handle_vmoff (demo_nested.c:33)',
    ]);
    // A list with no half is given back as it is.
    const plain = vmx.ops.slice(0, 1);
    expect(expandRuntimeTables(plain)).toBe(plain);
  });

  it('is followed by check: a call by index reaches what was stored, the static function of the storing file', () => {
    expect(chains(audit, 'kvm->srcu', 'kvm->slots_lock')).toEqual(['demo_handle_exit > demo_handle_vmon']);
    expect(chains(audit, 'kvm->srcu', 'kvm->lock')).toEqual(['demo_handle_exit > demo_handle_hlt']);
    // demo_vmx.c's own demo_handle_vmoff() takes kvm->mmu_lock; the table holds demo_nested.c's.
    expect(chains(audit, 'kvm->srcu', 'kvm->mmu_lock')).toEqual([]);
    expect(audit.stats.unresolvedCalls).toBe(0);
  });
});

describe("a local struct variable's initializer, a store into a parameter's member", () => {
  it("fill the struct's slots with the functions they name, not with the function's own parameters or a constant", () => {
    expect(slots(notifier.ops)).toEqual(['demo_range.handler = demo_unmap (demo_notifier.c:39)', 'demo_tracker.track_write = demo_track_write (demo_notifier.c:78)']);
  });

  it('are followed by check: the call through the member reaches the function it was given', () => {
    expect(chains(audit, 'kvm->srcu', 'kvm->irq_lock')).toEqual(['__demo_handle_range > demo_unmap']);
    expect(chains(audit, 'kvm->lock', 'kvm->slots_lock')).toEqual(['demo_tracker_write > demo_track_write']);
  });
});

describe.each(['6.1', '6.12'] as const)('Linux %s riscv: the MMU notifier callbacks', (version) => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'kvm-review-body-tables-'));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it("reach what kvm_unmap_gfn_range() takes through __kvm_handle_hva_range()'s range->handler(), inside its kvm->srcu reader", async () => {
    const tree = kernelTree(version);
    const r = await auditTree(tree, { arch: 'riscv', doc: loadDocumentedOrder({ tree, cwd: '/' }), cache: { dir: cacheDir } });
    const through = chains(r, 'kvm->srcu', 'vcpu->arch.hfence_lock').filter((c) => c.startsWith('__kvm_handle_hva_range > '));
    expect(through).toHaveLength(1);
    expect(through[0]).toMatch(/^__kvm_handle_hva_range > (kvm_mmu_unmap_gfn_range > )?kvm_unmap_gfn_range > .* > vcpu_hfence_enqueue$/);
  }, 120_000);
});
