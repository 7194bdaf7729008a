import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFile } from '../../analyzers/c/parse-file.js';
import { typeEnv } from '../../analyzers/index/index-tree.js';
import { mergeStructTypes } from '../../analyzers/c/struct-types.js';
import { walkFunction } from '../../analyzers/locks/walk.js';
import { FIXTURES } from '../helpers/paths.js';

describe('function tables', () => {
  it('reads designated initializers of struct variables, skipping non-function values', async () => {
    const p = await parseFile('arch/x86/kvm/demo.c', readFileSync(join(FIXTURES, 'c', 'ops-table.c'), 'utf8'));
    try {
      expect(p.ops.map((o) => `${o.struct}.${o.field}=${o.fn}`)).toEqual(['demo_ops.run=demo_vendor_run', 'demo_ops.reset=demo_vendor_reset']);
      const enter = p.functions.find((f) => f.name === 'demo_enter');
      if (!enter) throw new Error('demo_enter not parsed');
      const facts = walkFunction(enter, typeEnv(enter, mergeStructTypes(p.structs), null));
      // kvm_x86_call(), static_call() keys, a typed pointer, a global named after its struct.
      expect(facts.calls.map((c) => c.callee)).toEqual([
        'ops:kvm_x86_ops.vcpu_run',
        'ops:kvm_pmu_ops.refresh',
        'ops:demo_ops.reset',
        'ops:demo_vendor_ops.run',
      ]);
    } finally {
      p.dispose();
    }
  });
});
