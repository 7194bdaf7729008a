/**
 * One review at a time (the analysis is CPU-bound), and per pull request
 * (or pushed branch) only the newest: a newer head supersedes an older job
 * that is waiting (it never starts) or running (it posts nothing more).
 */
import { Superseded } from './publish.js';

export interface SchedulerCounts {
  queued: number;
  running: number;
  done: number;
  failed: number;
  superseded: number;
}

export type Job = (superseded: () => boolean) => Promise<unknown>;

export class Scheduler {
  private tail: Promise<void> = Promise.resolve();
  private readonly generation = new Map<string, number>();
  readonly counts: SchedulerCounts = { queued: 0, running: 0, done: 0, failed: 0, superseded: 0 };

  constructor(private readonly onError: (key: string, e: unknown) => void = () => undefined) {}

  /** Queues `job` under `key`; resolves when it ran, failed or was superseded. */
  submit(key: string, job: Job): Promise<void> {
    const gen = (this.generation.get(key) ?? 0) + 1;
    this.generation.set(key, gen);
    const superseded = (): boolean => this.generation.get(key) !== gen;
    this.counts.queued += 1;
    const run = this.tail.then(async () => {
      this.counts.queued -= 1;
      if (superseded()) {
        this.counts.superseded += 1;
        return;
      }
      this.counts.running += 1;
      try {
        await job(superseded);
        this.counts.done += 1;
      } catch (e) {
        if (e instanceof Superseded) this.counts.superseded += 1;
        else {
          this.counts.failed += 1;
          this.onError(key, e);
        }
      } finally {
        this.counts.running -= 1;
      }
    });
    this.tail = run;
    return run;
  }

  /** Nothing queued or running. */
  idle(): boolean {
    return this.counts.queued === 0 && this.counts.running === 0;
  }
}
