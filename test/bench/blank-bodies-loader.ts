/**
 * A module hook (registered by blank-bodies-hook.ts): the C parser module is answered by a wrapper
 * whose parseC() blanks the ranges the plan in $KVM_REVIEW_BENCH_BLANK_PLAN gives for the text it
 * is handed, then calls the real parseC(). Everything else of the module is the real one's. The
 * program is not changed for the bench; the hook applies to the worker threads too.
 */
import type { LoadHook } from 'node:module';

const PARSER = '/analyzers/c/parser.js';
const blankBodies = new URL('./blank-bodies.js', import.meta.url).href;

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!url.endsWith(PARSER)) return nextLoad(url, context);
  const real = JSON.stringify(`${url}?real`);
  const source = `
import { readFileSync } from 'node:fs';
import { parseC as realParseC } from ${real};
import { BLANK_PLAN_ENV, blankRanges, textKey } from ${JSON.stringify(blankBodies)};
export * from ${real};
const file = process.env[BLANK_PLAN_ENV];
if (!file) throw new Error(BLANK_PLAN_ENV + ' names no plan');
const plan = JSON.parse(readFileSync(file, 'utf8'));
export async function parseC(source) {
  const ranges = plan[textKey(source)];
  return realParseC(ranges ? blankRanges(source, ranges) : source);
}
`;
  return { format: 'module', source, shortCircuit: true };
};
