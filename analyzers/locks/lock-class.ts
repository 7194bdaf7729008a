/**
 * Lock class of a lock argument: `&vcpu->kvm->slots_lock` is `kvm->slots_lock`.
 *
 * The class is rooted at the struct that holds the field path after the last
 * pointer dereference (primer, "Lock classes"): the expression before the last
 * `->` is typed from declarations (TypeEnv) and struct member types, and the
 * struct gets its locking.rst root name (`kvm`, `vcpu`, `mm`, else the struct
 * name). Struct types that only ever live embedded in another struct
 * (knowledge/lock-names.ts) are folded into their container, so `&ka->tsc_write_lock`
 * with `struct kvm_arch *ka` is `kvm->arch.tsc_write_lock`.
 *
 * Every step that rests on a name convention rather than a declared type
 * (`kvm`, `vcpu`, a `to_foo()` helper, an undeclared global) makes the result
 * `guessed`. Array indexes are dropped: lockdep gives an array of locks
 * initialised in one place one class.
 */
import type { SyntaxNode } from '../c/parser.js';
import { canonicalLock, conventionalType, embeddingOf, rootName, type LockClass } from '../../knowledge/lock-names.js';

/** What the caller knows about types at the lock site. */
export interface TypeEnv {
  /** Parameters and locals in scope: name -> normalised declared type, e.g. 'struct kvm *'. */
  vars: ReadonlyMap<string, string>;
  /** Declared type of `struct`'s member (struct name without `struct`), or undefined when unknown. */
  memberType(struct: string, member: string): string | undefined;
}

/** A lock class, or why none could be derived. */
export type ClassResult =
  | { ok: true; class: LockClass; guessed: boolean }
  | { ok: false; text: string; reason: string };

const NOT_A_STRUCT = /^(?:void|char|short|int|long|unsigned|signed|bool|_Bool|float|double|size_t|[us]\d+|__[us]\d+)$/;

/** A step of the access path from the root: `->f`, `.f`, `[i]` (index dropped), or `*` (unary deref). */
type Step = { op: '->' | '.'; name: string } | { op: '[]' } | { op: '*' };

type Root =
  /** A plain identifier. */
  | { kind: 'var'; name: string }
  /** An expression whose struct type is known from the syntax: a cast, container_of(), to_foo(). */
  | { kind: 'typed'; struct: string | null; guessed: boolean; text: string }
  /** A call whose result type is unknown: named by the function. */
  | { kind: 'call'; fn: string };

interface Path {
  root: Root;
  steps: Step[];
}

interface Typed {
  /** Struct (or typedef) name the expression points to or is; null when unknown or not a struct. */
  struct: string | null;
  guessed: boolean;
}

class Unresolved extends Error {}

/**
 * The class of the lock named by a primitive's argument node. `via` is the
 * row's member path to append (`'->kvm->srcu'` for kvm_vcpu_srcu_read_lock(vcpu)).
 */
export function lockClassOf(arg: SyntaxNode, env: TypeEnv, via?: string): ClassResult {
  const text = arg.text.replace(/\s+/g, ' ').trim();
  try {
    // A cast of the whole argument does not change which lock it names.
    let node = stripOuter(arg);
    // Per-CPU locks are one class however the CPU's copy is reached: &per_cpu(x, cpu), this_cpu_ptr(&x).
    const perCpu = perCpuVariable(node);
    if (perCpu) return { ok: true, class: canonicalLock(perCpu), guessed: false };
    let addressTaken = false;
    if (node.type === 'pointer_expression' && operatorOf(node) === '&') {
      addressTaken = true;
      node = stripOuter(fieldOf(node, 'argument'));
    }
    const path = pathOf(node);
    const viaSteps = parseVia(via);
    // (&E)->f is E.f
    const first = viaSteps[0];
    if (addressTaken && first && first.op === '->') viaSteps[0] = { op: '.', name: first.name };
    if (!addressTaken && viaSteps.length === 0) return pointerArgument(path, env, text);
    return classOfPath({ root: path.root, steps: normaliseDerefs([...path.steps, ...viaSteps]) }, env, text);
  } catch (e) {
    if (e instanceof Unresolved) return { ok: false, text, reason: e.message };
    throw e;
  }
}

const PER_CPU_ACCESSORS = new Set(['per_cpu', 'per_cpu_ptr', 'this_cpu_ptr', 'raw_cpu_ptr']);

/** The per-CPU variable named by `&per_cpu(x, cpu)`, `per_cpu_ptr(&x, cpu)`, `this_cpu_ptr(&x)`; null otherwise. */
function perCpuVariable(node: SyntaxNode): string | null {
  let n = node;
  if (n.type === 'pointer_expression' && operatorOf(n) === '&') n = stripOuter(fieldOf(n, 'argument'));
  if (n.type !== 'call_expression') return null;
  const fn = n.childForFieldName('function');
  if (fn?.type !== 'identifier' || !PER_CPU_ACCESSORS.has(fn.text)) return null;
  let v = n.childForFieldName('arguments')?.namedChildren[0];
  if (v?.type === 'pointer_expression') v = v.childForFieldName('argument') ?? undefined;
  return v?.type === 'identifier' ? v.text : null;
}

function classOfPath(path: Path, env: TypeEnv, text: string): ClassResult {
  const last = path.steps.map((s) => s.op).lastIndexOf('->');
  if (path.steps.some((s) => s.op === '*')) throw new Unresolved('a dereference the class cannot be read through');
  if (last < 0) return undereferenced(path, env, text);
  const base: Path = { root: path.root, steps: path.steps.slice(0, last) };
  let tail = fieldPath(path.steps.slice(last));
  const typed = typeOf(base, env);
  let guessed = typed.guessed;
  let root: string;
  if (typed.struct) {
    let struct = typed.struct;
    for (let outer = embeddingOf(struct); outer; outer = embeddingOf(struct)) {
      tail = `${outer[1]}.${tail}`;
      struct = outer[0];
    }
    root = rootName(struct);
  } else {
    root = textualRoot(base, env);
    guessed = true;
  }
  return { ok: true, class: canonicalLock(`${root}->${tail}`), guessed };
}

/** No `->` at all: a global lock (`&kvm_lock`, `&host_mmu.lock`) or a lock in a local struct. */
function undereferenced(path: Path, env: TypeEnv, text: string): ClassResult {
  const tail = path.steps.length ? `.${fieldPath(path.steps)}` : '';
  if (path.root.kind === 'var') {
    const declared = env.vars.get(path.root.name);
    // A declared local is one instance whose class depends on where it was initialised.
    return { ok: true, class: canonicalLock(path.root.name + tail), guessed: declared !== undefined };
  }
  if (path.root.kind === 'call') return { ok: true, class: canonicalLock(`${path.root.fn}()${tail}`), guessed: true };
  throw new Unresolved(`cannot name a lock inside ${text}`);
}

/** No `&` and no via: the argument is a pointer to the lock, whose class is the pointer's target. */
function pointerArgument(path: Path, env: TypeEnv, text: string): ClassResult {
  if (path.root.kind === 'var' && path.steps.length === 0) {
    const declared = env.vars.get(path.root.name);
    if (declared !== undefined) {
      throw new Unresolved(`\`${text}\` is a pointer variable (${declared}): the class is whatever it points to`);
    }
    // An undeclared bare name is a global: a lock or a global pointer to one.
    return { ok: true, class: canonicalLock(path.root.name), guessed: true };
  }
  throw new Unresolved(`\`${text}\` is a pointer to a lock read from memory: the class is whatever it points to`);
}

/** Type of the expression `path`: the struct it points to or is. */
function typeOf(path: Path, env: TypeEnv): Typed {
  let t = rootType(path.root, env);
  for (const step of path.steps) {
    if (step.op === '[]' || step.op === '*') continue;
    const member = t.struct ? env.memberType(t.struct, step.name) : undefined;
    if (member !== undefined) {
      t = { struct: structName(member), guessed: t.guessed };
    } else {
      const conv = conventionalType(step.name);
      t = conv ? { struct: conv, guessed: true } : { struct: null, guessed: true };
    }
  }
  return t;
}

function rootType(root: Root, env: TypeEnv): Typed {
  if (root.kind === 'typed') return { struct: root.struct, guessed: root.guessed };
  if (root.kind === 'call') return { struct: null, guessed: true };
  const declared = env.vars.get(root.name);
  if (declared !== undefined) return { struct: structName(declared), guessed: false };
  const conv = conventionalType(root.name);
  return conv ? { struct: conv, guessed: true } : { struct: null, guessed: true };
}

/**
 * A stable name for an untyped base: its last member or global name, or the
 * function that returned it. A declared variable of non-struct type is not stable.
 */
function textualRoot(base: Path, env: TypeEnv): string {
  let suffix = '';
  for (let i = base.steps.length - 1; i >= 0; i--) {
    const step = base.steps[i];
    if (!step) break;
    if (step.op === '[]') suffix = `[]${suffix}`;
    else if (step.op === '->' || step.op === '.') return step.name + suffix;
  }
  const root = base.root;
  if (root.kind === 'call') return `${root.fn}()${suffix}`;
  if (root.kind === 'typed') throw new Unresolved(`the base has type ${root.text}, not a struct pointer`);
  const declared = env.vars.get(root.name);
  if (declared !== undefined) throw new Unresolved(`\`${root.name}\` is declared as ${declared}, not a struct pointer`);
  return root.name + suffix;
}

/** Access path of an expression, from its root outwards. */
function pathOf(node: SyntaxNode): Path {
  switch (node.type) {
    case 'identifier':
      return { root: { kind: 'var', name: node.text }, steps: [] };
    case 'field_expression': {
      const inner = pathOf(stripParens(fieldOf(node, 'argument')));
      const op = operatorOf(node) === '->' ? '->' : '.';
      inner.steps.push({ op, name: fieldOf(node, 'field').text });
      return inner;
    }
    case 'subscript_expression': {
      const inner = pathOf(stripParens(fieldOf(node, 'argument')));
      inner.steps.push({ op: '[]' });
      return inner;
    }
    case 'pointer_expression': {
      if (operatorOf(node) !== '*') throw new Unresolved('an address of an address');
      const inner = pathOf(stripParens(fieldOf(node, 'argument')));
      inner.steps.push({ op: '*' });
      return inner;
    }
    case 'cast_expression': {
      const type = fieldOf(node, 'type');
      return { root: { kind: 'typed', struct: structName(type.text), guessed: false, text: type.text }, steps: [] };
    }
    case 'call_expression':
      return { root: callRoot(node), steps: [] };
    default:
      throw new Unresolved(`cannot derive a lock class from a ${node.type.replace(/_/g, ' ')}`);
  }
}

/** container_of(p, struct T, m) is a T; to_foo(x) is taken to be a foo (a guess); other calls are untyped. */
function callRoot(node: SyntaxNode): Root {
  const fn = fieldOf(node, 'function');
  if (fn.type !== 'identifier') throw new Unresolved('a call through an expression');
  const name = fn.text;
  if (name === 'container_of' || name === 'container_of_const') {
    // The C stage pre-blanks `struct T` to `T` in macro arguments so that tree-sitter sees an expression.
    const m = /^\(\s*[^,]+,\s*(?:(?:struct|union)\s+)?(\w+)\s*,/.exec(fieldOf(node, 'arguments').text);
    if (m?.[1]) return { kind: 'typed', struct: structName(`struct ${m[1]}`), guessed: false, text: `struct ${m[1]}` };
    throw new Unresolved('container_of() without a struct type');
  }
  const to = /^to_(\w+)$/.exec(name);
  if (to?.[1]) return { kind: 'typed', struct: to[1], guessed: true, text: to[1] };
  return { kind: 'call', fn: name };
}

/** `(*p).f` is `p->f`; any other `*` stays and makes the path unresolved. */
function normaliseDerefs(steps: Step[]): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    const next = steps[i + 1];
    if (s?.op === '*' && next?.op === '.') {
      out.push({ op: '->', name: next.name });
      i++;
    } else if (s) {
      out.push(s);
    }
  }
  return out;
}

/** `->a.b[i].c` as `a.b.c`. */
function fieldPath(steps: readonly Step[]): string {
  const names: string[] = [];
  for (const s of steps) if (s.op === '->' || s.op === '.') names.push(s.name);
  return names.join('.');
}

function parseVia(via: string | undefined): Step[] {
  if (!via) return [];
  const steps: Step[] = [];
  const re = /(->|\.)\s*(\w+)/g;
  for (let m = re.exec(via); m; m = re.exec(via)) steps.push({ op: m[1] === '->' ? '->' : '.', name: m[2] ?? '' });
  if (steps.map((s) => (s.op === '->' || s.op === '.' ? s.op + s.name : '')).join('') !== via.replace(/\s+/g, '')) {
    throw new Error(`malformed via path ${JSON.stringify(via)}: expected ->a.b or .a`);
  }
  return steps;
}

/** Struct (or typedef) name of a normalised type: 'struct kvm *' -> 'kvm'; null for scalars. */
function structName(type: string): string | null {
  const tagged = /\b(?:struct|union)\s+(\w+)/.exec(type);
  if (tagged?.[1]) return tagged[1];
  const words = type.replace(/[*[\]()\d]/g, ' ').split(/\s+/).filter((w) => w && !/^(?:const|volatile|__\w+)$/.test(w));
  const name = words[words.length - 1];
  return name && !NOT_A_STRUCT.test(name) ? name : null;
}

function stripParens(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.type === 'parenthesized_expression' && n.namedChildCount === 1) n = n.namedChild(0) ?? n;
  return n;
}

/** Parentheses and casts around the whole argument. */
function stripOuter(node: SyntaxNode): SyntaxNode {
  let n = stripParens(node);
  while (n.type === 'cast_expression') n = stripParens(fieldOf(n, 'value'));
  return n;
}

function operatorOf(node: SyntaxNode): string {
  return node.childForFieldName('operator')?.text ?? '';
}

function fieldOf(node: SyntaxNode, field: string): SyntaxNode {
  const child = node.childForFieldName(field);
  if (!child) throw new Unresolved(`incomplete ${node.type.replace(/_/g, ' ')}`);
  return child;
}
