/** Struct member types: flattening, anonymous member types, #ifdef duplicates, per-arch definitions. */
import { describe, expect, it } from '@jest/globals';
import type { CStructDef } from '../../analyzers/c/model.js';
import { parseC } from '../../analyzers/c/parser.js';
import { blankForParse } from '../../analyzers/c/preprocess.js';
import { archOf, memberType, mergeStructTypes, readStructs } from '../../analyzers/c/struct-types.js';
import { parseFixture } from './fixture.js';

async function structsOf(file: string, source: string): Promise<CStructDef[]> {
  const tree = await parseC(blankForParse(source));
  const defs = readStructs(tree, file);
  tree.delete();
  return defs;
}

describe('structs.h', () => {
  it('reads members with normalised types, flattening anonymous structs and unions', async () => {
    const parsed = await parseFixture('structs.h');
    const vm = parsed.structs.find((s) => s.name === 'demo_vm');
    expect(vm).toMatchObject({ file: 'fixtures/c/structs.h', arch: null, line: 6 });
    expect(Object.fromEntries(vm?.members ?? [])).toEqual({
      lock: 'struct mutex',
      mmu_lock: 'rwlock_t', // both #ifdef branches declare it: the first wins
      slots: 'struct demo_slots * []',
      srcu: 'struct srcu_struct',
      arch: 'struct demo_arch',
      lo: 'u64',
      hi: 'u64',
      whole: 'u128',
      pending: 'struct demo_vm.pending',
      flags: 'unsigned long',
      callback: 'int (*)()',
      vcpus: 'struct demo_vcpu * []',
      boot: 'struct demo_vcpu *',
    });
    const types = mergeStructTypes(parsed.structs);
    expect(memberType(types, 'struct demo_vm.pending', 'lock')).toBe('spinlock_t');
    expect(memberType(types, 'demo_vcpu', 'mutex')).toBe('struct mutex');
    expect(memberType(types, 'demo_vcpu', 'lock')).toBe('demo_spinlock_t');
    expect(memberType(types, 'demo_spinlock_t', 'owner')).toBe('u32'); // typedef struct { } name;
    expect(memberType(types, 'demo_vcpu', 'nothing')).toBeUndefined();
    parsed.dispose();
  });
});

describe('per-arch definitions', () => {
  it('memberType prefers the arch asked for, then common code', async () => {
    const defs = [
      ...(await structsOf('include/linux/demo.h', 'struct demo_common { struct mutex lock; };\nstruct demo_arch { int generic; };\n')),
      ...(await structsOf('arch/x86/include/asm/demo.h', 'struct demo_arch {\n\tstruct demo_xen xen;\n\traw_spinlock_t tsc_lock;\n};\n')),
      ...(await structsOf('arch/arm64/include/asm/demo.h', 'struct demo_arch {\n\tstruct mutex config_lock;\n\tspinlock_t tsc_lock;\n};\n')),
    ];
    const types = mergeStructTypes(defs);
    expect(types.definitions.get('demo_arch')?.map((d) => d.arch)).toEqual([null, 'arm64', 'x86']);
    expect(memberType(types, 'demo_arch', 'tsc_lock', 'x86')).toBe('raw_spinlock_t');
    expect(memberType(types, 'demo_arch', 'tsc_lock', 'arm64')).toBe('spinlock_t');
    expect(memberType(types, 'demo_arch', 'xen', 'arm64')).toBe('struct demo_xen'); // not in arm64's: any definition
    expect(memberType(types, 'demo_arch', 'generic', 'x86')).toBe('int');
    expect(memberType(types, 'struct demo_common', 'lock')).toBe('struct mutex');
  });

  it('archOf reads the arch directory', () => {
    expect(archOf('arch/x86/kvm/x86.c')).toBe('x86');
    expect(archOf('arch/arm64/include/asm/kvm_host.h')).toBe('arm64');
    expect(archOf('virt/kvm/kvm_main.c')).toBeNull();
  });
});
