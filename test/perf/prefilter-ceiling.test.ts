/**
 * The bench's measure of a perfect pre-filter (test/bench/prefilter-ceiling.ts): from the facts of
 * a full index, the bodies from which no lock can be reached, blanked before the parse by a module
 * hook around parseC() (blank-bodies-loader.ts), with the analysis unchanged. On the small tree of
 * fixtures/bench/prefilter, then through the built command line on a copy of it that has what
 * `check --tree` asks of a kernel tree.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preprocess } from '../../analyzers/c/preprocess.js';
import { indexTree, type FileFacts } from '../../analyzers/index/index-tree.js';
import { BLANK_PLAN_ENV, blankRanges, textKey } from '../bench/blank-bodies.js';
import { bodiesReachingNoLock, ceilingPlan, sameAnalysis, writeCeilingPlan } from '../bench/prefilter-ceiling.js';
import { BIN } from '../helpers/run-bin.js';
import { FIXTURES, ROOT, kernelTree } from '../helpers/paths.js';

const TREE = join(FIXTURES, 'bench', 'prefilter');
const FILE = 'virt/kvm/demo_prefilter.c';

let files: FileFacts[];
let tmp: string;

beforeAll(async () => {
  files = (await indexTree(TREE, { cache: { disabled: true }, files: [FILE] })).files;
  tmp = mkdtempSync(join(tmpdir(), 'kvm-review-ceiling-'));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the bodies a perfect pre-filter leaves out', () => {
  it('are those that reach no lock by any call, slot, put or assertion, and fill no slot', () => {
    expect(bodiesReachingNoLock(files).map((f) => f.name)).toEqual(['demo_count', 'demo_no_lock']);
  });

  it('are blanked inside their braces, every line and every other character where it was', () => {
    const text = preprocess(readFileSync(join(TREE, FILE), 'utf8')).text;
    const { plan, bodies, unplaced } = ceilingPlan(TREE, files);
    expect({ bodies, unplaced }).toEqual({ bodies: 2, unplaced: 0 });
    const ranges = plan[textKey(text)] ?? [];
    const blanked = blankRanges(text, ranges);
    expect(blanked.length).toBe(text.length);
    expect(blanked.split('\n').length).toBe(text.split('\n').length);
    expect(blanked).not.toContain('while (*v++)');
    expect(blanked).not.toContain('demo_outside_helper');
    expect(blanked).toContain('static int demo_no_lock(int *v)\n{\n');
    // What reaches a lock is untouched.
    for (const kept of ['mutex_lock(&kvm->lock);', 'ops->flush(kvm);', 'kvm_put_kvm(kvm);', 'ops->flush = demo_flush_locked;']) expect(blanked).toContain(kept);
    for (const [from, to] of ranges) expect(`${text[from - 1] ?? ''}${text[to] ?? ''}`).toBe('{}');
  });
});

describe('a check with the plan blanking them', () => {
  it('says the same as without, having parsed less (the call outside the tree, under kvm->lock, is gone)', () => {
    const tree = join(tmp, 'tree');
    for (const dir of ['virt/kvm', 'arch/x86/kvm', 'Documentation/virt/kvm']) mkdirSync(join(tree, dir), { recursive: true });
    copyFileSync(join(TREE, FILE), join(tree, 'virt/kvm/kvm_main.c'));
    writeFileSync(join(tree, 'arch/x86/kvm/x86.c'), 'int kvm_arch_demo(void)\n{\n\treturn 0;\n}\n');
    // Read from the real tree at test time: `check --tree` asks for both files.
    copyFileSync(join(kernelTree('6.12'), 'Documentation/virt/kvm/locking.rst'), join(tree, 'Documentation/virt/kvm/locking.rst'));
    const plan = join(tmp, 'plan.json');
    const counts = writeCeilingPlan(tree, files.map((f) => ({ ...f, file: 'virt/kvm/kvm_main.c', functions: f.functions.map((fn) => ({ ...fn, file: 'virt/kvm/kvm_main.c' })) })), plan);
    expect(counts.bodies).toBe(2);
    const check = (hooked: boolean): { code: number | null; json: { stats: { unresolvedCalls: number } }; out: string } => {
      const r = spawnSync(
        process.execPath,
        [...(hooked ? ['--import', join(ROOT, 'dist', 'test', 'bench', 'blank-bodies-hook.js')] : []), BIN, 'check', '--tree', tree, '--format', 'json', '--cache-dir', join(tmp, hooked ? 'c1' : 'c0')],
        { encoding: 'utf8', env: { ...process.env, KVM_REVIEW_DAEMON: 'off', [BLANK_PLAN_ENV]: plan } },
      );
      expect(r.stderr).toBe('');
      return { code: r.status, json: JSON.parse(r.stdout) as { stats: { unresolvedCalls: number } }, out: r.stdout };
    };
    const plain = check(false);
    const blanked = check(true);
    expect(blanked.code).toBe(plain.code);
    expect(sameAnalysis(blanked.out, plain.out)).toBe(true);
    expect(JSON.parse(plain.out)).toMatchObject({ observed: expect.arrayContaining([expect.objectContaining({ outer: 'kvm->lock', inner: 'kvm->mmu_lock' })]) });
    expect(blanked.json.stats.unresolvedCalls).toBe(plain.json.stats.unresolvedCalls - 1);
  }, 60_000);

  it('tells a different analysis from the same one', () => {
    const out = (findings: unknown[]): string => JSON.stringify({ findings, documented: [], observed: [], doc: {}, stats: { ms: Math.random() } });
    expect(sameAnalysis(out([]), out([]))).toBe(true);
    expect(sameAnalysis(out([{ kind: 'cycle' }]), out([]))).toBe(false);
  });
});
