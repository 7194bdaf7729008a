/**
 * Which branches of `#if` groups to blank besides the directive lines.
 *
 * Blanking only the directive lines keeps every branch, which is what we
 * want: both `#ifdef CONFIG_X86_64` and `#else` code can take locks. But when
 * every branch opens (or closes) the same block, as in
 *
 *     #ifdef CONFIG_X
 *         if (a && b) {
 *     #else
 *         if (a) {
 *     #endif
 *
 * keeping both leaves one `{` too many and the rest of the file turns into
 * an ERROR node. There the first branch alone is kept. `#if 0` is dead code.
 */

/** A conditional directive line as the lexer saw it. */
export interface Directive {
  /** `if`, `ifdef`, `elif`, `else`, `endif`... */
  name: string;
  /** Offset of `#`. */
  start: number;
  /** Offset just past the directive's last character (its line break excluded). */
  end: number;
  /** Net `{` count of the code before the directive. */
  braces: number;
  /** Net `(` count of the code before the directive. */
  parens: number;
  /** Condition text: `0` in `#if 0`. */
  condition: string;
}

interface Branch {
  from: number;
  to: number;
  braces0: number;
  parens0: number;
  braces1: number;
  parens1: number;
  dead: boolean;
  /** Braces and parens inside this branch that nested blanking removed. */
  removedBraces: number;
  removedParens: number;
}

const OPEN = new Set(['if', 'ifdef', 'ifndef']);
const NEXT = new Set(['elif', 'elifdef', 'elifndef', 'else']);

/** Ranges (start inclusive, end exclusive) of branch bodies to blank; directive lines themselves are not included. */
export function conditionalBlanks(directives: readonly Directive[]): [number, number][] {
  const blanks: [number, number][] = [];
  const stack: Branch[][] = [];
  const open = (d: Directive): Branch => ({
    from: d.end, to: d.end, braces0: d.braces, parens0: d.parens, braces1: d.braces, parens1: d.parens,
    dead: (d.name === 'if' || d.name === 'elif') && d.condition === '0', removedBraces: 0, removedParens: 0,
  });
  const close = (b: Branch | undefined, d: Directive): void => {
    if (!b) return;
    b.to = d.start;
    b.braces1 = d.braces;
    b.parens1 = d.parens;
  };

  for (const d of directives) {
    if (OPEN.has(d.name)) {
      stack.push([open(d)]);
    } else if (NEXT.has(d.name)) {
      const group = stack[stack.length - 1];
      if (!group) continue; // a stray #else (the file starts mid-group): nothing to pair
      close(group[group.length - 1], d);
      group.push(open(d));
    } else if (d.name === 'endif') {
      const group = stack.pop();
      if (!group) continue;
      close(group[group.length - 1], d);
      const removed = resolve(group, blanks);
      const parent = stack[stack.length - 1]?.at(-1);
      if (parent) {
        parent.removedBraces += removed.braces;
        parent.removedParens += removed.parens;
      }
    }
  }
  return blanks; // groups still open at the end of the file keep all their code
}

/** Decide one closed group; return the braces and parens its blanking removed, for the enclosing branch. */
function resolve(group: Branch[], blanks: [number, number][]): { braces: number; parens: number } {
  const net = (b: Branch): string => `${b.braces1 - b.braces0 - b.removedBraces},${b.parens1 - b.parens0 - b.removedParens}`;
  const live = group.filter((b) => !b.dead);
  const shapes = new Set(live.map(net));
  // every live branch opens or closes the same thing: they are alternatives, keep the first
  const alternatives = live.length >= 2 && shapes.size === 1 && !shapes.has('0,0');
  const removed = { braces: 0, parens: 0 };
  for (const b of group) {
    if (b.dead || (alternatives && b !== live[0])) {
      blanks.push([b.from, b.to]);
      removed.braces += b.braces1 - b.braces0;
      removed.parens += b.parens1 - b.parens0;
    } else {
      removed.braces += b.removedBraces;
      removed.parens += b.removedParens;
    }
  }
  return removed;
}
