/**
 * Shared harness for the lock tests: parse a C statement, pick a call's
 * argument, and derive its lock class against a small type environment.
 */
import { parseC, type SyntaxNode } from '../../analyzers/c/parser.js';
import { lockClassOf, type ClassResult, type TypeEnv } from '../../analyzers/locks/lock-class.js';

/**
 * Struct member types as the C stage reports them, for the structs the cases
 * use: the 6.12 headers' members plus a few fictional ones (`foo_locks`,
 * `vcpus`, `lock_ptr`) that stand for shapes the tree has elsewhere.
 */
const MEMBERS: Record<string, Record<string, string>> = {
  kvm: {
    lock: 'struct mutex', slots_lock: 'struct mutex', srcu: 'struct srcu_struct', mmu_lock: 'rwlock_t',
    arch: 'struct kvm_arch', mm: 'struct mm_struct *', vcpus: 'struct kvm_vcpu *[KVM_MAX_VCPUS]', lock_ptr: 'struct mutex *',
  },
  kvm_vcpu: { kvm: 'struct kvm *', mutex: 'struct mutex', arch: 'struct kvm_vcpu_arch' },
  kvm_arch: { xen: 'struct kvm_xen', hyperv: 'struct kvm_hv', tsc_write_lock: 'raw_spinlock_t', foo_locks: 'spinlock_t [4]' },
  kvm_xen: { xen_lock: 'struct mutex' },
  kvm_hv: { hv_lock: 'struct mutex' },
  vcpu_svm: { vcpu: 'struct kvm_vcpu' },
  kvm_pit: { pit_state: 'struct kvm_kpit_state' },
  vgic_dist: { lpi_xa: 'struct xarray' },
  inode: { i_mapping: 'struct address_space *' },
};

/** A TypeEnv with `vars` and the MEMBERS table. */
export function typeEnv(vars: Record<string, string> = {}): TypeEnv {
  return {
    vars: new Map(Object.entries(vars)),
    memberType: (struct, member) => MEMBERS[struct]?.[member],
  };
}

/** One lockClassOf case: a statement, which call and argument, and the expected result. */
export interface ClassCase {
  /** What the case shows. */
  name: string;
  /** One C statement, placed in a function body. */
  code: string;
  /** Declared parameters and locals: name -> type. */
  vars?: Record<string, string>;
  /** Callee whose argument is the lock; default: the first call. `guard` picks guard(T)(ARG). */
  callee?: string;
  /** 0-based argument index; default 0. */
  arg?: number;
  via?: string;
  /** Expected class and guessed flag, or a pattern the unresolved reason must match. */
  expect: { class: string; guessed: boolean } | { unresolved: RegExp };
}

function calls(node: SyntaxNode, out: SyntaxNode[] = []): SyntaxNode[] {
  if (node.type === 'call_expression') out.push(node);
  for (const c of node.namedChildren) if (c) calls(c, out);
  return out;
}

function calleeName(call: SyntaxNode): string {
  const fn = call.childForFieldName('function');
  if (fn?.type === 'call_expression') return calleeName(fn);
  return fn?.text ?? '';
}

/** Parse `code` inside a function, find the call and run lockClassOf on its argument. */
export async function classOf(c: Pick<ClassCase, 'code' | 'vars' | 'callee' | 'arg' | 'via'>): Promise<ClassResult> {
  const tree = await parseC(`void test_fn(void)\n{\n\t${c.code}\n}\n`);
  try {
    const all = calls(tree.rootNode);
    const call = c.callee
      ? all.find((n) => calleeName(n) === c.callee && n.childForFieldName('function')?.type === (c.callee === 'guard' ? 'call_expression' : 'identifier'))
      : all[0];
    if (!call) throw new Error(`no call ${c.callee ?? ''} in ${c.code}`);
    const args = call.childForFieldName('arguments')?.namedChildren.filter((n): n is SyntaxNode => n !== null && n.type !== 'comment') ?? [];
    const arg = args[c.arg ?? 0];
    if (!arg) throw new Error(`no argument ${c.arg ?? 0} in ${c.code}`);
    return lockClassOf(arg, typeEnv(c.vars), c.via);
  } finally {
    tree.delete();
  }
}
