/**
 * `--format email` writes one reply per patch with findings: a review with
 * none writes nothing, and says so on stderr rather than leaving an empty
 * mbox that reads as a failure. A review with findings writes no such line.
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { FIXTURES, SHARED } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

// Peter Gonda's SEV nested-locking patch: no finding in a review without a tree.
const NO_FINDING = join(SHARED, 'corpus', 'lore', 'kvm', 'sev-nested-vcpu-mutex-lockdep.mbx');

describe('mbox --format email', () => {
  it('with no finding to answer: nothing on stdout, exit 0, and a line on stderr saying no reply was written', async () => {
    const r = await runCli(['mbox', NO_FINDING, '--format', 'email', '--no-cache']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('kvm-review: no reply written: the reviewed patches have no finding to answer\n');
  });

  it('with findings: the replies, and no such line', async () => {
    const r = await runCli(['mbox', join(FIXTURES, 'review', 'example-series.mbx'), '--format', 'email', '--no-cache']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^From /);
    expect(r.stderr).not.toContain('no reply written');
  });
});
