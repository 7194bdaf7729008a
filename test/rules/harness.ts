/**
 * One harness for every rule: a documented order (a real corpus revision)
 * and observed edges written as `outer -> inner` strings, run through the
 * rule registry.
 */
import { readFileSync } from 'node:fs';
import type { Finding, FindingKind } from '../../analyzers/findings/model.js';
import type { LockUse } from '../../analyzers/locks/model.js';
import { confidenceOf, type ObservedEdge } from '../../analyzers/order/model.js';
import { runRules } from '../../analyzers/rules/index.js';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { corpusRevision } from '../helpers/paths.js';

export function doc(prefix: string): DocumentedOrder {
  const path = corpusRevision(prefix);
  return readLockingDoc(readFileSync(path), path);
}

function use(cls: string, spec: string): LockUse {
  const read = spec.includes('(r)');
  const kind = cls === 'kvm->srcu' ? 'srcu' : spec.includes('[rw]') ? 'rwlock' : 'mutex';
  return { class: cls, kind, mode: read || (cls === 'kvm->srcu' && !spec.includes('sync')) ? 'read' : 'write', guessed: false, expr: cls };
}

/**
 * `A -> B` (B taken under A), `A -> sync(kvm->srcu)` (synchronize_srcu under A),
 * `A(r)[rw] -> B(r)[rw]` (read acquisitions of rwlocks); `@file:function:depth` sets the site.
 */
export function edge(spec: string): ObservedEdge {
  const [body, at] = spec.split('@');
  // `sync(X)` is its own alternative: an optional ')' after any inner name cut "cpus_read_lock()" to "cpus_read_lock(".
  const m = /^\s*(\S+?)(\(r\))?(\[rw\])?\s*->\s*(?:(sync)\((\S+?)\)|(\S+?))(\(r\))?(\[rw\])?\s*$/.exec(body ?? '');
  if (!m) throw new Error(`bad edge spec ${spec}`);
  const [, outer = '', or = '', orw = '', sync, synced, plain, ir = '', irw = ''] = m;
  const inner = synced ?? plain ?? '';
  const [file = 'virt/kvm/demo.c', fn = 'demo_fn', depth = '1'] = (at ?? '').split(':').filter(Boolean);
  const chain = Array.from({ length: Number(depth) }, (_, i) => ({ function: i === 0 ? fn : `callee${i}`, file, line: 10 + i }));
  const confidence = confidenceOf(chain, [], []);
  return {
    outer,
    inner,
    innerOp: sync ? 'sync' : 'acquire',
    outerUse: use(outer, or + orw),
    innerUse: use(inner, ir + irw + (sync ? 'sync' : '')),
    outerViaTry: false,
    count: 1,
    fullCount: confidence.level === 'full' ? 1 : 0,
    sites: [{ file, line: 10, function: fn, chain, outerLine: 5, confidence }],
  };
}

export function findings(d: DocumentedOrder, edges: string[], arch = 'x86', codeClasses: string[] = []): Finding[] {
  const observed = edges.map(edge);
  const classes = new Set([...codeClasses, ...observed.flatMap((e) => [e.outer, e.inner])]);
  return runRules({ doc: d, observed, arch, codeClasses: classes });
}

export function kinds(fs: Finding[], kind: FindingKind): string[] {
  return fs.filter((f) => f.kind === kind).map((f) => `${f.severity} ${f.outer} -> ${f.inner}`);
}
