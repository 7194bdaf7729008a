/**
 * Pre-blanking: replace the kernel constructs that derail tree-sitter with
 * spaces, keeping every character offset and line number of the source.
 *
 * tree-sitter parses C, not the kernel's C-plus-macros. Attribute macros
 * (`__user`, `__rcu`, `__must_hold(x)`) read as stray identifiers, and both
 * branches of an `#ifdef` inside an expression read as one broken statement.
 * Blanking them (rather than deleting) keeps node positions equal to source
 * positions, so lines reported downstream need no mapping.
 */
import { BARE, LOCK_ANNOTATIONS, WITH_ARGS } from './attributes.js';
import { conditionalBlanks, type Directive } from './conditionals.js';
import { Lexer } from './lexer.js';
import { caseRangeEnd, loopMacroHead, LOOP_KEYWORD, standaloneMacro, typeArgument, type Rewrite } from './macro-lines.js';
import type { CLockAnnotation } from './model.js';

/** A lock annotation found in the source, with where it starts. */
export interface AnnotationSite extends CLockAnnotation {
  /** Character offset (UTF-16, as tree-sitter's startIndex) of the annotation's name. */
  offset: number;
}

/** The result of pre-blanking. */
export interface Preprocessed {
  /** Same length and same line breaks as the input; blanked characters are spaces. */
  text: string;
  /** Every `__must_hold/__acquires/__releases/__cond_acquires(...)` blanked, in source order. */
  annotations: AnnotationSite[];
  /** Loop and scope macros rewritten to `while` (see loopMacroHead), in source order. */
  macroLoops: MacroLoop[];
}

/** A macro whose name pre-blanking replaced by `while`. */
export interface MacroLoop {
  /** Offset of the name: the while_statement's startIndex. */
  offset: number;
  /** The name as written: `list_for_each_entry`. */
  name: string;
}

/** [start, end) to blank; with `text`, its characters replace the start of the range. */
type Edit = Rewrite;

/** Words that start a type passed as a macro argument (see typeArgument). */
const TYPE_WORDS = new Set(['struct', 'union', 'enum', 'unsigned', 'signed', 'long', 'short']);

/**
 * First characters of the words looked up below. Most identifiers start with none of them, and a
 * lookup hashes the word: a tenth of pre-blanking was hashing words no set could hold.
 */
const LOOKED_UP = new Uint8Array(128);
for (const w of [...TYPE_WORDS, 'case', ...BARE, ...WITH_ARGS, ...LOCK_ANNOTATIONS.keys(), '__diag']) LOOKED_UP[w.charCodeAt(0)] = 1;

/**
 * Blank attribute macros, lock annotations and preprocessor conditional
 * lines (with their continuations); rewrite loop macros to `while`; blank
 * bare macro lines at file scope, GNU case range ends and the `struct` of
 * a type passed to a macro. `#define`,
 * `#include` and the other directives stay (tree-sitter parses them) minus
 * their comments. Where the branches of an `#if` group are alternative
 * openings of one block (`if (a) {` vs `if (b) {`) only the first is kept;
 * `#if 0` bodies are blanked.
 */
export function preprocess(source: string): Preprocessed {
  const lex = new Lexer(source);
  const edits: Edit[] = [];
  const annotations: AnnotationSite[] = [];
  const macroLoops: MacroLoop[] = [];
  const directives: Directive[] = [];

  for (;;) {
    lex.skipBlank();
    if (lex.done()) break;
    const start = lex.pos;
    const before = lex.last;
    const beforeWord = lex.lastWord;
    const afterDirective = lex.afterDirective;
    const token = lex.next();
    if (token.kind === 'directive') {
      if (token.conditional) {
        edits.push([start, lex.pos]);
        directives.push({ name: token.name, start, end: lex.pos, braces: lex.braces, parens: lex.parens, condition: token.condition });
      } else {
        // tree-sitter ends a #define at a comment followed by `\` (`/* DBGBVRn */ \`): comments go, code stays
        for (const [s, e] of token.comments) edits.push([s, e]);
      }
      continue;
    }
    if (token.kind !== 'ident') continue;
    const word = token.text;
    const lookedUp = LOOKED_UP[word.charCodeAt(0)] === 1;
    const macroLine = standaloneMacro(source, start, lex, before, afterDirective);
    if (macroLine !== null) {
      edits.push([start, macroLine]);
      lex.pos = macroLine;
      lex.last = 41; // as after `)`: the next line may be another invocation
    } else if (lookedUp && TYPE_WORDS.has(word)) {
      const rewrites = typeArgument(source, start, lex.pos, lex, before);
      if (rewrites) {
        edits.push(...rewrites);
        lex.pos = Math.max(lex.pos, ...rewrites.map((r) => (r[2] ? r[1] : 0))); // joined size words are one argument now
      }
    } else if (lookedUp && word === 'case') {
      const range = caseRangeEnd(source, lex.pos);
      if (range) edits.push(range);
    } else if (lookedUp && BARE.has(word)) {
      edits.push([start, lex.pos]);
    } else if (lookedUp && (WITH_ARGS.has(word) || LOCK_ANNOTATIONS.has(word) || word.startsWith('__diag'))) {
      const args = lex.balancedArgs();
      if (!args) continue; // a bare mention (no argument list) is not an annotation
      edits.push([start, args.end]);
      const lock = LOCK_ANNOTATIONS.get(word);
      if (lock) annotations.push({ ...lock, expr: args.inner.trim().replace(/\s+/g, ' '), offset: start });
    } else if (loopMacroHead(source, start, word, lex, before, beforeWord)) {
      edits.push([start, lex.pos, LOOP_KEYWORD]);
      macroLoops.push({ offset: start, name: word });
    }
  }
  for (const [s, e] of conditionalBlanks(directives)) edits.push([s, e]);
  return { text: applyEdits(source, edits), annotations, macroLoops };
}

/** `preprocess(source).text`: the source ready for tree-sitter, offsets and lines unchanged. */
export function blankForParse(source: string): string {
  return preprocess(source).text;
}

/**
 * The lock annotations written in `source[start, end)`: a function's header
 * (definition start to body start), whose annotations the parse no longer sees.
 */
export function extractLockAnnotations(source: string, start: number, end: number): CLockAnnotation[] {
  return preprocess(source.slice(start, end)).annotations.map(({ kind, expr, conditional }) =>
    conditional ? { kind, expr, conditional } : { kind, expr });
}

/** Apply the edits: characters in a range become spaces (line breaks stay), or the edit's text. */
function applyEdits(source: string, edits: Edit[]): string {
  if (edits.length === 0) return source;
  edits.sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  let at = 0;
  for (const [s, e, text] of edits) {
    const from = Math.max(s, at);
    if (e <= from) continue; // inside a range already blanked (a dead branch and its directives)
    out.push(source.slice(at, from));
    const blank = source.slice(from, e).replace(/[^\r\n]/g, ' ');
    out.push(text && from === s ? text + blank.slice(text.length) : blank);
    at = e;
  }
  out.push(source.slice(at));
  return out.join('');
}
