/**
 * What the C stage hands to the lock stage: functions with their bodies and
 * declared types, nothing lock-specific.
 */
import type { SyntaxNode } from './parser.js';

/** A declared name with its type, normalised: `struct kvm *`, `int`, `struct kvm_vcpu *`. */
export interface CDecl {
  name: string;
  /**
   * Type text with qualifiers (const, volatile, __user...) dropped and white
   * space folded; pointers as ` *`, arrays as ` []`, function pointers as
   * ` (*)()`: `struct kvm_memslots * []`.
   */
  type: string;
  /** Optional: 1-based line of the declaration (set for locals, which may shadow each other). */
  line?: number;
}

/** A sparse/lockdep annotation on a function: `__must_hold(x)`, `__acquires(x)`, `__releases(x)`. */
export interface CLockAnnotation {
  kind: 'must_hold' | 'acquires' | 'releases';
  /** The annotation's argument as written: `&kvm->lock`, `kvm->mmu_lock`. */
  expr: string;
  /** Optional: true for `__cond_acquires(x)` (kind 'acquires'), taken only when the function succeeds. */
  conditional?: boolean;
}

/** A function definition. */
export interface CFunction {
  name: string;
  /** Path relative to the tree root, '/'-separated: `arch/x86/kvm/x86.c`. */
  file: string;
  /** 1-based line of the definition's first line. */
  line: number;
  /** 1-based last line. */
  endLine: number;
  static: boolean;
  params: CDecl[];
  annotations: CLockAnnotation[];
  /**
   * The compound_statement body. Valid until the file's tree is deleted.
   * Node text is the pre-blanked text (attributes blanked, loop macros read
   * `while`, `container_of(p, struct kvm, x)` reads `container_of(p, kvm, x)`);
   * for the text as written use `source.slice(node.startIndex, node.endIndex)`.
   */
  body: SyntaxNode;
  /** The original text of the whole file; node offsets index into it. */
  source: string;
  /**
   * True when the body holds ERROR or MISSING nodes (its analysis may be
   * partial). The MISSING `;` of a paired macro block (shape 'sibling') is
   * not damage: that is how tree-sitter reads the macro.
   */
  damaged: boolean;
  /** The macro blocks in the body (`scoped_guard(...) { }`, `list_for_each_entry(...) stmt;`). */
  macros: CMacroBlocks;
}

/** A macro that governs a statement: `scoped_guard(mutex, &kvm->lock) { ... }`. See macro-blocks.ts for the tree shapes. */
export interface CMacroBlock {
  /** The macro's name as written in the source: `scoped_guard`, `kvm_for_each_vcpu`. */
  name: string;
  /** The arguments in order, as expression nodes: `mutex`, `&kvm->lock`. */
  args: SyntaxNode[];
  /** The statement the macro governs: a compound_statement or one statement. */
  body: SyntaxNode;
  /** The node that stands for the macro: a while_statement ('rewritten') or an expression_statement ending in a MISSING `;` ('sibling'). */
  head: SyntaxNode;
  /** 'rewritten': body is head's child. 'sibling': body is a later statement of the enclosing list (see CMacroBlocks.isDetachedBody). */
  shape: 'rewritten' | 'sibling';
  /** 1-based line of the macro's name. */
  line: number;
}

/** The macro blocks of one function body. */
export interface CMacroBlocks {
  /** Every block, in source order. */
  all: readonly CMacroBlock[];
  /** The block whose head is `node`, if any. A walker asks this of each statement it visits. */
  at(node: SyntaxNode): CMacroBlock | undefined;
  /** True when `node` is a 'sibling' block's body: a walker iterating a statement list skips it (it is walked with its macro). */
  isDetachedBody(node: SyntaxNode): boolean;
}

/** A function the parser could not extract, and why. */
export interface CSkipped {
  /** Name when known. */
  name: string | null;
  line: number;
  reason: string;
}

/** One definition of a struct (or of a typedef'd anonymous struct) in one file. */
export interface CStructDef {
  /**
   * Lookup key: the tag without `struct` (`kvm`), a typedef name
   * (`hyp_spinlock_t`), or `outer.member` for an anonymous struct type of a
   * named member (`kvm_vcpu_arch.apf`, whose member type is `struct kvm_vcpu_arch.apf`).
   */
  name: string;
  /** Tree-relative path of the file that defines it. */
  file: string;
  /** Arch directory the file is under (`x86`, `arm64`), null for common code. */
  arch: string | null;
  /** 1-based line of the definition. */
  line: number;
  /** Member name -> normalised type; members of anonymous nested structs and unions are flattened in. */
  members: Map<string, string>;
}

/** Struct member types from headers and sources: `kvm.slots_lock` -> `struct mutex`. */
export interface StructTypes {
  /**
   * struct name (without `struct`) -> member name -> member type, merged
   * over all definitions: common code first, then arches in path order.
   * Use memberType() (struct-types.ts) to prefer one arch's definition.
   */
  members: Map<string, Map<string, string>>;
  /** struct name -> every definition read: common code first, then by path and line. */
  definitions: Map<string, CStructDef[]>;
}

/** How well a file (or a set of files) parsed: the caller reports "N clean, N damaged, N skipped (why)". */
export interface ParseStats {
  /** Functions whose body parsed without ERROR or MISSING nodes. */
  clean: number;
  /** Functions extracted with a damaged body (CFunction.damaged). */
  damaged: number;
  /** Function-like things that could not be extracted, with their reasons. */
  skipped: CSkipped[];
}
