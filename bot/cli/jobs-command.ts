/**
 * `kvm-review jobs [list|retry ID|drop ID]`: the shared queue (REDIS_URL)
 * seen and mended by an operator. With no REDIS_URL there is no shared
 * queue to show: each App process runs its own, in process (its counts
 * are at /kvm-review/status).
 */
import { BullQueue, redactUrl } from '../jobs/bullmq-queue.js';
import { UnknownJobError, type JobInfo } from '../jobs/queue.js';
import { escapeControls } from '../render/safe-text.js';
import type { Io } from './doc-command.js';
import { EXIT, InputError, type ExitCode } from './exit-codes.js';

export interface JobsOptions {
  format: 'text' | 'json';
}

export const NO_SHARED_QUEUE = 'no shared queue: REDIS_URL is not set, so each App process runs its reviews in process (see GET /kvm-review/status on the App)';

function line(j: JobInfo): string {
  const what = j.state === 'failed' ? `reason: ${j.reason ?? 'unknown'}` : j.state === 'completed' ? (j.outcome ?? '') : j.reason ? `last error: ${j.reason}` : '';
  const when = new Date(j.finishedAt ?? j.enqueuedAt).toISOString().replace(/\.\d+Z$/, 'Z');
  return escapeControls(`${j.state.padEnd(9)} ${j.id}  ${j.kind} ${j.key} ${j.head.slice(0, 12)}  attempts ${j.attemptsMade}  ${when}${what ? `  ${what}` : ''}`);
}

export async function runJobs(action: string | undefined, id: string | undefined, o: JobsOptions, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  const verb = action ?? 'list';
  if (!['list', 'retry', 'drop'].includes(verb)) throw new InputError(`jobs ${verb}: expected list, retry ID or drop ID`);
  if (verb !== 'list' && !id) throw new InputError(`jobs ${verb} needs a job ID (see kvm-review jobs)`);
  if (verb === 'list' && id) throw new InputError(`jobs list takes no ID (got ${id})`);
  const url = env.REDIS_URL;
  if (!url) {
    if (verb === 'list') {
      io.stdout(`kvm-review jobs: ${NO_SHARED_QUEUE}\n`);
      return EXIT.ok;
    }
    throw new InputError(`jobs ${verb}: ${NO_SHARED_QUEUE}`);
  }
  const queue = new BullQueue(url);
  try {
    try {
      await queue.ready(url);
    } catch (e) {
      throw new InputError(`jobs: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (verb === 'list') {
      const jobs = await queue.list();
      const s = await queue.status();
      if (o.format === 'json') {
        io.stdout(`${JSON.stringify({ queue: redactUrl(url), status: s, jobs }, null, 2)}\n`);
        return EXIT.ok;
      }
      io.stdout(`queue ${redactUrl(url)}: ${s.waiting} waiting, ${s.delayed} delayed (retry backoff), ${s.active} running, ${s.failed} failed; ${s.done} done, ${s.superseded} superseded since the queue began\n`);
      for (const j of jobs) io.stdout(`${line(j)}\n`);
      return EXIT.ok;
    }
    try {
      if (verb === 'retry') await queue.retry(id as string);
      else await queue.drop(id as string);
    } catch (e) {
      if (e instanceof UnknownJobError) throw new InputError(`jobs ${verb}: ${e.message}`);
      throw e;
    }
    io.stdout(`kvm-review jobs: ${verb === 'retry' ? 'retrying' : 'dropped'} ${escapeControls(id as string)}\n`);
    return EXIT.ok;
  } finally {
    await queue.close();
  }
}
