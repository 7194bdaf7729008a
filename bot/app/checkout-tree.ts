/**
 * The base commit's files read out of a local git repository (the
 * Action's checkout, fetched with history): `git ls-tree` and one
 * `git cat-file --batch`, nothing checked out, no hook or filter run. The
 * files the engine reads are written under the cache directory, once per
 * commit, as ApiTree.materialize() does for the API.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LOCKING_RST_PATH, wantedFile } from './api-tree.js';

export interface BaseTree {
  /** Whether the commit is a kernel tree with KVM. */
  isKernelTree(): Promise<boolean>;
  /** The engine's files of the commit as a directory. */
  materialize(): Promise<string>;
}

function git(repo: string, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['-C', repo, '-c', 'core.hooksPath=/dev/null', ...args], { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 }, (err, out, errOut) =>
      err ? reject(new Error(`git ${args.join(' ')}: ${errOut.toString().trim() || err.message}`)) : resolve(out),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

export class CheckoutTree implements BaseTree {
  private entries: { path: string; sha: string }[] | null = null;

  constructor(
    /** The repository (a work tree or a bare clone). */
    private readonly repo: string,
    readonly commit: string,
    private readonly cacheDir: string,
  ) {}

  private async list(): Promise<{ path: string; sha: string }[]> {
    if (this.entries) return this.entries;
    const out = (await git(this.repo, ['ls-tree', '-r', '-z', this.commit])).toString('utf8');
    this.entries = out
      .split('\0')
      .filter(Boolean)
      .map((l) => {
        const [meta, path] = l.split('\t') as [string, string];
        const [mode, type, sha] = meta.split(' ') as [string, string, string];
        return { path, sha, mode, type };
      })
      .filter((e) => e.type === 'blob' && e.mode !== '120000' && wantedFile(e.path));
    return this.entries;
  }

  async isKernelTree(): Promise<boolean> {
    const paths = new Set((await this.list()).map((e) => e.path));
    return paths.has(LOCKING_RST_PATH) && paths.has('virt/kvm/kvm_main.c');
  }

  async materialize(): Promise<string> {
    const dir = join(this.cacheDir, 'checkouts', this.commit);
    if (existsSync(join(dir, '.complete'))) return dir;
    const entries = await this.list();
    const out = await git(this.repo, ['cat-file', '--batch'], entries.map((e) => e.sha).join('\n') + '\n');
    let at = 0;
    for (const e of entries) {
      const nl = out.indexOf(10, at);
      const size = Number(out.subarray(at, nl).toString().split(' ')[2]);
      const target = join(dir, e.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, out.subarray(nl + 1, nl + 1 + size));
      at = nl + 1 + size + 1;
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.complete'), '');
    return dir;
  }
}
