/**
 * Start-up cost: the modules `kvm-review --version` and `--help` load are
 * the static import graph of bot/cli/main.ts. No renderer, remark, the mail
 * composer or the config reader may be in it; they are loaded on use.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from '../helpers/paths.js';

/** Static, value imports only: `import type` is erased and `import()` is lazy. */
function staticImports(file: string): { local: string[]; packages: string[] } {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/^import\s+(?!type\b)[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)].map((m) => (m[1] ?? m[2]) as string);
  const local = specs.filter((s) => s.startsWith('.')).map((s) => relative(ROOT, join(ROOT, dirname(file), s)).replace(/\.js$/, '.ts'));
  return { local: local.filter((f) => existsSync(join(ROOT, f))), packages: specs.filter((s) => !s.startsWith('.') && !s.startsWith('node:')) };
}

function graph(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop() as string;
    if (modules.has(f)) continue;
    modules.add(f);
    const { local, packages: p } = staticImports(f);
    p.forEach((x) => packages.add(x));
    todo.push(...local);
  }
  return { modules, packages };
}

describe('start-up', () => {
  it('the CLI entry loads no renderer, remark, mail composer, YAML or schema code', () => {
    const { modules, packages } = graph('bot/cli/main.ts');
    expect(modules.has('bot/render/registry.ts')).toBe(true);
    expect([...modules].filter((m) => m.startsWith('bot/render/') && m !== 'bot/render/registry.ts')).toEqual([]);
    expect([...packages].filter((p) => /^(remark|unified|unist|mdast|nodemailer|yaml|zod|sarif)/.test(p))).toEqual([]);
  });

  it('a warm check loads no zod, no progress bar and neither the parser driver nor the lock walk until it must index', () => {
    const { modules, packages } = graph('bot/cli/check-command.ts');
    expect(modules.has('analyzers/audit.ts')).toBe(true);
    expect([...packages].filter((p) => /^(zod|cli-progress|yaml)$/.test(p))).toEqual([]);
    expect([...modules].filter((m) => /^analyzers\/(index\/index-tree|c\/parse-file|locks\/walk)\.ts$/.test(m))).toEqual([]);
  });

  it('the walk sees real imports (a command module reaches remark through its renderer)', () => {
    const { packages } = graph('bot/render/formats/markdown.ts');
    expect(packages.has('remark-stringify')).toBe(true);
  });
});
