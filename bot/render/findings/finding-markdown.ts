/** One finding as mdast nodes (GitHub-flavoured), for PR comments and check reports. */
import type { BlockContent, RootContent } from 'mdast';
import { u } from 'unist-builder';
import { scenarioLines, scenarioOf } from '../../../analyzers/findings/scenario.js';
import type { AnyFinding, Finding } from '../../../analyzers/findings/model.js';
import { chainLines, cycleLines } from './finding-text.js';

const ICON: Record<Finding['severity'], string> = { error: '🛑', warning: '⚠️', info: 'ℹ️' };

export function findingNodes(f: AnyFinding): RootContent[] {
  const nodes: RootContent[] = [
    u('heading', { depth: 3 as const }, [
      u('text', `${ICON[f.severity]} ${f.severity}: `),
      u('inlineCode', f.kind),
      u('text', f.arch ? ` (${f.arch})` : ''),
    ]),
    u('paragraph', [u('text', f.message)]),
  ];
  if (f.rulePath.length) {
    const quotes: BlockContent[] = f.rulePath.map((r) => u('paragraph', [u('text', `locking.rst:${r.line}: `), u('emphasis', [u('text', r.text)])]));
    nodes.push(u('blockquote', quotes));
  }
  const code: string[] = [];
  const site = f.sites[0];
  if (f.kind === 'cycle' && f.cycle) code.push(...cycleLines(f.cycle, ''));
  else if (site) code.push(...chainLines(site, ''));
  if (f.cycle && f.cycle.length > 1 && f.kind !== 'undocumented-order' && f.kind !== 'leaf-violation') {
    code.push('', 'Possible unsafe locking scenario:', '', ...scenarioLines(scenarioOf(f.cycle)));
  }
  if (code.length) nodes.push(u('code', { lang: 'text' }, code.join('\n')));
  if (f.evidence) {
    const { against, agreeing } = f.evidence;
    nodes.push(
      u('paragraph', [
        u('strong', [u('text', 'Evidence:')]),
        u('text', ` ${against.count} site(s) ${against.label ?? `take ${f.inner} inside ${f.outer}`}; ${agreeing.count} ${agreeing.label ?? 'take it the other way'}.`),
      ]),
    );
  }
  nodes.push(u('paragraph', [u('strong', [u('text', 'Suggestion:')]), u('text', ` ${f.suggestion}`)]));
  return nodes;
}
