/**
 * A minimal C lexer for pre-blanking: it finds identifiers and directive
 * lines and steps over comments, string and character literals (so that
 * `"__user"` or a `{` in a comment is never touched), counting the braces
 * and parentheses of real code on the way.
 */

/** What `Lexer.next()` stepped over. */
export type Token =
  | { kind: 'ident'; text: string }
  | {
      kind: 'directive';
      /** Directive name without `#`: `ifdef`, `define`... */
      name: string;
      /** True for #if, #ifdef, #ifndef, #elif, #elifdef, #elifndef, #else, #endif. */
      conditional: boolean;
      /** The text after the name, comments removed, trimmed: `0` in `#if 0`. */
      condition: string;
      /** Comments inside the directive, as [start, end) offsets. */
      comments: [number, number][];
    }
  | { kind: 'other' };

/** What next() returns for white space, comments, literals and punctuation: one object, never changed. */
const OTHER: Token = Object.freeze({ kind: 'other' });

const CONDITIONALS = new Set(['if', 'ifdef', 'ifndef', 'elif', 'elifdef', 'elifndef', 'else', 'endif']);

const isIdentStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isIdentPart = (c: number): boolean => isIdentStart(c) || (c >= 48 && c <= 57);
const NL = 10;

/** Steps through C source one token at a time. Offsets are UTF-16 indices, as tree-sitter's. */
export class Lexer {
  /** Offset of the next character to read. */
  pos = 0;
  /** Net `{` minus `}` of code read so far (directive lines excluded). */
  braces = 0;
  /** Net `(` minus `)` of code read so far. */
  parens = 0;
  /** The last character of code read (outside comments, literals and directive lines); 0 at the start. */
  last = 0;
  /** True when a directive line came after the last code read. */
  afterDirective = false;
  /** The identifier just read, when the last token was one; '' otherwise. */
  lastWord = '';
  private atLineStart = true;
  /** One entry per open `{`: true for a block of statements, false for a struct body or an initializer. */
  private blocks: boolean[] = [];
  /** One entry per open `(`: the word before it (`container_of`, `if`), '' for a plain parenthesis. */
  private callees: string[] = [];

  constructor(private readonly src: string) {}

  done(): boolean {
    return this.pos >= this.src.length;
  }

  /** True inside a block of statements (a function body and the blocks in it), false in struct bodies, initializers and at file scope. */
  inCode(): boolean {
    return this.blocks[this.blocks.length - 1] ?? false;
  }

  /**
   * Step over white space and comments: what next() would return 'other' for, one character or
   * comment a call, with the same effect on the state. A file is a third white space.
   */
  skipBlank(): void {
    const s = this.src;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (c === NL) {
        this.pos++;
        this.atLineStart = true;
      } else if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) this.pos++;
      else if (c !== 47 || !this.skipComment()) return;
    }
  }

  /** Read one token; white space and comments are skipped silently (they return 'other'). */
  next(): Token {
    const s = this.src;
    const c = s.charCodeAt(this.pos);
    if (c === NL) {
      this.pos++;
      this.atLineStart = true;
      return OTHER;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      this.pos++;
      return OTHER;
    }
    if (c === 47 /* / */ && this.skipComment()) return OTHER;
    const lineStart = this.atLineStart;
    this.atLineStart = false;
    if (c === 35 /* # */ && lineStart) return this.directive();
    const prev = this.last;
    const prevWord = this.lastWord;
    this.last = c;
    this.lastWord = '';
    this.afterDirective = false;
    if (isIdentStart(c)) {
      const start = this.pos;
      while (this.pos < s.length && isIdentPart(s.charCodeAt(this.pos))) this.pos++;
      this.lastWord = s.slice(start, this.pos);
      return { kind: 'ident', text: this.lastWord };
    }
    if (c >= 48 && c <= 57) {
      // numbers: 0x1fULL, 1.5e3; never read their suffix as an identifier
      while (this.pos < s.length && (isIdentPart(s.charCodeAt(this.pos)) || s.charCodeAt(this.pos) === 46)) this.pos++;
      return OTHER;
    }
    if (c === 34 || c === 39) {
      this.skipLiteral(c);
      return OTHER;
    }
    if (c === 123) {
      this.braces++;
      this.blocks.push(this.opensCode(prev, prevWord));
    } else if (c === 125) {
      this.braces--;
      this.blocks.pop();
    } else if (c === 40) {
      this.parens++;
      this.callees.push(prevWord);
    } else if (c === 41) {
      this.parens--;
      this.callees.pop();
    }
    this.pos++;
    return OTHER;
  }

  /**
   * Whether a `{` after `prev` opens statements: after `)` (a function or
   * control statement), `(` (a statement expression), `else`, `do`, or a
   * statement inside a block of statements. After `=`, `,`, `[` or a struct
   * name it opens data.
   */
  private opensCode(prev: number, prevWord: string): boolean {
    if (prev === 41 || prev === 40) return true;
    if (prevWord) return prevWord === 'else' || prevWord === 'do';
    if (prev === 123 || prev === 59 || prev === 125 || prev === 58) return this.inCode();
    return false;
  }

  /** The word before the innermost open `(`: the macro or function whose arguments are being read; '' for none. */
  callee(): string {
    return this.callees[this.callees.length - 1] ?? '';
  }

  /** The first character at or after `from` that is neither white space nor in a comment; -1 at the end. */
  significantAt(from: number): number {
    const s = this.src;
    let p = from;
    while (p < s.length) {
      const c = s.charCodeAt(p);
      if (c === 32 || c === 9 || c === NL || c === 13) p++;
      else if (c === 47 && s.charCodeAt(p + 1) === 42) {
        const end = s.indexOf('*/', p + 2);
        if (end < 0) return -1;
        p = end + 2;
      } else if (c === 47 && s.charCodeAt(p + 1) === 47) {
        const end = s.indexOf('\n', p);
        if (end < 0) return -1;
        p = end;
      } else return p;
    }
    return -1;
  }

  /**
   * After a macro name: skip white space; when `(` follows,
   * read to its balanced `)` and return the end offset and the text inside.
   * Otherwise leave the position unchanged and return null. With
   * `consume` false, only look: the position does not move.
   */
  balancedArgs(consume = true): { end: number; inner: string } | null {
    const s = this.src;
    const before = this.pos;
    let p = this.pos;
    while (p < s.length && /\s/.test(s[p] ?? '')) p++;
    if (s.charCodeAt(p) !== 40) return null;
    const open = p;
    this.pos = p + 1;
    let depth = 1;
    while (this.pos < s.length && depth > 0) {
      const c = s.charCodeAt(this.pos);
      if (c === 47 && this.skipComment()) continue;
      if (c === 34 || c === 39) {
        this.skipLiteral(c);
        continue;
      }
      if (c === 40) depth++;
      else if (c === 41) depth--;
      this.pos++;
    }
    const end = this.pos;
    if (consume) {
      this.last = 41;
      this.lastWord = '';
    } else {
      this.pos = before;
    }
    return { end, inner: s.slice(open + 1, end - 1) };
  }

  /** At `/`: skip a comment and return true, or return false when it is a division. */
  private skipComment(): boolean {
    const s = this.src;
    const n = s.charCodeAt(this.pos + 1);
    if (n === 42 /* * */) {
      const end = s.indexOf('*/', this.pos + 2);
      this.pos = end < 0 ? s.length : end + 2;
      return true;
    }
    if (n === 47) {
      const end = s.indexOf('\n', this.pos);
      this.pos = end < 0 ? s.length : end; // the newline itself is read as a line start
      return true;
    }
    return false;
  }

  /** At a quote: skip to the closing quote (or the end of line for a broken literal). */
  private skipLiteral(quote: number): void {
    const s = this.src;
    this.pos++;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 92) this.pos += 2;
      else if (c === quote) {
        this.pos++;
        return;
      } else if (c === NL) return;
      else this.pos++;
    }
  }

  /** At `#` first on its line: read the directive to the end of its logical line (continuations and comments included). */
  private directive(): Token {
    const s = this.src;
    this.afterDirective = true;
    this.pos++;
    while (s.charCodeAt(this.pos) === 32 || s.charCodeAt(this.pos) === 9) this.pos++;
    const nameStart = this.pos;
    while (this.pos < s.length && isIdentPart(s.charCodeAt(this.pos))) this.pos++;
    const name = s.slice(nameStart, this.pos);
    let condition = '';
    let from = this.pos;
    const comments: [number, number][] = [];
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === NL) break;
      if (c === 92 && (s.charCodeAt(this.pos + 1) === NL || (s.charCodeAt(this.pos + 1) === 13 && s.charCodeAt(this.pos + 2) === NL))) {
        condition += s.slice(from, this.pos) + ' ';
        this.pos += s.charCodeAt(this.pos + 1) === 13 ? 3 : 2;
        from = this.pos;
        continue;
      }
      if (c === 47 && (s.charCodeAt(this.pos + 1) === 42 || s.charCodeAt(this.pos + 1) === 47)) {
        condition += s.slice(from, this.pos) + ' ';
        // a block comment may run past the line end: the directive then ends on the comment's last line
        const start = this.pos;
        this.skipComment();
        comments.push([start, this.pos]);
        from = this.pos;
        continue;
      }
      if (c === 34 || c === 39) {
        this.skipLiteral(c);
        continue;
      }
      this.pos++;
    }
    condition += s.slice(from, this.pos);
    return { kind: 'directive', name, conditional: CONDITIONALS.has(name), condition: condition.trim(), comments };
  }
}
