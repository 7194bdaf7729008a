#!/usr/bin/env node
// The installed entry point: the CLI is TypeScript compiled to dist/ by `npm ci` (the prepare script).
import { main } from '../dist/bot/cli/main.js';

// `kvm-review ... | head` closes the pipe early: that ends the output, it is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv);
