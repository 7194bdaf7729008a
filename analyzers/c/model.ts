/**
 * What the C stage hands to the lock stage: functions with their bodies and
 * declared types, nothing lock-specific.
 */
import type { SyntaxNode } from './parser.js';

/** A declared name with its type, normalised: `struct kvm *`, `int`, `struct kvm_vcpu *`. */
export interface CDecl {
  name: string;
  /** Type text with qualifiers (const, volatile, __user...) dropped and white space folded. */
  type: string;
}

/** A sparse/lockdep annotation on a function: `__must_hold(x)`, `__acquires(x)`, `__releases(x)`. */
export interface CLockAnnotation {
  kind: 'must_hold' | 'acquires' | 'releases';
  /** The annotation's argument as written: `&kvm->lock`, `kvm->mmu_lock`. */
  expr: string;
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
  /** The compound_statement body. Valid until the file's tree is deleted. */
  body: SyntaxNode;
  /** True when the body holds ERROR or MISSING nodes (its analysis may be partial). */
  damaged: boolean;
}

/** A function the parser could not extract, and why. */
export interface CSkipped {
  /** Name when known. */
  name: string | null;
  line: number;
  reason: string;
}

/** Struct member types from headers and sources: `kvm.slots_lock` -> `struct mutex`. */
export interface StructTypes {
  /** struct name (without `struct`) -> member name -> member type. */
  members: Map<string, Map<string, string>>;
}

export interface ParseStats {
  clean: number;
  damaged: number;
  skipped: CSkipped[];
}
