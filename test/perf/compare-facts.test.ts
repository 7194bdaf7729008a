/**
 * The incremental observe tells a function the patch left alone, or only
 * moved, from one it changed by walking both facts side by side
 * (compareFacts). What it must answer is what the JSON of the facts says:
 * the same JSON, or the same JSON once every `line`/`endLine` count is
 * replaced by its rank among the function's lines (0 kept), with those
 * lines. The reference here is that JSON, written and searched; the facts
 * are generated in the shapes the walk records (nested objects, arrays,
 * absent fields, strings that quote a line key).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fuzzRuns } from '../helpers/fuzz-runs.js';
import type { FunctionFacts } from '../../analyzers/locks/model.js';
import { compareFacts } from '../../analyzers/order/incremental.js';

const LINE = /"(?:line|endLine)":(\d+)/g;

function linesOf(json: string): number[] {
  const set = new Set<number>();
  for (const m of json.matchAll(LINE)) if (Number(m[1]) > 0) set.add(Number(m[1]));
  return [...set].sort((a, b) => a - b);
}

function rankShape(json: string): string {
  const rank = new Map(linesOf(json).map((l, i) => [l, i + 1]));
  return json.replace(LINE, (m: string, l: string) => (l === '0' ? m : m.slice(0, m.length - l.length) + String(rank.get(Number(l)))));
}

function reference(a: unknown, b: unknown): ReturnType<typeof compareFacts> {
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  if (ja === jb) return { same: true };
  const was = linesOf(ja);
  const now = linesOf(jb);
  return was.length === now.length && rankShape(ja) === rankShape(jb) ? { same: false, was, now } : null;
}

type Facts = { [k: string]: unknown };

const line = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 }));
const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('"line":5', 'line', 'endLine'), fc.integer({ min: -3, max: 9 }), fc.boolean(), fc.constant(null));
const { facts } = fc.letrec((tie) => ({
  facts: fc.dictionary(fc.constantFrom('line', 'endLine', 'name', 'held', 'calls', 'when', 'outerLine'), fc.oneof({ depthSize: 'small' }, line, leaf, fc.constant(undefined), tie('list'), tie('facts'))),
  list: fc.array(fc.oneof({ depthSize: 'small' }, tie('facts'), leaf), { maxLength: 3 }),
}));

/** Every line count of `v` mapped by `f`, as the patch moves or changes lines. */
function mapLines(v: unknown, f: (l: number) => number): unknown {
  if (Array.isArray(v)) return v.map((x) => mapLines(x, f));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, (k === 'line' || k === 'endLine') && typeof x === 'number' && Number.isInteger(x) && x >= 0 ? f(x) : mapLines(x, f)]));
  }
  return v;
}

const check = (a: unknown, b: unknown): void => {
  expect(compareFacts(a as FunctionFacts, b as FunctionFacts)).toEqual(reference(a, b));
};

describe('compareFacts() answers what the facts JSON answers', () => {
  it('the same facts, a copy of them, or with one value changed', () => {
    fc.assert(
      fc.property(facts, fc.string({ maxLength: 3 }), (a: Facts, s) => {
        check(a, a);
        check(a, structuredClone(a));
        check(a, { ...a, name: s });
        check(a, { ...a, extra: undefined });
      }),
      fuzzRuns(400, 20230519),
    );
  });

  it('lines moved: below a point (what a patch above does), or every one, or one of them', () => {
    fc.assert(
      fc.property(facts, fc.integer({ min: 0, max: 60 }), fc.integer({ min: -5, max: 5 }), fc.integer({ min: 1, max: 60 }), (a: Facts, from, by, one) => {
        check(a, mapLines(a, (l) => (l >= from && l > 0 ? Math.max(1, l + by) : l)));
        check(a, mapLines(a, (l) => (l > 0 ? l + 7 : l)));
        check(a, mapLines(a, (l) => (l === one ? one + 1 : l)));
        check(a, mapLines(a, (l) => (l === one ? 0 : l)));
      }),
      fuzzRuns(400, 20230623),
    );
  });

  it('two generated functions', () => {
    fc.assert(fc.property(facts, facts, (a: Facts, b: Facts) => check(a, b)), fuzzRuns(400, 20230728));
  });

  it('a line shared by an object both facts hold counts on both sides', () => {
    const shared = { line: 10 };
    check({ a: shared, b: { line: 20 } }, { a: shared, b: { line: 5 } });
    expect(compareFacts({ a: shared, b: { line: 20 } } as unknown as FunctionFacts, { a: shared, b: { line: 5 } } as unknown as FunctionFacts)).toBeNull();
    expect(compareFacts({ a: shared, b: { line: 20 } } as unknown as FunctionFacts, { a: shared, b: { line: 30 } } as unknown as FunctionFacts)).toEqual({ same: false, was: [10, 20], now: [10, 30] });
  });
});
