/**
 * Declared names and their types, normalised the same way for parameters,
 * locals and struct members: `struct kvm *`, `unsigned long`, `u64 []`.
 */
import type { CDecl } from './model.js';
import { descendantsOf } from './descendants.js';
import type { SyntaxNode } from './parser.js';

/** Declarator wrappers and how each changes the type. */
const POINTER = 'pointer_declarator';
const ABSTRACT_POINTER = 'abstract_pointer_declarator';
const ARRAY = new Set(['array_declarator', 'abstract_array_declarator']);
const FUNCTION = new Set(['function_declarator', 'abstract_function_declarator']);
const PASS_THROUGH = new Set(['init_declarator', 'parenthesized_declarator', 'abstract_parenthesized_declarator', 'attributed_declarator']);
const NAMES = new Set(['identifier', 'field_identifier', 'type_identifier']);

/**
 * The base type of a declaration (its `type` field), with qualifiers,
 * storage classes and annotations left out and white space folded:
 * `struct kvm`, `unsigned long`, `u64`. An anonymous struct is `struct {...}`.
 */
export function baseType(type: SyntaxNode | null): string {
  if (!type) return '?';
  const kind = type.type;
  switch (kind) {
    case 'struct_specifier':
    case 'union_specifier':
    case 'enum_specifier': {
      const keyword = kind.slice(0, kind.indexOf('_'));
      const name = type.childForFieldName('name');
      return name ? `${keyword} ${name.text}` : `${keyword} {...}`;
    }
    default:
      return type.text.replace(/\s+/g, ' ');
  }
}

/** Name and type suffix read from a declarator: `*kvm` -> kvm, ` *`; `(*fn)(int)` -> fn, ` (*)()`. */
export function readDeclarator(declarator: SyntaxNode | null): { name: string; suffix: string } {
  let stars = 0;
  let arrays = 0;
  let fn = false;
  let node = declarator;
  let name = '';
  while (node) {
    // Each type is read once: every read is a call into wasm (issue 15).
    const type = node.type;
    if (NAMES.has(type)) {
      name = node.text;
      break;
    }
    if (type === POINTER || type === ABSTRACT_POINTER) {
      if (!fn) stars++; // inside a function declarator the `*` is the function pointer's: written ` (*)()`
    } else if (ARRAY.has(type)) arrays++;
    else if (FUNCTION.has(type)) fn = true;
    else if (!PASS_THROUGH.has(type)) break; // an ERROR or a macro: keep what was read
    node = node.childForFieldName('declarator') ?? (PASS_THROUGH.has(type) ? node.namedChildren.find((c) => c.type !== 'comment') ?? null : null);
  }
  const suffix = (stars ? ` ${'*'.repeat(stars)}` : '') + (arrays ? ` ${'[]'.repeat(arrays)}` : '') + (fn ? ' (*)()' : '');
  return { name, suffix };
}

/** A type as CDecl spells it: the base type and the declarator's pointers and arrays. */
export function declType(type: SyntaxNode | null, declarator: SyntaxNode | null): CDecl {
  const { name, suffix } = readDeclarator(declarator);
  return { name, type: baseType(type) + suffix };
}

/**
 * The names one declaration introduces (`struct kvm_vcpu *vcpu, *other;`
 * gives two), for `declaration`, `parameter_declaration` and
 * `field_declaration` nodes. Nameless declarators are left out.
 */
export function declaredNames(decl: SyntaxNode): CDecl[] {
  const type = decl.childForFieldName('type');
  const out: CDecl[] = [];
  let base: string | null = null; // read once for `struct kvm_vcpu *vcpu, *other;`
  for (const d of decl.childrenForFieldName('declarator')) {
    const { name, suffix } = readDeclarator(d);
    if (name) out.push({ name, type: (base ??= baseType(type)) + suffix });
  }
  return out;
}

/** Parameters of a function_declarator, in order; `(void)` and `...` give none. */
export function parameters(fnDeclarator: SyntaxNode): CDecl[] {
  const list = fnDeclarator.childForFieldName('parameters');
  const out: CDecl[] = [];
  for (const p of list?.namedChildren ?? []) {
    if (p.type !== 'parameter_declaration') continue;
    const d = p.childForFieldName('declarator');
    const c = declType(p.childForFieldName('type'), d);
    if (c.name || c.type !== 'void') out.push(c); // a nameless `struct kvm *` in a prototype keeps its type
  }
  return out;
}

/**
 * Local variables declared in a function body: every declaration in the
 * compound statement and the blocks nested in it (loop initialisers
 * included), in source order, each with its 1-based line. The same name
 * may appear twice when an inner block shadows an outer one: the caller
 * picks by line.
 */
export function localDeclarations(body: SyntaxNode): readonly CDecl[] {
  const known = locals.get(body);
  if (known) return known;
  const out: CDecl[] = [];
  for (const decl of descendantsOf(body, 'declaration')) {
    const line = decl.startPosition.row + 1;
    for (const d of declaredNames(decl)) out.push({ ...d, line });
  }
  locals.set(body, out);
  return out;
}

/**
 * By body node, as descendants.ts keeps a body's descendants: the C stage reads a body's locals
 * for the tables it fills (ops-tables.ts), and the walk's type environment reads them again.
 */
const locals = new WeakMap<SyntaxNode, readonly CDecl[]>();

/** Drop what localDeclarations() keeps for `body`: its walk and its tables are done (file-facts.ts). */
export function forgetLocals(body: SyntaxNode): void {
  locals.delete(body);
}
