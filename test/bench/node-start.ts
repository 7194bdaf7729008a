/**
 * Node's own start on this host, and what NODE_EXTRA_CA_CERTS adds to it.
 *
 * Node reads and parses the file that variable names (a CA bundle of a
 * hundred certificates or more) at every process start, before any script
 * runs: on the machines these figures were taken on, where the environment
 * sets it for a TLS proxy, that is 40-50 ms of every `node` call, `node -e 0`
 * included. A maintainer's shell does not set it as a rule, and kvm-review's
 * reviews make no TLS connection. So the bench times its child processes
 * without it, the way a default environment starts them, and prints what it
 * costs here next to the figures that start a node process (the command line,
 * the daemon's client), so that both readings are on the page.
 */
import { execFileSync } from 'node:child_process';
import { median } from './median.js';

export interface NodeStart {
  /** `node -e 0`, wall ms, median, in the environment the bench's children get. */
  ms: number;
  /** The same with this environment's NODE_EXTRA_CA_CERTS, when it set one. */
  withCaCerts?: { file: string; ms: number };
}

const VARIABLE = 'NODE_EXTRA_CA_CERTS';

/**
 * Take NODE_EXTRA_CA_CERTS out of this process's environment, which every child of the bench
 * inherits, and measure node's start without it and, when it was set, with it (alternated).
 */
export function nodeStartWithoutCaCerts(runs = 9): NodeStart {
  const file = process.env[VARIABLE];
  delete process.env[VARIABLE];
  const time = (env: NodeJS.ProcessEnv): number => {
    const t = performance.now();
    execFileSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
    return performance.now() - t;
  };
  const without: number[] = [];
  const withIt: number[] = [];
  for (let i = 0; i < runs; i++) {
    without.push(time(process.env));
    if (file) withIt.push(time({ ...process.env, [VARIABLE]: file }));
  }
  return file ? { ms: median(without), withCaCerts: { file, ms: median(withIt) } } : { ms: median(without) };
}

/** What NODE_EXTRA_CA_CERTS added to each node start here (0 when it was not set). */
export function caCertsCost(start: NodeStart): number {
  return start.withCaCerts ? Math.max(0, start.withCaCerts.ms - start.ms) : 0;
}

/**
 * A figure that starts node once, as it would be with this environment's NODE_EXTRA_CA_CERTS
 * (`cost`, caCertsCost()), for the line that gives it: '' when the variable was not set.
 * `meets` says whether that figure meets its target; `against`, when given, is what it is a
 * ratio of (checkpatch.pl's time).
 */
export function withCaCerts(cost: number, ms: number, meets: (ms: number) => boolean, against?: number): string {
  if (cost <= 0) return '';
  const ratio = against === undefined ? '' : `, ${((ms + cost) / against).toFixed(2)}x`;
  return `; with NODE_EXTRA_CA_CERTS ${(ms + cost).toFixed(0)} ms${ratio}: ${meets(ms + cost) ? 'met' : 'NOT met'}`;
}

/** The line the bench prints about node's start. */
export function describeNodeStart(start: NodeStart): string {
  const base = `node's own start (\`node -e 0\`, median of 9): ${start.ms.toFixed(0)} ms`;
  if (!start.withCaCerts) return `${base}; ${VARIABLE} is not set`;
  return (
    `${base} without ${VARIABLE}, ${start.withCaCerts.ms.toFixed(0)} ms with this environment's ${VARIABLE}=${start.withCaCerts.file} ` +
    `(node reads that bundle at every start: +${caCertsCost(start).toFixed(0)} ms). The runs below start node without it, ` +
    `as a default environment does; a figure that starts node is given with it too`
  );
}
