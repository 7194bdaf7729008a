/**
 * The review options every command takes the same way: --severity,
 * --fail-on, .kvm-review.yml / --config; and `render` on a saved result.
 * Driven through the CLI on the bundled example series (hunk-only: no tree
 * in the repository's directory), whose two findings are errors.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { applySeverity } from '../../analyzers/rules/severity.js';
import type { Finding } from '../../analyzers/findings/model.js';
import { parseConfig } from '../../bot/cli/options-config.js';
import { FIXTURES } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const SERIES = join(FIXTURES, 'review', 'example-series.mbx');
const dir = mkdtempSync(join(tmpdir(), 'kvm-review-options-'));

function severities(json: string): string[] {
  return (JSON.parse(json) as ReviewResult).patches.flatMap((p) => p.findings.map((f) => `${f.kind}=${f.severity}`)).sort();
}

describe('--severity and --fail-on', () => {
  it('a kind set to info no longer fails the run; the finding says info', async () => {
    const before = await runCli(['mbox', SERIES, '--format', 'json']);
    expect(before.code).toBe(1);
    expect(severities(before.stdout)).toEqual(['order-inversion=error', 'srcu-violation=error']);
    const after = await runCli(['mbox', SERIES, '--format', 'json', '--severity', 'order-inversion=info', '--severity', 'srcu-violation=warning']);
    expect(after.code).toBe(0);
    expect(severities(after.stdout)).toEqual(['order-inversion=info', 'srcu-violation=warning']);
    // The engine's level is kept beside the configured one.
    expect((JSON.parse(after.stdout) as ReviewResult).patches.flatMap((p) => p.findings.map((f) => f.engineSeverity))).toEqual(['error', 'error']);
    const strict = await runCli(['mbox', SERIES, '--format', 'json', '--severity', 'srcu-violation=warning', '--severity', 'order-inversion=info', '--fail-on', 'warning']);
    expect(strict.code).toBe(1);
    const never = await runCli(['mbox', SERIES, '--fail-on', 'never']);
    expect(never.code).toBe(0);
    expect(never.stdout).toMatch(/^ {2}error: order-inversion/m);
  });

  it('an unknown kind or level is exit 2 naming it', async () => {
    const kind = await runCli(['mbox', SERIES, '--severity', 'order-invert=error']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/--severity order-invert=error: unknown finding kind "order-invert"; the kinds are order-inversion, /);
    expect(kind.stdout).toBe('');
    const level = await runCli(['mbox', SERIES, '--severity', 'cycle=fatal']);
    expect(level.code).toBe(2);
    expect(level.stderr).toMatch(/--severity cycle=fatal: unknown level "fatal"; one of error, warning, info/);
    const shape = await runCli(['mbox', SERIES, '--severity', 'cycle']);
    expect(shape.stderr).toMatch(/expected KIND=LEVEL/);
  });
});

describe('.kvm-review.yml and --config', () => {
  it('is read from the current directory; flags override it', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(cwd, '.kvm-review.yml'), 'severity:\n  order-inversion: warning\n  srcu-violation: info\nfail-on: warning\n');
    const r = await runCli(['mbox', SERIES, '--format', 'json'], cwd);
    expect(severities(r.stdout)).toEqual(['order-inversion=warning', 'srcu-violation=info']);
    expect(r.code).toBe(1);
    const over = await runCli(['mbox', SERIES, '--format', 'json', '--severity', 'order-inversion=info', '--fail-on', 'error'], cwd);
    expect(severities(over.stdout)).toEqual(['order-inversion=info', 'srcu-violation=info']);
    expect(over.code).toBe(0);
  });

  it('errors name the file, the line and the key; exit 2', async () => {
    const cases: [string, RegExp][] = [
      ['severity:\n  order-inversion: warning\n  order-invert: error\n', /bad\.yml:3: severity\.order-invert: unknown finding kind; the kinds are order-inversion/],
      ['severity:\n  cycle: loud\n', /bad\.yml:2: severity\.cycle: not a severity; one of error, warning, info/],
      ['fail-on: sometimes\n', /bad\.yml:1: fail-on: not a fail level; one of error, warning, info, never/],
      ['\n\nseverities:\n  cycle: error\n', /bad\.yml:3: severities: unknown key severities; the keys are severity and fail-on/],
      // A syntax error: file:line:column once, not again as yaml's " at line 3, column 1:" with nothing after the colon.
      ['severity:\n  cycle: [error\n', /bad\.yml:3:1: Flow sequence in block collection must be sufficiently indented and end with a \]\n$/],
      ['fail-on: error\nfail-on: never\n', /bad\.yml:2:1: Map keys must be unique\n$/],
    ];
    for (const [text, message] of cases) {
      const path = join(mkdtempSync(join(dir, 'bad-')), 'bad.yml');
      writeFileSync(path, text);
      const r = await runCli(['mbox', SERIES, '--config', path]);
      expect([text, r.code]).toEqual([text, 2]);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const missing = await runCli(['mbox', SERIES, '--config', join(dir, 'none.yml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/none\.yml: cannot read the configuration: no such file or directory\n$/);
  });

  it('an empty file is no configuration', () => {
    expect(parseConfig('', 'x.yml')).toEqual({ path: 'x.yml', severities: {} });
  });
});

describe('applying a severity', () => {
  const base = { kind: 'order-inversion', severity: 'error', outer: 'a', inner: 'b' } as unknown as Finding;

  it('is idempotent and can be undone on a saved result', () => {
    const once = applySeverity(base, { 'order-inversion': 'info' });
    expect(once.severity).toBe('info');
    expect(applySeverity(once, { 'order-inversion': 'info' })).toEqual(once);
    // Reconfigured from the engine's level, not from the last configuration.
    expect(applySeverity(once, { 'order-inversion': 'warning' }).severity).toBe('warning');
    expect(applySeverity(once, {})).toEqual({ ...base });
  });

  it('keeps the engine\'s doubt: an error lowered for a deep chain is not raised back', () => {
    const lowered = { ...base, severity: 'warning' } as Finding;
    expect(applySeverity(lowered, { 'order-inversion': 'error' }).severity).toBe('warning');
    expect(applySeverity(lowered, { 'order-inversion': 'info' }).severity).toBe('info');
    const raised = { ...base, kind: 'doc-removed', severity: 'error' } as unknown as Finding;
    expect(applySeverity(raised, { 'doc-removed': 'info' }).severity).toBe('error');
    expect(applySeverity({ ...raised, severity: 'warning' }, { 'doc-removed': 'info' }).severity).toBe('info');
  });
});

describe('kvm-review render', () => {
  it('a saved mbox --format json renders as mbox did, in text, markdown and sarif', async () => {
    const json = await runCli(['mbox', SERIES, '--format', 'json']);
    const saved = join(dir, 'review.json');
    writeFileSync(saved, json.stdout);
    for (const format of ['text', 'markdown', 'sarif', 'json']) {
      const direct = await runCli(['mbox', SERIES, '--format', format]);
      const again = await runCli(['render', saved, '--format', format]);
      expect([format, again.stdout]).toEqual([format, direct.stdout]);
      expect([format, again.code]).toEqual([format, direct.code]);
    }
    const lowered = await runCli(['render', saved, '--severity', 'order-inversion=info', '--severity', 'srcu-violation=info']);
    expect(lowered.code).toBe(0);
    expect(lowered.stdout).toMatch(/^ {2}info: order-inversion/m);
  });

  it('refuses what it cannot render: exit 2 naming the file', async () => {
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{\n  "series": {\n  oops\n}\n');
    const broken = await runCli(['render', notJson]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.json:3: not JSON/);
    // The text V8 quotes from around the fault keeps the message on one line.
    const prose = join(dir, 'prose.json');
    writeFileSync(prose, 'hello\nworld\n');
    const quoted = await runCli(['render', prose]);
    expect(quoted.code).toBe(2);
    expect(quoted.stderr).toMatch(/^kvm-review: .*prose\.json(:\d+)?: not JSON: .*hello\\nworld.*\n$/);
    expect(quoted.stderr.trimEnd().split('\n')).toHaveLength(1);
    const other = join(dir, 'other.json');
    writeFileSync(other, '{"hello": 1}\n');
    expect((await runCli(['render', other])).stderr).toMatch(/other\.json: not a kvm-review result/);
    const json = await runCli(['mbox', SERIES, '--format', 'json']);
    const saved = join(dir, 'review2.json');
    writeFileSync(saved, json.stdout);
    const wrong = await runCli(['render', saved, '--format', 'mermaid']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--format mermaid does not render a review result; one of text, json, markdown, email, sarif/);
  });

  it('a saved splat result is refused saying why in the user\'s words, with what to run instead', async () => {
    const splat = join(dir, 'splat.json');
    writeFileSync(splat, '{"reports": [], "notes": []}\n');
    const r = await runCli(['render', splat]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`kvm-review: ${splat}: a splat result: its JSON holds the reports as read, not all that the other formats print, so it does not render again; run kvm-review splat again with the --format you want\n`);
  });

  it('a missing saved result is named with the reason in words, not an errno code', async () => {
    const missing = join(dir, 'no-such.json');
    const r = await runCli(['render', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`kvm-review: ${missing}: cannot read the saved result: no such file or directory\n`);
  });

  it('a format that does not apply names the result by the command that made it: a doc result', async () => {
    const order = join(dir, 'order.json');
    writeFileSync(order, (await runCli(['doc', '--format', 'json'], dir)).stdout);
    const r = await runCli(['render', order, '--format', 'sarif']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kvm-review: --format sarif does not render a doc result; one of text, json, mermaid, dot\n');
  });
});
