/**
 * Two options that each decide the same thing (which series, which
 * document, whether the cache is used) are refused together, and an option
 * the action does not use is refused: exit 2 naming them, nothing on stdout. Before, one of them was dropped without a word
 * and the output answered a question the user did not ask. The built
 * command line is run (dist/), as a CI gate runs it.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusRevision, FIXTURES, kernelTree, ROOT } from '../helpers/paths.js';
import { runBin } from '../helpers/run-bin.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-conflict-'));
const SERIES = join(FIXTURES, 'review', 'example-series.mbx');

function run(args: string[]): ReturnType<typeof runBin> {
  if (!existsSync(join(ROOT, 'dist', 'bot', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before the CLI end-to-end tests');
  return runBin(args, { cwd: tmp, env: { ...process.env, NO_COLOR: '1', KVM_REVIEW_DAEMON: 'off' } });
}

describe('options that decide the same thing are refused together', () => {
  it('mbox --series with --message-id', async () => {
    const r = await run(['mbox', SERIES, '--series', '1', '--message-id', '20261116100000.1000-2-demo@example.org']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: option '--message-id <id>' cannot be used with option '--series <n>'\n/);
  });

  it('doc --tree with --file', async () => {
    const r = await run(['doc', '--tree', kernelTree('6.1'), '--file', corpusRevision('25')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: option '--tree <dir>' cannot be used with option '--file <path>'\n/);
  });

  it('--cache-dir with --no-cache, on each command that takes both', async () => {
    const cache = join(tmp, 'cache');
    for (const args of [
      ['check', kernelTree('6.1')],
      ['mbox', SERIES],
      ['doc', '--propose', '--tree', kernelTree('6.1')],
      ['splat', SERIES],
      ['git', 'HEAD'],
      ['digest'],
    ]) {
      const r = await run([...args, '--no-cache', '--cache-dir', cache]);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(r.stderr).toMatch(/^error: option '--cache-dir <dir>' cannot be used with option '--no-cache'\n/);
    }
    expect(existsSync(cache)).toBe(false);
  });
});

describe('an option the action does not use is refused, not dropped', () => {
  it('daemon stop and status with --idle-timeout, which only start and serve use', async () => {
    const env = { ...process.env, KVM_REVIEW_DAEMON_SOCKET: join(tmp, 'd.sock') };
    for (const action of ['stop', 'status']) {
      const r = await runBin(['daemon', action, '--idle-timeout', '5'], { cwd: tmp, env });
      expect({ action, code: r.code, stdout: r.stdout }).toEqual({ action, code: 2, stdout: '' });
      expect(r.stderr).toBe(`kvm-review: daemon ${action}: --idle-timeout goes with start or serve (the server it starts exits after that long idle)\n`);
    }
  });
});
