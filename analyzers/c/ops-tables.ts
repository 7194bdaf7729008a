/**
 * Function tables: `struct kvm_x86_ops vmx_x86_ops = { .vcpu_run = vmx_vcpu_run, ... }`,
 * and arrays of functions by index (`kvm_vmx_exit_handlers[] = { [EXIT_REASON_CPUID] = ... }`).
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

/**
 * The name of an array a declarator declares (`(*kvm_vmx_exit_handlers[])(struct kvm_vcpu *)`,
 * `arm_exit_handlers[]`), else null.
 */
function arrayName(declarator: SyntaxNode | null): string | null {
  let d = declarator;
  let array = false;
  while (d && d.type !== 'identifier') {
    if (d.type === 'array_declarator') array = true;
    d = d.childForFieldName('declarator') ?? (d.type === 'parenthesized_declarator' ? d.namedChild(0) : null);
  }
  return array && d ? d.text : null;
}

/**
 * The typedef an array's elements are, when it is declared as `T name[]` (`exit_handle_fn
 * arm_exit_handlers[]`): the type every function in it has. Null for `int (*name[])(...)`.
 */
function elementTypedef(decl: SyntaxNode, declarator: SyntaxNode | null): string | null {
  const type = decl.childForFieldName('type');
  return type?.type === 'type_identifier' && declarator?.type === 'array_declarator' ? type.text : null;
}

/**
 * The slot a designator names: a struct's field (`.vcpu_run`); for an array of functions indexed
 * by designators, as VMX's and SVM's exit handlers are (`[EXIT_REASON_CPUID] = kvm_emulate_cpuid`),
 * its one slot `[]`, that may hold each of them.
 */
function slotOf(designator: SyntaxNode | null, array: boolean): string | undefined {
  if (array) return designator?.type === 'subscript_designator' ? '[]' : undefined;
  return designator?.type === 'field_designator' ? designator.namedChildren[0]?.text : undefined;
}

/** The slots `list` fills in the table `struct` (a struct type, or the array's name). */
function entriesOf(struct: string, list: SyntaxNode, file: string, array = false): COpsEntry[] {
  const out: COpsEntry[] = [];
  for (const pair of list.namedChildren) {
    if (pair?.type !== 'initializer_pair') continue;
    const field = slotOf(pair.childForFieldName('designator'), array);
    const value = pair.childForFieldName('value');
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
        for (const d of child.childrenForFieldName('declarator')) {
          const value = d?.type === 'init_declarator' ? d.childForFieldName('value') : null;
          if (value?.type !== 'initializer_list') continue;
          if (struct) out.push(...entriesOf(struct, value, file));
          else {
            const declarator = d?.childForFieldName('declarator') ?? null;
            const array = arrayName(declarator);
            if (!array) continue;
            out.push(...entriesOf(array, value, file, true));
            // `static exit_handle_fn arm_exit_handlers[] = {...}`: the functions are also what a
            // variable of that type may hold (`exit_handler = kvm_get_exit_handler(vcpu)`).
            const element = elementTypedef(child, declarator);
            if (element) out.push(...entriesOf(element, value, file, true));
          }
        }
      } else if (type === 'ERROR' || type.startsWith('preproc_')) {
        visit(typedChildren(child));
      }
    }
  };
  visit(topLevel(tree));
  return out;
}
