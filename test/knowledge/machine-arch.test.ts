/**
 * What `uname -m` prints is not always the kernel's arch/ directory
 * (aarch64 is arm64, x86_64 is x86): kernelArchOf() names the directory the
 * kernel builds for a machine, as its build does for a native build, so that
 * --arch and the App's archs can say so rather than only "no such arch".
 */
import { describe, expect, it } from '@jest/globals';
import { kernelArchOf } from '../../knowledge/machine-arch.js';

describe('kernelArchOf', () => {
  it("maps each uname -m spelling to the kernel's arch directory", () => {
    const cases: Array<[string, string]> = [
      ['aarch64', 'arm64'], ['aarch64_be', 'arm64'],
      ['x86_64', 'x86'], ['i386', 'x86'], ['i686', 'x86'], ['amd64', 'x86'],
      ['riscv64', 'riscv'], ['riscv32', 'riscv'],
      ['s390x', 's390'],
      ['ppc', 'powerpc'], ['ppc64', 'powerpc'], ['ppc64le', 'powerpc'],
      ['loongarch64', 'loongarch'], ['loong64', 'loongarch'],
      ['mips64', 'mips'], ['mipsel', 'mips'],
      ['armv7l', 'arm'], ['armv8l', 'arm'],
      ['sparc64', 'sparc'], ['parisc64', 'parisc'], ['sh4', 'sh'],
      // Written in capitals: the directory is lower case.
      ['X86_64', 'x86'], ['X86', 'x86'], ['ARM64', 'arm64'],
    ];
    expect(cases.map(([m]) => [m, kernelArchOf(m)])).toEqual(cases);
  });

  it('null for a name that is already the directory, or one it does not know', () => {
    // arm64 is not arm (the kernel's own mapping would take "arm.*" to arm before aarch64 to arm64).
    for (const name of ['arm64', 'x86', 'arm', 'mips', 'powerpc', 'riscv', 's390', 'loongarch', 'sparc', 'x68', 'all', '', 'x86_64x']) {
      expect([name, kernelArchOf(name)]).toEqual([name, null]);
    }
  });
});
