/**
 * Struct member types from headers and sources, so that the lock stage can
 * tell that `vcpu->kvm->slots_lock` is a `struct mutex`.
 *
 * A struct can be defined more than once: per arch (`struct kvm_arch` in
 * arch/x86 and arch/arm64) or in both branches of an `#ifdef`. Every
 * definition is kept with its file and arch; memberType() prefers the arch
 * the caller is looking from.
 */
import { declaredNames, readDeclarator } from './declarations.js';
import type { CStructDef, StructTypes } from './model.js';
import { lineOf, type SyntaxNode, type SyntaxTree } from './parser.js';
import { topLevel, typedChildren, type Typed } from './top-level.js';

const archs = new Map<string, string | null>();

/** The arch directory of a tree-relative path: `arch/x86/kvm/x86.c` -> `x86`; null for common code. */
export function archOf(file: string): string | null {
  // Asked for every function of every state of a review, of a few hundred paths: remembered.
  let a = archs.get(file);
  if (a === undefined) {
    a = /^arch\/([^/]+)\//.exec(file)?.[1] ?? null;
    if (archs.size < 100_000) archs.set(file, a);
  }
  return a;
}

/**
 * Every struct definition with a body at file scope of one parsed file,
 * inside ERROR nodes too. Types defined inside function bodies are local
 * and left out.
 */
export function readStructs(tree: SyntaxTree, file: string): CStructDef[] {
  const arch = archOf(file);
  const out: CStructDef[] = [];
  const visit = (children: readonly Typed[]): void => {
    for (const { node, type } of children) {
      if (type === 'ERROR') visit(typedChildren(node));
      if (type === 'struct_specifier') readStruct(node, file, arch, out);
      else {
        const spec = node.childForFieldName('type');
        if (spec?.type === 'struct_specifier') readStruct(spec, file, arch, out);
      }
    }
  };
  visit(topLevel(tree));
  return out;
}

/** Push the definition `spec` makes (if it has a body and a name) and the named nested ones. */
function readStruct(spec: SyntaxNode, file: string, arch: string | null, out: CStructDef[]): void {
  const body = spec.childForFieldName('body');
  if (!body) return;
  const name = spec.childForFieldName('name')?.text ?? typedefName(spec);
  if (!name) return; // anonymous: a one-off variable type
  out.push({ name, file, arch, line: lineOf(spec), members: readMembers(body, name, file, arch, out) });
}

/** `typedef struct { ... } name;` -> name. */
function typedefName(spec: SyntaxNode): string | null {
  const parent = spec.parent;
  if (parent?.type !== 'type_definition') return null;
  const d = parent.childForFieldName('declarator');
  return d?.type === 'type_identifier' ? d.text : null;
}

/**
 * Members of a field_declaration_list. A member declared twice (both
 * branches of an `#ifdef`: `rwlock_t mmu_lock` / `spinlock_t mmu_lock`)
 * keeps its first type. Anonymous struct/union members are
 * flattened in (C lets `kvm->arch.x` reach them directly); a named member
 * of an anonymous struct type gets the type `struct outer.member`, defined
 * as its own CStructDef pushed to `extra`.
 */
function readMembers(list: SyntaxNode, owner: string, file: string, arch: string | null, extra: CStructDef[]): Map<string, string> {
  const members = new Map<string, string>();
  for (const field of list.namedChildren) {
    if (field.type !== 'field_declaration') continue;
    const type = field.childForFieldName('type');
    const inner = type && (type.type === 'struct_specifier' || type.type === 'union_specifier') && !type.childForFieldName('name')
      ? type.childForFieldName('body')
      : null;
    const declarators = field.childrenForFieldName('declarator');
    if (inner && declarators.length === 0) {
      for (const [k, v] of readMembers(inner, owner, file, arch, extra)) if (!members.has(k)) members.set(k, v);
      continue;
    }
    if (inner && type) {
      // `struct { ... } apf;`: the anonymous type becomes `struct owner.apf`
      for (const d of declarators) {
        const { name, suffix } = readDeclarator(d);
        if (!name) continue;
        const key = `${owner}.${name}`;
        extra.push({ name: key, file, arch, line: lineOf(type), members: readMembers(inner, key, file, arch, extra) });
        if (!members.has(name)) members.set(name, `${type.type === 'union_specifier' ? 'union' : 'struct'} ${key}${suffix}`);
      }
      continue;
    }
    if (type?.type === 'struct_specifier') readStruct(type, file, arch, extra); // `struct foo { } x;` also defines foo
    for (const d of declaredNames(field)) if (!members.has(d.name)) members.set(d.name, d.type);
  }
  return members;
}

/** Merge per-file definitions: common code first, then the arches, each in path order. */
// What String.prototype.localeCompare() with no locale compares with (ECMA-402), made once: a
// state's merge sorts thousands of definitions.
const FILE_ORDER = new Intl.Collator();

export function mergeStructTypes(defs: Iterable<CStructDef>): StructTypes {
  const sorted = [...defs].sort((a, b) => (a.arch === null ? 0 : 1) - (b.arch === null ? 0 : 1) || FILE_ORDER.compare(a.file, b.file) || a.line - b.line);
  const members = new Map<string, Map<string, string>>();
  const definitions = new Map<string, CStructDef[]>();
  for (const def of sorted) {
    definitions.set(def.name, [...(definitions.get(def.name) ?? []), def]);
    const merged = members.get(def.name) ?? new Map<string, string>();
    for (const [k, v] of def.members) if (!merged.has(k)) merged.set(k, v);
    members.set(def.name, merged);
  }
  return { members, definitions };
}

/** Read and merge the structs of many parsed files. */
export function readStructTypes(files: Iterable<{ file: string; tree: SyntaxTree }>): StructTypes {
  const defs: CStructDef[] = [];
  for (const { file, tree } of files) defs.push(...readStructs(tree, file));
  return mergeStructTypes(defs);
}

/**
 * The type of `struct.member` (`kvm`, `slots_lock` -> `struct mutex`).
 * With `arch`, a definition under that arch wins, then common code, then
 * any other; without it, the merged view. `struct` may be written with or
 * without `struct `.
 */
/** The lookup key of a struct type as written: `struct kvm ` -> `kvm`. */
export function structName(struct: string): string {
  return struct.replace(/^(struct|union)\s+/, '').trim();
}

export function memberType(types: StructTypes, struct: string, member: string, arch?: string | null): string | undefined {
  const name = structName(struct);
  if (arch) {
    const defs = types.definitions.get(name) ?? [];
    for (const pass of [(d: CStructDef) => d.arch === arch, (d: CStructDef) => d.arch === null]) {
      for (const d of defs) if (pass(d) && d.members.has(member)) return d.members.get(member);
    }
  }
  return types.members.get(name)?.get(member);
}
