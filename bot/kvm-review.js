#!/usr/bin/env node
// The installed entry point: the CLI is TypeScript compiled to dist/ by `npm ci` (the prepare script).
import { main } from '../dist/bot/cli/main.js';

process.exitCode = await main(process.argv);
