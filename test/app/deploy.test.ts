/** The deploy files: the Dockerfile passes dockerfilelint and copies only paths that exist; the manifest asks for what the App uses; the Action's entry is built. */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers/paths.js';

const require = createRequire(import.meta.url);
const dockerfilelint = require('dockerfilelint') as { run: (configPath: string, content: string) => { line: number; title: string }[] };
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
/** Instructions with their continuation lines joined. */
const instructions = DOCKERFILE.replace(/\\\n/g, ' ').split('\n').filter((l) => /^[A-Z]+\s/.test(l));

describe('Dockerfile', () => {
  it('passes dockerfilelint', () => {
    expect(dockerfilelint.run(ROOT, DOCKERFILE)).toEqual([]);
  });

  it('every COPY from the build context names a path that exists and is not docker-ignored', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter(Boolean);
    const copies = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
    expect(copies.length).toBeGreaterThan(3);
    for (const line of copies) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const src of sources) {
        expect([src, existsSync(join(ROOT, src))]).toEqual([src, true]);
        expect(ignored.some((i) => src === i || src.startsWith(`${i}/`))).toBe(false);
      }
    }
  });

  it('multi-stage, npm ci --omit=dev, a non-root user, a health check, and the entry npm start runs', () => {
    expect(instructions.filter((l) => l.startsWith('FROM ')).length).toBe(2);
    expect(DOCKERFILE).toMatch(/npm ci --omit=dev/);
    expect(instructions.find((l) => l.startsWith('USER '))).toBe('USER node');
    expect(instructions.some((l) => l.startsWith('HEALTHCHECK '))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const entry = /^node (\S+)$/.exec(pkg.scripts.start ?? '')?.[1];
    expect(entry).toBe('dist/bot/app/server.js');
    expect(instructions.at(-1)).toBe(`CMD ["node", "${entry}"]`);
    expect(existsSync(join(ROOT, 'bot', 'app', 'server.ts'))).toBe(true);
  });
});

describe('app.yml and action.yml', () => {
  it('the manifest subscribes to the events the handlers take and asks for no more than the issue lists', () => {
    const app = parse(readFileSync(join(ROOT, 'app.yml'), 'utf8')) as { default_events: string[]; default_permissions: Record<string, string> };
    expect(app.default_events.sort()).toEqual(['check_run', 'check_suite', 'issue_comment', 'pull_request', 'push']);
    expect(app.default_permissions).toEqual({ metadata: 'read', contents: 'write', pull_requests: 'write', checks: 'write', issues: 'write' });
  });

  it('the Action runs the built action entry', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { runs: { steps: { run: string }[] } };
    expect(action.runs.steps.map((s) => s.run).join('\n')).toContain('dist/bot/app/action.js');
    expect(existsSync(join(ROOT, 'bot', 'app', 'action.ts'))).toBe(true);
  });
});
