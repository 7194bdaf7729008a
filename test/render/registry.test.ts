/**
 * The renderer registry: every format renders what its line says it does,
 * and a result saved as JSON renders again exactly as the result itself
 * did, in every format (the real SRCU-doc review against 6.1, the demo
 * series, a documented order read from the corpus). Exit codes come from
 * counts against the fail level.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { configureReview } from '../../analyzers/rules/configure.js';
import type { Rendered, RenderOptions } from '../../bot/render/model.js';
import { COMMAND_RESULTS, FORMATS, formatNames, formatsFor, loadRenderer } from '../../bot/render/registry.js';
import { corpusRevisions, corpusRevision } from '../helpers/paths.js';
import { fixtureResult, srcuDocReview } from './helpers.js';

const OPTIONS: RenderOptions = { failOn: 'error', toolVersion: '0.1.0', date: new Date('2026-03-03T10:20:30Z'), from: 'kvm-review <kvm-review@example.org>' };

async function renderAs(format: string, input: Rendered, options: RenderOptions = OPTIONS): Promise<{ output: string; exitCode: number }> {
  const renderer = await loadRenderer(format, input.type);
  if (!renderer) throw new Error(`no ${format} renderer for ${input.type}`);
  return renderer.render(input, options);
}

/** The result as `--format json` writes it and `kvm-review render` reads it back. */
async function viaJson(input: Rendered): Promise<Rendered> {
  const { output } = await renderAs('json', input);
  return { type: input.type, result: JSON.parse(output) } as Rendered;
}

describe('the registry', () => {
  it('lists each format once, and each command takes the formats of its result', () => {
    const names = FORMATS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(formatNames('mbox')).toEqual(['text', 'json', 'markdown', 'email', 'sarif']);
    expect(formatNames('git')).toEqual(formatNames('mbox'));
    expect(formatNames('check')).toEqual(['text', 'json', 'markdown']);
    expect(formatNames('doc')).toEqual(['text', 'json', 'mermaid', 'dot']);
    for (const command of Object.keys(COMMAND_RESULTS) as (keyof typeof COMMAND_RESULTS)[]) expect(formatNames(command)).toContain('json');
  });

  it('does not offer a format for a result it does not render', async () => {
    expect(await loadRenderer('email', 'check')).toBeUndefined();
    expect(await loadRenderer('mermaid', 'review')).toBeUndefined();
    expect(await loadRenderer('nonesuch', 'review')).toBeUndefined();
  });
});

describe('a saved JSON result renders as the result did', () => {
  let real: ReviewResult;
  beforeAll(async () => {
    real = await srcuDocReview();
  });

  it('the real SRCU-doc review (6.1), every review format', async () => {
    const input: Rendered = { type: 'review', result: real };
    const saved = await viaJson(input);
    const patch = (saved.result as ReviewResult).patches[0];
    // The diff is kept: the email quotes it.
    expect(patch?.files.length).toBeGreaterThan(0);
    for (const f of formatsFor('review')) {
      const direct = await renderAs(f.name, input);
      const again = await renderAs(f.name, saved);
      expect([f.name, again.output]).toEqual([f.name, direct.output]);
      expect([f.name, again.exitCode]).toEqual([f.name, direct.exitCode]);
      expect(direct.output.length).toBeGreaterThan(0);
    }
  });

  it('the demo series, every review format', async () => {
    const input: Rendered = { type: 'review', result: fixtureResult('demo-series') };
    const saved = await viaJson(input);
    for (const f of formatsFor('review')) expect([f.name, (await renderAs(f.name, saved)).output]).toEqual([f.name, (await renderAs(f.name, input)).output]);
  });

  it('a documented order from the corpus, every doc format', async () => {
    const newest = corpusRevisions().at(-1) as string;
    const input: Rendered = { type: 'order', result: loadDocumentedOrder({ file: corpusRevision(newest.slice(0, 2)), cwd: process.cwd() }) };
    const saved = await viaJson(input);
    for (const f of formatsFor('order')) expect([f.name, (await renderAs(f.name, saved)).output]).toEqual([f.name, (await renderAs(f.name, input)).output]);
  });
});

describe('exit codes against the fail level', () => {
  const demo = fixtureResult('demo-series');
  const input: Rendered = { type: 'review', result: demo };
  const levels = demo.patches.flatMap((p) => p.findings.map((f) => f.severity));

  it('the demo has errors, warnings and info, so each fail level tells them apart', async () => {
    expect(new Set(levels)).toEqual(new Set(['error', 'warning', 'info']));
    expect((await renderAs('text', input, { ...OPTIONS, failOn: 'error' })).exitCode).toBe(1);
    expect((await renderAs('text', input, { ...OPTIONS, failOn: 'never' })).exitCode).toBe(0);
  });

  it('with the errors lowered to warnings, error passes and warning fails, in every format', async () => {
    const lowered: Rendered = { type: 'review', result: configureReview(demo, { 'order-inversion': 'warning', 'srcu-violation': 'warning' }) };
    for (const f of formatsFor('review')) {
      expect([f.name, (await renderAs(f.name, lowered, { ...OPTIONS, failOn: 'error' })).exitCode]).toEqual([f.name, 0]);
      expect([f.name, (await renderAs(f.name, lowered, { ...OPTIONS, failOn: 'warning' })).exitCode]).toEqual([f.name, 1]);
    }
  });
});
