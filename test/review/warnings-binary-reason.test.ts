/**
 * A binary change to a file the analysis reads is said in the patch's
 * reason ("cannot be reviewed"), and stays there when a hunk of the same
 * patch does not apply: on the fuzz suite's tiny tree, with a patch written
 * here.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { review } from '../../analyzers/review/review.js';
import { render } from '../../bot/render/formats/json.js';
import { reviewJson } from '../fuzz/invariants.js';
import { tinyTree } from '../fuzz/seeds.js';

const dir = mkdtempSync(join(tmpdir(), 'kvm-review-warnings-binary-'));

describe('a binary change to an indexed file next to a hunk that does not apply', () => {
  const tree = tinyTree();
  const input = join(dir, 'binary-and-stale-hunk.patch');
  writeFileSync(
    input,
    [
      'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
      'From: Test Author <test@example.org>',
      'Date: Mon, 16 Nov 2026 10:00:00 +0000',
      'Subject: [PATCH] KVM: demo: replace kvm_main.c by a blob',
      'Message-ID: <binary-stale@example.org>',
      '',
      'A binary kvm_main.c, and a hunk written against another x86.c.',
      '',
      '---',
      'diff --git a/virt/kvm/kvm_main.c b/virt/kvm/kvm_main.c',
      'index 1234567..89abcde 100644',
      'GIT binary patch',
      'literal 5',
      'McmZQzU|;|M00aO5',
      '',
      'literal 0',
      'HcmV?d00001',
      '',
      'diff --git a/arch/x86/kvm/x86.c b/arch/x86/kvm/x86.c',
      'index 1234567..89abcde 100644',
      '--- a/arch/x86/kvm/x86.c',
      '+++ b/arch/x86/kvm/x86.c',
      '@@ -1,3 +1,3 @@',
      ' this line is not in the file',
      '-nor is this one',
      '+replacement',
      ' and not this one',
      '-- ',
      '2.47.0',
      '',
    ].join('\n'),
  );

  it('the reason says both, never "the rest was reviewed" (nothing applied), and the JSON contract holds', async () => {
    const r = await review({ input, tree, cache: { disabled: true } });
    const [p, ...rest] = r.patches;
    expect(rest).toEqual([]);
    // The binary diff is not applied either: two, and nothing is left to review.
    expect(p?.status).toBe('not-applied');
    expect(p?.applyFailures.map((a) => a.file)).toEqual(['virt/kvm/kvm_main.c', 'arch/x86/kvm/x86.c']);
    expect(p?.reason).toMatch(/^no hunk of virt\/kvm\/kvm_main\.c, arch\/x86\/kvm\/x86\.c applies to the tree; cannot be reviewed: binary change to virt\/kvm\/kvm_main\.c /);
    expect(p?.reason).not.toMatch(/the rest was reviewed/);
    expect(p?.warnings).toContainEqual(expect.stringMatching(/^a binary change to virt\/kvm\/kvm_main\.c, a file the analysis reads/));
    reviewJson.parse(JSON.parse(render({ type: 'review', result: r }, { failOn: 'error' }).output));
  });
});
