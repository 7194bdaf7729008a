/**
 * `digest --format markdown`: the page for a GitHub issue, built as an
 * mdast tree (stringifyMarkdown escapes what comes from the input and makes
 * mentions inert). The trend is a mermaid xychart (one line per section, in
 * the order of the table under it, which is the legend GitHub's renderer
 * does not draw).
 */
import type { List, ListItem, PhrasingContent, Root, RootContent, Table, TableRow } from 'mdast';
import type { Digest } from '../../../analyzers/history/model.js';
import { DRIFT_SECTIONS } from '../../../analyzers/history/model.js';
import { stringifyMarkdown } from '../markdown.js';
import { chainText, commitLine, edgeChangeText, firstSeenText, ruleChangeText, SECTION_TITLES, siteText, windowText } from './blocks.js';

const text = (value: string): PhrasingContent => ({ type: 'text', value });
const code = (value: string): PhrasingContent => ({ type: 'inlineCode', value });
const para = (...children: PhrasingContent[]): RootContent => ({ type: 'paragraph', children });
const heading = (depth: 2 | 3, value: string): RootContent => ({ type: 'heading', depth, children: [text(value)] });
const item = (children: PhrasingContent[], sub: string[] = []): ListItem => ({
  type: 'listItem',
  spread: false,
  children: [{ type: 'paragraph', children }, ...(sub.length ? [list(sub.map((s) => item([text(s)])))] : [])],
});
const list = (items: ListItem[]): List => ({ type: 'list', ordered: false, spread: false, children: items });

/** The hidden marker a posted issue carries, so a second run the same week finds it. */
export function weekMarker(week: string): string {
  return `<!-- kvm-review-digest ${week} -->`;
}

function trendChart(d: Digest): string {
  const weeks = d.trend.map((t) => `"${t.week}"`).join(', ');
  const max = Math.max(1, ...d.trend.flatMap((t) => DRIFT_SECTIONS.map((s) => t.counts[s])));
  const lines = DRIFT_SECTIONS.map((s) => `    line [${d.trend.map((t) => t.counts[s]).join(', ')}]`);
  return ['xychart-beta', '    title "Drift items per ISO week"', `    x-axis [${weeks}]`, `    y-axis "items" 0 --> ${max}`, ...lines].join('\n');
}

function trendTable(d: Digest): Table {
  const row = (cells: string[]): TableRow => ({ type: 'tableRow', children: cells.map((c) => ({ type: 'tableCell', children: [text(c)] })) });
  return {
    type: 'table',
    align: ['left', ...DRIFT_SECTIONS.map(() => 'right' as const)],
    children: [row(['week', ...DRIFT_SECTIONS]), ...d.trend.map((t) => row([t.week, ...DRIFT_SECTIONS.map((s) => String(t.counts[s]))]))],
  };
}

export function renderDigestMarkdown(d: Digest): string {
  const c: RootContent[] = [];
  c.push({ type: 'html', value: weekMarker(d.trend.at(-1)?.week ?? d.window.to.date.slice(0, 10)) });
  c.push(heading(2, `Locking-doc drift, ${windowText(d)}`));
  c.push(para(text(d.summary)));

  c.push(heading(3, 'The document this week'));
  if (!d.document.length) c.push(para(text('No commit in the window touched Documentation/virt/kvm/locking.rst.')));
  else c.push(list(d.document.map((dc) => item([text(commitLine(dc))], dc.changes.length ? dc.changes.map(ruleChangeText) : ['no rule changed (wording or layout only)']))));

  c.push(heading(3, 'The code this week'));
  if (!d.code.length) c.push(para(text('No commit in the window added or removed an observed edge between documented locks.')));
  else c.push(list(d.code.map((cc) => item([text(commitLine(cc))], cc.edges.map((e) => `${edgeChangeText(e)}${e.chain.length > 1 ? `; chain: ${chainText(e.chain)}` : ''}`)))));

  const dr = d.drift;
  c.push(heading(3, `${SECTION_TITLES.contradicted} (${dr.contradicted.length})`));
  if (dr.contradicted.length) {
    c.push(list(dr.contradicted.map((x) => item(
      [{ type: 'strong', children: [text(`[${x.severity}] ${x.kind}`)] }, text(`: ${x.message}`)],
      [
        ...(x.rule ? [`rule, locking.rst:${x.rule.line}: "${x.rule.text}"`] : []),
        ...x.sites.map((s) => `site: ${siteText(s)}${s.chain.length > 1 ? `; chain: ${chainText(s.chain)}` : ''}`),
        ...(x.firstSeen ? [firstSeenText(x.firstSeen)] : []),
        ...(x.note ? [`note: ${x.note}`] : []),
      ],
    ))));
  }
  c.push(heading(3, `${SECTION_TITLES.undocumented} (${dr.undocumented.length})`));
  if (dr.undocumented.length) {
    c.push(list(dr.undocumented.map((u) => item(
      [code(`${u.outer} -> ${u.inner}`), text(`: ${u.sites} site${u.sites === 1 ? '' : 's'}, e.g. ${siteText(u.example)}${u.firstSeen ? `; ${firstSeenText(u.firstSeen)}` : ''}`)],
      u.example.chain.length > 1 ? [`chain: ${chainText(u.example.chain)}`] : [],
    ))));
  }
  c.push(heading(3, `${SECTION_TITLES.leaf} (${dr.leaf.length})`));
  const claim = dr.leaf[0]?.rule;
  if (claim) c.push(para(text(`locking.rst:${claim.line}: "${claim.text}"`)));
  if (dr.leaf.length) c.push(list(dr.leaf.map((l) => item([code(l.lock)], l.inside.map((i) => `${i.lock}: ${i.sites} site${i.sites === 1 ? '' : 's'}, e.g. ${siteText(i.example)}`)))));
  c.push(heading(3, `${SECTION_TITLES.stale} (${dr.stale.length})`));
  if (dr.stale.length) c.push(list(dr.stale.map((x) => item([code(x.lock), text(x.rule ? `, locking.rst:${x.rule.line}: "${x.rule.text}"` : '')]))));
  c.push(heading(3, `${SECTION_TITLES.document} (${dr.document.length})`));
  if (dr.document.length) c.push(list(dr.document.map((x) => item([text(`[${x.severity}] ${x.message}`)]))));

  c.push(heading(3, 'Since the window\'s start'));
  if (!d.since.new.length && !d.since.fixed.length) c.push(para(text('Nothing new, nothing fixed.')));
  else c.push(list([...d.since.new.map((n) => item([text(`new (${n.section}): ${n.title}`)])), ...d.since.fixed.map((f) => item([text(`fixed (${f.section}): ${f.title}`)]))]));

  c.push(heading(3, `Trend, ${d.trend.length} weeks`));
  c.push({ type: 'code', lang: 'mermaid', value: trendChart(d) });
  c.push(para(text(`Lines, in order: ${DRIFT_SECTIONS.join(', ')}.`)));
  c.push(trendTable(d));

  if (d.notes.length) {
    c.push(heading(3, 'Not seen'));
    c.push(list(d.notes.map((n) => item([text(n)]))));
  }
  const root: Root = { type: 'root', children: c };
  return stringifyMarkdown(root);
}

/** The registry's entry point. */
export const renderDigest = (d: Digest): string => renderDigestMarkdown(d);
