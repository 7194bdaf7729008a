/**
 * Function tables: `struct kvm_x86_ops vmx_x86_ops = { .vcpu_run = vmx_vcpu_run, ... }`,
 * and arrays of functions by index (`kvm_vmx_exit_handlers[] = { [EXIT_REASON_CPUID] = ... }`).
 * KVM calls most vendor code through them (kvm_x86_call(vcpu_run), static_call,
 * kvm_x86_ops.f()), so following a call means knowing which functions a
 * table slot may hold. Besides file-scope initializers, function bodies fill
 * slots too: a local struct variable's initializer, a store into a member
 * of a parameter or local, and an array passed to a function that stores
 * handlers into it (readBodyTables()).
 */
import { localDeclarations } from './declarations.js';
import { descendantsOf } from './descendants.js';
import type { CFunction } from './model.js';
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

/*
 * Tables filled at run time. VMX's nested handlers are stored into its exit handler array by a
 * function the array is passed to: vmx.c calls `nested_vmx_hardware_setup(kvm_vmx_exit_handlers)`,
 * and nested.c's definition stores `exit_handlers[EXIT_REASON_VMCLEAR] = handle_vmclear;` and eleven
 * more. Each file says its half, so that its facts stay its own (a patch re-walks one file):
 *   - a store into a parameter that is an array of function pointers is a slot of the table
 *     `F(k)` (the function and the parameter's position), which no C name can spell;
 *   - a call passing a table the file defines to F at position k names `F(k)` as a function of
 *     that table's slot.
 * expandRuntimeTables() joins the halves of an architecture's tables: the table's slot gets the
 * functions stored, and neither half is left in what resolves calls.
 */

/** Whether a table entry is one half of a table filled at run time (see above), not a slot of a table. */
const isRuntimeHalf = (o: COpsEntry): boolean => o.struct.includes('(') || o.fn.includes('(');

/** A parameter's type (declarations.ts's text) that is an array of function pointers: `int [] (*)()`. */
const FUNCTION_ARRAY = /\[\] \(\*\)\(\)$/;

/**
 * The table entries in `functions`' bodies: what their struct variables' initializers and member
 * stores give a slot (localTables()), and the run-time halves: stores into their function-array
 * parameters, and calls passing one of the array tables among `fileTables` (the file's entries).
 */
export function readBodyTables(functions: readonly CFunction[], file: string, fileTables: readonly COpsEntry[]): COpsEntry[] {
  return functions.flatMap(bodyTableReader(file, fileTables));
}

/**
 * readBodyTables() one body at a time, for a caller that reads each body as it is done with it
 * (factsOf()): the file's array tables are found once, not once per body.
 */
export function bodyTableReader(file: string, fileTables: readonly COpsEntry[]): (fn: CFunction) => COpsEntry[] {
  const tables = arrayTables(fileTables);
  return (fn) => {
    const out = localTables(fn, file);
    const params = new Map<string, number>();
    fn.params.forEach((p, k) => {
      if (FUNCTION_ARRAY.test(p.type)) params.set(p.name, k);
    });
    if (params.size) {
      for (const a of descendantsOf(fn.body, 'assignment_expression')) {
        const left = a.childForFieldName('left');
        const right = a.childForFieldName('right');
        if (left?.type !== 'subscript_expression' || right?.type !== 'identifier' || a.childForFieldName('operator')?.text !== '=') continue;
        const k = params.get(left.childForFieldName('argument')?.text ?? '');
        if (k !== undefined) out.push({ struct: `${fn.name}(${k})`, field: '[]', fn: right.text, file, line: a.startPosition.row + 1 });
      }
    }
    // Only a body that names one of the file's tables is looked through for calls.
    if (!tables.size) return out;
    const text = fn.source.slice(fn.body.startIndex, fn.body.endIndex);
    if (![...tables].some((t) => text.includes(t))) return out;
    for (const call of descendantsOf(fn.body, 'call_expression')) {
      const callee = call.childForFieldName('function');
      if (callee?.type !== 'identifier') continue;
      call.childForFieldName('arguments')?.namedChildren.forEach((arg, k) => {
        if (arg?.type === 'identifier' && tables.has(arg.text)) out.push({ struct: arg.text, field: '[]', fn: `${callee.text}(${k})`, file, line: call.startPosition.row + 1 });
      });
    }
    return out;
  };
}

/**
 * The slots a function body gives functions, as a file-scope initializer does:
 *   - a local struct variable's designated initializer, as kvm_main.c's `const struct
 *     kvm_mmu_notifier_range hva_range = { .handler = kvm_mmu_unmap_gfn_range, .on_lock =
 *     kvm_mmu_invalidate_begin, ... }` before `__kvm_handle_hva_range(kvm, &hva_range)` calls
 *     `range->handler()`;
 *   - a store into a member of a parameter or local of a struct type, as mmu.c's
 *     `context->gva_to_gpa = paging64_gva_to_gpa;` for `mmu->gva_to_gpa()`.
 * A value that is the function's own parameter or local (`.handler = handler`, `.start = start`)
 * names no function, nor does a constant's macro (`vcpu->mode = OUTSIDE_GUEST_MODE`).
 */
function localTables(fn: CFunction, file: string): COpsEntry[] {
  const out: COpsEntry[] = [];
  for (const decl of descendantsOf(fn.body, 'declaration')) {
    const struct = structOf(decl);
    if (!struct) continue;
    for (const d of decl.childrenForFieldName('declarator')) {
      const value = d?.type === 'init_declarator' ? d.childForFieldName('value') : null;
      if (value?.type === 'initializer_list') out.push(...entriesOf(struct, value, file));
    }
  }
  const stores: { base: string; field: string; fn: string; line: number }[] = [];
  for (const a of descendantsOf(fn.body, 'assignment_expression')) {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type !== 'field_expression' || right?.type !== 'identifier' || MACRO.test(right.text) || a.childForFieldName('operator')?.text !== '=') continue;
    const base = left.childForFieldName('argument');
    const field = left.childForFieldName('field')?.text;
    if (base?.type === 'identifier' && field) stores.push({ base: base.text, field, fn: right.text, line: a.startPosition.row + 1 });
  }
  if (!out.length && !stores.length) return [];
  const decls = [...fn.params, ...localDeclarations(fn.body)];
  const own = new Set(decls.map((d) => d.name));
  // The first declaration of a name: a shadowing block's is rare enough in the few bodies that store members.
  const structOfName = new Map<string, string>();
  for (const d of decls) {
    const struct = STRUCT_TYPE.exec(d.type)?.[1];
    if (struct && !structOfName.has(d.name)) structOfName.set(d.name, struct);
  }
  for (const st of stores) {
    const struct = structOfName.get(st.base);
    if (struct) out.push({ struct, field: st.field, fn: st.fn, file, line: st.line });
  }
  return out.filter((o) => !own.has(o.fn));
}

/** A macro's name, as constants are spelled: no function. */
const MACRO = /^[A-Z][A-Z0-9_]*$/;
/** A declared type (declarations.ts's text) that is a struct or a pointer to one: its struct's name. */
const STRUCT_TYPE = /^struct (\w+)(?: \*)?$/;

/** The array tables among a file's entries (by name): what its calls may pass to be filled. */
function arrayTables(ops: readonly COpsEntry[]): Set<string> {
  return new Set(ops.filter((o) => o.field === '[]' && !isRuntimeHalf(o)).map((o) => o.struct));
}

/**
 * An architecture's tables with those filled at run time joined: each call passing a table adds
 * the functions its callee stores, as entries of the table at the store's file and line (the
 * store's file decides which static function it names), after every entry written as an
 * initializer; the halves themselves are left out. A list without halves is returned as it is.
 */
export function expandRuntimeTables(ops: readonly COpsEntry[]): readonly COpsEntry[] {
  if (!ops.some(isRuntimeHalf)) return ops;
  const stored = new Map<string, COpsEntry[]>();
  for (const o of ops) {
    if (!o.struct.includes('(')) continue;
    const list = stored.get(o.struct);
    if (list) list.push(o);
    else stored.set(o.struct, [o]);
  }
  const out = ops.filter((o) => !isRuntimeHalf(o));
  for (const pass of ops) {
    if (!pass.fn.includes('(') || pass.struct.includes('(')) continue;
    for (const s of stored.get(pass.fn) ?? []) out.push({ struct: pass.struct, field: s.field, fn: s.fn, file: s.file, line: s.line });
  }
  return out;
}
