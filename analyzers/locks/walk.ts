/**
 * The held-lock walk of one function: which locks may be held at each
 * acquisition and each call, following if/else, switch, loops, goto labels,
 * early returns, guard scopes, scoped_guard blocks and the success branch of
 * a trylock. The result is plain JSON (FunctionFacts); nodes stay here.
 *
 * This file is the control flow; lock-args.ts names the lock of each
 * primitive call, events.ts records acquisitions and calls, and
 * preconditions.ts reads what the callers hold.
 */
import { guardPrimitive, lookupPrimitive, type GuardPrimitive } from '../../knowledge/lock-primitives.js';
import type { LockPrimitive } from '../../knowledge/lock-primitives-model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { CFunction, CMacroBlock } from '../c/model.js';
import { descendantsOf } from '../c/descendants.js';
import { lineOf, type SyntaxNode } from '../c/parser.js';
import { recordAcquire, recordCall } from './events.js';
import { argumentValues, conditionFacts, constantOf, stableParams, switchParam, type CondFacts } from './conditions.js';
import { assume, called, copyState, distinct, drop, EMPTY, join, release, take, type HeldState } from './held-state.js';
import { LockArgs, subclassOf } from './lock-args.js';
import type { TypeEnv } from './lock-class.js';
import type { ArgValue, FunctionFacts, HeldLock, LockUse } from './model.js';
import { preconditions } from './preconditions.js';
import { callName, classConstructor, conditionTry, isAsmText, isCastCall, isNameHalf, isOpsMacro, macroBuiltCallee, opsCallee, stripped, typedefSlot, unnamedCallee } from './syntax.js';

/** Passes over a loop body: the second sees locks the first left held (lock-all-vCPUs loops). */
const LOOP_PASSES = 2;

/**
 * Statements nested deeper than this are not walked: the walk recurses once
 * per level, and input-controlled depth (thousands of nested blocks) would
 * overflow the stack. Kernel functions nest a dozen levels at most.
 */
export const MAX_NESTING = 400;

class TooDeep extends Error {}

/** Calls that do not return: the statement calling one ends its path. */
const NO_RETURN = new Set(['BUG', 'panic']);

/** The state a label is reached with when the statement before it does not fall through. */
const UNREACHED: HeldState = { ...EMPTY };

/** The lock facts of `fn`; a function past MAX_NESTING comes back empty with `notAnalysed` saying why. */
export function walkFunction(fn: CFunction, env: TypeEnv): FunctionFacts {
  try {
    return new Walker(fn, env).run();
  } catch (e) {
    if (!(e instanceof TooDeep)) throw e;
    return { ...emptyFacts(fn), notAnalysed: e.message };
  }
}

/** Facts of `fn` with nothing recorded yet. */
function emptyFacts(fn: CFunction): FunctionFacts {
  return {
    name: fn.name,
    file: fn.file,
    line: fn.line,
    endLine: fn.endLine,
    static: fn.static,
    acquires: [],
    calls: [],
    requires: [],
    releasesCallers: [],
    unresolved: [],
    damaged: fn.damaged,
  };
}

class Walker {
  private readonly facts: FunctionFacts;
  private readonly breaks: HeldState[][] = [];
  private readonly continues: HeldState[][] = [];
  private readonly labels = new Map<string, HeldState[]>();
  /** Open blocks with the guard() locks they end; scoped_guard() bodies are blocks too. */
  private readonly guardScopes: { block: SyntaxNode | null; guards: LockClass[] }[] = [];
  /** guardScopes.length when each break / continue target was entered: a jump releases the guards opened since. */
  private readonly breakDepth: number[] = [];
  private readonly continueDepth: number[] = [];
  /** Acquisitions of a class the caller held and this function had dropped: they stand for the caller's lock. */
  private readonly retakes = new WeakSet<HeldLock>();
  /** Every call in the body, by start offset: found once, so an expression's calls are a range lookup. */
  private calls: SyntaxNode[] = [];
  /** The end offset of each of `calls` (endIndex is a call into wasm; startIndex is a plain field). */
  private callEnds: number[] = [];
  /**
   * Syntax read once per node object (a loop body is walked twice, a nested one four times, and every
   * type or field asked of a node is a call into wasm, issue 15): types, fields, each expression's
   * calls in evaluation order, each call's syntax-only answers. By object, not node id: a leaf's id
   * is not unique (call-parts.ts); the nodes asked again are the same objects, from the lists kept.
   */
  private readonly types = new Map<SyntaxNode, string>();
  private readonly fields = new Map<SyntaxNode, Map<string, SyntaxNode | null>>();
  private readonly ordered = new Map<SyntaxNode, number[]>();
  private readonly callFacts: (CallFacts | undefined)[] = [];
  private readonly tries = new Map<SyntaxNode, { call: SyntaxNode; negated: boolean } | null>();
  private readonly condFacts = new Map<SyntaxNode, CondFacts>();
  /** The state at each return: what every path out of the function called (exitAfter). */
  private readonly exits: HeldState[] = [];
  /** Each label's statement offset, read on the first goto. */
  private labelOffsets: Map<string, number> | null = null;
  private readonly args: LockArgs;
  /** Statements being walked, innermost last: the recursion depth. */
  private depth = 0;
  /** Parameters the body never writes: branches on them are recorded for the callers' constants. */
  private readonly params: Map<string, number>;

  constructor(
    private readonly fn: CFunction,
    private readonly env: TypeEnv,
  ) {
    this.facts = emptyFacts(fn);
    this.args = new LockArgs(env, this.facts.unresolved);
    this.params = stableParams(fn);
  }

  run(): FunctionFacts {
    this.calls = [...descendantsOf(this.fn.body, 'call_expression')];
    this.calls.sort((a, b) => a.startIndex - b.startIndex);
    this.callEnds = this.calls.map((c) => c.endIndex);
    let state: HeldState = EMPTY;
    for (const use of preconditions(this.fn, this.calls, this.args)) {
      this.facts.requires.push(use);
      state = take(state, { ...use, line: 0, viaTry: false });
    }
    const end = this.stmt(this.fn.body, state);
    const exit = join(end ? [...this.exits, end] : this.exits);
    if (exit?.after.length) this.facts.exitAfter = exit.after;
    return this.facts;
  }

  /** `node.type`, read once. */
  private typeOf(node: SyntaxNode): string {
    let t = this.types.get(node);
    if (t === undefined) {
      t = node.type;
      this.types.set(node, t);
    }
    return t;
  }

  /** `node.childForFieldName(name)`, read once: the child is then the same object on every pass. */
  private field(node: SyntaxNode, name: string): SyntaxNode | null {
    let byName = this.fields.get(node);
    if (!byName) this.fields.set(node, (byName = new Map()));
    let child = byName.get(name);
    if (child === undefined) {
      child = node.childForFieldName(name);
      byName.set(name, child);
    }
    return child;
  }

  /** The trylock a loop's or if's condition tests (conditionTry()), read once. */
  private triedIn(cond: SyntaxNode | null): { call: SyntaxNode; negated: boolean } | null {
    if (!cond) return null;
    let t = this.tries.get(cond);
    if (t === undefined) {
      t = conditionTry(cond, (n) => lookupPrimitive(n)?.op === 'try');
      this.tries.set(cond, t);
    }
    return t;
  }

  // ---- statements -------------------------------------------------------

  private stmt(node: SyntaxNode | null, state: HeldState | null): HeldState | null {
    if (!node || !state) return state;
    if (this.depth >= MAX_NESTING) throw new TooDeep(`statements nested more than ${MAX_NESTING} deep (line ${lineOf(node)})`);
    this.depth++;
    try {
      return this.stmtAt(node, state);
    } finally {
      this.depth--;
    }
  }

  private stmtAt(node: SyntaxNode, state: HeldState): HeldState | null {
    const macro = this.fn.macros.at(node);
    if (macro) return this.macroWithBody(macro, state);
    switch (this.typeOf(node)) {
      case 'compound_statement':
        return this.block(node.namedChildren, state, node);
      case 'if_statement':
        return this.ifStmt(node, state);
      case 'switch_statement':
        return this.switchStmt(node, state);
      case 'while_statement':
      case 'for_statement':
        return this.loop(node, state);
      case 'do_statement': {
        const body = this.field(node, 'body');
        return this.loopBody(body, state, (s) => this.expr(this.field(node, 'condition'), s));
      }
      case 'return_statement':
        this.exits.push(this.expr(node, state));
        return null;
      case 'goto_statement': {
        const label = this.field(node, 'label')?.text ?? '';
        // Jumping out of a guard's block runs its cleanup: the lock is not held at the label.
        const at = this.labelOffset(label);
        const left = this.unwind(state, (b) => at !== undefined && b !== null && (at < b.startIndex || at >= b.endIndex));
        this.labels.set(label, [...(this.labels.get(label) ?? []), left]);
        return null;
      }
      case 'labeled_statement': {
        const label = this.field(node, 'label')?.text ?? '';
        // After a return only the gotos reach the label: joining an empty fall-through lost their drops.
        const merged = join([...(state === UNREACHED ? [] : [state]), ...(this.labels.get(label) ?? [])]);
        const inner = node.namedChildren.filter((c) => c !== null && this.typeOf(c) !== 'statement_identifier');
        return this.block(inner, merged, null);
      }
      // break and continue leave the guard scopes opened inside their loop (or switch): those guards are released.
      case 'break_statement': {
        const depth = this.breakDepth.at(-1) ?? 0;
        this.breaks.at(-1)?.push(this.unwind(state, (_, i) => i >= depth));
        return null;
      }
      case 'continue_statement': {
        const depth = this.continueDepth.at(-1) ?? 0;
        this.continues.at(-1)?.push(this.unwind(state, (_, i) => i >= depth));
        return null;
      }
      case 'case_statement':
        return this.block(node.namedChildren.slice(this.field(node, 'value') ? 1 : 0), state, null);
      // The calls of the whole statement in evaluation order are those of its parts one after the
      // other (siblings do not overlap): asked of the statement, its children are not listed.
      case 'expression_statement': {
        const after = this.expr(node, state);
        // `else BUG();` ends its path: joined, it kept a lock the other branches dropped.
        const only = node.namedChildren[0];
        return only && this.typeOf(only) === 'call_expression' && NO_RETURN.has(callName(only, this.field(only, 'function')) ?? '') ? null : after;
      }
      case 'declaration':
        return this.expr(node, state);
      case 'comment':
        return state;
      default:
        // ERROR nodes and anything unusual: read what is inside, in order.
        return this.block(node.namedChildren, state, null);
    }
  }

  /** Statements in order; a scope (the compound statement `scope`) ends its guards. */
  private block(children: readonly (SyntaxNode | null)[], start: HeldState | null, scope: SyntaxNode | null): HeldState | null {
    if (scope) this.guardScopes.push({ block: scope, guards: [] });
    let state = start;
    for (const node of children) {
      if (!node || this.fn.macros.isDetachedBody(node)) continue;
      // Labels after an exit are reachable through their gotos.
      if (!state && this.typeOf(node) !== 'labeled_statement') continue;
      state = this.stmt(node, state ?? UNREACHED);
    }
    if (scope) {
      const guards = this.guardScopes.pop()?.guards ?? [];
      for (const cls of guards) if (state) state = release(state, cls) ?? state;
    }
    return state;
  }

  /** `state` after leaving the guard scopes `leaves` picks (by block and index): their guards are released. */
  private unwind(state: HeldState, leaves: (block: SyntaxNode | null, index: number) => boolean): HeldState {
    let s = copyState(state);
    this.guardScopes.forEach((scope, i) => {
      if (leaves(scope.block, i)) for (const cls of scope.guards) s = release(s, cls) ?? s;
    });
    return s;
  }

  /** Start offset of the statement labelled `label` in this function, if any (the first, if two are). */
  private labelOffset(label: string): number | undefined {
    if (!this.labelOffsets) {
      this.labelOffsets = new Map();
      for (const l of descendantsOf(this.fn.body, 'labeled_statement')) {
        const name = l.childForFieldName('label')?.text;
        if (name !== undefined && !this.labelOffsets.has(name)) this.labelOffsets.set(name, l.startIndex);
      }
    }
    return this.labelOffsets.get(label);
  }

  private ifStmt(node: SyntaxNode, state: HeldState): HeldState | null {
    const cond = this.field(node, 'condition');
    const tried = this.triedIn(cond);
    let onTrue = state;
    let onFalse = state;
    if (tried) {
      const before = this.expr(cond, state, tried.call);
      const success = this.tryLock(tried.call, before);
      onTrue = tried.negated ? before : success;
      onFalse = tried.negated ? success : before;
    } else {
      const after = this.expr(cond, state);
      let known = cond ? this.condFacts.get(cond) : undefined;
      if (!known) {
        known = conditionFacts(cond, this.params);
        if (cond) this.condFacts.set(cond, known);
      }
      onTrue = assume(after, known.onTrue);
      onFalse = assume(after, known.onFalse);
    }
    const thenOut = this.stmt(this.field(node, 'consequence'), copyState(onTrue));
    const alt = this.field(node, 'alternative');
    const elseOut = alt ? this.stmt(alt.namedChildren.find((c) => c !== null) ?? null, copyState(onFalse)) : onFalse;
    return join([thenOut, elseOut].filter((s): s is HeldState => s !== null));
  }

  private switchStmt(node: SyntaxNode, state: HeldState): HeldState | null {
    const entry = this.expr(this.field(node, 'condition'), state);
    this.breaks.push([]);
    this.breakDepth.push(this.guardScopes.length);
    let fall: HeldState | null = null;
    const body = this.field(node, 'body');
    const param = switchParam(this.field(node, 'condition'), this.params);
    const cases = param === undefined ? [] : caseValues(body);
    for (const c of body?.namedChildren ?? []) {
      if (!c) continue;
      const incoming = this.typeOf(c) === 'case_statement' ? join([this.caseEntry(c, entry, param, cases), ...(fall ? [fall] : [])]) : fall;
      fall = this.stmt(c, incoming);
    }
    const breaks = this.breaks.pop() ?? [];
    this.breakDepth.pop();
    const hasDefault = body?.namedChildren.some((c) => c !== null && this.typeOf(c) === 'case_statement' && !this.field(c, 'value'));
    return join([...(fall ? [fall] : []), ...breaks, ...(hasDefault ? [] : [entry])]);
  }

  /**
   * A case of a switch on a parameter is entered only when the parameter equals its value;
   * `default:` only when it equals none of the constant cases (`cases`, null when one is not a constant).
   */
  private caseEntry(c: SyntaxNode, entry: HeldState, param: number | undefined, cases: string[] | null): HeldState {
    if (param === undefined) return entry;
    const label = this.field(c, 'value');
    if (!label) return cases ? assume(entry, cases.map((value) => ({ param, op: 'ne' as const, value }))) : entry;
    const value = constantOf(label);
    return value === null ? entry : assume(entry, [{ param, op: 'eq', value }]);
  }

  private loop(node: SyntaxNode, state: HeldState): HeldState | null {
    let s = state;
    const isFor = this.typeOf(node) === 'for_statement';
    if (isFor) s = this.expr(this.field(node, 'initializer'), s);
    const update = (x: HeldState): HeldState => (isFor ? this.expr(this.field(node, 'update'), x) : x);
    const cond = this.field(node, 'condition');
    const tried = this.triedIn(cond);
    if (!tried) return this.loopBody(this.field(node, 'body'), this.expr(cond, s), update);
    // `while (!spin_trylock(&x)) cpu_relax();`: the body runs when the try failed and the loop ends
    // holding x. Reading the try as always taken put x around the body.
    const before = this.expr(cond, s, tried.call);
    const success = this.tryLock(tried.call, before);
    const out = this.loopBody(this.field(node, 'body'), tried.negated ? before : success, update);
    return join([tried.negated ? success : before, ...(out ? [out] : [])]);
  }

  private loopBody(body: SyntaxNode | null, entry: HeldState, after: (s: HeldState) => HeldState): HeldState | null {
    this.breaks.push([]);
    this.continues.push([]);
    this.breakDepth.push(this.guardScopes.length);
    this.continueDepth.push(this.guardScopes.length);
    let cur: HeldState = entry;
    let releasedEach: LockClass[] = [];
    for (let pass = 0; pass < LOOP_PASSES; pass++) {
      const out = this.stmt(body, copyState(cur));
      const back = [out, ...(this.continues.at(-1) ?? [])].filter((s): s is HeldState => s !== null).map(after);
      const count = (s: HeldState, cls: LockClass): number => s.held.filter((h) => h.class === cls).length;
      releasedEach = back.length ? distinct(cur.held).map((h) => h.class).filter((c) => back.every((b) => count(b, c) < count(cur, c))) : [];
      cur = join([entry, ...back]) ?? entry;
    }
    this.continues.pop();
    this.breakDepth.pop();
    this.continueDepth.pop();
    const breaks = this.breaks.pop() ?? [];
    // An unlock-all loop (`kvm_for_each_vcpu(i, vcpu, kvm) mutex_unlock(&vcpu->mutex);`) releases one
    // instance of a class on every iteration: after it none is held, as after the lock-all loop all are.
    // The zero-iteration path kept them held and gave every later lock an edge from them.
    const exit: HeldState = { ...cur, held: cur.held.filter((h) => !releasedEach.includes(h.class)) };
    return join([exit, ...breaks]);
  }

  /** `scoped_guard(T, &x) { }`, `scoped_cond_guard(T, fail, &x) { }`, `list_for_each_entry(...) { }`. */
  private macroWithBody(macro: CMacroBlock, state: HeldState): HeldState | null {
    const { name, args, body } = macro;
    if (name === 'scoped_guard' || name === 'scoped_cond_guard') {
      const prim = guardPrimitive(args[0]?.text ?? '', 'scoped-guard');
      // scoped_cond_guard(T, fail, &x): the lock arguments come after the failure action.
      const use = prim ? this.args.guardUse(prim, args.slice(name === 'scoped_guard' ? 1 : 2), macro.head) : null;
      if (!use || !prim) return this.stmt(body, state);
      const inside = this.takeGuard(use, prim, macro.line, state);
      // scoped_guard() is a one-pass for loop around its body: break and continue leave the
      // guard's scope (releasing it), not the enclosing loop; a goto out of it releases it too.
      this.guardScopes.push({ block: body, guards: [use.class] });
      this.breaks.push([]);
      this.continues.push([]);
      this.breakDepth.push(this.guardScopes.length - 1);
      this.continueDepth.push(this.guardScopes.length - 1);
      const out = this.stmt(body, inside);
      this.guardScopes.pop();
      this.breakDepth.pop();
      this.continueDepth.pop();
      const exits = [...(this.breaks.pop() ?? []), ...(this.continues.pop() ?? [])];
      const done = out ? release(out, use.class) ?? out : null;
      return join([...(done ? [done] : []), ...exits]);
    }
    const s = this.exprs(args, state);
    if (/for_each|while/.test(name)) return this.loopBody(body, s, (x) => x);
    return this.stmt(body, s);
  }

  // ---- expressions ------------------------------------------------------

  private exprs(nodes: readonly (SyntaxNode | null)[], state: HeldState): HeldState {
    let s = state;
    for (const n of nodes) s = this.expr(n, s);
    return s;
  }

  /** Calls inside an expression, innermost first (arguments are evaluated before the call). */
  private expr(node: SyntaxNode | null, state: HeldState, skip?: SyntaxNode): HeldState {
    if (!node) return state;
    let s = state;
    // The native traversal finds the calls without materialising every node (the walk's hot spot);
    // ordering by end offset visits arguments before the call that takes them, as C evaluates them.
    let ordered = this.ordered.get(node);
    if (!ordered) {
      const ends = this.callEnds;
      ordered = this.callsWithin(node).sort((a, b) => (ends[a] as number) - (ends[b] as number) || (this.calls[b] as SyntaxNode).startIndex - (this.calls[a] as SyntaxNode).startIndex);
      this.ordered.set(node, ordered);
    }
    for (const i of ordered) {
      const c = this.calls[i] as SyntaxNode;
      if (!(skip && c.id === skip.id)) s = this.call(i, s);
    }
    return s;
  }

  /** The calls inside `node` (node itself included), as indexes into the body's sorted call list. */
  private callsWithin(node: SyntaxNode): number[] {
    let lo = 0;
    let hi = this.calls.length;
    const start = node.startIndex;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.calls[mid] as SyntaxNode).startIndex < start) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    const end = node.endIndex;
    for (let i = lo; i < this.calls.length; i++) {
      if ((this.calls[i] as SyntaxNode).startIndex >= end) break;
      if ((this.callEnds[i] as number) <= end) out.push(i);
    }
    return out;
  }

  /** What the walk reads of the call `calls[i]` that does not depend on the state: read on its first visit. */
  private callFactsOf(i: number): CallFacts {
    let f = this.callFacts[i];
    if (!f) {
      const call = this.calls[i] as SyntaxNode;
      const { fn, fnType, name, args } = this.args.calls.of(call);
      f = { args, guardType: null, callee: null, unnamed: null, argValues: undefined, prim: undefined };
      if (fnType === 'call_expression' && fn && callName(fn) === 'guard') {
        f.guardType = fn.childForFieldName('arguments')?.namedChildren[0]?.text ?? '';
      } else if (!name) {
        if (fn) this.unnamedCallFacts(f, call, fn, fnType);
      } else if (name !== 'guard' && !isOpsMacro(name) && !isNameHalf(call, name)) {
        f.callee = this.typedefCallee(name);
        if (f.callee === null) {
          f.prim = lookupPrimitive(name);
          if (!f.prim) f.callee = name;
        }
      }
      if (f.callee !== null) f.argValues = argumentValues(args, this.params);
      this.callFacts[i] = f;
    }
    return f;
  }

  /**
   * What a call whose function is not a name calls: a table slot, a macro-built name, a scoped
   * class's constructor, a name in parentheses; nothing for a cast or an asm statement the parser
   * read as a call; else it is unnamed, counted by its text (read only for these few calls).
   */
  private unnamedCallFacts(f: CallFacts, call: SyntaxNode, fn: SyntaxNode, fnType: string | null): void {
    const isVariable = (v: string): boolean => this.env.vars.has(v);
    const constructor = classConstructor(fn, fnType);
    if (constructor !== null) {
      f.callee = constructor;
      return;
    }
    if (isCastCall(fn, fnType, isVariable)) return;
    // `(r->get_user)(vcpu, r, uaddr)`, `(memcpy)(d, s, n)`: the parentheses change nothing.
    const { node: target, type } = fnType === 'parenthesized_expression' ? stripped(fn) : { node: fn, type: fnType };
    if (type === 'identifier' && !isVariable(target.text)) {
      f.prim = lookupPrimitive(target.text);
      if (!f.prim) f.callee = target.text;
      return;
    }
    // `(*handler)(vcpu)`, `(handler)(vcpu)` with `exit_handle_fn handler`: as `handler(vcpu)`.
    const pointer = type === 'pointer_expression' ? target.childForFieldName('argument') : target;
    f.callee = pointer?.type === 'identifier' ? this.typedefCallee(pointer.text) : null;
    if (f.callee !== null) return;
    f.callee = macroBuiltCallee(target, type) ?? opsCallee(call, (v) => this.env.vars.get(v), target, type, (st, m) => this.env.memberType(st, m));
    // A string is never called: `"r"(x)` is an asm operand the parser did not see inside its asm.
    if (f.callee === null && type !== 'string_literal' && type !== 'concatenated_string' && !isAsmText(fn.text)) f.unnamed = unnamedCallee(fn);
  }

  /** A variable of a function typedef calls what arrays of that type hold (typedefSlot()), not a function of its name. */
  private typedefCallee(name: string): string | null {
    const declared = this.env.vars.get(name);
    return declared === undefined ? null : typedefSlot(declared);
  }

  private call(i: number, state: HeldState): HeldState {
    const call = this.calls[i] as SyntaxNode;
    const { args, guardType, callee, unnamed, argValues, prim } = this.callFactsOf(i);
    // guard(T)(&x): held to the end of the enclosing block.
    if (guardType !== null) {
      const prim = guardPrimitive(guardType, 'guard');
      const use = prim ? this.args.guardUse(prim, args, call) : null;
      if (!prim || !use) return state;
      this.guardScopes.at(-1)?.guards.push(use.class);
      return this.takeGuard(use, prim, lineOf(call), state);
    }
    // A plain call, or a call through a function table slot (`ops:<struct>.<field>`).
    if (callee !== null) {
      recordCall(this.facts, callee, lineOf(call), state, argValues);
      return called(state, callee);
    }
    // A call through an expression that names no function nor slot: recorded, so that it is counted with
    // the calls outside the index (reach.ts resolves it, and fails), never dropped unseen. It leaves the
    // state as it was: no arguments to pass on and nothing known to release, as before it was recorded.
    if (unnamed !== null) {
      recordCall(this.facts, unnamed, lineOf(call), state);
      return state;
    }
    // `guard` is only ever the guard(T) half of guard(T)(&x), handled above, kvm_x86_call(f) the
    // table half of kvm_x86_call(f)(args) and FNAME(fetch) the name half of FNAME(fetch)(vcpu): none
    // is a call to anything (no callee and no primitive).
    if (!prim) return state;
    const use = this.args.use(call, prim);
    if (!use) return state;
    switch (prim.op) {
      case 'acquire':
        return this.acquire(use, prim, lineOf(call), state, args);
      case 'try':
        return this.tryLock(call, state);
      case 'sync':
        recordAcquire(this.facts, use, 'sync', lineOf(call), state);
        return state;
      case 'release': {
        // The entry release() removes: the latest of its class (a class can be held twice, see HeldState).
        const held = state.held.filter((h) => h.class === use.class).at(-1);
        const after = release(state, use.class);
        // Taken here: an ordinary release. A precondition (line 0) or a lock never seen taken is the caller's:
        // vgic_queue_irq_unlock() asserts irq_lock, drops it and then takes ap_list_lock.
        // So is a re-take of a caller's lock this function dropped (vcpu_run() drops the caller's SRCU
        // around work and takes it again each iteration): releasing it drops the caller's again.
        if (after && held && held.line > 0 && !this.retakes.has(held)) return after;
        if (!this.facts.releasesCallers.some((u) => u.class === use.class)) this.facts.releasesCallers.push(use);
        return drop(after ?? state, use.class);
      }
      case 'assert':
      case 'guard':
      case 'scoped-guard':
        return state;
    }
    return state;
  }

  private acquire(use: LockUse, prim: LockPrimitive, line: number, state: HeldState, args: SyntaxNode[] = []): HeldState {
    const subclass = prim.subclassArg !== undefined ? subclassOf(args[prim.subclassArg]) : undefined;
    recordAcquire(this.facts, use, 'acquire', line, state, subclass);
    const taken: HeldLock = { ...use, line, viaTry: false };
    if (state.dropped.includes(use.class)) this.retakes.add(taken);
    return take(state, taken);
  }

  /** A guard that does not wait (`mutex_try`) gives no edge into its lock; held either way inside its scope. */
  private takeGuard(use: LockUse, prim: GuardPrimitive, line: number, state: HeldState): HeldState {
    if (!prim.waits) {
      recordAcquire(this.facts, use, 'try', line, state);
      return take(state, { ...use, line, viaTry: true });
    }
    recordAcquire(this.facts, use, 'acquire', line, state, prim.subclass);
    return take(state, { ...use, line, viaTry: false });
  }

  /** A trylock never waits: recorded, but it gives no edge into the lock; the lock is held on success. */
  private tryLock(call: SyntaxNode, state: HeldState): HeldState {
    const prim = lookupPrimitive(this.args.calls.of(call).name ?? '');
    const use = prim ? this.args.use(call, prim) : null;
    if (!use) return state;
    recordAcquire(this.facts, use, 'try', lineOf(call), state);
    return take(state, { ...use, line: lineOf(call), viaTry: true });
  }
}

/** The state-free answers about one call of the body (Walker.callFactsOf). */
interface CallFacts {
  args: SyntaxNode[];
  /** T of `guard(T)(&x)`; null for other calls. */
  guardType: string | null;
  /** What recordCall() records the call as: its name, or its table slot; null for a primitive, a macro half, or an unnamed call. */
  callee: string | null;
  /** A call through an expression that names no function nor table slot, as unnamedCallee() gives it; else null. */
  unnamed: string | null;
  argValues: ArgValue[] | undefined;
  /** The lock primitive a named call is (not for `guard` and the table macros). */
  prim: LockPrimitive | undefined;
}

/** The constant values of a switch body's case labels; null when one is not a constant. */
function caseValues(body: SyntaxNode | null): string[] | null {
  const out: string[] = [];
  for (const c of body?.namedChildren ?? []) {
    if (c?.type !== 'case_statement') continue;
    const label = c.childForFieldName('value');
    if (!label) continue;
    const v = constantOf(label);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}
