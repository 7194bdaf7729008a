#!/usr/bin/env node
// The installed entry point: the CLI is TypeScript compiled to dist/ by `npm ci` (the prepare script).
//
// Exit status is the contract a CI gate reads: 0 clean, 1 error-severity
// findings, 2 the input could not be used or kvm-review itself failed. Node
// exits 1 on an uncaught exception, which a gate would read as "lock-order
// bug found"; every failure path below exits 2 with one line instead, and
// the stack trace only with --debug.
const debug = process.argv.includes('--debug');

/** One line on stderr (the stack with --debug), then exit 2. */
function die(what, err) {
  const message = err && typeof err === 'object' && 'message' in err ? String(err.message) : String(err);
  process.stderr.write(`kvm-review: ${what}: ${message.replace(/\s+/g, ' ').trim()}${debug ? '' : ' (run with --debug for the stack trace)'}\n`);
  if (debug && err && typeof err === 'object' && 'stack' in err) process.stderr.write(`${String(err.stack)}\n`);
  process.exit(2);
}

process.on('uncaughtException', (err) => die('internal error', err));
process.on('unhandledRejection', (err) => die('internal error', err));

// `kvm-review ... | head` closes the pipe early: that ends the output, it is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  die('cannot write the output', err);
});

// A resident process (`kvm-review daemon start`) runs mbox, git, check and doc warm; this
// small client is loaded first, the CLI only when the command runs here: loading it is
// most of what the resident process saves. null: no server, or it cannot take this call.
let code = null;
let oneShot = false;
try {
  const { throughDaemon, oneShotCommand } = await import('../dist/bot/daemon/client.js');
  oneShot = oneShotCommand(process.argv);
  code = await throughDaemon(process.argv);
} catch {
  // No dist/ (reported below) or a client bug: the command runs here either way.
}
if (code === null) {
  let main;
  try {
    ({ main } = await import('../dist/bot/cli/main.js'));
  } catch (err) {
    die('cannot load dist/ (run `npm run build`)', err);
  }
  code = await main(process.argv);
}
process.exitCode = code;
// A review or check run here leaves V8's background compile jobs running (tree-sitter's wasm
// tiering up, the JIT's), and node waits for every one of them before it exits: 30-100 ms of
// nothing at the end of each call on a 2-core machine. Such a command is done when main() returns
// (its cache is written synchronously); its output is flushed, and the process exits. Not when
// node was started with flags (a profiler, an --import hook): those see the process end as usual.
if (oneShot && process.execArgv.length === 0) {
  const flushed = (stream) => new Promise((resolve) => stream.write('', resolve));
  await flushed(process.stdout);
  await flushed(process.stderr);
  process.exit(code);
}
