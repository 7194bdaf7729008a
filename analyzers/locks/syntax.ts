/** Small questions about C syntax nodes that the lock walk asks. */
import type { SyntaxNode } from '../c/parser.js';

/**
 * Drop parentheses and casts around an expression. Each node's type is read
 * once, and one child asked for: every type, child or field a tree-sitter
 * node is asked is a call into wasm (issue 15).
 */
export function stripParens(node: SyntaxNode): SyntaxNode {
  return stripped(node).node;
}

/** stripParens() and the type of the node it gives, read on the way. */
export function stripped(node: SyntaxNode): { node: SyntaxNode; type: string } {
  let n = node;
  for (;;) {
    const type = n.type;
    const inner = type === 'parenthesized_expression' ? n.namedChild(0) : type === 'cast_expression' ? n.childForFieldName('value') : null;
    if (!inner) return { node: n, type };
    n = inner;
  }
}

/** The called name of `f(...)`; null for calls through pointers and expressions. `fn`: the call's function field, when the caller has it. */
export function callName(call: SyntaxNode, fn: SyntaxNode | null = call.childForFieldName('function')): string | null {
  if (!fn) return null;
  if (fn.type === 'identifier') return fn.text;
  return null;
}

/**
 * The trylock a condition tests, and whether it is negated:
 * `if (!mutex_trylock(&x)) return;` continues holding x on the fall-through.
 */
export function conditionTry(cond: SyntaxNode, isTry: (name: string) => boolean): { call: SyntaxNode; negated: boolean } | null {
  let { node: n, type } = stripped(cond);
  let negated = false;
  while (type === 'unary_expression' && n.child(0)?.type === '!') {
    negated = !negated;
    const arg = n.childForFieldName('argument');
    if (!arg) return null;
    ({ node: n, type } = stripped(arg));
  }
  if (type === 'call_expression' && isTry(callName(n) ?? '')) return { call: n, negated };
  // A try as the last operand: `want && mutex_trylock(&x)` is true exactly when the try succeeded,
  // `busy || !mutex_trylock(&x)` false exactly then. Reading the try as always taken kept x held
  // after the if, on the path where it was never taken.
  if (type === 'binary_expression') {
    const op = n.childForFieldName('operator')?.text;
    const right = n.childForFieldName('right');
    const inner = right ? conditionTry(right, isTry) : null;
    if (inner && ((op === '&&' && !inner.negated) || (op === '||' && inner.negated))) return { call: inner.call, negated: negated !== inner.negated };
  }
  return null;
}

/** Macros that call through a function table: kvm_x86_call(vcpu_run) is the kvm_x86_ops slot vcpu_run. */
const OPS_MACROS: Record<string, string> = { kvm_x86_call: 'kvm_x86_ops', kvm_x86_call_ret: 'kvm_x86_ops', kvm_pmu_call: 'kvm_pmu_ops' };
/** The macro half of `kvm_x86_call(f)(args)`: a name, not a call to anything. */
export function isOpsMacro(name: string): boolean {
  return name === 'static_call' || OPS_MACRO_NAMES.has(name) || PROTOTYPE_NAMES.has(name);
}
// `name in OPS_MACROS`, asked of every call name, as two Set lookups (an `in` with a string fresh from
// the parse is about twice as slow): the table's own keys, and the names `in` finds on every object.
const OPS_MACRO_NAMES = new Set(Object.keys(OPS_MACROS));
const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** static_call() keys and the table they belong to (arch/x86/include/asm/kvm-x86-ops.h names them this way). */
const STATIC_CALL_KEYS: [RegExp, string][] = [
  [/^kvm_x86_pmu_(\w+)$/, 'kvm_pmu_ops'],
  [/^kvm_x86_(\w+)$/, 'kvm_x86_ops'],
];

/** `struct kvm_device_ops` of a declared type `struct kvm_device_ops *` (or the struct itself), else null. */
function structOfType(type: string): string | null {
  return /^struct (\w+)\s*\*?$/.exec(type)?.[1] ?? null;
}

/** The struct an expression of members is (or points to): `dev->ops` is `struct kvm_device_ops`; null when a step's type is not known. */
function structOfExpr(node: SyntaxNode, varType: (name: string) => string | undefined, memberType: (struct: string, member: string) => string | undefined): string | null {
  if (node.type === 'identifier') {
    // A declared variable, else a global named after its struct type (`kvm_x86_ops.nested_ops->f`):
    // a name that is neither has no members to look up.
    const type = varType(node.text);
    return type ? structOfType(type) : node.text;
  }
  if (node.type === 'parenthesized_expression') {
    const inner = node.namedChildren[0];
    return inner ? structOfExpr(inner, varType, memberType) : null;
  }
  if (node.type !== 'field_expression') return null;
  const base = node.childForFieldName('argument');
  const field = node.childForFieldName('field')?.text;
  const struct = base && field ? structOfExpr(base, varType, memberType) : null;
  const type = struct && field ? memberType(struct, field) : undefined;
  return type ? structOfType(type) : null;
}

/**
 * The table slot a call goes through, as `ops:<struct>.<field>`, or null:
 * `kvm_x86_call(f)(...)`, `static_call(kvm_x86_f)(...)`, `kvm_x86_ops.f(...)`,
 * `p->f(...)` when p's declared type is a struct, and `handlers[i](...)` (`ops:handlers.[]`).
 */
export function opsCallee(
  call: SyntaxNode,
  varType: (name: string) => string | undefined,
  fn: SyntaxNode | null = call.childForFieldName('function'),
  fnType: string | null = fn ? fn.type : null,
  memberType?: (struct: string, member: string) => string | undefined,
): string | null {
  if (!fn) return null;
  if (fnType === 'call_expression') {
    const macro = callName(fn);
    const arg = fn.childForFieldName('arguments')?.namedChildren[0]?.text ?? '';
    if (macro && OPS_MACROS[macro]) return `ops:${OPS_MACROS[macro]}.${arg}`;
    if (macro === 'static_call') {
      for (const [re, struct] of STATIC_CALL_KEYS) {
        const m = re.exec(arg);
        if (m?.[1]) return `ops:${struct}.${m[1]}`;
      }
    }
    return null;
  }
  if (fnType === 'subscript_expression') {
    // An array of functions by index (ops-tables.ts): `kvm_vmx_exit_handlers[exit_handler_index](vcpu)`.
    const array = fn.childForFieldName('argument');
    return array?.type === 'identifier' ? `ops:${array.text}.[]` : null;
  }
  if (fnType === 'field_expression') {
    const base = fn.childForFieldName('argument');
    const field = fn.childForFieldName('field')?.text;
    if (!base || !field) return null;
    if (base.type !== 'identifier') {
      // A table reached through members (`dev->ops->release`, `vcpu->arch.mmu->page_fault`): the
      // declared type of each member in turn.
      const struct = memberType ? structOfExpr(base, varType, memberType) : null;
      return struct ? `ops:${struct}.${field}` : null;
    }
    // A declared struct (pointer) variable, else a global named after its struct type (kvm_x86_ops).
    const type = varType(base.text);
    const struct = type ? structOfType(type) : base.text;
    return struct ? `ops:${struct}.${field}` : null;
  }
  return null;
}

/** A macro by the kernel's spelling (upper case), as in paging_tmpl.h's `FNAME(fetch)`. */
const MACRO_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * The function a macro-built name calls, `FNAME(fetch)` of `FNAME(fetch)(vcpu, ...)`, spelt as
 * functions.ts names its definition (white space removed); null for any other function expression.
 */
export function macroBuiltCallee(fn: SyntaxNode, fnType: string | null): string | null {
  if (fnType !== 'call_expression') return null;
  const macro = callName(fn);
  return macro !== null && macro !== 'CLASS' && MACRO_NAME.test(macro) ? fn.text.replace(/\s+/g, '') : null;
}

/** Whether `call` is the name half of a macro-built call (`FNAME(fetch)` in `FNAME(fetch)(vcpu)`): not a call itself. */
export function isNameHalf(call: SyntaxNode, name: string): boolean {
  if (!MACRO_NAME.test(name)) return false;
  const parent = call.parent;
  return parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === call.id;
}

/**
 * A name the kernel spells types with: `u32`, `__le64`, `gfn_t`, C's own. `(u32)(x)` is a cast the
 * parser cannot tell from a call through `(u32)`, without the typedefs; a function or a variable
 * is not named so.
 */
const TYPE_NAME = /^(?:(?:__)?[us](?:8|16|32|64|128)|__(?:le|be)(?:16|32|64)|\w+_t|bool|char|short|int|long|unsigned|signed|float|double|void)$/;

/** `(u32)(x)`, `(u64)(u32)(x)`: a cast the parser read as a call, whose function is a parenthesized type name or such a cast. */
export function isCastCall(fn: SyntaxNode, fnType: string | null, isVariable: (name: string) => boolean): boolean {
  if (fnType === 'call_expression') {
    const inner = fn.childForFieldName('function');
    return inner !== null && isCastCall(inner, inner.type, isVariable);
  }
  if (fnType !== 'parenthesized_expression') return false;
  const inner = fn.namedChild(0);
  return inner?.type === 'identifier' && TYPE_NAME.test(inner.text) && !isVariable(inner.text);
}

/** `asm volatile(...)`, `__asm__ __volatile__(...)`, `asm goto(...)`: a statement the parser read as a call, by its function's text. */
export function isAsmText(text: string): boolean {
  return /^(?:__)?asm(?:__)?\b/.test(text);
}

/**
 * The function a scoped class's declaration calls, `class_fd_constructor` of `CLASS(fd, f)(fd)`
 * (include/linux/cleanup.h: the variable is initialised by the class's constructor); null for any
 * other function expression.
 */
export function classConstructor(fn: SyntaxNode, fnType: string | null): string | null {
  if (fnType !== 'call_expression' || callName(fn) !== 'CLASS') return null;
  const name = fn.childForFieldName('arguments')?.namedChild(0);
  return name?.type === 'identifier' ? `class_${name.text}_constructor` : null;
}

/**
 * The slot a call through a variable of a function typedef goes through (`exit_handler(vcpu)`,
 * `exit_handle_fn exit_handler`: `ops:exit_handle_fn.[]`, the functions of arrays of that type,
 * ops-tables.ts); null for a variable of any other type (a struct pointer, `int (*fn)(...)`,
 * whose declared type is the return type).
 */
export function typedefSlot(declared: string): string | null {
  return /^\w+$/.test(declared) && !TYPE_NAME.test(declared) ? `ops:${declared}.[]` : null;
}

/** Longest function expression kept as an unnamed call's callee; a longer one is cut, with an ellipsis. */
const UNNAMED_MAX = 60;

/**
 * What a call through an expression no table slot names is recorded as: the
 * expression's text on one line (`(*fp)`, `p->q->f`, `get_fn()`), cut at
 * UNNAMED_MAX characters. Never a C name nor an `ops:` slot, so resolving it
 * fails and it is counted with the calls outside the index, rather than
 * passed over unseen.
 */
export function unnamedCallee(fn: SyntaxNode): string {
  const text = fn.text.replace(/\s+/g, ' ').trim() || '(missing function)';
  return text.length > UNNAMED_MAX ? `${text.slice(0, UNNAMED_MAX - 3)}...` : text;
}
