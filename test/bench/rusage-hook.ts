/**
 * Loaded with `node --import` into a CLI run the bench times: at exit it
 * writes the process's own resource usage (CPU of every thread, peak RSS)
 * as the last line of stderr, so the bench reports what a cold `check`
 * costs, not only how long it took on a machine other sessions load.
 */
import { writeSync } from 'node:fs';

/** What bench.ts looks for. */
const RUSAGE_MARK = 'kvm-review-bench-rusage ';

process.on('exit', () => {
  const u = process.resourceUsage();
  writeSync(2, `\n${RUSAGE_MARK}${JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, rssMb: u.maxRSS / 1024 })}\n`);
});
