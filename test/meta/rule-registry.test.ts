/**
 * The rule registry is the one place a finding kind is described: every
 * kind has its page, title and URL; the engine's rules and the doc review
 * emit only registered kinds; and no renderer keeps a table of its own or
 * branches on a kind's name.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../analyzers/rules/index.js';
import { RULE_IDS, RULE_META, rulePage, ruleUrl } from '../../analyzers/rules/meta.js';
import { ROOT } from '../helpers/paths.js';

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    return statSync(join(ROOT, rel)).isDirectory() ? files(rel) : name.endsWith('.ts') ? [rel] : [];
  });
}

describe('the rule registry', () => {
  it('every kind has a page named after it with the four sections, a one-line title and a description', () => {
    for (const id of RULE_IDS) {
      const meta = RULE_META[id];
      expect(meta.id).toBe(id);
      const path = join(ROOT, rulePage(id));
      expect([id, existsSync(path)]).toEqual([id, true]);
      const text = readFileSync(path, 'utf8');
      expect(text.split('\n')[0]).toBe(`# ${id}`);
      // "Why it matters" for the kinds that are not deadlocks themselves (doc-stale, undocumented-order).
      for (const section of [/\*\*What it finds/, /\*\*Why it (deadlocks|matters)/, /\*\*When not to use it/, /\*\*Fix/]) expect([id, section.test(text)]).toEqual([id, true]);
      expect(meta.title).toMatch(/^[A-Za-z].*\.$/);
      expect(meta.title).not.toContain('\n');
      expect(meta.description.length).toBeGreaterThan(meta.title.length);
      expect(meta.name).toMatch(/^[A-Z][A-Za-z]+$/);
    }
  });

  it('no page is orphaned: every page belongs to a registered kind', () => {
    const pages = readdirSync(join(ROOT, 'analyzers/rules/docs')).filter((f) => f.endsWith('.md')).map((f) => f.replace(/\.md$/, ''));
    expect(pages.sort()).toEqual([...RULE_IDS].sort());
  });

  it('the URL of a kind is its page, against any base', () => {
    for (const id of RULE_IDS) {
      expect(ruleUrl(id)).toBe(`analyzers/rules/docs/${id}.md`);
      expect(ruleUrl(id, 'https://example.org/kvm-review/blob/v1/')).toBe(`https://example.org/kvm-review/blob/v1/analyzers/rules/docs/${id}.md`);
    }
  });

  it('every engine rule is registered, with the registry\'s default severity', () => {
    for (const [kind, rule] of Object.entries(RULES)) {
      expect((RULE_IDS as readonly string[]).includes(kind)).toBe(true);
      expect([kind, rule.severity]).toEqual([kind, RULE_META[kind as keyof typeof RULES].severity]);
    }
  });

  it('every kind the doc review emits is registered', () => {
    const source = readFileSync(join(ROOT, 'analyzers/review/doc-review.ts'), 'utf8');
    const emitted = [...new Set([...source.matchAll(/'(doc-[a-z-]+)'/g)].map((m) => m[1] as string))];
    expect(emitted.length).toBeGreaterThan(0);
    expect(emitted.filter((k) => !(RULE_IDS as readonly string[]).includes(k))).toEqual([]);
  });

  it('renderers hold no rule table and never branch on a kind\'s name', () => {
    const literal = new RegExp(`['"\`](${RULE_IDS.join('|')})['"\`]|startsWith\\(['"]doc-`);
    const hits = files('bot/render').flatMap((f) =>
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (literal.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });
});
