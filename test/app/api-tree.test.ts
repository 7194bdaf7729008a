/** ApiTree over the fake GitHub serving a repository made from the Debian 6.1 tree: the indexed files, the blob cache, the second tree that fetches nothing. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexedFiles } from '../../analyzers/index/files.js';
import { isKernelTree } from '../../analyzers/trees/index.js';
import { ApiTree, LOCKING_RST_PATH } from '../../bot/app/api-tree.js';
import { kernelTree } from '../helpers/paths.js';
import { FakeGitHub } from './fake-github.js';
import { testOctokit } from './helpers.js';
import { kernelRepo } from './kernel-repo.js';

const repo = { owner: 'kvm', repo: 'linux' };
let gh: FakeGitHub;
let base: string;
let url: string;
const source = kernelTree('6.1');

beforeAll(async () => {
  const made = kernelRepo(source);
  base = made.base;
  gh = new FakeGitHub(made.dir);
  url = `http://${await gh.start()}`;
});
afterAll(async () => gh.stop());

describe('ApiTree', () => {
  it('lists exactly the files the engine indexes, plus locking.rst, and reads their bytes', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'kvm-review-api-'));
    const tree = new ApiTree(testOctokit(url), repo, base, cache);
    const listed = (await tree.list('')).map((e) => e.path);
    expect(listed).toEqual([...(await indexedFiles(source)), LOCKING_RST_PATH].sort());
    expect(await isKernelTree(tree)).toBe(true);
    expect((await tree.read('virt/kvm/kvm_main.c'))?.equals(readFileSync(join(source, 'virt/kvm/kvm_main.c')))).toBe(true);
    expect(await tree.read('Makefile')).toBeNull();
    expect(await tree.identity('virt/kvm/kvm_main.c')).toMatch(/^git:[0-9a-f]{40}$/);
    expect(await tree.isDirectory('arch/x86/kvm')).toBe(true);
    expect((await tree.list('arch/x86/kvm/mmu')).every((e) => e.path.startsWith('arch/x86/kvm/mmu/'))).toBe(true);
    expect(tree.stats.apiCalls).toBeGreaterThan(10);
  });

  it('a second tree on the same base, same cache after a prefetch: every byte from disk, no API call', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'kvm-review-api-'));
    const first = new ApiTree(testOctokit(url), repo, base, cache);
    await first.prefetch();
    const before = gh.requests.length;
    const second = new ApiTree(testOctokit(url), repo, base, cache);
    await second.prefetch();
    for (const f of await second.list('')) await second.read(f.path);
    expect(gh.requests.length).toBe(before);
    expect(second.stats.apiCalls).toBe(0);
    expect((await second.read(LOCKING_RST_PATH))?.equals(readFileSync(join(source, LOCKING_RST_PATH)))).toBe(true);
  });
});
