/**
 * The scenario kvm-review draws for "possible recursive locking" is
 * lockdep's print_deadlock_scenario() (kernel/locking/lockdep.c): CPU0
 * taking the held lock then the one being acquired, by lockdep's names,
 * always lock(), "*** DEADLOCK ***" and "May be due to missing lock nesting
 * notation". Compared with the scenario the reports themselves print: the
 * real SEV report, and a console report written for the 6.12 tree's
 * vgic_irq_cmp() (fixtures/splat).
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlacedReport, SplatReport } from '../../analyzers/splat/model.js';
import { reportsInText } from '../../analyzers/splat/report.js';
import { readReports } from '../../analyzers/splat/read.js';
import { placeContext, placeReports } from '../../analyzers/splat/splat.js';
import type { PlaceContext } from '../../analyzers/splat/place.js';
import { loadEmbeddedOrder } from '../../knowledge/doc/embedded.js';
import { scenarioOfReport } from '../../bot/render/splat/cycle.js';
import { FIXTURES, kernelTree, SHARED } from '../helpers/paths.js';

const SEV = join(SHARED, 'corpus', 'lore', 'kvm', 'sev-nested-vcpu-mutex-lockdep.mbx');
const VGIC = join(FIXTURES, 'splat', 'vgic-irq-cmp-subclass-collision.txt');
const cache = { dir: mkdtempSync(join(tmpdir(), 'kvm-review-splat-scenario-')) };
let ctx: PlaceContext | null = null;

async function place(reports: readonly SplatReport[]): Promise<PlacedReport> {
  const tree = kernelTree('6.12');
  ctx ??= await placeContext(tree, loadEmbeddedOrder(), cache);
  const [r] = (await placeReports(reports, ctx, { tree })).reports;
  if (!r) throw new Error('no report placed');
  return r;
}

/** The scenario block a report printed: from its "Possible unsafe locking scenario:" line to the line after "*** DEADLOCK ***". */
function printedScenario(lines: readonly string[]): string[] {
  const start = lines.findIndex((l) => l.includes('Possible unsafe locking scenario:'));
  const end = lines.findIndex((l, i) => i > start && l.includes('May be due to missing lock nesting notation'));
  if (start < 0 || end < 0) throw new Error('the report prints no recursive scenario');
  return lines.slice(start, end + 1);
}

/** The fixture's lines with the console timestamps taken off (what lockdep itself printed). */
function consoleLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\[\s*\d+\.\d+\] ?/, ''))
    // A console continuation line is indented under the timestamp: lockdep printed it with one leading space at most.
    .map((l) => (/^ {2,}\S/.test(l) && !/^ {2,}(?:lock|CPU0|----)/.test(l) ? ` ${l.trim()}` : l));
}

describe("lockdep's recursive scenario", () => {
  it('the real SEV report: the scenario drawn is the one the report prints, "May be due to missing lock nesting notation" included', async () => {
    const [report] = await readReports(SEV);
    if (!report) throw new Error('no SEV report');
    const r = await place([report]);
    // The mail collapsed lockdep's spacing and blank lines; compare what is left.
    const squash = (ls: readonly string[]): string[] => ls.map((l) => l.replace(/\s+/g, ' ').trim()).filter((l) => l !== '');
    expect(squash(scenarioOfReport(r))).toEqual(squash(printedScenario(report.text.split('\n'))));
  });

  it('a console report: the scenario is lockdep\'s, line for line, with lockdep\'s names (subclass /1 kept)', async () => {
    const reports = reportsInText(readFileSync(VGIC, 'utf8'));
    const r = await place(reports);
    expect(scenarioOfReport(r)).toEqual(printedScenario(consoleLines(VGIC)));
  });

  it('SRCU taken twice: lockdep prints lock() for both, not rlock()', async () => {
    const text = readFileSync(VGIC, 'utf8').replaceAll('&irq->irq_lock/1', '&kvm->srcu');
    const r = await place(reportsInText(text));
    const scenario = scenarioOfReport(r);
    expect(scenario).toEqual(expect.arrayContaining(['  lock(&kvm->srcu);']));
    expect(scenario.join('\n')).not.toContain('rlock(');
  });
});

