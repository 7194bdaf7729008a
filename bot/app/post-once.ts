/**
 * A POST that must not be made twice: a review with its line comments, a
 * reply, a commit comment, a check run. Octokit's retry plugin sends a POST
 * again after a 5xx, but GitHub often did the work before its gateway
 * answered 502 or 504 (a review of 30 comments is slow to create): the
 * retry posted every comment a second time. Here Octokit's own retry is off
 * for the call (`request.retries: 0`; a secondary rate limit is still waited
 * out by the throttling plugin: GitHub refused it, nothing was made), and
 * before each retry `find` asks GitHub whether the first one landed.
 */
import { randomUUID } from 'node:crypto';

/** Tries of a POST (the first and the retries), as Octokit's retry plugin makes by default. */
export const POST_TRIES = 4;

/** Octokit's request option turning its retry plugin off for one call. */
export const NO_RETRY = { request: { retries: 0 } } as const;

export interface PostOnceOptions {
  /** Milliseconds before retry n (1-based); default n² seconds, as Octokit's retry plugin waits. */
  waitMs?: (n: number) => number;
  /** Told of each retry (the reason and whether GitHub had made it). */
  log?: (message: string) => void;
}

/** An id unique to one post (a check run's external_id). */
export function postId(): string {
  return randomUUID();
}

/** A marker unique to one post, hidden in its body, by which `find` knows it (62 characters with its line break: within POST_MARKER_ROOM of comment.ts). */
function postMarker(): string {
  return `<!-- kvm-review:post=${postId()} -->`;
}

/** Whether an error may have come after GitHub did the work: a 5xx, or no answer at all (a reset connection). */
function unsure(e: unknown): boolean {
  const status = (e as { status?: unknown }).status;
  return typeof status !== 'number' || status >= 500;
}

/**
 * `post()`, once: after an error that may hide a success, `find()` is asked
 * whether GitHub made it (its answer is then the result); if not, posted
 * again, up to POST_TRIES in all. Any other error (4xx) goes to the caller.
 */
export async function postOnce<T>(what: string, post: () => Promise<T>, find: () => Promise<T | null>, opts: PostOnceOptions = {}): Promise<T> {
  const waitMs = opts.waitMs ?? ((n: number) => n * n * 1000);
  for (let n = 1; ; n++) {
    try {
      return await post();
    } catch (e) {
      if (!unsure(e) || n >= POST_TRIES) throw e;
      const why = e instanceof Error ? e.message : String(e);
      // GitHub may show what it made a moment after its error: ask after the wait.
      await new Promise((r) => setTimeout(r, waitMs(n)));
      const made = await find();
      if (made !== null) {
        opts.log?.(`kvm-review: ${what} answered "${why}", but GitHub had made it: not posted again`);
        return made;
      }
      opts.log?.(`kvm-review: ${what} answered "${why}" and GitHub has none: posting again (try ${n + 1} of ${POST_TRIES})`);
    }
  }
}

/**
 * postOnce() for a post with a body (a review, a reply, a commit comment): a marker unique to it
 * starts the body, and the post GitHub made is the one among `list()` whose body holds it.
 */
export async function postMarkedOnce(what: string, body: string, post: (body: string) => Promise<number>, list: () => Promise<readonly { id: number; body?: string | null }[]>, opts: PostOnceOptions = {}): Promise<number> {
  const marker = postMarker();
  const marked = `${marker}\n${body}`;
  return postOnce(what, () => post(marked), async () => (await list()).find((p) => p.body?.includes(marker))?.id ?? null, opts);
}
