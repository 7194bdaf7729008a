/**
 * The kernel's arch/ directory for a machine name as `uname -m` prints it
 * (aarch64, x86_64, ppc64le): a native build maps one to the other
 * (scripts/subarch.include, and the top Makefile's ARCH aliases i386,
 * x86_64, sparc64), and a maintainer who types what the machine says
 * should be told the kernel's name rather than only "no such arch".
 *
 * Not the doc reader's archName(): that table is the words locking.rst
 * writes in "On x86:" headings, and the notes it prints list them; this
 * one is what a shell prints, and only the command line's refusals use it.
 */

/** A machine name's pattern, whole and lower case, and the arch/ directory it builds. */
const MACHINES: ReadonlyArray<readonly [RegExp, string]> = [
  // amd64: what Debian and the BSDs call x86_64.
  [/^(i[3-6]86|x86_64|amd64)$/, 'x86'],
  [/^aarch64(_be)?$/, 'arm64'],
  // armv7l, armeb: arm; arm64 (what macOS prints) is its own directory, not arm.
  [/^arm(?!64$).+$/, 'arm'],
  [/^s390x$/, 's390'],
  [/^ppc.*$/, 'powerpc'],
  [/^mips.+$/, 'mips'],
  [/^sh[234].*$/, 'sh'],
  [/^riscv.+$/, 'riscv'],
  // loong64: Debian's name for it.
  [/^loong(arch)?(32|64)$/, 'loongarch'],
  [/^(sparc(32|64)|sun4[uv])$/, 'sparc'],
  [/^parisc64$/, 'parisc'],
];

/** The directories above: one written in capitals (ARM64) is named too. */
const ARCH_DIRS = new Set(MACHINES.map(([, arch]) => arch));

/** The arch/ directory the kernel calls `machine`; null when `machine` is one already, as written, or no machine name known here. */
export function kernelArchOf(machine: string): string | null {
  const lower = machine.toLowerCase();
  const arch = MACHINES.find(([re]) => re.test(lower))?.[1] ?? (ARCH_DIRS.has(lower) ? lower : null);
  return arch === machine ? null : arch;
}
