/**
 * The pipeline's boundaries, checked on the imports: renderers see only the
 * result types (and each other), the analysis never reaches the CLI or the
 * renderers, and the C stage knows nothing of locks.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../helpers/paths.js';

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(join(ROOT, rel)).isDirectory()) return tsFiles(rel);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Project-relative paths of a file's relative imports (type-only ones included). */
function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => relative(ROOT, join(ROOT, file, '..', m[1] ?? '')).replace(/\.js$/, ''));
}

describe('boundaries', () => {
  it('renderers import only result types, scenario/text helpers, the rule registry\'s metadata and each other', () => {
    // analyzers/rules/meta and severity are the registry's data (titles, labels, pages, levels), not the rules:
    // the next test holds them to that.
    const allowed = /^(bot\/render\/|analyzers\/counted$|analyzers\/history\/(model|rule-diff)$|analyzers\/findings\/(model|check-result|scenario)$|analyzers\/rules\/(meta|severity)$|analyzers\/review\/model$|analyzers\/splat\/model$|analyzers\/series\/(diff-model|bare-subject)$|analyzers\/order\/model$|knowledge\/doc\/(model|statement-text)$|knowledge\/lock-names$)/;
    const bad = tsFiles('bot/render').flatMap((f) => imports(f).filter((i) => !allowed.test(i)).map((i) => `${f} -> ${i}`));
    expect(bad).toEqual([]);
  });

  it('the rule registry\'s metadata reaches no rule implementation: renderers can load it alone', () => {
    const bad = ['analyzers/rules/meta.ts', 'analyzers/rules/severity.ts'].flatMap((f) =>
      imports(f).filter((i) => !/^analyzers\/(findings\/model|rules\/meta)$/.test(i)).map((i) => `${f} -> ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('the analysis and the knowledge never import the CLI or the renderers', () => {
    const bad = [...tsFiles('analyzers'), ...tsFiles('knowledge')].flatMap((f) => imports(f).filter((i) => i.startsWith('bot/')).map((i) => `${f} -> ${i}`));
    expect(bad).toEqual([]);
  });

  it('the C stage knows nothing of locks', () => {
    const bad = tsFiles('analyzers/c').flatMap((f) => imports(f).filter((i) => !i.startsWith('analyzers/c/')).map((i) => `${f} -> ${i}`));
    expect(bad).toEqual([]);
  });
});
