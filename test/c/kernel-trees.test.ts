/**
 * The C stage on the Debian 6.12 and 6.1 trees, read at test time. Every
 * expected value was checked by reading the files: kvm_vcpu_ioctl's
 * definition (the earlier mention is a prototype), the `{` lines that open
 * x86.c's functions, the annotations of i8259.c and vgic.c (6.12), struct
 * kvm in include/linux/kvm_host.h, struct kvm_arch in both arches'
 * kvm_host.h. Expected lines are found by content in the tree under test:
 * Debian point releases move them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFunctions } from '../../analyzers/c/functions.js';
import type { CFunction, CStructDef, ParseStats, StructTypes } from '../../analyzers/c/model.js';
import { parseFile, type ParsedFile } from '../../analyzers/c/parse-file.js';
import { parseC } from '../../analyzers/c/parser.js';
import { memberType, mergeStructTypes } from '../../analyzers/c/struct-types.js';
import { kernelTree } from '../helpers/paths.js';

/** Tree-relative paths of the .c/.h files under `dirs` and the named headers. */
function kvmFiles(tree: string): string[] {
  const files: string[] = [];
  for (const dir of ['virt/kvm', 'arch/x86/kvm', 'arch/arm64/kvm']) {
    for (const f of readdirSync(join(tree, dir), { recursive: true, encoding: 'utf8' })) {
      if (/\.[ch]$/.test(f)) files.push(`${dir}/${f}`);
    }
  }
  for (const f of readdirSync(join(tree, 'include/linux'))) if (/^kvm.*\.h$/.test(f)) files.push(`include/linux/${f}`);
  files.push('arch/x86/include/asm/kvm_host.h', 'arch/arm64/include/asm/kvm_host.h');
  return files.sort();
}

/** The 1-based line of `source` that is exactly `text` (a definition's first line); throws unless there is one. */
function lineIs(source: string, text: string): number {
  const hits = source.split('\n').flatMap((l, i) => (l === text ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`${JSON.stringify(text)} is on ${hits.length} lines`);
  return hits[0] as number;
}

/** Lines (0-based) where a function body opens in kernel style: `{` at column 0 after a line ending in `)`. */
function bodyOpeners(source: string): number[] {
  const lines = source.split('\n');
  const out: number[] = [];
  let prev = '';
  lines.forEach((line, i) => {
    if (line.startsWith('{') && /\)\s*$/.test(prev)) out.push(i);
    if (line.trim()) prev = line;
  });
  return out;
}

describe.each(['6.12', '6.1'] as const)('Linux %s', (version) => {
  const tree = kernelTree(version);
  const read = (file: string): string => readFileSync(join(tree, file), 'utf8');
  let parsed: ParsedFile[] = [];
  let structs: StructTypes;
  const total: ParseStats = { clean: 0, damaged: 0, skipped: [] };
  const functions = (file: string): CFunction[] => parsed.find((p) => p.file === file)?.functions ?? [];

  beforeAll(async () => {
    const defs: CStructDef[] = [];
    for (const file of kvmFiles(tree)) {
      const p = await parseFile(file, read(file));
      parsed.push(p);
      defs.push(...p.structs);
      total.clean += p.stats.clean;
      total.damaged += p.stats.damaged;
      total.skipped.push(...p.stats.skipped);
    }
    structs = mergeStructTypes(defs);
  });
  afterAll(() => {
    for (const p of parsed) p.dispose();
    parsed = [];
  });

  it('extracts kvm_vcpu_ioctl with its parameters (the definition, not the prototype)', () => {
    const found = functions('virt/kvm/kvm_main.c').filter((f) => f.name === 'kvm_vcpu_ioctl');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      file: 'virt/kvm/kvm_main.c',
      line: lineIs(read('virt/kvm/kvm_main.c'), 'static long kvm_vcpu_ioctl(struct file *filp,'),
      static: true,
      damaged: false,
      params: [
        { name: 'filp', type: 'struct file *' },
        { name: 'ioctl', type: 'unsigned int' },
        { name: 'arg', type: 'unsigned long' },
      ],
    });
  });

  it('finds every function of arch/x86/kvm/x86.c that a line count finds', () => {
    const openers = bodyOpeners(read('arch/x86/kvm/x86.c'));
    // About 470 (6.12) and 510 (6.1) by this count; the exact number moves with point releases.
    expect(openers.length).toBeGreaterThan(400);
    const found = functions('arch/x86/kvm/x86.c');
    const starts = new Set(found.map((f) => f.body.startPosition.row));
    expect(openers.filter((row) => !starts.has(row))).toEqual([]);
    expect(found.length).toBeGreaterThanOrEqual(openers.length);
    expect(found.filter((f) => f.damaged).length).toBeLessThanOrEqual(2);
  });

  it('keeps the damaged share of KVM functions small and skips almost nothing', () => {
    const count = total.clean + total.damaged;
    expect(count).toBeGreaterThan(5000);
    expect(total.damaged / count).toBeLessThan(0.01);
    expect(total.skipped.length).toBeLessThan(10);
  });

  it('reports lock annotations of real headers', () => {
    const i8259 = functions('arch/x86/kvm/i8259.c');
    expect(i8259.find((f) => f.name === 'pic_lock')?.annotations).toEqual([{ kind: 'acquires', expr: '&s->lock' }]);
    expect(i8259.find((f) => f.name === 'pic_unlock')?.annotations).toEqual([{ kind: 'releases', expr: '&s->lock' }]);
    // 6.12 annotated vgic_queue_irq_unlock; 6.1 only asserts the lock in the body
    const vgic = functions('arch/arm64/kvm/vgic/vgic.c').find((f) => f.name === 'vgic_queue_irq_unlock');
    const line = lineIs(read('arch/arm64/kvm/vgic/vgic.c'), 'bool vgic_queue_irq_unlock(struct kvm *kvm, struct vgic_irq *irq,');
    expect(vgic).toMatchObject(version === '6.12'
      ? { line, annotations: [{ kind: 'releases', expr: '&irq->irq_lock' }] }
      : { line, annotations: [] });
  });

  it('pairs kvm_for_each_vcpu with its body in pic_unlock', () => {
    const f = functions('arch/x86/kvm/i8259.c').find((x) => x.name === 'pic_unlock');
    expect(f?.macros.all.map((m) => [m.name, m.args.map((a) => a.text), m.body.type])).toEqual([
      ['kvm_for_each_vcpu', ['i', 'vcpu', 's->kvm'], 'compound_statement'],
    ]);
  });

  it('reads struct kvm, struct kvm_vcpu and both struct kvm_arch', () => {
    expect(structs.definitions.get('kvm')?.map((d) => d.file)).toContain('include/linux/kvm_host.h');
    expect(memberType(structs, 'kvm', 'slots_lock')).toBe('struct mutex');
    expect(memberType(structs, 'kvm', 'srcu')).toBe('struct srcu_struct');
    expect(memberType(structs, 'kvm', 'arch')).toBe('struct kvm_arch');
    expect(memberType(structs, 'kvm', 'mmu_lock')).toBe('rwlock_t'); // KVM_HAVE_MMU_RWLOCK branch, first in the file
    expect(memberType(structs, 'kvm_vcpu', 'kvm')).toBe('struct kvm *');
    expect(memberType(structs, 'kvm_vcpu', 'mutex')).toBe('struct mutex');
    expect(memberType(structs, 'kvm_arch', 'xen', 'x86')).toBe('struct kvm_xen');
    expect(memberType(structs, 'kvm_xen', 'xen_lock', 'x86')).toBe(version === '6.12' ? 'struct mutex' : undefined); // added after 6.1
    expect(memberType(structs, 'kvm_arch', 'config_lock', 'arm64')).toBe('struct mutex');
    expect(structs.definitions.get('kvm_arch')?.map((d) => d.arch).sort()).toEqual(['arm64', 'x86']);
  });
});

// 6.12 only: the `#ifdef CONFIG_KVM_SMM` inside kvm_arch_dy_runnable()'s condition came after 6.1
describe('Linux 6.12 x86.c without pre-blanking', () => {
  it('turns into an ERROR region whose functions are still found', async () => {
    const source = readFileSync(join(kernelTree('6.12'), 'arch/x86/kvm/x86.c'), 'utf8');
    const raw = await parseC(source);
    const { functions: found, stats } = extractFunctions(raw, 'arch/x86/kvm/x86.c', source);
    const inError = found.filter((f) => {
      for (let n = f.body.parent; n; n = n.parent) if (n.type === 'ERROR') return true;
      return false;
    });
    expect(inError.length).toBeGreaterThanOrEqual(90);
    const line = lineIs(source, 'bool kvm_arch_dy_runnable(struct kvm_vcpu *vcpu)');
    expect(stats.skipped).toContainEqual({ name: 'kvm_arch_dy_runnable', line, reason: 'function header and body split by a parse error' });
    raw.delete();
  });
});
