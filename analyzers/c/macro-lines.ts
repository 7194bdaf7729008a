/**
 * Macro invocations that are not followed by `;` and so derail tree-sitter,
 * found during pre-blanking. Each finder returns what to rewrite; nothing
 * here changes the text itself.
 */
import type { Lexer } from './lexer.js';

/** After a statement or block (or at the start of the file): file-scope code may follow. */
const ENDS_DEFINITION = new Set([0, 59 /* ; */, 125 /* } */, 41 /* ) */]);

/**
 * A line `NAME(args)` at column 0 of file scope with no `;` and nothing but
 * a comment after it (`BUILD_NVMX_MSR_INTERCEPT_HELPER(read)`). The macro
 * expands to definitions tree-sitter cannot see and, lacking a `;`, glues
 * itself to the next function's header. Returns the end of the invocation
 * (to blank) or null. A split function header (`static int\nfoo(int a)\n{`)
 * follows a type, not `;` or `}` or a directive line, and is followed by
 * `{`: left alone.
 */
export function standaloneMacro(source: string, start: number, lex: Lexer, before: number, afterDirective: boolean): number | null {
  if (start > 0 && source.charCodeAt(start - 1) !== 10) return null;
  if (lex.braces !== 0 || lex.parens !== 0 || !(afterDirective || ENDS_DEFINITION.has(before))) return null;
  const args = lex.balancedArgs(false);
  if (!args) return null;
  const rest = /^[ \t]*(\/\*.*?\*\/[ \t]*)?(\/\/.*)?(\r?\n|$)/.exec(source.slice(args.end, args.end + 200));
  if (!rest) return null;
  const next = lex.significantAt(args.end);
  return next >= 0 && '{;,=:'.includes(source[next] ?? '') ? null : args.end;
}

/** Words that look like calls but are C: never a loop macro. */
const C_WORDS = new Set([
  'while', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', 'alignof', '_Alignof', '__alignof__', 'offsetof',
  'defined', '_Static_assert', '_Generic', 'volatile', '__volatile__', 'asm_inline',
]);
/** The statement keyword a loop macro's name is rewritten to. */
export const LOOP_KEYWORD = 'while';

/**
 * A statement-position macro with a body and no `;`: `scoped_guard(mutex,
 * &kvm->lock) { ... }`, `kvm_for_each_vcpu(i, vcpu, kvm)\n\tkick(vcpu);`.
 * tree-sitter reads these as a call missing its `;`, as a K&R function
 * definition (`for_each_possible_cpu(cpu) {`) or as a declaration
 * (`scoped_guard(rcu)\n\tfoo(x);`), and the last two swallow the rest of
 * the function. Rewriting the name to `while` plus spaces makes it a loop
 * statement whose body is its child, correct under an `if`/`else` too. The
 * name is kept aside (see Preprocessed.macroLoops).
 *
 * True when the name at `start` heads such a statement. Conditions: inside a
 * block of statements, not at column 0, after `; { } ) :` or `else`/`do`,
 * a name of at least 5 characters (room for `while`), balanced arguments,
 * and a `{` or a word (a statement) right after them.
 */
export function loopMacroHead(source: string, start: number, word: string, lex: Lexer, before: number, beforeWord: string): boolean {
  if (!lex.inCode() || word.length < LOOP_KEYWORD.length) return false;
  if (start === 0 || source.charCodeAt(start - 1) === 10) return false;
  const afterStatement = before === 59 || before === 123 || before === 125 || before === 41 || before === 58;
  if (!afterStatement && beforeWord !== 'else' && beforeWord !== 'do') return false;
  // Last of the cheap tests: the lookup hashes the word, and this runs for every identifier in code.
  if (C_WORDS.has(word)) return false;
  const args = lex.balancedArgs(false);
  if (!args) return false;
  const next = lex.significantAt(args.end);
  if (next < 0) return false;
  const c = source.charCodeAt(next);
  const startsWord = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
  if (c !== 123 && !startsWord) return false;
  // `FOO(x) else` cannot be a loop head: leave it to tree-sitter's error recovery
  return !(startsWord && /^else\b/.test(source.slice(next, next + 5)));
}

/** Calls whose type argument tree-sitter reads itself (sizeof, offsetof...) or that are no calls (casts after a keyword). */
const TYPE_TAKERS = new Set([
  'sizeof', 'typeof', '__typeof__', 'typeof_unqual', 'alignof', '_Alignof', '__alignof__', 'offsetof', '_Generic',
  'return', 'if', 'while', 'for', 'switch', 'case', 'else', 'do', 'goto',
]);

/** [start, end) to blank; with a text, the text replaces the range (same length). */
export type Rewrite = [number, number, string?];

const SIZE_WORDS = /^(?:unsigned|signed|long|short|int|char)(?:[ \t]+(?:unsigned|signed|long|short|int|char))+(?=\s*[,)])/;

/**
 * A type passed to a macro: `container_of(p, struct kvm, arch)`,
 * `DECLARE_REG(struct kvm_vcpu *, vcpu, ctxt, 1)`, `min_t(unsigned long, a, b)`.
 * tree-sitter cannot read a type as an argument and puts an ERROR around
 * it. Called at `struct`/`union`/`enum` or a size word; returns the
 * rewrites that make the argument one identifier (the keyword and any `*`
 * blanked: `kvm`; size words joined: `unsigned_long`), or null.
 */
export function typeArgument(source: string, start: number, end: number, lex: Lexer, before: number): Rewrite[] | null {
  // only in function bodies: at file scope and in structs, `f(struct kvm *, int)` is a prototype's parameter list
  if (!lex.inCode() || lex.parens <= 0 || (before !== 40 && before !== 44)) return null;
  const callee = lex.callee();
  if (!callee || TYPE_TAKERS.has(callee)) return null;
  const word = source.slice(start, end);
  if (word !== 'struct' && word !== 'union' && word !== 'enum') {
    const words = SIZE_WORDS.exec(source.slice(start, start + 60));
    return words ? [[start, start + words[0].length, words[0].replace(/[ \t]/g, '_')]] : null;
  }
  const m = /^\s+[A-Za-z_]\w*(\s*\*)*\s*[,)]/.exec(source.slice(end, end + 200));
  if (!m) return null;
  const rewrites: Rewrite[] = [[start, end]];
  const text = m[0];
  for (let i = text.indexOf('*'); i >= 0; i = text.indexOf('*', i + 1)) rewrites.push([end + i, end + i + 1]);
  return rewrites;
}

/**
 * In `case A ... B:` (a GNU case range, which tree-sitter does not know),
 * the range `... B` to blank, leaving `case A:`. Null for a plain label.
 */
export function caseRangeEnd(source: string, from: number): [number, number] | null {
  let depth = 0;
  let dots = -1;
  for (let p = from; p < source.length && p < from + 400; p++) {
    const c = source[p];
    if (c === "'" || c === '"') {
      const close = source.indexOf(c, p + 1); // case labels hold only simple literals: no escapes to honour
      if (close < 0) return null;
      p = close;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ';' || c === '{' || c === '}') return null;
    else if (c === '.' && depth === 0 && source.startsWith('...', p)) dots = p;
    else if (c === ':' && depth === 0) return dots < 0 ? null : [dots, p];
  }
  return null;
}
