/**
 * The kvm-review command line: flag parsing and wiring only. Each
 * subcommand hands its options to one module's run function.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DocInputError } from '../../knowledge/doc/reader.js';
import { isSourceError } from '../../analyzers/sources/errors.js';
import { TreeError } from '../../analyzers/trees/model.js';
import { CacheDirError } from '../../analyzers/index/cache-error.js';
import { toolVersion } from './version.js';
import type { CheckOptions } from './check-command.js';
import type { MboxOptions } from './mbox-command.js';
import type { GitOptions } from './git-command.js';
import type { WatchCommandOptions } from './watch-command.js';
import type { RenderCommandOptions } from './render-command.js';
import type { SplatOptions } from './splat-command.js';
import type { ProposeOptions } from './propose-command.js';
import type { DigestCommandOptions } from './digest-command.js';
import type { DaemonAction, DaemonOptions } from './daemon-command.js';
import { addFormatOption, addReviewOptions } from './options.js';
import { DIGEST_FORMATS, formatHelp, FORMATS } from '../render/registry.js';
import type { DocOptions, Io } from './doc-command.js';
import { EXIT, InputError, type ExitCode } from './exit-codes.js';
import { MAX_WEEKS, parsePositive, parseSize, parseWeeks } from './size-option.js';
import { docPath } from './doc-path.js';
import { LOCKING_RST_FILE, readableFile } from './file-option.js';

const FAIL_HELP = '\nExit status: 0 no finding at or above the fail level (--fail-on, default error), 1 findings at or above it, 2 bad input or nothing reviewed.';

function defaultIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
  };
}

/** --cache-dir, which --no-cache would make ignored: the two together are refused rather than one dropped unsaid. */
function cacheDirOption(help: string): Option {
  return new Option('--cache-dir <dir>', help).conflicts('cache');
}

/** Build the program; `done` receives each command's exit code. */
export function buildProgram(io: Io, done: (code: ExitCode) => void): Command {
  const program = new Command('kvm-review')
    .description('Review Linux KVM patches for lock-ordering bugs against Documentation/virt/kvm/locking.rst')
    .version(toolVersion())
    .option('--debug', 'print the stack trace of an internal error')
    // A line saying where the help is, not the help itself: 40 lines after a typo push the error off the screen.
    .showHelpAfterError('(kvm-review --help lists the commands)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const doc = program
    .command('doc')
    .description(
      'print the documented lock order: edges by architecture with their lines, SRCU rules, the lock table, ' +
        'unrecognised sentences and consistency problems',
    )
    .argument('[path]', 'a locking.rst file, or a kernel tree whose locking.rst to read (as --file or --tree)')
    // Each names the one document read: given both, one would be dropped unsaid.
    .addOption(new Option('--tree <dir>', 'kernel tree whose Documentation/virt/kvm/locking.rst to read').conflicts('file'))
    .option('--file <path>', 'a locking.rst file to read')
    .option('--propose', 'print a git format-patch mail documenting an order the code relies on (needs a tree; --format patch, the default, or text)')
    .option('--edge <edge>', 'with --propose: the order to document, "OUTER -> INNER"')
    .option('--signoff <identity>', 'with --propose: "NAME <EMAIL>" for From: and a Signed-off-by: trailer')
    .addOption(cacheDirOption('with --propose: index cache directory'))
    .option('--no-cache', 'with --propose: do not read or write the index cache');
  addFormatOption(doc, 'doc');
  // --propose prints a patch: one more --format choice for doc, outside the renderer registry.
  const docFormat = doc.options.find((o) => o.long === '--format');
  docFormat?.choices([...(docFormat.argChoices ?? []), 'patch']);
  doc.addHelpText('after', '  patch    with --propose, its default: the git format-patch mail adding the rule (text with --propose lists the candidates)');
  doc
    .addHelpText(
      'after',
      '\nWith neither --tree nor --file, the current directory is read when it is a kernel tree,\n' +
        'else the embedded default (facts of the newest known locking.rst); the output says which.\n' +
        'Exit status: 0 no error-severity problem, 1 the document contradicts itself, 2 bad input.',
    )
    .action(async (path: string | undefined, opts: DocOptions & Omit<ProposeOptions, 'format'> & { propose?: boolean }) => {
      if (path !== undefined) Object.assign(opts, docPath(path, opts, io.cwd));
      const explicit = doc.getOptionValueSource('format') === 'cli';
      if (opts.propose) {
        // The file may have come as PATH, not --file: name it, and both ways to give a tree.
        if (opts.file) throw new InputError(`--propose reads the code too: give a kernel tree (PATH or --tree DIR), not the locking.rst file ${opts.file}`);
        if (explicit && opts.format !== 'patch' && opts.format !== 'text') throw new InputError(`--propose prints --format patch or text, not ${opts.format}`);
        const { runPropose } = await import('./propose-command.js');
        return done(await runPropose({ ...opts, format: explicit && opts.format === 'text' ? 'text' : 'patch' }, io));
      }
      // Named as given: the cache options too, which doc alone (it reads no code) would otherwise ignore unsaid.
      const proposeOnly = [opts.format === 'patch' && '--format patch', opts.edge !== undefined && '--edge', opts.signoff !== undefined && '--signoff', opts.cacheDir !== undefined && '--cache-dir', opts.cache === false && '--no-cache'].filter((o): o is string => Boolean(o));
      if (proposeOnly.length > 0) throw new InputError(`${proposeOnly.length > 1 ? `${proposeOnly.slice(0, -1).join(', ')} and ${proposeOnly.at(-1)} go` : `${proposeOnly[0]} goes`} with --propose; without it, doc prints the documented order and reads no code`);
      // --file named as typed; a PATH that filled it, docPath() has looked at and named as typed already.
      if (path === undefined && opts.file !== undefined) opts.file = readableFile('--file', opts.file, LOCKING_RST_FILE, io.cwd);
      const { runDoc } = await import('./doc-command.js');
      done(await runDoc(opts, io));
    });

  const check = program
    .command('check')
    .description(
      'audit a kernel tree against its locking.rst: documented rules the code contradicts, SRCU violations, cycles, ' +
        'undocumented orders, the leaf claim, documented locks missing from the code',
    )
    .argument('[tree]', 'kernel tree (as --tree)')
    .option('--tree <dir>', 'kernel tree (default: the current directory when it is one)')
    .option('--arch <arch>', 'architecture to analyse (x86, arm64, ...) or all', 'all')
    .option('--doc <file>', "a locking.rst to audit the tree's code against instead of the tree's own (a draft of a documentation patch)");
  addReviewOptions(addFormatOption(check, 'check'))
    .addOption(cacheDirOption('index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)'))
    .option('--no-cache', 'do not read or write the index cache')
    .addHelpText('after', FAIL_HELP)
    .action(async (tree: string | undefined, opts: CheckOptions) => {
      if (tree !== undefined) {
        if (opts.tree !== undefined) throw new InputError(`check ${tree}: give the tree, or --tree, not both`);
        // Named as given: resolveTree's words would speak of a --tree the user did not type.
        const stat = statSync(resolve(io.cwd, tree), { throwIfNoEntry: false });
        if (!stat) throw new InputError(`check ${tree}: no such file or directory`);
        if (!stat.isDirectory()) throw new InputError(`check ${tree}: not a directory (check reads a kernel tree; a draft locking.rst goes with --doc FILE)`);
        opts.tree = tree;
      }
      // Loaded when used: the engine and its renderers are most of the start-up time.
      const { runCheck } = await import('./check-command.js');
      done(await runCheck(opts, io));
    });

  const mbox = program
    .command('mbox')
    .description(
      'review a patch series (mbox from lore or b4, git format-patch file or directory, .patch/.diff, or - for stdin) ' +
        'for lock-ordering bugs against a kernel tree and its locking.rst',
    )
    .argument('<input>', 'the series')
    .option('--tree <dir>', 'kernel tree the series applies to (default: the current directory when it is one; else hunk-only review)');
  addReviewOptions(addFormatOption(mbox, 'mbox'))
    .addOption(cacheDirOption('index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)'))
    .option('--no-cache', 'do not read or write the index cache')
    .option('--max-input <size>', 'largest input read, e.g. 256M (default 64M); a larger one is refused', parseSize)
    .option('--series <n>', 'review the n-th series the input holds (as numbered in the choice), not the one chosen', parsePositive)
    // Each chooses the series: given both, one would be dropped unsaid.
    .addOption(new Option('--message-id <id>', 'review the series holding this Message-ID (its cover or one of its patches)').conflicts('series'))
    .addHelpText('after', FAIL_HELP)
    .action(async (input: string, opts: MboxOptions) => {
      const { runMbox } = await import('./mbox-command.js');
      done(await runMbox(input, opts, io));
    });

  const render = program
    .command('render')
    .description('render a saved --format json result (of mbox, git, check or doc) again, in any format that applies to it')
    .argument('<file>', 'the saved JSON result')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS.map((f) => f.name)).default('text'))
    .addHelpText('after', formatHelp(FORMATS));
  addReviewOptions(render)
    .addHelpText('after', FAIL_HELP)
    .action(async (file: string, opts: RenderCommandOptions) => {
      const { runRender } = await import('./render-command.js');
      done(await runRender(file, opts, io));
    });

  const splat = program
    .command('splat')
    .description(
      'read a lockdep report (console log, bug mail, mbox thread, or - for stdin) and place each dependency on the tree: ' +
        'the sites that make it, the locking.rst rule it follows or breaks, and the edge to break',
    )
    .argument('[input]', 'the text holding the report (default: stdin)')
    .option('--tree <dir>', 'kernel tree (default: the current directory when it is one; else the embedded locking.rst only)')
    .option('--repo <dir>', 'git repository of the tree: name the commit that added each site');
  addFormatOption(splat, 'splat')
    .addOption(cacheDirOption('index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)'))
    .option('--no-cache', 'do not read or write the index cache')
    .option('--max-input <size>', 'largest input read, e.g. 256M (default 64M); a larger one is refused', parseSize)
    .addHelpText('after', '\nExit status: 0 done, 1 a dependency breaks a documented rule, 2 bad input (no lockdep report in it).')
    .action(async (input: string | undefined, opts: SplatOptions) => {
      const { runSplat } = await import('./splat-command.js');
      done(await runSplat(input, opts, io));
    });

  const git = program
    .command('git')
    .description(
      'review the commits of a range in a git repository (like checkpatch.pl --git), each commit a patch, in order, ' +
        "against the tree at the range's base read from git",
    )
    .argument('[range]', 'A..B, or one commit (that commit alone)', '@{upstream}..HEAD')
    .option('--repo <dir>', 'the git repository (default: the current directory)');
  addReviewOptions(addFormatOption(git, 'git'))
    .addOption(cacheDirOption('index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)'))
    .option('--no-cache', 'do not read or write the index cache')
    .addHelpText(
      'after',
      '\nThe work tree is never read or written: the tree is the parent of the first commit of RANGE,\n' +
        'read from the object store; uncommitted changes are not reviewed (the output says when there\n' +
        'are any). Merge commits are listed as skipped. Findings, formats and JSON are those of mbox.\n' +
        'Exit status: 0 no finding at or above the fail level (--fail-on, default error), 1 findings at or above it,\n' +
        '2 bad input or nothing reviewed (not a git repository, an unknown revision, not a kernel tree, no upstream\n' +
        'for the default range).',
    )
    .action(async (range: string, opts: GitOptions) => {
      const { runGit } = await import('./git-command.js');
      done(await runGit(range, opts, io));
    });

  program
    .command('watch')
    .description('follow public-inbox epochs (lore): review each complete series once, replies and a JSON record per series to the outbox')
    // No default: an empty list would print as "(default: [])" in --help, and a missing --inbox is refused by commander anyway.
    .requiredOption('--inbox <dir>', 'a public-inbox v2 epoch, a bare mirror that git fetch keeps up to date (git clone --mirror https://lore.kernel.org/<list>/0), or an inbox directory whose git/ holds its epochs N.git (public-inbox-clone, grokmirror): every epoch followed, new ones too; repeat for several', (v: string, all: string[] | undefined) => [...(all ?? []), v])
    .option('--tree <dir>', 'kernel tree the series are reviewed against (default: the current directory when it is one)')
    .option('--repo <dir>', 'instead of --tree: a git repository whose revision --rev is the tree, read from the object store (no checkout)')
    .option('--rev <rev>', 'with --repo: the revision to review against (default: HEAD)')
    .requiredOption('--state <dir>', 'state directory: what was read and reviewed (survives restarts)')
    .requiredOption('--outbox <dir>', 'where replies and series records are written')
    .addOption(new Option('--outbox-format <format>', 'replies as a maildir or one mbox').choices(['maildir', 'mbox']).default('maildir'))
    .option('--once', 'process what is new and exit')
    .option('--interval <duration>', 'time between polls (s, m or h)', '5m')
    .option('--partial-after <duration>', 'review an incomplete series this long after its newest message, by the inbox clock', '24h')
    .option('--from <address>', 'From: of the replies (needed with --send)')
    .option('--send', 'send the replies by SMTP (needs --smtp or KVM_REVIEW_SMTP_URL, and --from)')
    .option('--smtp <url>', 'SMTP server, smtp[s]://user:pass@host:port (default: $KVM_REVIEW_SMTP_URL)')
    .addOption(cacheDirOption('index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)'))
    .option('--no-cache', 'do not read or write the index cache')
    .addHelpText('after', '\nExit status of --once: 0 done, no error finding; 1 a reviewed series had one; 2 bad usage or input, or (with --send) a reply left for the next pass.')
    .action(async (opts: WatchCommandOptions) => {
      const { runWatch } = await import('./watch-command.js');
      done(await runWatch(opts, io));
    });

  program
    .command('worker')
    .description('run review jobs from the shared queue (REDIS_URL), with the environment npm start reads; no webhook port')
    .option('--concurrency <n>', 'jobs at once in this process (the analysis is CPU-bound: one process per core scales better)', parsePositive, 1)
    .option('--grace <duration>', 'on SIGTERM, how long a running job may finish before it goes back to the queue (s, m or h)', '60s')
    .addHelpText(
      'after',
      '\nNeeds REDIS_URL and the App\'s identity (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH), as npm start does.\n' +
        'Exit status: 0 stopped (SIGTERM or SIGINT), 2 REDIS_URL or the App\'s identity missing, or Redis not reachable.',
    )
    .action(async (opts: { concurrency: number; grace: string }) => {
      const { runWorker } = await import('./worker-command.js');
      done(await runWorker(opts, io));
    });

  program
    .command('jobs')
    .description('the shared queue (REDIS_URL): list jobs (default), retry ID (a failed one), drop ID (one not running)')
    .argument('[action]', 'list, retry or drop')
    .argument('[id]', 'the job ID, as listed')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nExit status: 0 done (without REDIS_URL, list says there is no shared queue), 2 an unknown action or job ID,\n' +
        'retry or drop without REDIS_URL, or Redis not reachable.',
    )
    .action(async (action: string | undefined, id: string | undefined, opts: { format: 'text' | 'json' }) => {
      const { runJobs } = await import('./jobs-command.js');
      done(await runJobs(action, id, opts, io));
    });

  program
    .command('digest')
    .description('the weekly digest of locking-doc drift over a window of git history: rule changes, code changes, drift now, since the start, trend')
    .option('--repo <dir>', 'the git repository (default: the current directory)')
    .option('--since <date>', 'window: commits since DATE (YYYY-MM-DD); default the last 7 days')
    .option('--from <rev>', 'window: the commits of FROM..TO (the state before is FROM)')
    .option('--to <rev>', 'window end (default HEAD)')
    .option('--weeks <n>', `trend: ISO weeks counted back from the window end, 1 to ${MAX_WEEKS} (default 8)`, parseWeeks)
    .addOption(new Option('--format <format>', 'output format').choices(DIGEST_FORMATS.map((f) => f.name)).default('markdown'))
    .option('--mail-from <address>', 'with --format email: From:')
    .option('--mail-to <address>', 'with --format email: To: (the list)')
    .option('--post', 'open (or update) this ISO week\'s issue labelled locking-drift; needs GITHUB_TOKEN, GITHUB_API_URL for another API')
    .option('--repo-slug <owner/name>', 'with --post: the repository (default $GITHUB_REPOSITORY)')
    .addOption(cacheDirOption('index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)'))
    .option('--no-cache', 'do not read or write the index cache')
    .addHelpText('after', `\nFormats:\n${DIGEST_FORMATS.map((f) => `  ${f.name.padEnd(8)}  ${f.summary}`).join('\n')}`)
    .addHelpText('after', '\nExit status: 0 done, no drift error; 1 drift errors remain (a rule the code contradicts, the document contradicting itself);\n2 not a repository, an unknown revision, bad options. An empty window, a shallow clone or no locking.rst is a note, not an error.')
    .action(async (opts: DigestCommandOptions) => {
      const { runDigest } = await import('./digest-command.js');
      done(await runDigest(opts, io));
    });

  const daemon = program
    .command('daemon')
    .description('an opt-in resident process that runs mbox, git, check and doc for the command line, warm (see "Resident process" in the README)')
    .addArgument(new Argument('<action>', 'serve runs the server in the foreground (what start runs detached)').choices(['start', 'stop', 'status', 'serve']))
    .option('--idle-timeout <minutes>', 'start, serve: exit after this many minutes without a request', parsePositive, 30)
    .addHelpText(
      'after',
      '\nSocket: $KVM_REVIEW_DAEMON_SOCKET, else $XDG_RUNTIME_DIR/kvm-review.sock, else kvm-review/daemon.sock in the\n' +
        'user cache directory; the log is the socket path plus .log. KVM_REVIEW_DAEMON=off runs a command in-process.\n' +
        'Exit status: 0 done (start: started or already running; stop: stopped or not running; status: running),\n' +
        '3 status: not running, 2 bad usage (a socket path too long) or the server did not start.',
    )
    .action(async (action: DaemonAction, opts: DaemonOptions) => {
      // stop and status start no server: an idle timeout given to them would be dropped unsaid.
      if ((action === 'stop' || action === 'status') && daemon.getOptionValueSource('idleTimeout') === 'cli') {
        throw new InputError(`daemon ${action}: --idle-timeout goes with start or serve (the server it starts exits after that long idle)`);
      }
      const { runDaemon } = await import('./daemon-command.js');
      // status exits 3 when no server runs (LSB's "not running"), outside the review codes.
      done((await runDaemon(action, opts, io)) as ExitCode);
    });

  for (const command of program.commands) command.showHelpAfterError(`(kvm-review ${command.name()} --help lists its options)`);
  return program;
}

/** Run the CLI; resolves to the exit code. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof DocInputError || err instanceof InputError || isSourceError(err) || err instanceof TreeError || err instanceof CacheDirError) {
      io.stderr(`kvm-review: ${err.message}\n`);
      return EXIT.usage;
    }
    // Anything else is our bug, not a finding: 1 would tell a CI gate "lock-order bug found".
    io.stderr(internalError(err, argv.includes('--debug')));
    return EXIT.usage;
  }
}

/** One line naming the failure; the stack only with --debug (it is for us, not for the reader of the review). */
export function internalError(err: unknown, debug: boolean): string {
  const what = typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
  const name = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : 'Error';
  const line = `kvm-review: internal error: ${name}: ${what.replace(/\s+/g, ' ').trim()}`;
  if (!debug) return `${line} (run with --debug for the stack trace)\n`;
  const stack = typeof err === 'object' && err !== null && 'stack' in err ? String(err.stack) : '';
  return `${line}\n${stack}\n`;
}
