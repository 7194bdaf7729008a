/**
 * Statement macros with bodies, paired with their body whatever shape
 * tree-sitter gives them (macro-blocks.ts describes the shapes).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { statementsOf } from '../../analyzers/c/functions.js';
import type { CMacroBlock } from '../../analyzers/c/model.js';
import type { ParsedFile } from '../../analyzers/c/parse-file.js';
import { lineOf } from '../../analyzers/c/parser.js';
import { fn, parseFixture } from './fixture.js';

/** `name(args) -> body type @ body line` for compact comparison. */
const show = (m: CMacroBlock): string => `${m.line} ${m.name}(${m.args.map((a) => a.text).join(', ')}) -> ${m.body.type}@${lineOf(m.body)} [${m.shape}]`;

describe('macro-blocks.c', () => {
  let parsed: ParsedFile;
  beforeAll(async () => {
    parsed = await parseFixture('macro-blocks.c');
  });
  afterAll(() => parsed.dispose());

  it('parses every function without damage', () => {
    expect(parsed.stats).toEqual({ clean: 6, damaged: 0, skipped: [] });
  });

  it('scoped_guard with a block and with one statement; guard() stays a call', () => {
    const f = fn(parsed, 'demo_guards');
    expect(f.macros.all.map(show)).toEqual([
      '7 scoped_guard(spinlock, &vm->stats_lock) -> compound_statement@7 [rewritten]',
      '10 scoped_guard(rcu) -> expression_statement@11 [rewritten]',
    ]);
    const stmts = [...statementsOf(f.body, f.macros)];
    expect(stmts.map(({ stmt, macro }) => `${lineOf(stmt)} ${macro?.name ?? stmt.type}`)).toEqual([
      '6 expression_statement', // guard(mutex)(&vm->lock);
      '7 scoped_guard',
      '10 scoped_guard',
      '12 expression_statement',
    ]);
    expect(stmts[0]?.stmt.text).toBe('guard(mutex)(&vm->lock);');
  });

  it('list_for_each_entry, kvm_for_each_vcpu-like and for_each_possible_cpu loops', () => {
    expect(fn(parsed, 'demo_loops').macros.all.map(show)).toEqual([
      '22 list_for_each_entry(node, &vm->nodes, link) -> compound_statement@22 [rewritten]',
      '25 list_for_each_entry_safe(node, tmp, &vm->nodes, link) -> expression_statement@26 [rewritten]',
      '27 demo_for_each_vcpu(i, vcpu, vm) -> expression_statement@28 [rewritten]',
      '29 for_each_possible_cpu(cpu) -> compound_statement@29 [rewritten]',
    ]);
  });

  it('macros under if/else and nested macros keep their own bodies', () => {
    const f = fn(parsed, 'demo_nested');
    expect(f.macros.all.map(show)).toEqual([
      '40 demo_for_each_vcpu(i, vcpu, vm) -> expression_statement@41 [rewritten]',
      '43 scoped_guard(mutex, &vm->lock) -> compound_statement@43 [rewritten]',
      '46 demo_for_each_vcpu(i, vcpu, vm) -> while_statement@47 [rewritten]',
      '47 scoped_guard(spinlock, &vcpu->lock) -> expression_statement@48 [rewritten]',
    ]);
    const [first] = f.macros.all;
    expect(first?.head.parent?.type).toBe('if_statement'); // the if's consequence, so the else still pairs
  });

  it('a loop macro right after a directive line', () => {
    expect(fn(parsed, 'demo_after_directive').macros.all.map(show)).toEqual([
      '66 list_for_each_entry(node, &vm->nodes, link) -> expression_statement@67 [rewritten]',
    ]);
  });

  it('scoped_cond_guard keeps its three arguments, the failure statement included', () => {
    expect(fn(parsed, 'demo_cond_guard').macros.all.map(show)).toEqual([
      '73 scoped_cond_guard(mutex_intr, return -EINTR, &vm->lock) -> compound_statement@73 [rewritten]',
    ]);
  });

  it('a name too short to rewrite pairs the call with the block after it', () => {
    const f = fn(parsed, 'demo_short_name');
    expect(f.macros.all.map(show)).toEqual(['55 fe(i, &vm->set) -> compound_statement@55 [sibling]']);
    expect(f.damaged).toBe(false); // the MISSING `;` of the pair is the macro's shape, not damage
    const stmts = [...statementsOf(f.body, f.macros)];
    expect(stmts.map(({ stmt, macro }) => `${lineOf(stmt)} ${macro?.name ?? stmt.type}`)).toEqual([
      '53 declaration',
      '55 fe',
      '58 expression_statement',
    ]);
  });
});
