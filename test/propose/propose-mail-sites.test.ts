/**
 * The message of a `doc --propose` mail introduces the chains it draws as examples ("e.g.") only when
 * there are sites it does not draw; one site drawn whole is the site, not an example of it. 6.1's
 * arm64 code calls synchronize_srcu() under vcpu->mutex at one site (kvm_vcpu_ioctl() through
 * kvm_io_bus_register_dev()), which locking.rst (6.1) does not document.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const cache = join(mkdtempSync(join(tmpdir(), 'kvm-review-propose-mail-')), 'cache');

/** The message body of a mail: from the blank line after the headers to the "---" before the diffstat, lines joined. */
function body(mail: string): string {
  return mail.slice(mail.indexOf('\n\n') + 2, mail.indexOf('\n---\n')).replace(/\n(?! )/g, ' ');
}

describe('doc --propose: the sites the message draws', () => {
  it('one site, drawn: "at 1 site ... either way:", not "e.g."', async () => {
    const r = await runCli(['doc', '--propose', '--tree', kernelTree('6.1'), '--edge', 'vcpu->mutex -> kvm->srcu', '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = body(r.stdout);
    expect(text).toContain('The code already relies on this order at 1 site, and no documented rule says either way:');
    expect(text).not.toContain('e.g.');
    expect(r.stdout).toMatch(/^ {2}kvm_vcpu_ioctl\(\)$/m);
  });

  it('more sites than it draws: the chains are examples ("e.g.")', async () => {
    const r = await runCli(['doc', '--propose', '--tree', kernelTree('6.12'), '--edge', 'kvm->slots_arch_lock -> kvm->mn_invalidate_lock', '--cache-dir', cache]);
    expect(r.code).toBe(0);
    expect(body(r.stdout)).toMatch(/relies on this order at \d+ sites, and no documented rule orders the two locks either way, e\.g\./);
  });
});
