/**
 * lineOf(), which the tests use instead of literal kernel line numbers:
 * it skips prototypes, stays inside the named function and names what it
 * did not find.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineOf } from './paths.js';

const tree = mkdtempSync(join(tmpdir(), 'kvm-review-lineof-'));
mkdirSync(join(tree, 'virt', 'kvm'), { recursive: true });
writeFileSync(join(tree, 'virt', 'kvm', 'demo.c'), [
  'static int demo_run(struct kvm_vcpu *vcpu,',   // 1: a prototype over two lines
  '\t\t    int flags);',                          // 2
  '',                                             // 3
  'static void demo_other(struct kvm *kvm)',      // 4
  '{',                                            // 5
  '\tmutex_lock(&kvm->lock);',                    // 6
  '}',                                            // 7
  '',                                             // 8
  'static int demo_run(struct kvm_vcpu *vcpu,',   // 9: the definition
  '\t\t    int flags)',                           // 10
  '{',                                            // 11
  '\tdemo_other(vcpu->kvm);',                     // 12
  '\tmutex_lock(&vcpu->kvm->lock);',              // 13
  '\treturn 0;',                                  // 14
  '}',                                            // 15
  '',
].join('\n'));

describe('lineOf', () => {
  it('finds the first line holding the text, in the file or in one function', () => {
    expect(lineOf(tree, 'virt/kvm/demo.c', 'mutex_lock(')).toBe(6);
    expect(lineOf(tree, 'virt/kvm/demo.c', 'mutex_lock(', 'demo_run')).toBe(13);
    expect(lineOf(tree, 'virt/kvm/demo.c', 'demo_other(', 'demo_run')).toBe(12);
  });

  it('does not look past the end of the function, and says what it missed', () => {
    expect(() => lineOf(tree, 'virt/kvm/demo.c', 'return 0;', 'demo_other')).toThrow(/demo\.c: no line containing "return 0;" in demo_other\(\)/);
    expect(() => lineOf(tree, 'virt/kvm/demo.c', 'x', 'demo_missing')).toThrow(/demo\.c: no definition of demo_missing\(\)/);
  });
});
