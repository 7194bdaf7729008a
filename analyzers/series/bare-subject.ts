/**
 * A patch's subject without its leading bracket groups ("[PATCH v2 1/3]",
 * "[RFC]"): what it is called across versions and in replies. A text helper
 * of its own, so that renderers use it without loading the subject parser
 * (subject.ts, which reads those groups).
 */
export function bareSubject(subject: string): string {
  return subject.replace(/^(?:\[[^\]]*\]\s*)+/, '');
}
