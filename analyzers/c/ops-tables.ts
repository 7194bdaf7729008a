/**
 * Function tables: `struct kvm_x86_ops vmx_x86_ops = { .vcpu_run = vmx_vcpu_run, ... }`.
 * KVM calls most vendor code through them (kvm_x86_call(vcpu_run), static_call,
 * kvm_x86_ops.f()), so following a call means knowing which functions a
 * table slot may hold.
 */
import type { SyntaxNode, SyntaxTree } from './parser.js';
import { topLevel, typedChildren, type Typed } from './top-level.js';

/** One slot of a function table: `struct`.`field` may be `fn`. */
export interface COpsEntry {
  /** The table's struct type without `struct`: `kvm_x86_ops`. */
  struct: string;
  field: string;
  /** The function the slot holds. */
  fn: string;
  /** Tree-relative path of the table's definition. */
  file: string;
  /** 1-based line of the initializer. */
  line: number;
}

function structOf(decl: SyntaxNode): string | null {
  const type = decl.childForFieldName('type');
  if (type?.type !== 'struct_specifier') return null;
  return type.childForFieldName('name')?.text ?? null;
}

function entriesOf(struct: string, list: SyntaxNode, file: string): COpsEntry[] {
  const out: COpsEntry[] = [];
  for (const pair of list.namedChildren) {
    if (pair?.type !== 'initializer_pair') continue;
    const designator = pair.childForFieldName('designator');
    const value = pair.childForFieldName('value');
    const field = designator?.type === 'field_designator' ? designator.namedChildren[0]?.text : undefined;
    if (!field || value?.type !== 'identifier') continue;
    out.push({ struct, field, fn: value.text, file, line: pair.startPosition.row + 1 });
  }
  return out;
}

/** Every designated function-table initializer at file scope (and inside ERROR regions). */
export function readOpsTables(tree: SyntaxTree, file: string): COpsEntry[] {
  const out: COpsEntry[] = [];
  const visit = (children: readonly Typed[]): void => {
    for (const { node: child, type } of children) {
      if (type === 'declaration') {
        const struct = structOf(child);
        if (!struct) continue;
        for (const d of child.childrenForFieldName('declarator')) {
          const value = d?.type === 'init_declarator' ? d.childForFieldName('value') : null;
          if (value?.type === 'initializer_list') out.push(...entriesOf(struct, value, file));
        }
      } else if (type === 'ERROR' || type.startsWith('preproc_')) {
        visit(typedChildren(child));
      }
    }
  };
  visit(topLevel(tree));
  return out;
}
