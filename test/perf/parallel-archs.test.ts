/**
 * A cold `check` observes each architecture as soon as the facts of its
 * files are in, while the index goes on (audit-archs.ts): the analyses it
 * gives are, architecture by architecture, the ones the whole step gives
 * on the finished index; an architecture missing a file waits for the end;
 * the index hands each file's facts to onFacts once and, given ranks, still
 * returns its files in the tree's order.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { analyseArch, type ArchAnalysis } from '../../analyzers/arch-analysis.js';
import { ArchSteps } from '../../analyzers/audit-archs.js';
import { archOf, indexedFiles, treeArchs } from '../../analyzers/index/files.js';
import { indexTree, type FileFacts, type TreeIndex } from '../../analyzers/index/index-tree.js';
import { codeClasses } from '../../analyzers/rules/index.js';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { kernelTree } from '../helpers/paths.js';

const tree = kernelTree('6.1');
let archs: string[];
let doc: DocumentedOrder;
let index: TreeIndex;
const delivered: string[] = [];

/** Until the immediates queued by onFacts have run (what the event loop does between the index's messages). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const json = (a: ArchAnalysis[]): string => JSON.stringify(a);

beforeAll(async () => {
  archs = await treeArchs(tree);
  doc = loadDocumentedOrder({ tree, cwd: '/' });
  // Architectures last-first: the result must keep the tree's order all the same.
  const rank = (f: string): number => (archOf(f) === null ? 0 : archs.length - archs.indexOf(archOf(f) ?? ''));
  index = await indexTree(tree, { cache: { disabled: true }, threads: 1, rank, onFacts: (f) => delivered.push(f) });
});

/** The per-architecture step on the finished index, as audit.ts ran it before. */
function whole(classes: Set<LockClass>): ArchAnalysis[] {
  const functions = index.files.flatMap((f) => f.functions);
  const ops = index.files.flatMap((f) => f.ops);
  return archs.map((arch) => analyseArch({ arch, functions, ops, doc, codeClasses: classes, cache: { dir: null, keys: index.keys } }));
}

describe('the index hands on each file as it comes', () => {
  it('once per file, every file, and returns them in the tree order', async () => {
    expect([...delivered].sort()).toEqual(index.files.map((f) => f.file).sort());
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(index.files.map((f) => f.file)).toEqual((await indexedFiles(tree)).filter((f) => index.keys.has(f)));
  });
});

describe('each architecture observed early', () => {
  it('gives the analyses of the whole step, and every architecture was observed before the end', async () => {
    const steps = new ArchSteps({ archs, files: index.files.map((f) => f.file), doc, cache: { dir: null, keys: index.keys } });
    for (const f of index.files) {
      steps.onFacts(f.file, f);
      await settle();
    }
    expect(steps.observedEarly.sort()).toEqual([...archs].sort());
    const classes = codeClasses(index.files.flatMap((f) => f.functions));
    const early = steps.analyses(index.files, classes);
    expect(early.map((a) => a.arch)).toEqual(archs);
    expect(early.some((a) => a.findings.length > 0)).toBe(true);
    expect(early.every((a) => !a.error)).toBe(true);
    expect(json(early)).toBe(json(whole(classes)));
  });

  it('an architecture with a file that never came is analysed at the end, the others early, the same analyses', async () => {
    const held = index.files.find((f) => archOf(f.file) === 'arm64') as FileFacts;
    const steps = new ArchSteps({ archs, files: index.files.map((f) => f.file), doc, cache: { dir: null, keys: index.keys } });
    for (const f of index.files) if (f !== held) steps.onFacts(f.file, f);
    await settle();
    expect(steps.observedEarly.sort()).toEqual(archs.filter((a) => a !== 'arm64').sort());
    // A late file after the end changes nothing: the step is closed.
    const classes = codeClasses(index.files.flatMap((f) => f.functions));
    const out = steps.analyses(index.files, classes);
    steps.onFacts(held.file, held);
    await settle();
    expect(steps.observedEarly).not.toContain('arm64');
    expect(json(out)).toBe(json(whole(classes)));
  });

  it('orders the index: generic files first, the architecture with most files next', () => {
    const steps = new ArchSteps({ archs, files: index.files.map((f) => f.file), doc, cache: { dir: null, keys: index.keys } });
    const rank = steps.rankOf();
    const count = (a: string): number => index.files.filter((f) => archOf(f.file) === a).length;
    expect(rank('virt/kvm/kvm_main.c')).toBe(0);
    const byRank = [...archs].sort((a, b) => rank(`arch/${a}/kvm/x.c`) - rank(`arch/${b}/kvm/x.c`));
    expect(byRank.map(count)).toEqual([...byRank.map(count)].sort((a, b) => b - a));
    expect(new Set(archs.map((a) => rank(`arch/${a}/kvm/x.c`))).size).toBe(archs.length);
  });
});
