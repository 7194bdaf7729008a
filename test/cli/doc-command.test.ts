import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { corpusRevision, FIXTURES, kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-doc-'));

describe('kvm-review doc', () => {
  it('--tree --format json follows the contract', async () => {
    const tree = kernelTree('6.12');
    const r = await runCli(['doc', '--tree', tree, '--format', 'json']);
    expect(r.code).toBe(0);
    const order = JSON.parse(r.stdout) as DocumentedOrder;
    expect(order.source).toMatchObject({ kind: 'tree', path: join(tree, 'Documentation/virt/kvm/locking.rst') });
    expect(Object.keys(order)).toEqual(expect.arrayContaining(['edges', 'srcu', 'locks', 'unrecognized', 'problems']));
    expect(order.edges[0]).toEqual(expect.objectContaining({ outer: 'cpus_read_lock()', inner: 'kvm_lock', arch: null, line: 12 }));
    expect(Object.keys(order.edges[0] ?? {})).toEqual(expect.arrayContaining(['outer', 'inner', 'arch', 'line', 'text']));
    expect(Object.keys(order.srcu[0] ?? {})).toEqual(expect.arrayContaining(['lock', 'allowedInReadSide', 'line', 'text']));
    expect(Object.keys(order.locks[0] ?? {})).toEqual(expect.arrayContaining(['name', 'aliases', 'type', 'arch', 'line']));
    expect(Object.keys(order.problems[0] ?? {})).toEqual(expect.arrayContaining(['kind', 'message', 'lines']));
  });

  it('uses the current directory when it is a kernel tree, and says so', async () => {
    const r = await runCli(['doc'], kernelTree('6.1'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Documented KVM lock order from .*linux-6\.1\/Documentation\/virt\/kvm\/locking\.rst \(kernel tree/);
  });

  it('takes the path as an argument: a file is read as --file, a directory as --tree', async () => {
    const rev = corpusRevision('21');
    const file = await runCli(['doc', rev, '--format', 'json']);
    expect(file.code).toBe(0);
    expect((JSON.parse(file.stdout) as DocumentedOrder).source).toMatchObject({ kind: 'file', path: rev });
    const tree = await runCli(['doc', kernelTree('6.1'), '--format', 'json']);
    expect(tree.code).toBe(0);
    expect((JSON.parse(tree.stdout) as DocumentedOrder).source).toMatchObject({ kind: 'tree', path: join(kernelTree('6.1'), 'Documentation/virt/kvm/locking.rst') });
    const missing = await runCli(['doc', join(tmp, 'no-such.rst')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`doc ${join(tmp, 'no-such.rst')}: no such file or directory`);
    // The reason in words, as for a missing path, not node's "Error: ENOTDIR: not a directory, stat '...'".
    const through = await runCli(['doc', join(rev, 'locking.rst')]);
    expect(through.stderr).toBe(`kvm-review: doc ${join(rev, 'locking.rst')}: a part of the path is not a directory\n`);
    const both = await runCli(['doc', rev, '--tree', kernelTree('6.1')]);
    expect(both.code).toBe(2);
    expect(both.stdout).toBe('');
  });

  it('options of --propose given without it are refused, each named: the cache options too, not ignored', async () => {
    const rev = corpusRevision('25');
    const cache = await runCli(['doc', rev, '--cache-dir', join(tmp, 'cache')]);
    expect(cache.code).toBe(2);
    expect(cache.stdout).toBe('');
    expect(cache.stderr).toBe('kvm-review: --cache-dir goes with --propose; without it, doc prints the documented order and reads no code\n');
    const several = await runCli(['doc', rev, '--no-cache', '--edge', 'kvm->lock -> vcpu->mutex']);
    expect(several.code).toBe(2);
    expect(several.stderr).toBe('kvm-review: --edge and --no-cache go with --propose; without it, doc prints the documented order and reads no code\n');
  });

  it('--propose with a file, as PATH or --file, names it and both ways to give a tree', async () => {
    const rev = corpusRevision('25');
    for (const args of [[rev], ['--file', rev]]) {
      const r = await runCli(['doc', '--propose', ...args]);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(r.stderr).toBe(`kvm-review: --propose reads the code too: give a kernel tree (PATH or --tree DIR), not the locking.rst file ${rev}\n`);
    }
  });

  it('falls back to the embedded default outside a tree, and says so', async () => {
    const r = await runCli(['doc'], tmp);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Documented KVM lock order from embedded default/);
    expect(r.stdout).toContain('vcpu->mutex -> kvm->slots_arch_lock');
  });

  it('text output groups by architecture and quotes lines', async () => {
    const r = await runCli(['doc', '--file', corpusRevision('10')]);
    expect(r.stdout).toMatch(/arm64 only:\n {4}host_kvm\.lock -> pkvm_pgd_lock +10-[^:]+:41 {2}"host_kvm\.lock is taken outside pkvm_pgd_lock"/);
    expect(r.stdout).toMatch(/x86 only:/);
  });

  it('exit 1 when the document contradicts itself', async () => {
    const r = await runCli(['doc', '--file', corpusRevision('20')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error +cycle +the documented order is cyclic: cpus_read_lock\(\) -> kvm_usage_lock -> cpus_read_lock\(\)/);
  });

  it('reports unrecognised sentences with their line, scopes "On arm64:"', async () => {
    const r = await runCli(['doc', '--file', join(FIXTURES, 'doc', 'unrecognised.rst'), '--format', 'json']);
    const order = JSON.parse(r.stdout) as DocumentedOrder;
    expect(order.unrecognized).toEqual([{ line: 12, text: 'kvm->foo_lock nests under kvm->bar_lock whenever that is convenient for the caller', reason: 'wording not understood' }]);
    expect(order.edges.map((e) => [e.outer, e.inner, e.arch])).toEqual([
      ['kvm->lock', 'vcpu->mutex', null],
      ['vcpu->mutex', 'kvm->arch.config_lock', 'arm64'],
    ]);
  });

  it('text output says why each unrecognised sentence was not read, as JSON does', async () => {
    // A rule whose second half was not read: the edge it has is listed, and the sentence with the lock it lost.
    const lines = readFileSync(corpusRevision('25'), 'utf8').split('\n');
    const at = lines.indexOf('On x86:');
    if (at < 0) throw new Error('no "On x86:" label in revision 25');
    lines.splice(at, 0, '- kvm->lock is taken outside kvm->arch.xen.xen_lock, but not outside kvm->arch.pio_lock', '');
    const path = write('half-read.rst', lines.join('\n'));
    const json = JSON.parse((await runCli(['doc', '--file', path, '--format', 'json'])).stdout) as DocumentedOrder;
    const reason = json.unrecognized.find((u) => u.line === at + 1)?.reason;
    expect(reason).toMatch(/kvm->arch\.pio_lock/);
    const text = (await runCli(['doc', '--file', path])).stdout;
    const listed = text.split('\n').find((l) => l.includes(`half-read.rst:${at + 1}`) && !l.includes(' -> '));
    expect(listed).toContain(`(${reason})`);
  });

  it('mermaid and dot', async () => {
    const path = corpusRevision('24');
    const mermaid = (await runCli(['doc', '--file', path, '--format', 'mermaid'])).stdout;
    expect(mermaid.split('\n')[0]).toBe('flowchart LR');
    expect(mermaid).toMatch(/L\d+\["kvm-#gt;lock"\]/);
    expect(mermaid).toMatch(/L\d+ -\.->\|"synchronize, line 40"\| L\d+/);
    expect(mermaid).not.toMatch(/\["[^"]*>[^"]*"\]/);
    const dot = (await runCli(['doc', '--file', path, '--format', 'dot'])).stdout;
    const svg = execFileSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
    expect(svg).toContain('<svg');
    expect(svg).toContain('vcpu&#45;&gt;mutex');
  });

  it('mermaid and dot carry a rule\'s condition: the planes branch\'s same-class vcpu->mutex rule is not drawn as plain recursive locking', async () => {
    const path = corpusRevision('22');
    const order = JSON.parse((await runCli(['doc', '--file', path, '--format', 'json'])).stdout) as DocumentedOrder;
    const self = order.edges.find((e) => e.outer === 'vcpu->mutex' && e.inner === 'vcpu->mutex');
    expect(self?.condition).toMatch(/multiple planes/);
    const dot = (await runCli(['doc', '--file', path, '--format', 'dot'])).stdout;
    expect(dot).toContain(`"vcpu->mutex" -> "vcpu->mutex" [label="${self?.condition}, line ${self?.line}"];`);
    expect(execFileSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' })).toContain('multiple planes');
    const mermaid = (await runCli(['doc', '--file', path, '--format', 'mermaid'])).stdout;
    expect(mermaid).toMatch(new RegExp(`^ {2}(L\\d+) -->\\|"${self?.condition}, line ${self?.line}"\\| \\1$`, 'm'));
  });

  describe('bad input: a clear error naming the file, exit 2', () => {
    const cases: Array<[string, () => string, RegExp]> = [
      ['empty file', () => write('empty.rst', ''), /empty\.rst: empty file/],
      ['binary file', () => write('bin.rst', Buffer.from([0x4b, 0x56, 0x4d, 0x0a, 0x00, 0x01])), /bin\.rst:2: binary data/],
      ['not UTF-8', () => write('latin1.rst', Buffer.from('KVM Lock Overview\n\xe9t\xe9\n', 'latin1')), /latin1\.rst:2: not UTF-8/],
      ['not locking.rst', () => join(FIXTURES, 'doc', 'not-locking.rst'), /not-locking\.rst:1: not a KVM locking document/],
      ['missing file', () => join(tmp, 'nope.rst'), /nope\.rst: no such file/],
    ];
    for (const [name, make, message] of cases) {
      it(name, async () => {
        const r = await runCli(['doc', '--file', make()]);
        expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
        expect(r.stderr).toMatch(message);
      });
    }

    it('--file that is a directory names --file, and a missing one the path as typed', async () => {
      const dir = await runCli(['doc', '--file', tmp]);
      expect({ code: dir.code, stdout: dir.stdout }).toEqual({ code: 2, stdout: '' });
      expect(dir.stderr).toBe(`kvm-review: --file ${tmp}: is a directory; --file takes a locking.rst file\n`);
      const missing = await runCli(['doc', '--file', 'nope.rst'], tmp);
      expect(missing.stderr).toBe('kvm-review: --file nope.rst: no such file or directory\n');
    });

    it('missing --tree path', async () => {
      const r = await runCli(['doc', '--tree', join(tmp, 'no-tree')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/no-tree: --tree is not a directory/);
    });

    it('a directory that is not a kernel tree', async () => {
      const r = await runCli(['doc', '--tree', tmp]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/not a kernel tree with KVM/);
    });

    it('unknown format is a usage error', async () => {
      const r = await runCli(['doc', '--format', 'yaml']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Allowed choices are text, json, mermaid, dot/);
    });
  });

  it('CRLF line endings are read as LF, with a note', async () => {
    const crlf = write('crlf.rst', readFileSync(corpusRevision('24'), 'utf8').replace(/\n/g, '\r\n'));
    const r = await runCli(['doc', '--file', crlf, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/crlf\.rst has CRLF line endings; read as LF/);
    const lf = JSON.parse((await runCli(['doc', '--file', corpusRevision('24'), '--format', 'json'])).stdout) as DocumentedOrder;
    expect((JSON.parse(r.stdout) as DocumentedOrder).edges).toEqual(lf.edges);
  });
});

function write(name: string, content: string | Buffer): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}
