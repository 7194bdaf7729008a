/** Function extraction from the fixtures: names, params, lines, annotations, damage, ERROR regions, locals. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { extractFunctions, localDeclarations } from '../../analyzers/c/functions.js';
import type { ParsedFile } from '../../analyzers/c/parse-file.js';
import { parseC } from '../../analyzers/c/parser.js';
import { fixtureSource, fn, parseFixture } from './fixture.js';

describe('annotations.c', () => {
  let parsed: ParsedFile;
  beforeAll(async () => {
    parsed = await parseFixture('annotations.c');
  });
  afterAll(() => parsed.dispose());

  it('extracts every function cleanly once the attributes are blanked', () => {
    expect(parsed.functions.map((f) => f.name)).toEqual([
      'demo_module_init', 'demo_is_enabled', 'demo_arch_hook', 'demo_lock_pair', 'demo_unlock_pair',
      'demo_update_slot', 'demo_try_grab', 'demo_log', 'demo_name',
    ]);
    expect(parsed.stats).toEqual({ clean: 9, damaged: 0, skipped: [] });
    expect(parsed.functions.map((f) => f.file)).toContain('fixtures/c/annotations.c');
  });

  it('reads static, 1-based lines and params with annotations dropped from types', () => {
    expect(fn(parsed, 'demo_arch_hook')).toMatchObject({
      static: false,
      line: 14,
      endLine: 17,
      params: [{ name: 'vm', type: 'struct demo_vm *' }, { name: 'argp', type: 'void *' }],
    });
    expect(fn(parsed, 'demo_is_enabled').params).toEqual([{ name: 'regs', type: 'struct demo_dev *' }]);
    expect(fn(parsed, 'demo_log').params.map((p) => p.name)).toEqual(['vm', 'fmt']);
  });

  it('reports the lock annotations of each header', () => {
    expect(fn(parsed, 'demo_lock_pair').annotations).toEqual([
      { kind: 'acquires', expr: '&p->outer' },
      { kind: 'acquires', expr: 'p->inner_lock' },
    ]);
    expect(fn(parsed, 'demo_unlock_pair').annotations).toEqual([
      { kind: 'releases', expr: '&p->outer' },
      { kind: 'releases', expr: 'p->inner_lock' },
    ]);
    expect(fn(parsed, 'demo_update_slot').annotations).toEqual([{ kind: 'must_hold', expr: '&vm->slots[(idx)].lock' }]);
    expect(fn(parsed, 'demo_try_grab').annotations).toEqual([{ kind: 'acquires', expr: '&vm->lock', conditional: true }]);
    expect(fn(parsed, 'demo_name').annotations).toEqual([]);
  });
});

describe('ifdef-expression.c', () => {
  it('parses every function cleanly, both #if branches of a definition included', async () => {
    const parsed = await parseFixture('ifdef-expression.c');
    expect(parsed.functions.map((f) => [f.name, f.line, f.damaged])).toEqual([
      ['demo_compute', 12, false],
      ['demo_choose', 23, false],
      ['demo_after_dead', 43, false],
      ['demo_both', 50, false],
      ['demo_both', 53, false],
      ['demo_both', 55, false],
      ['demo_last', 58, false],
    ]);
    parsed.dispose();
  });
});

describe('error-region.c', () => {
  it('without pre-blanking: descends into the ERROR node and reports the lost function', async () => {
    const source = fixtureSource('error-region.c');
    const tree = await parseC(source);
    const { functions, stats } = extractFunctions(tree, 'error-region.c', source);
    const inError = functions.filter((f) => f.body.parent?.parent?.type === 'ERROR').map((f) => f.name);
    expect(inError).toEqual(['demo_second', 'demo_third', 'demo_fourth']);
    expect(functions.map((f) => f.name)).toEqual(['demo_first', 'demo_second', 'demo_third', 'demo_fourth']);
    expect(functions.find((f) => f.name === 'demo_second')?.damaged).toBe(false);
    expect(stats.skipped).toEqual([{ name: 'demo_ready', line: 14, reason: 'function header and body split by a parse error' }]);
    tree.delete();
  });

  it('with pre-blanking: every function, none damaged', async () => {
    const parsed = await parseFixture('error-region.c');
    expect(parsed.functions.map((f) => f.name)).toEqual(['demo_first', 'demo_ready', 'demo_second', 'demo_third', 'demo_fourth']);
    expect(parsed.stats).toEqual({ clean: 5, damaged: 0, skipped: [] });
    parsed.dispose();
  });

  it('marks a body with parse errors as damaged', async () => {
    const source = 'static int demo(struct demo_vm *vm)\n{\n\tasm volatile(DEMO_ASM("nop") ::: "memory");\n\treturn vm->a;\n}\n';
    const tree = await parseC(source);
    const { functions, stats } = extractFunctions(tree, 'x.c', source);
    expect(functions.map((f) => [f.name, f.damaged])).toEqual([['demo', true]]);
    expect(stats).toMatchObject({ clean: 0, damaged: 1 });
    tree.delete();
  });
});

describe('types.c', () => {
  let parsed: ParsedFile;
  beforeAll(async () => {
    parsed = await parseFixture('types.c');
  });
  afterAll(() => parsed.dispose());

  it('normalises parameter types', () => {
    expect(fn(parsed, 'demo_types').params).toEqual([
      { name: 'vcpu', type: 'struct demo_vcpu *' },
      { name: 'slot', type: 'struct demo_slot *' },
      { name: 'flags', type: 'unsigned long' },
      { name: 'uaddr', type: 'u64 *' },
      { name: 'names', type: 'char **' },
      { name: 'cb', type: 'int (*)()' },
      { name: 'n', type: 'unsigned int' },
    ]);
    expect(fn(parsed, 'demo_noargs').params).toEqual([]);
    expect(fn(parsed, 'demo_lookup').params).toEqual([
      { name: 'vms', type: 'struct demo_vm * []' },
      { name: 'id', type: 'unsigned long' },
    ]);
  });

  it('lists local declarations of nested blocks with their lines', () => {
    const locals = localDeclarations(fn(parsed, 'demo_types').body);
    expect(locals.map((d) => `${d.line} ${d.name}: ${d.type}`)).toEqual([
      '8 vm: struct demo_vm *',
      '8 other: struct demo_vm *',
      '9 slots: struct demo_slot **',
      '10 ticks: unsigned long long',
      '11 entries: struct demo_entry []',
      '12 role: union demo_role',
      '13 mode: enum demo_mode',
      '14 owner: struct demo_vm *',
      '15 cap: unsigned long',
      '17 i: int',
      '18 vcpu: struct demo_vcpu *',
      '19 bytes: u8 *',
    ]);
    expect(fn(parsed, 'demo_types').damaged).toBe(false);
  });
});
