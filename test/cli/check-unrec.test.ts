/**
 * `check` reports what it could not use of the tree's own locking.rst: a
 * sentence that reads like a rule but was not understood (doc-unrecognized)
 * and the document contradicting itself (doc-conflict), through the same
 * findings, renderers, --severity and --fail-on as the rest of the audit.
 * The tree is the 6.12 tree copied at test time with a locking.rst written
 * here; the real document's check gets neither kind.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../../analyzers/findings/check-result.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const DOC = 'Documentation/virt/kvm/locking.rst';
const HEAD = ['KVM Lock Overview', '=================', '', '1. Acquisition Orders', '---------------------', ''];
const UNREAD = 'kvm->lock is outside vcpu->mutex';
const CYCLE = ['- kvm->lock is taken outside vcpu->mutex', '', '- vcpu->mutex is taken outside kvm->lock'];

const dir = mkdtempSync(join(tmpdir(), 'kvm-review-check-unrec-'));
const cache = join(dir, 'cache');
const tree = join(dir, 'tree');

function writeDoc(lines: string[]): void {
  writeFileSync(join(tree, DOC), [...HEAD, ...lines, ''].join('\n'));
}

const docKinds = (r: CheckResult) => r.findings.filter((f) => f.kind.startsWith('doc-'));

describe('check and the tree\'s locking.rst', () => {
  beforeAll(() => {
    cpSync(kernelTree('6.12'), tree, { recursive: true });
  });

  it('a sentence it could not read is a doc-unrecognized warning at its line, in text and JSON; --severity and --fail-on apply', async () => {
    writeDoc([`- ${UNREAD}`]);
    const line = HEAD.length + 1;
    const text = await runCli(['check', '--tree', tree, '--arch', 'x86', '--cache-dir', cache]);
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(/^warning: doc-unrecognized: this reads like a lock-ordering rule, but kvm-review did not understand it/m);
    expect(text.stdout).toContain(`    locking.rst:${line}  "${UNREAD}"`);
    expect(text.stdout).toMatch(/^0 errors, 1 warning, 0 info$/m);
    expect(text.code).toBe(0);

    const json = await runCli(['check', '--tree', tree, '--arch', 'x86', '--format', 'json', '--cache-dir', cache]);
    const found = docKinds(JSON.parse(json.stdout) as CheckResult);
    expect(found).toEqual([expect.objectContaining({ kind: 'doc-unrecognized', severity: 'warning', file: DOC, line, rule: { line, text: UNREAD } })]);

    expect((await runCli(['check', '--tree', tree, '--arch', 'x86', '--fail-on', 'warning', '--cache-dir', cache])).code).toBe(1);
    const lowered = await runCli(['check', '--tree', tree, '--arch', 'x86', '--format', 'json', '--fail-on', 'warning', '--severity', 'doc-unrecognized=info', '--cache-dir', cache]);
    expect(lowered.code).toBe(0);
    expect(docKinds(JSON.parse(lowered.stdout) as CheckResult).map((f) => f.severity)).toEqual(['info']);
  });

  it('a document that contradicts itself is a doc-conflict error quoting both statements, and check exits 1', async () => {
    writeDoc(CYCLE);
    const r = await runCli(['check', '--tree', tree, '--arch', 'x86', '--format', 'json', '--cache-dir', cache]);
    expect(r.code).toBe(1);
    const found = docKinds(JSON.parse(r.stdout) as CheckResult);
    expect(found.map((f) => `${f.kind} ${f.severity}`)).toEqual(['doc-conflict error']);
    expect(found[0]?.message).toMatch(/^locking\.rst contradicts itself: the documented order is cyclic/);
    expect(found[0]?.rulePath).toEqual([
      { line: HEAD.length + 1, text: CYCLE[0]?.slice(2) },
      { line: HEAD.length + 3, text: CYCLE[2]?.slice(2) },
    ]);
    expect(found[0]).toMatchObject({ file: DOC, line: HEAD.length + 1 });
    const text = await runCli(['check', '--tree', tree, '--arch', 'x86', '--cache-dir', cache]);
    expect(text.stdout).toMatch(/^error: doc-conflict: locking\.rst contradicts itself/m);
  });

  it('the real 6.12 and 6.1 documents are read whole and consistent: neither kind appears', async () => {
    for (const version of ['6.12', '6.1'] as const) {
      const r = await runCli(['check', '--tree', kernelTree(version), '--arch', 'x86', '--format', 'json', '--cache-dir', cache]);
      expect(docKinds(JSON.parse(r.stdout) as CheckResult)).toEqual([]);
    }
  });
});
