/**
 * A patched file's facts, walked again with the facts of the functions the
 * patch left alone reused (reuse-facts.ts), must be the facts a full walk of
 * the new text gives, function for function and line for line. Real files of
 * both trees, patches of every kind: inside a function (lines that only move
 * what follows, a lock pair, an assert, a line dropped, an `#ifdef` pair), a
 * macro defined, a function added, removed or renamed, a prototype added, and
 * patches that change the file's scope (a struct, a comment left open, a
 * brace too many, a definition wrapped in `#if 0`), where nothing may be
 * reused that the walk would now see otherwise, and the rest still is.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseState } from '../../analyzers/review/analyse-state.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { OverlayTree } from '../../analyzers/trees/overlay-tree.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { parseFile } from '../../analyzers/c/parse-file.js';
import type { StructTypes } from '../../analyzers/c/model.js';
import { mergeStructTypes } from '../../analyzers/c/struct-types.js';
import { indexedFiles } from '../../analyzers/index/files.js';
import { factsOf } from '../../analyzers/index/file-facts.js';
import { indexTree } from '../../analyzers/index/index-tree.js';
import { changedStructs, rewalkInPlace, TypeChange, unchangedFacts } from '../../analyzers/index/reuse-facts.js';
import { kernelTree } from '../helpers/paths.js';

const ARCHS = ['x86', 'arm64'];

/** A small deterministic generator: the same edits on every run. */
function generator(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** `at` is a line inside a function body (0-based), `indent` its indentation; `top` a line at file scope before a function. */
type Edit = (lines: string[], at: number, indent: string, top: number) => string[];

const insert = (l: string[], at: number, ...add: string[]): string[] => [...l.slice(0, at), ...add, ...l.slice(at)];

/** Edits whose facts may be reused for the functions they do not touch. */
const LOCAL: Record<string, Edit> = {
  comment: (l, at, ind) => insert(l, at + 1, `${ind}/* moved */`),
  assert: (l, at, ind) => insert(l, at + 1, `${ind}lockdep_assert_held(&kvm->lock);`),
  lockPair: (l, at, ind) => insert(l, at + 1, `${ind}mutex_lock(&kvm->slots_lock);`, `${ind}mutex_unlock(&kvm->slots_lock);`),
  dropLine: (l, at) => [...l.slice(0, at), ...l.slice(at + 1)],
  twoPlaces: (l, at, ind) => insert(insert(l, at + 1, `${ind}/* one */`), Math.max(0, at - 40), ''),
  newFunction: (l, _at, _ind, top) => insert(l, top, 'static void kvm_review_new(struct kvm *kvm)', '{', '\tmutex_lock(&kvm->lock);', '\tmutex_unlock(&kvm->lock);', '}', ''),
};

/**
 * Directives, which pre-blanking blanks: re-walked in place when every line the patch kept is
 * pre-blanked as it was.
 */
const DIRECTIVES: Record<string, Edit> = {
  ifdefInside: (l, at, ind) => insert(l, at + 1, '#ifdef CONFIG_KVM_REVIEW', `${ind}mutex_lock(&kvm->lock);`, '#endif'),
  macro: (l, _at, _ind, top) => insert(l, top, '#define mutex_lock(x) spin_lock(x)', ''),
};

/**
 * Edits between definitions: re-walked in place, the changed stretch between two definitions parsed
 * with the definition after it, unless that stretch holds a struct, a function table or a directive.
 */
const STRETCH: Record<string, Edit> = {
  prototype: (l, _at, _ind, top) => insert(l, top, 'void kvm_review_proto(struct kvm *kvm);', ''),
  // The definition at `top` gone, its closing brace and the blank line after it too.
  removeFunction: (l, _at, _ind, top) => {
    const end = l.indexOf('}', top);
    return [...l.slice(0, top), ...l.slice(end + (l[end + 1] === '' ? 2 : 1))];
  },
  // Its first line rewritten: the definition is read again from the stretch it is now in.
  renameFunction: (l, _at, _ind, top) => [...l.slice(0, top), (l[top] ?? '').replace('(', '_kvm_review('), ...l.slice(top + 1)],
};

/** Edits that change the file's scope: whatever is reused must still equal the walk. */
const SCOPE: Record<string, Edit> = {
  // The file's own struct kvm_vcpu, whose kvm is another type: every vcpu->kvm->lock reads otherwise.
  struct: (l, _at, _ind, top) => insert(l, top, 'struct kvm_vcpu { struct kvm_review_other *kvm; };', ''),
  openComment: (l, _at, _ind, top) => insert(l, top, '/*'),
  // The definition at `top` made dead code: its lines, kept as written, are blanked now.
  ifZero: (l, _at, _ind, top) => {
    const end = l.indexOf('}', top);
    return [...l.slice(0, top), '#if 0', ...l.slice(top, end + 1), '#endif', ...l.slice(end + 1)];
  },
  extraBrace: (l, at, ind) => insert(l, at + 1, `${ind}if (kvm) {`),
};

/** Every struct type of the tree's headers, as a review's state has them. */
async function headerTypes(tree: string): Promise<StructTypes> {
  const headers = (await indexedFiles(tree)).filter((f) => f.endsWith('.h'));
  return (await indexTree(tree, { cache: { disabled: true }, files: headers, threads: 1 })).types.types;
}

async function facts(file: string, text: string, types: StructTypes, earlier?: { text: string; facts: ReturnType<typeof factsOf> }): Promise<{ json: string; reused: number; count: number }> {
  const p = await parseFile(file, text);
  try {
    const known = earlier ? unchangedFacts(earlier, text, p) : undefined;
    const f = factsOf(p, types, Buffer.byteLength(text), known);
    // A damaged function (parse errors in its body) is always walked again.
    return { json: JSON.stringify(f), reused: known?.size ?? 0, count: p.functions.filter((fn) => !fn.damaged).length };
  } finally {
    p.dispose();
  }
}

/** Lines inside function bodies (a tab-indented statement) and lines at file scope just before a definition. */
function places(lines: string[]): { inside: number[]; top: number[] } {
  const inside: number[] = [];
  const top: number[] = [];
  lines.forEach((l, i) => {
    if (/^\t+[a-z_]\w*\(.*\);$/.test(l)) inside.push(i);
    if (/^(static )?[a-z_].*\w\(.*\)$/.test(l) && lines[i + 1] === '{' && lines[i - 1] === '') top.push(i);
  });
  return { inside, top };
}

interface Probe {
  local: number;
  reused: number;
  inPlace: number;
  /** Edits between definitions, and those of them re-walked in place. */
  stretch: number;
  stretchInPlace: number;
  /** Scope edits: functions reused and functions in all. */
  scopeReused: number;
  scopeCount: number;
  /** Files with functions that asked for a member of struct kvm_vcpu, and those of them where the struct edit walked every such function again. */
  structAsked: number;
  structRewalked: number;
}

async function probe(version: '6.1' | '6.12', seed: number): Promise<Probe> {
  const tree = kernelTree(version);
  const types = await headerTypes(tree);
  const files = ['virt/kvm/kvm_main.c', 'arch/x86/kvm/x86.c', 'arch/x86/kvm/mmu/mmu.c', 'arch/arm64/kvm/mmu.c', 'arch/x86/kvm/vmx/vmx.c', 'arch/arm64/kvm/arm.c'];
  const rnd = generator(seed);
  let local = 0;
  let reused = 0;
  let inPlace = 0;
  let stretch = 0;
  let stretchInPlace = 0;
  let scopeReused = 0;
  let scopeCount = 0;
  let structAsked = 0;
  let structRewalked = 0;
  for (const file of files) {
    const text = readFileSync(join(tree, file), 'utf8');
    const before = await facts(file, text, types);
    const earlier = { text, facts: JSON.parse(before.json) as ReturnType<typeof factsOf> };
    const lines = text.split('\n');
    const { inside, top } = places(lines);
    for (const [name, edit] of [...Object.entries(LOCAL), ...Object.entries(DIRECTIVES), ...Object.entries(STRETCH), ...Object.entries(SCOPE)]) {
      const at = inside[Math.floor(rnd() * inside.length)] ?? 0;
      const indent = /^\t+/.exec(lines[at] ?? '')?.[0] ?? '\t';
      const changed = edit(lines, at, indent, top[Math.floor(rnd() * top.length)] ?? 0).join('\n');
      const want = await facts(file, changed, types);
      const got = await facts(file, changed, types, earlier);
      // The walk's own answer, whatever was reused.
      expect(`${file} ${name}: ${got.json}`).toBe(`${file} ${name}: ${want.json}`);
      // Without parsing the file, where it answers at all.
      const quick = await rewalkInPlace(earlier, changed, types);
      if (quick) expect(`${file} ${name}: ${JSON.stringify(quick)}`).toBe(`${file} ${name}: ${want.json}`);
      if (name in LOCAL || name in DIRECTIVES) {
        local++;
        // All but the touched function (or two) are kept: the point of the module.
        if (got.reused >= got.count - 2) reused++;
        // Edits inside definitions and a new function are re-walked in place; a line dropped that
        // leaves a definition broken needs the whole file parsed.
        const broken = (JSON.parse(want.json) as { damaged: number }).damaged !== earlier.facts.damaged;
        if (Boolean(quick) === !broken) inPlace++;
      } else if (name in STRETCH) {
        stretch++;
        if (got.reused >= got.count - 1) reused++;
        if (quick) stretchInPlace++;
      } else {
        // Not in place (the file's scope changed), but the file's parse reuses what its walk would see the same.
        expect(quick).toBeNull();
        scopeReused += got.reused;
        scopeCount += got.count;
        // The edit's struct kvm_vcpu has only `kvm`: a function that asked for another member gets the tree's answer still, and is reused.
        const asked = earlier.facts.lookups.filter((l) => l.includes('kvm_vcpu.kvm')).length;
        if (name === 'struct' && asked > 0) {
          structAsked++;
          if (got.reused <= got.count - asked) structRewalked++;
        }
      }
    }
  }
  return { local, reused, inPlace, stretch, stretchInPlace, scopeReused, scopeCount, structAsked, structRewalked };
}

describe('facts of a re-walked file, reusing the functions a patch left alone', () => {
  it.each<['6.1' | '6.12', number]>([
    ['6.1', 11],
    ['6.12', 29],
  ])('equal a full walk of the new text on %s', async (version, seed) => {
    const r = await probe(version, seed);
    // Every local patch reuses the untouched functions, in place, without a parse of the file. A patch to the file's scope has the file parsed, and reuses the functions whose
    // pre-blanked lines and member lookups it left as they were: most of them, but, when the file
    // defines its own struct kvm_vcpu, none that asked for a member it defines (in every file, some did).
    // An edit between definitions too, most of them in place (the others' stretches hold a struct, a
    // table or a directive).
    expect(r.reused).toBe(r.local + r.stretch);
    expect(r.inPlace).toBe(r.local);
    expect(r.local).toBe((Object.keys(LOCAL).length + Object.keys(DIRECTIVES).length) * 6);
    expect(r.stretchInPlace).toBeGreaterThanOrEqual((r.stretch * 2) / 3);
    expect(r.scopeReused).toBeGreaterThan(r.scopeCount / 2);
    expect(r.scopeReused).toBeLessThan(r.scopeCount);
    expect(r.structAsked).toBeGreaterThan(0);
    expect(r.structRewalked).toBe(r.structAsked);
  }, 300_000);
});

describe('a patch that only moves definitions (a blank line between two of them removed)', () => {
  it('is re-walked in place with nothing parsed: the facts moved, equal to a full walk of the new text', async () => {
    const tree = kernelTree('6.12');
    const types = await headerTypes(tree);
    for (const file of ['virt/kvm/kvm_main.c', 'arch/x86/kvm/x86.c']) {
      const text = readFileSync(join(tree, file), 'utf8');
      const earlier = { text, facts: JSON.parse((await facts(file, text, types)).json) as ReturnType<typeof factsOf> };
      const lines = text.split('\n');
      const { top } = places(lines);
      const at = top[Math.floor(top.length / 2)] ?? 0;
      expect(lines[at - 1]).toBe('');
      const changed = [...lines.slice(0, at - 1), ...lines.slice(at)].join('\n');
      const want = await facts(file, changed, types);
      // null would be "parse the file": with no definition touched there is nothing to parse.
      const quick = await rewalkInPlace(earlier, changed, types);
      expect(quick).not.toBeNull();
      expect(`${file}: ${JSON.stringify(quick)}`).toBe(`${file}: ${want.json}`);
    }
  }, 300_000);
});

/** The struct types with one member of one struct given another type (every definition of the name). */
function retyped(types: StructTypes, struct: string, member: string, type: string): StructTypes {
  const defs = [...types.definitions.values()].flat().map((d) => (d.name === struct && d.members.has(member) ? { ...d, members: new Map([...d.members].map(([m, t]): [string, string] => [m, m === member ? type : t])) } : d));
  return mergeStructTypes(defs);
}

describe('facts of files whose text is the same when a header changed a struct', () => {
  it.each<['6.1' | '6.12']>([['6.1'], ['6.12']])('equal a full walk with the new struct types on %s', async (version) => {
    const tree = kernelTree(version);
    const types = await headerTypes(tree);
    // vcpu->kvm becomes another type: every lock reached through it is another class (or none); most
    // functions of each file take no lock that way.
    const after = retyped(types, 'kvm_vcpu', 'kvm', 'struct kvm_review_other *');
    expect([...changedStructs(types, after)]).toEqual(['kvm_vcpu']);
    const changed = new TypeChange(types, after);
    let rewalked = 0;
    let kept = 0;
    let differ = 0;
    for (const file of ['virt/kvm/kvm_main.c', 'arch/x86/kvm/x86.c', 'arch/arm64/kvm/arm.c', 'arch/x86/kvm/xen.c', 'virt/kvm/eventfd.c']) {
      const text = readFileSync(join(tree, file), 'utf8');
      const earlier = { text, facts: JSON.parse((await facts(file, text, types)).json) as ReturnType<typeof factsOf> };
      const want = await facts(file, text, after);
      if (want.json !== JSON.stringify(earlier.facts)) differ++;
      // Without a parse of the file: only the functions that looked up struct kvm_vcpu are walked again.
      const quick = await rewalkInPlace(earlier, text, after, changed);
      expect(`${file}: ${JSON.stringify(quick)}`).toBe(`${file}: ${want.json}`);
      // With one: the others' facts reused.
      const p = await parseFile(file, text);
      try {
        const known = unchangedFacts(earlier, text, p, changed);
        expect(`${file}: ${JSON.stringify(factsOf(p, after, Buffer.byteLength(text), known))}`).toBe(`${file}: ${want.json}`);
        rewalked += p.functions.length - known.size;
        kept += known.size;
      } finally {
        p.dispose();
      }
    }
    // The change matters (some facts differ) and is local (most are kept).
    expect(differ).toBeGreaterThan(0);
    expect(rewalked).toBeGreaterThan(0);
    expect(kept).toBeGreaterThan(rewalked * 3);
  }, 300_000);

  it('a struct nobody looked up, or a field nobody asked for, changes nothing: the earlier facts come back as they were', async () => {
    const tree = kernelTree('6.12');
    const types = await headerTypes(tree);
    const file = 'virt/kvm/kvm_main.c';
    const text = readFileSync(join(tree, file), 'utf8');
    const earlier = { text, facts: JSON.parse((await facts(file, text, types)).json) as ReturnType<typeof factsOf> };
    const after = mergeStructTypes([...[...types.definitions.values()].flat(), { name: 'kvm_review_unused', file: 'include/linux/kvm_review.h', arch: null, line: 1, members: new Map([['lock', 'struct mutex']]) }]);
    expect(await rewalkInPlace(earlier, text, after, new TypeChange(types, after))).toBe(earlier.facts);
    // A field added to struct kvm: no walk asked for it.
    const grown = mergeStructTypes([...types.definitions.values()].flat().map((d) => (d.name === 'kvm' ? { ...d, members: new Map([...d.members, ['kvm_review_new', 'struct mutex']]) } : d)));
    expect([...changedStructs(types, grown)]).toEqual(['kvm']);
    expect(await rewalkInPlace(earlier, text, grown, new TypeChange(types, grown))).toBe(earlier.facts);
  }, 300_000);
});

describe('a review state after a header patch', () => {
  it.each<['6.1' | '6.12']>([['6.1'], ['6.12']])('has the facts a full index of it has, on %s', async (version) => {
    const tree = kernelTree(version);
    const files = await indexedFiles(tree);
    const doc = loadDocumentedOrder({ tree, cwd: '/' });
    const dirs = [mkdtempSync(join(tmpdir(), 'kvm-review-reuse-')), mkdtempSync(join(tmpdir(), 'kvm-review-reuse-full-'))];
    try {
      const base = new OverlayTree(new DirectoryTree(tree));
      const before = await analyseState(base, ARCHS, doc, { dir: dirs[0] }, files);
      const header = 'include/linux/kvm_host.h';
      const text = readFileSync(join(tree, header), 'utf8');
      // struct kvm_vcpu's kvm becomes another type, and struct kvm grows a field nobody uses.
      const patched = text.replace(/^(\tstruct kvm \*kvm;)$/m, '\tstruct kvm_review *kvm;').replace(/^(\tstruct mutex lock;)$/m, '$1\n\tstruct mutex kvm_review_lock;');
      expect(patched).not.toBe(text);
      const next = base.clone();
      next.write(header, patched);
      const after = await analyseState(next, ARCHS, doc, { dir: dirs[0] }, files, { state: before, changed: [header], overlay: base });
      const full = await analyseState(next, ARCHS, doc, { dir: dirs[1] }, files);
      const json = (s: { files: unknown[] }): string => JSON.stringify(s.files);
      expect(json(after)).not.toBe(json(before));
      expect(json(after) === json(full)).toBe(true);
      // Most files kept their facts: the same objects as before the patch.
      const kept = after.files.filter((f, i) => f === before.files[i]).length;
      expect(kept).toBeGreaterThan(after.files.length / 2);
      // Observed from the state before, from the files walked again: the order and findings a full observe has.
      for (const arch of ARCHS) {
        before.observed(arch);
        expect(JSON.stringify(after.observed(arch)) === JSON.stringify(full.observed(arch))).toBe(true);
        expect(JSON.stringify(after.findings(arch))).toBe(JSON.stringify(full.findings(arch)));
        expect(after.how?.(arch)?.how).toBe('incremental');
      }
    } finally {
      dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
    }
  }, 600_000);
});

/** A file of a real tree as a patch finds it: the headers' struct types, its facts (the earlier state) and its lines. */
async function realFile(version: '6.1' | '6.12', file: string): Promise<{ types: StructTypes; earlier: { text: string; facts: ReturnType<typeof factsOf> }; lines: string[] }> {
  const tree = kernelTree(version);
  const types = await headerTypes(tree);
  const text = readFileSync(join(tree, file), 'utf8');
  return { types, earlier: { text, facts: JSON.parse((await facts(file, text, types)).json) as ReturnType<typeof factsOf> }, lines: text.split('\n') };
}

describe('a patch next to a struct between definitions', () => {
  it.each<['6.1' | '6.12']>([['6.1'], ['6.12']])('is re-walked in place for a prototype after the struct, and not for a member added to it, on %s', async (version) => {
    const file = 'virt/kvm/kvm_main.c';
    const { types, earlier, lines } = await realFile(version, file);
    // The first struct the file defines, found by its content, and the end of its definition.
    const start = lines.findIndex((l) => /^struct \w+ \{$/.test(l));
    const end = lines.indexOf('};', start);
    expect(start).toBeGreaterThan(0);
    expect(earlier.facts.structs.some((d) => d.line === start + 1)).toBe(true);
    const proto = [...lines.slice(0, end + 1), '', 'void kvm_review_proto(struct kvm *kvm);', ...lines.slice(end + 1)].join('\n');
    const quick = await rewalkInPlace(earlier, proto, types);
    expect(quick).not.toBeNull();
    expect(`${file}: ${JSON.stringify(quick)}`).toBe(`${file}: ${(await facts(file, proto, types)).json}`);
    // A member added to it: the stretch's struct is not what it was, and the file is parsed whole.
    const member = [...lines.slice(0, end), '\tstruct mutex kvm_review_lock;', ...lines.slice(end)].join('\n');
    expect(await rewalkInPlace(earlier, member, types)).toBeNull();
  }, 300_000);
});

describe('a patch to a function body that fills table slots (a table filled at run time, a local initializer)', () => {
  it.each<['6.1' | '6.12']>([['6.1'], ['6.12']])('is re-walked in place when its stores only move, and parsed whole when it stores another handler, on %s', async (version) => {
    const file = 'arch/x86/kvm/vmx/nested.c';
    const { types, earlier, lines } = await realFile(version, file);
    const at = lines.findIndex((l) => /^\texit_handlers\[EXIT_REASON_VMCLEAR\]\s*= handle_vmclear;$/.test(l));
    expect(at).toBeGreaterThan(0);
    const stored = (f: { ops: { struct: string; fn: string }[] }): string[] => f.ops.filter((o) => o.struct === 'nested_vmx_hardware_setup(0)').map((o) => o.fn);
    expect(stored(earlier.facts)).toContain('handle_vmclear');
    // A comment before the first store: the function is walked again, its stores moved by a line.
    const comment = [...lines.slice(0, at), '\t/* kvm-review */', ...lines.slice(at)].join('\n');
    const moved = await rewalkInPlace(earlier, comment, types);
    expect(moved).not.toBeNull();
    expect(`${file}: ${JSON.stringify(moved)}`).toBe(`${file}: ${(await facts(file, comment, types)).json}`);
    // One more handler stored: what the file stores is read from a parse of the whole file.
    const more = [...lines.slice(0, at + 1), '\texit_handlers[EXIT_REASON_XSETBV] = handle_vmptrst;', ...lines.slice(at + 1)].join('\n');
    expect(await rewalkInPlace(earlier, more, types)).toBeNull();
    const whole = JSON.parse((await facts(file, more, types)).json) as ReturnType<typeof factsOf>;
    expect(stored(whole).filter((fn) => fn === 'handle_vmptrst')).toHaveLength(2);
  }, 300_000);

  it.each<['6.1' | '6.12']>([['6.1'], ['6.12']])("is parsed whole when a local initializer gives a slot another function (the MMU notifier's range .handler), on %s", async (version) => {
    const file = 'virt/kvm/kvm_main.c';
    const { types, earlier, lines } = await realFile(version, file);
    const at = lines.findIndex((l) => /^\t\t\.handler\t+= kvm_(mmu_)?unmap_gfn_range,$/.test(l));
    expect(at).toBeGreaterThan(0);
    // struct kvm_mmu_notifier_range on 6.12, struct kvm_hva_range on 6.1.
    const handlers = (f: { ops: { struct: string; field: string; fn: string }[] }): string[] => f.ops.filter((o) => /^kvm_(mmu_notifier|hva)_range$/.test(o.struct) && o.field === 'handler').map((o) => o.fn);
    expect(handlers(earlier.facts)).toContain((/= (\w+),/.exec(lines[at] ?? '') ?? [])[1]);
    const other = [...lines.slice(0, at), '\t\t.handler\t= kvm_age_gfn,', ...lines.slice(at + 1)].join('\n');
    expect(await rewalkInPlace(earlier, other, types)).toBeNull();
    expect(handlers(JSON.parse((await facts(file, other, types)).json) as ReturnType<typeof factsOf>)).toContain('kvm_age_gfn');
  }, 300_000);
});
