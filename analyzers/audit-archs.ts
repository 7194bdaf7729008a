/**
 * The per-architecture step of a cold `check`, started while the index is
 * still running: an architecture's observed order depends only on the
 * facts of the files built for it (generic code plus arch/<a>/), so it is
 * observed as soon as those are in, on the main thread, while the worker
 * threads parse the files of the architectures still missing (the index
 * sends generic files first, then one architecture's after another:
 * rankOf()). Before, all of them waited for the last file and ran one after
 * another with the second core idle.
 *
 * The rules need every class the whole tree takes (doc-stale's view), known
 * only at the end: they run then, on the edges observed early, which are
 * the edges analyseArch() gives (it is what observes them here, with the
 * cache of the edges). An architecture whose files did not all come in (a
 * file not read), or whose early step failed, is analysed at the end as
 * before, so its result and error are the ones it always had.
 */
import type { DocumentedOrder } from '../knowledge/doc/model.js';
import type { LockClass } from '../knowledge/lock-names.js';
import { analyseArch, rulesOn, type ArchAnalysis, type EdgeCacheRef } from './arch-analysis.js';
import type { FindingKind, Severity } from './findings/model.js';
import type { FileFacts } from './index/index-tree.js';
import { archOf } from './index/files.js';

export interface ArchStepInput {
  archs: readonly string[];
  /** The files the index was given, in its order (the order of the facts it returns). */
  files: readonly string[];
  doc: DocumentedOrder;
  severities?: Partial<Record<FindingKind, Severity>>;
  cache: EdgeCacheRef;
}

const builtFor = (arch: string, file: string): boolean => {
  const a = archOf(file);
  return a === null || a === arch;
};

/** No classes: the early step's findings are dropped, only its edges are kept (the rules run again at the end). */
const NO_CLASSES: ReadonlySet<LockClass> = new Set();

/** Text queued per worker thread before an early step; see observe(). */
const FILL_BYTES = 384 * 1024;

export class ArchSteps {
  private readonly facts = new Map<string, FileFacts>();
  /** Per architecture, its files whose facts are not in yet. */
  private readonly missing = new Map<string, number>();
  private readonly early = new Map<string, ArchAnalysis>();
  private closed = false;
  /** Queues more files on the index's worker threads, when it has them. */
  private fill: ((bytes: number) => void) | null = null;

  constructor(private readonly input: ArchStepInput) {
    for (const arch of input.archs) this.missing.set(arch, input.files.filter((f) => builtFor(arch, f)).length);
  }

  /**
   * The index's order of work: generic files, then each architecture's, the one with most files first
   * (the last one's observe is the step left when the index ends: the smallest).
   */
  rankOf(): (file: string) => number {
    const count = new Map<string, number>();
    for (const f of this.input.files) {
      const a = archOf(f);
      if (a) count.set(a, (count.get(a) ?? 0) + 1);
    }
    const order = [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([a]) => a);
    return (file) => {
      const a = archOf(file);
      return a === null ? 0 : 1 + order.indexOf(a);
    };
  }

  /** The index's onFacts: an architecture whose files are all in is observed next, after the messages already waiting. */
  onFacts(file: string, facts: FileFacts): void {
    if (this.closed || this.facts.has(file)) return;
    this.facts.set(file, facts);
    for (const arch of this.input.archs) {
      if (!builtFor(arch, file)) continue;
      const left = (this.missing.get(arch) ?? 0) - 1;
      this.missing.set(arch, left);
      if (left === 0) setImmediate(() => this.observe(arch));
    }
  }

  /** The index's onThreads: its threads get enough files before each early step not to wait for the main thread. */
  onThreads(threads: { fill(bytes: number): void }): void {
    this.fill = (bytes) => threads.fill(bytes);
  }

  /** No more early steps (the index ended or failed): what is left runs in analyses(). */
  close(): void {
    this.closed = true;
  }

  private observe(arch: string): void {
    if (this.closed || this.early.has(arch)) return;
    const files = this.input.files.filter((f) => builtFor(arch, f)).map((f) => this.facts.get(f));
    if (files.some((f) => f === undefined)) return;
    const present = files as FileFacts[];
    // An observe takes 20-150 ms (x86's the longest) on this main thread, which the threads need to
    // send them their next file: queued now, about what they parse and walk in that time (~1.5 MB/s).
    this.fill?.(FILL_BYTES);
    this.early.set(
      arch,
      analyseArch({
        arch,
        functions: present.flatMap((f) => f.functions),
        ops: present.flatMap((f) => f.ops),
        doc: this.input.doc,
        codeClasses: NO_CLASSES as Set<LockClass>,
        severities: this.input.severities,
        cache: this.input.cache,
      }),
    );
  }

  /** Every architecture's analysis, in `archs` order: the rules on the edges observed early, the whole step for the others. */
  analyses(index: readonly FileFacts[], codeClasses: Set<LockClass>): ArchAnalysis[] {
    this.close();
    const functions = index.flatMap((f) => f.functions);
    const ops = index.flatMap((f) => f.ops);
    return this.input.archs.map((arch) => {
      const input = { arch, doc: this.input.doc, codeClasses, severities: this.input.severities };
      const early = this.early.get(arch);
      if (!early || early.error) return analyseArch({ ...input, functions, ops, cache: this.input.cache });
      try {
        return rulesOn(input, early);
      } catch (e) {
        // What analyseArch() returns when its rules throw.
        return { arch, edges: [], findings: [], unresolvedCalls: 0, truncatedSummaries: 0, ruledOut: {}, error: e instanceof Error ? e.message : String(e) };
      }
    });
  }

  /** Architectures observed before the index ended (for the tests). */
  get observedEarly(): string[] {
    return [...this.early.keys()];
  }
}
