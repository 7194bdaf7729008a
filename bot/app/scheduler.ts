/**
 * The in-process job queue under the name the App first gave it: one
 * review at a time, the newest head per pull request or branch. It lives
 * in bot/jobs/memory-queue.ts beside the shared (Redis) queue.
 */
export { MemoryQueue as Scheduler, type MemoryCounts as SchedulerCounts } from '../jobs/memory-queue.js';
