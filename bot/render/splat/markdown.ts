/** `splat --format markdown`: the answer for a GitHub issue or PR, built as mdast. */
import type { Content, Root } from 'mdast';
import type { PlacedReport, SplatResult } from '../../../analyzers/splat/model.js';
import { stringifyMarkdown } from '../markdown.js';
import { cycleText, edgeText, KIND_TITLE, scenarioOfReport, verdictText } from './cycle.js';

const text = (value: string): Content => ({ type: 'text', value });
const code = (value: string): Content => ({ type: 'inlineCode', value });
const para = (...children: Content[]): Content => ({ type: 'paragraph', children } as Content);

function reportNodes(r: PlacedReport, i: number): Content[] {
  const out: Content[] = [{ type: 'heading', depth: 2, children: [text(`Report ${i + 1}: ${KIND_TITLE[r.kind]}`)] } as Content];
  const cycle = cycleText(r);
  if (cycle) out.push(para(text('Cycle: '), code(cycle)));
  if (r.incomplete) out.push(para(text(`${r.incomplete[0]?.toUpperCase() ?? ''}${r.incomplete.slice(1)}.`)));
  out.push(para(text(verdictText(r))));
  const header = ['#', 'edge', 'rule', 'site'];
  const rows = r.edges.map((e) => [
    `${e.n}${e.wrong ? ' (wrong)' : ''}`,
    edgeText(e),
    e.rule ? `${e.rule.verdict} locking.rst:${e.rule.line}: ${e.rule.text}` : 'none',
    e.reason,
  ]);
  if (rows.length) {
    out.push({
      type: 'table',
      children: [header, ...rows].map((cells) => ({ type: 'tableRow', children: cells.map((c) => ({ type: 'tableCell', children: [text(c)] })) })),
    } as Content);
  }
  out.push({
    type: 'list',
    ordered: false,
    children: r.locks.map((l) => ({ type: 'listItem', children: [para(code(l.lockdep), text(`: ${l.class ?? 'no class'}; ${l.reason}`))] })),
  } as Content);
  const scenario = scenarioOfReport(r);
  if (scenario.length) out.push({ type: 'code', lang: null, value: scenario.join('\n') } as Content);
  return out;
}

export function renderSplatMarkdown(result: SplatResult): string {
  const root: Root = { type: 'root', children: result.reports.flatMap((r, i) => reportNodes(r, i)) as Root['children'] };
  return stringifyMarkdown(root);
}
