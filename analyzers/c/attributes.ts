/**
 * The kernel's attribute macros that tree-sitter reads as stray
 * identifiers, from include/linux/compiler*.h, init.h, cache.h and sparse's
 * annotations. Pre-blanking replaces them by spaces.
 */
import type { CLockAnnotation } from './model.js';

/** Attribute macros used bare: blanked wherever they appear outside comments, strings and #define lines. */
export const BARE = new Set([
  // sparse address spaces and checker hints
  '__user', '__kernel', '__iomem', '__rcu', '__percpu', '__force', '__nocast', '__safe', '__private', '__bitwise',
  // linkage, inlining, sections
  '__weak', '__visible', 'asmlinkage', '__always_inline', 'noinline', '__noinline', 'noinline_for_stack',
  'nokprobe_inline', '__init', '__exit', '__initdata', '__initconst', '__exitdata', '__ref', '__refdata',
  '__refconst', '__meminit', '__meminitdata', '__read_mostly', '__ro_after_init', '__sched', '__lockfunc',
  '__irq_entry', '__softirq_entry', '__kprobes', 'notrace', 'noinstr', '__noscs', '__nocfi', '__noclone',
  '__no_kcsan', '__no_sanitize_address', '__no_sanitize_undefined', '__no_sanitize_or_inline',
  '__no_kasan_or_inline', '__nostackprotector', '__no_stack_protector',
  // function and variable properties
  '__noreturn', '__must_check', '__cold', '__hot', '__pure', '__attribute_const__', '__malloc', '__flatten',
  '__maybe_unused', '__always_unused', '__used', '__deprecated', '__nonstring', '__latent_entropy',
  '__uninitialized',
  // struct layout
  '__packed', '__randomize_layout', '__no_randomize_layout', '__designated_init', '__cacheline_aligned',
  '__cacheline_aligned_in_smp', '____cacheline_aligned', '____cacheline_aligned_in_smp',
  '____cacheline_internodealigned_in_smp', '__page_aligned_data', '__page_aligned_bss',
]);

/** Attribute macros with an argument list: the name and its balanced `(...)` are blanked. */
export const WITH_ARGS = new Set([
  '__attribute__', '__section', '__aligned', '__printf', '__scanf', '__alias', '__counted_by', '__cleanup',
  '__free', '__assume_aligned', '__alloc_size', '__realloc_size', '__noinstr_section', '__guarded_by',
  '__pt_guarded_by',
]);

/** Sparse lock annotations: blanked like WITH_ARGS and also reported. `__cond_acquires` is a conditional acquire. */
export const LOCK_ANNOTATIONS: ReadonlyMap<string, Pick<CLockAnnotation, 'kind' | 'conditional'>> = new Map([
  ['__must_hold', { kind: 'must_hold' }],
  ['__acquires', { kind: 'acquires' }],
  ['__releases', { kind: 'releases' }],
  ['__cond_acquires', { kind: 'acquires', conditional: true }],
]);

