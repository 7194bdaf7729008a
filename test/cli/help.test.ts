/**
 * `--help` is where a maintainer looks first: every command's help says
 * what its exit status means, lists every format it takes, and shows no
 * default that is not one. The built command line is run (dist/).
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { runBin } from '../helpers/run-bin.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-help-'));

async function help(command: string): Promise<string> {
  if (!existsSync(join(ROOT, 'dist', 'bot', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before the CLI end-to-end tests');
  const r = await runBin([command, '--help'], { cwd: tmp, env: { ...process.env, KVM_REVIEW_DAEMON: 'off' } });
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('--help', () => {
  it('every command says what its exit status means', async () => {
    for (const command of ['doc', 'check', 'mbox', 'render', 'splat', 'git', 'watch', 'worker', 'jobs', 'digest', 'daemon']) {
      expect({ command, exit: /\nExit status/.test(await help(command)) }).toEqual({ command, exit: true });
    }
  });

  it('git says that --fail-on sets the level that exits 1, as it does for mbox', async () => {
    expect(await help('git')).toMatch(/Exit status: 0 no finding at or above the fail level \(--fail-on, default error\), 1 findings at or above it,/);
  });

  it('doc lists patch, the format --propose prints by default, with the others', async () => {
    expect(await help('doc')).toMatch(/\n {2}dot {6}a Graphviz digraph.*\n {2}patch {4}with --propose, its default: the git format-patch mail/);
  });

  it('watch shows no "(default: [])" for --inbox, which is required', async () => {
    const text = await help('watch');
    expect(text).toContain('--inbox <dir>');
    expect(text).not.toContain('(default: [])');
  });

  it('a usage error is the error and one line saying where the help is, not the whole help after it', async () => {
    const typo = await runBin(['mbox', 'series.mbx', '--tre', 'linux'], { cwd: tmp, env: { ...process.env, KVM_REVIEW_DAEMON: 'off' } });
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toBe("error: unknown option '--tre'\n(Did you mean --tree?)\n(kvm-review mbox --help lists its options)\n");
    const command = await runBin(['mboxx'], { cwd: tmp, env: { ...process.env, KVM_REVIEW_DAEMON: 'off' } });
    expect(command.code).toBe(2);
    expect(command.stderr).toBe("error: unknown command 'mboxx'\n(Did you mean mbox?)\n(kvm-review --help lists the commands)\n");
  });
});
