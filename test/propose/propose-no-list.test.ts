/**
 * `doc --propose --format text` on a document with no list of acquisition orders (corpus revision 03,
 * whose section 1 is "(to be written)", in a copy of the 6.12 tree): the rule the list would propose
 * cannot be written into it, as `--format patch` says; the text does not claim a place for it.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusRevision } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { treeWith } from './doc-lines.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-propose-no-list-'));
const cache = join(tmp, 'cache');

describe('doc --propose --format text: a document with no list of acquisition orders', () => {
  it('lists the candidates, refuses the proposal as the patch does (exit 2), and names no heading it would be put under', async () => {
    const revision = readFileSync(corpusRevision('03'), 'utf8').split('\n');
    expect(revision).toContain('(to be written)');
    const { tree } = treeWith(tmp, 'to-be-written', (l) => l.splice(0, l.length, ...revision));
    const patch = await runCli(['doc', '--propose', '--tree', tree, '--cache-dir', cache]);
    expect(patch.code).toBe(2);
    expect(patch.stderr).toContain('has no list of acquisition orders');

    const text = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--cache-dir', cache]);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/^\* +\d+ sites? {2}\S+ -> \S+/m);
    expect(text.stdout).not.toContain('Proposed');
    expect(text.stderr).toBe(patch.stderr);
  });
});
