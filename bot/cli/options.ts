/**
 * The options every reviewing command takes the same way (check, mbox,
 * git, render): per-kind severities (`--severity KIND=LEVEL`,
 * `.kvm-review.yml` / `--config`), the fail level (`--fail-on`), and
 * `--format` from the renderer registry. Declaring them loads no YAML or
 * schema code: resolveSeverityOptions (options-config.ts) does, when a
 * command runs.
 */
import { Option, type Command } from 'commander';
import { isRuleId, RULE_IDS } from '../../analyzers/rules/meta.js';
import { FAIL_LEVELS, SEVERITIES, type FailLevel, type SeverityConfig } from '../../analyzers/rules/severity.js';
import type { Severity } from '../../analyzers/findings/model.js';
import { formatHelp, formatNames, formatsFor, COMMAND_RESULTS, type FormatCommand } from '../render/registry.js';
import { InputError } from './exit-codes.js';

/** Looked up in the current directory (like .clang-format or .editorconfig at a tree's root). */
export const CONFIG_FILE = '.kvm-review.yml';

/** What commander hands over for the options added here. */
export interface ReviewFlags {
  /** Each `--severity KIND=LEVEL`, in order. */
  severity?: string[];
  failOn?: FailLevel;
  config?: string;
}

/** A comma-separated list wrapped at 80 columns for --help. */
function wrapList(items: readonly string[], indent: string): string {
  const lines: string[] = [];
  let line = indent;
  for (const [i, item] of items.entries()) {
    const word = item + (i < items.length - 1 ? ',' : '');
    if (line.length + word.length + 1 > 80 && line.trim()) {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${word} `;
  }
  lines.push(line.trimEnd());
  return lines.join('\n');
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Add --severity, --fail-on and --config to a command (check, mbox, git, render). */
export function addReviewOptions(cmd: Command): Command {
  return cmd
    .option('--severity <kind=level>', `set the severity of a finding kind (repeatable); level: ${SEVERITIES.join(', ')}`, collect)
    .addOption(new Option('--fail-on <level>', 'lowest severity that makes the exit status 1 (default: error, or the config file\'s)').choices(FAIL_LEVELS))
    .option('--config <file>', `review configuration (default: ./${CONFIG_FILE} when present)`)
    .addHelpText('after', `\nFinding kinds (--severity, ${CONFIG_FILE}):\n${wrapList(RULE_IDS, '  ')}`);
}

/** One `KIND=LEVEL`; an unknown kind or level is an input error naming it. */
export function parseSeverityFlag(flag: string): [keyof SeverityConfig, Severity] {
  const m = /^([^=]+)=(.*)$/.exec(flag.trim());
  if (!m) throw new InputError(`--severity ${flag}: expected KIND=LEVEL (for example undocumented-order=warning)`);
  const [, kind = '', level = ''] = m;
  if (!isRuleId(kind)) throw new InputError(`--severity ${flag}: unknown finding kind "${kind}"; the kinds are ${RULE_IDS.join(', ')}`);
  if (!(SEVERITIES as readonly string[]).includes(level)) throw new InputError(`--severity ${flag}: unknown level "${level}"; one of ${SEVERITIES.join(', ')}`);
  return [kind, level as Severity];
}

/** `--format` with the registry's choices for this command, and the formats listed in --help. */
export function addFormatOption(cmd: Command, command: FormatCommand): Command {
  return cmd
    .addOption(new Option('--format <format>', 'output format').choices(formatNames(command)).default('text'))
    .addHelpText('after', formatHelp(formatsFor(COMMAND_RESULTS[command])));
}
