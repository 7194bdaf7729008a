/**
 * `mbox --format sarif` on an input of which no patch could be reviewed:
 * the run exits 2 and its SARIF must not read as a clean run to a
 * code-scanning upload (executionSuccessful false, an error notification
 * saying why). Inputs built here: patch 3 of the 2022 Xen series from the
 * corpus, sent as format=flowed (its diff no longer parses), and an mbox of
 * one separator line.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Log } from 'sarif';
import { ROOT, SHARED } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const XEN = join(SHARED, 'corpus', 'lore', 'kvm', 'xen-srcu-rcu-evtchn-series.mbx');
const SEPARATOR_LINE = 'From MAILER-DAEMON Thu Jan  1 00:00:00 1970';
const SCHEMA = join(ROOT, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
const dir = mkdtempSync(join(tmpdir(), 'kvm-review-sarif-none-'));

/** As review-sarif.test.ts validates: draft-04, and rtm.5's `language` pattern needs unicodeRegExp off. */
function validator(): (data: unknown) => string[] {
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}
const validate = validator();

/** Patch 3/6 alone, given a format=flowed Content-Type (the corpus message has none). */
function flowedPatchOnly(): string {
  const three = readFileSync(XEN, 'latin1').split(new RegExp(`^(?=${SEPARATOR_LINE}$)`, 'm')).filter((m) => m.trim() !== '')[2];
  if (!three?.includes('Subject: [PATCH 3/6]')) throw new Error(`${XEN}: the third message is not patch 3/6`);
  if (/^Content-Type:/im.test(three.slice(0, three.indexOf('\n\n')))) throw new Error(`${XEN}: patch 3/6 now has a Content-Type header`);
  const flowed = three.replace('\n\n', '\nContent-Type: text/plain; charset=utf-8; format=flowed\n\n');
  const path = join(dir, 'flowed-only.mbx');
  writeFileSync(path, flowed, 'latin1');
  return path;
}

function separatorOnly(): string {
  const path = join(dir, 'separator-only.mbx');
  writeFileSync(path, `${SEPARATOR_LINE}\n`);
  return path;
}

describe('SARIF of a run that reviewed nothing', () => {
  const cases = [
    { name: 'its only patch failed (format=flowed broke the diff)', input: flowedPatchOnly, why: 'every patch was skipped, failed or did not apply; see each reason' },
    { name: 'no patch in the input (a lone mbox separator)', input: separatorOnly, why: /\S/ },
  ];
  for (const c of cases) {
    it(`${c.name}: exit 2, executionSuccessful false, an error notification first, valid SARIF`, async () => {
      const cli = await runCli(['mbox', c.input(), '--format', 'sarif', '--no-cache'], dir);
      expect(cli.code).toBe(2);
      const log = JSON.parse(cli.stdout) as Log;
      expect(validate(log)).toEqual([]);
      const run = log.runs[0];
      expect(run?.results).toEqual([]);
      const invocation = run?.invocations?.[0];
      expect(invocation?.executionSuccessful).toBe(false);
      const first = invocation?.toolExecutionNotifications?.[0];
      expect(first?.level).toBe('error');
      expect(first?.message.text).toMatch(/^no patch could be reviewed \((.+)\)$/);
      const why = /^no patch could be reviewed \((.+)\)$/.exec(first?.message.text ?? '')?.[1] ?? '';
      if (typeof c.why === 'string') expect(why).toBe(c.why);
      else expect(why).toMatch(c.why);
    });
  }

  it('a run that reviewed a patch still says executionSuccessful true', async () => {
    const cli = await runCli(['mbox', XEN, '--format', 'sarif', '--no-cache'], dir);
    const log = JSON.parse(cli.stdout) as Log;
    expect(log.runs[0]?.invocations?.[0]?.executionSuccessful).toBe(true);
    expect(log.runs[0]?.invocations?.[0]?.toolExecutionNotifications?.some((n) => n.level === 'error')).toBe(false);
  });
});
