/**
 * What the renderer tests share: the real SRCU-doc review (Paolo's 2022
 * locking.rst patch against 6.1, the one seed 001 answers), the hand-made
 * demo series in fixtures/render, and golden-file comparison.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { review } from '../../analyzers/review/review.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { FIXTURES, kernelTree, lineOf, SHARED } from '../helpers/paths.js';

export const RENDER_FIXTURES = join(FIXTURES, 'render');
export const SRCU_DOC_MBOX = join(SHARED, 'corpus', 'lore', 'kvm', 'srcu-locking-order-doc.mbx');
/** The Message-ID of the patch the review replies to. */
export const SRCU_DOC_ID = '20221228110410.1682852-2-pbonzini@redhat.com';

const cache = mkdtempSync(join(tmpdir(), 'kvm-review-render-'));
let srcuDoc: Promise<ReviewResult> | null = null;

/** The review of the SRCU-doc patch against the 6.1 tree, computed once per test file. */
export function srcuDocReview(): Promise<ReviewResult> {
  srcuDoc ??= review({ input: SRCU_DOC_MBOX, tree: kernelTree('6.1'), cache: { dir: cache } });
  return srcuDoc;
}

export function srcuDocHunkOnly(): Promise<ReviewResult> {
  return review({ input: SRCU_DOC_MBOX, tree: null, cache: { dir: cache } });
}

/** A fixture review result, written by hand (kernel-style, invented code). */
export function fixtureResult(name: string): ReviewResult {
  return JSON.parse(readFileSync(join(RENDER_FIXTURES, `${name}.json`), 'utf8')) as ReviewResult;
}

/**
 * The golden file's text; with UPDATE_GOLDEN=1 it is (re)written from
 * `actual` first, so a deliberate change to a renderer is one command and a
 * reviewed diff of the fixture.
 */
export function golden(file: string, actual: string): string {
  const path = join(RENDER_FIXTURES, file);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  if (!existsSync(path)) throw new Error(`no golden file ${path}: run with UPDATE_GOLDEN=1 and review it`);
  return readFileSync(path, 'utf8');
}

/**
 * Where the SRCU-doc review's evidence sits in the 6.1 tree under test,
 * found by content: Debian point releases move these lines.
 */
export function srcuDocLines(): { vcpuRun: number; xenSetEvtchn: number; msrFilter: number } {
  const tree = kernelTree('6.1');
  return {
    // vcpu_run() reaches kvm->lock through the Xen timer injection
    vcpuRun: lineOf(tree, 'arch/x86/kvm/x86.c', 'kvm_inject_pending_timer_irqs(vcpu);', 'vcpu_run'),
    xenSetEvtchn: lineOf(tree, 'arch/x86/kvm/xen.c', 'mutex_lock(&kvm->lock);', 'kvm_xen_set_evtchn'),
    msrFilter: lineOf(tree, 'arch/x86/kvm/x86.c', 'synchronize_srcu(&kvm->srcu);', 'kvm_vm_ioctl_set_msr_filter'),
  };
}
