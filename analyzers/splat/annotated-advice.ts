/**
 * The answer to a recursive report when the tree already annotates the
 * lock (annotation.ts found the call): the annotation is not what is
 * missing, so the answer says where it is and what the report then means:
 * both acquisitions at one subclass (the subclasses collide), a report from
 * a kernel that did not take the lock through that call, or a class that a
 * lockdep_set_*() call gives to every lock set up there (the class is shared).
 */
import { callText, type ExistingAnnotation } from './annotation.js';

export interface AnnotatedInput {
  /** The lock's class, or lockdep's name when it has none. */
  lock: string;
  /** lockdep's name of the lock being taken, as the report prints it (`&irq->irq_lock/1`). */
  acquiring: string;
  /** The subclass the report prints on it (`/N`), 0 when none. */
  subclass: number;
  /** The kernel release the report was printed by, when it says. */
  kernel: string | null;
  /** The _nested() variant for the lock's primitive (`mutex_lock_nested()`), null when the primitive is not known. */
  nested: string | null;
  /** _nested() calls of the function that takes the inner lock. */
  calls: readonly ExistingAnnotation[];
  /** lockdep_set_*() calls that give the lock its class. */
  setters: readonly ExistingAnnotation[];
}

/** The answer, and its short form for the edge's reason; null when the tree has no annotation for the lock. */
export function annotatedAdvice(i: AnnotatedInput): { advice: string; short: string } | null {
  const call = i.calls[0];
  if (call) return nestedCallAdvice(i, call);
  const setter = i.setters[0];
  if (setter) return setterAdvice(i, setter);
  return null;
}

function where(a: ExistingAnnotation): string {
  return `${a.file}:${a.line}`;
}

function nestedCallAdvice(i: AnnotatedInput, a: ExistingAnnotation): { advice: string; short: string } {
  const base = `${a.function ?? 'The tree'}() already takes ${i.lock} with ${callText(a)} (${where(a)})`;
  const short = `already annotated with ${a.call}() in ${a.function ?? '?'}()`;
  const kernel = i.kernel ? ` (${i.kernel})` : '';
  if (a.subclass === i.subclass) {
    return {
      short: `${short}: the held lock has the same subclass`,
      advice:
        `${base}, and both acquisitions are subclass ${i.subclass} (${i.acquiring}): the annotation is there, but the lock already held was taken at the same subclass, so lockdep still sees one class taken twice. ` +
        'Another _nested() call is not the fix: give each level its own subclass (the outer one at 0 with the plain primitive, or the nesting depth as the subclass, at most 7); if the two can ever be the same object, it is a real deadlock.',
    };
  }
  if (a.subclass !== null) {
    return {
      short: `${short}: the report's kernel did not take it through that call`,
      advice:
        `${base}, but the report prints subclass ${i.subclass} on the lock being taken (${i.acquiring}), not ${a.subclass}: the kernel that printed it${kernel} did not take the lock through this call. ` +
        'If that kernel predates the annotation, this tree already has the fix; if not, the inner acquisition comes from another path: look there, not at this call.',
    };
  }
  return {
    short: `${short}: check its subclass and the report's kernel`,
    advice:
      `${base}; its subclass, ${a.subclassText ?? '?'}, is only known at run time; the report prints subclass ${i.subclass} on both acquisitions (${i.acquiring}), so either both calls passed the same value or the kernel that printed it${kernel} predates this annotation. ` +
      `Another _nested() call is not the fix: check that kernel has this one, and if it does, make ${a.subclassText ?? 'the subclass'} differ between the lock held and the one taken.`,
  };
}

function setterAdvice(i: AnnotatedInput, s: ExistingAnnotation): { advice: string; short: string } {
  const base = `${s.function ? `${s.function}()` : 'The tree'} already sets its class with ${callText(s)} (${where(s)})`;
  const nested = i.nested ?? "the _nested() variant of its primitive";
  if (s.call === 'lockdep_set_class' || s.call === 'lockdep_set_class_and_name') {
    return {
      short: `class already set with ${s.call}() in ${s.function ?? '?'}(): the class is shared`,
      advice:
        `${base}, and both acquisitions are in that class: the locks set up there share one key, so two of them nested look like one lock taken twice. ` +
        `The annotation is not missing, the class is shared: give the instances that nest inside another a lock_class_key of their own, or take the inner one at another subclass with ${nested}.`,
    };
  }
  return {
    short: `subclass already set with ${s.call}() in ${s.function ?? '?'}(): the subclasses collide`,
    advice:
      `${base}, and both acquisitions are subclass ${i.subclass} (${i.acquiring}): every lock set up there gets that subclass, so two of them nested collide. ` +
      `Give the inner one a different subclass (${nested} on its acquisition) or a lock_class_key of its own.`,
  };
}
