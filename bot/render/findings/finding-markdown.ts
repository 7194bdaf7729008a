/** One finding as mdast nodes (GitHub-flavoured), for PR comments and check reports. */
import type { BlockContent, PhrasingContent, RootContent } from 'mdast';
import { u } from 'unist-builder';
import { scenarioLines, scenarioOf } from '../../../analyzers/findings/scenario.js';
import type { AnyFinding, Finding } from '../../../analyzers/findings/model.js';
import { evidenceLabels, ruleMeta, ruleUrl } from '../../../analyzers/rules/meta.js';
import { archList } from './arch-groups.js';
import { assumedClause } from './evidence-words.js';
import { chainLines, cycleLines, singular } from './finding-text.js';

const ICON: Record<Finding['severity'], string> = { error: '🛑', warning: '⚠️', info: 'ℹ️' };

export interface FindingMarkdownOptions {
  /** Optional: absolute URI the rule pages resolve against; the kind links to its page when given. */
  docsBaseUri?: string;
}

/** `archs`: every architecture the printed finding stands for (arch-groups.ts); default its own. */
export function findingNodes(f: AnyFinding, options: FindingMarkdownOptions = {}, archs: readonly string[] = f.arch ? [f.arch] : []): RootContent[] {
  const meta = ruleMeta(f.kind);
  const kind: PhrasingContent = options.docsBaseUri ? u('link', { url: ruleUrl(meta.id, options.docsBaseUri) }, [u('inlineCode', f.kind)]) : u('inlineCode', f.kind);
  const nodes: RootContent[] = [
    u('heading', { depth: 3 as const }, [u('text', `${ICON[f.severity]} ${f.severity}: `), kind, u('text', archs.length ? ` (${archList(archs)})` : '')]),
    u('paragraph', [u('emphasis', [u('text', meta.title)])]),
    u('paragraph', [u('text', f.message)]),
  ];
  if (f.rulePath.length) {
    const quotes: BlockContent[] = f.rulePath.map((r) => u('paragraph', [u('text', `locking.rst:${r.line}: `), u('emphasis', [u('text', r.text)])]));
    nodes.push(u('blockquote', quotes));
  }
  const code: string[] = [];
  const site = f.sites[0];
  if (meta.cycleIsChain && f.cycle) code.push(...cycleLines(f.cycle, ''));
  else if (site) code.push(...chainLines(site, ''));
  if (f.cycle && f.cycle.length > 1 && meta.scenario) {
    code.push('', ...scenarioLines(scenarioOf(f.cycle)));
  }
  if (code.length) nodes.push(u('code', { lang: 'text' }, code.join('\n')));
  if (f.evidence) {
    const { against, agreeing } = f.evidence;
    const labels = evidenceLabels(f);
    const side = (count: number, label: string): string => `${count} site${count === 1 ? '' : 's'} ${count === 1 ? singular(label) : label}`;
    nodes.push(u('paragraph', [u('strong', [u('text', 'Evidence:')]), u('text', ` ${side(against.count, labels.against)}${assumedClause(against)}; ${side(agreeing.count, labels.agreeing)}.`)]));
  }
  if (f.note) nodes.push(u('paragraph', [u('strong', [u('text', 'Note:')]), u('text', ` ${f.note}`)]));
  nodes.push(u('paragraph', [u('strong', [u('text', 'Suggestion:')]), u('text', ` ${f.suggestion}`)]));
  return nodes;
}
