/** `.github/kvm-review.yml`: defaults, validation, and errors that name the key and the line. */
import { describe, expect, it } from '@jest/globals';
import { ConfigError, DEFAULT_CONFIG, isIgnored, matchesGlob, parseConfigText, validateConfig } from '../../bot/app/config.js';

describe('the repository configuration', () => {
  it('an absent file means the defaults', () => {
    expect(validateConfig(null)).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toMatchObject({ reviewEvent: 'COMMENT', failOn: 'error', drafts: false, maxComments: 30, archs: 'all', pushBranches: [] });
  });

  it('reads every key', () => {
    const c = parseConfigText(
      ['review-event: REQUEST_CHANGES', 'fail-on: warning', 'severity:', '  undocumented-order: warning', '  cycle: warning', 'drafts: true', 'max-comments: 5', 'archs: [x86]', 'ignore-paths: [arch/arm64/]', 'push-branches: [queue, "next-*"]', ''].join('\n'),
    );
    expect(c).toEqual({
      reviewEvent: 'REQUEST_CHANGES',
      failOn: 'warning',
      severity: { 'undocumented-order': 'warning', cycle: 'warning' },
      drafts: true,
      maxComments: 5,
      archs: ['x86'],
      ignorePaths: ['arch/arm64/'],
      pushBranches: ['queue', 'next-*'],
    });
  });

  const bad = (text: string): ConfigError => {
    try {
      parseConfigText(text);
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    throw new Error('no error');
  };

  it('a bad value names its key and line', () => {
    const e = bad('drafts: true\nseverity:\n  cycle: loud\n');
    expect(e.key).toBe('severity.cycle');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/^\.github\/kvm-review\.yml:3: severity\.cycle: /);
  });

  it('an unknown key names itself', () => {
    const e = bad('fail-on: error\nmax-comment: 3\n');
    expect([e.key, e.line]).toEqual(['max-comment', 2]);
  });

  it('more comments than GitHub allows in a review is refused', () => {
    expect(bad('max-comments: 31\n').key).toBe('max-comments');
  });

  it('broken YAML names its line', () => {
    const e = bad('fail-on: error\narchs: [x86\n');
    expect(e.line).not.toBeNull();
    expect(e.message).toMatch(/not valid YAML/);
  });

  it('globs and ignored paths', () => {
    expect(matchesGlob('next-*', 'next-6.13')).toBe(true);
    expect(matchesGlob('next-*', 'next/6.13')).toBe(false);
    expect(matchesGlob('kvm/**', 'kvm/a/b')).toBe(true);
    const c = { ...DEFAULT_CONFIG, ignorePaths: ['arch/arm64', 'virt/kvm/*.h'] };
    expect(isIgnored(c, 'arch/arm64/kvm/arm.c')).toBe(true);
    expect(isIgnored(c, 'arch/arm64x/kvm/arm.c')).toBe(false);
    expect(isIgnored(c, 'virt/kvm/vfio.h')).toBe(true);
    expect(isIgnored(c, 'virt/kvm/kvm_main.c')).toBe(false);
  });
});
