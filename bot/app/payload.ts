/**
 * What a webhook's payload must hold before its job is queued. A signed
 * delivery that lacks it (a hand-made redelivery, a proxy that rewrote it)
 * would otherwise fail inside a handler as a TypeError, answered 500 as if
 * the App were at fault, the log naming neither the event nor the field.
 * Thrown from a handler, this is answered 400 (@octokit/webhooks takes the
 * error's status) with its message, which Probot also logs.
 */
export class MalformedPayload extends Error {
  override readonly name = 'MalformedPayload';
  /** The HTTP status the webhook middleware answers. */
  readonly status = 400;
}

/** The value at a dotted path, or undefined. */
function at(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** Throws MalformedPayload naming the first of `paths` that is missing or empty (a number, a non-empty string or an object counts). */
export function requireFields(context: { id: string; name: string; payload: unknown }, paths: readonly string[]): void {
  for (const path of paths) {
    const v = at(context.payload, path);
    if (v === undefined || v === null || v === '') {
      const action = at(context.payload, 'action');
      const event = typeof action === 'string' ? `${context.name}.${action}` : context.name;
      throw new MalformedPayload(`kvm-review: ${event} delivery ${context.id}: the payload has no ${path}; not queued`);
    }
  }
}

/** What every handled event reads of its repository (context.repo()). */
export const REPOSITORY = ['repository.owner.login', 'repository.name'] as const;
