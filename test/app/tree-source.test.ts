/**
 * Tree selection (the Action's checkout, the mirror, the API) and the
 * mirror's fetch on small repositories made by the test: what is fetched,
 * what is refused before git runs, and the errors that name the mirror.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TreeError } from '../../analyzers/trees/model.js';
import { readSettings } from '../../bot/app/settings.js';
import { fetchIntoMirror, mirrorPath, treeFor } from '../../bot/app/tree-source.js';
import { testOctokit } from './helpers.js';
import { commitEdit, git } from './kernel-repo.js';

const REPO = { owner: 'kvm', repo: 'linux' };
let origin: string;
let first: string;
let second: string;
let mirror: string;

beforeAll(() => {
  origin = mkdtempSync(join(tmpdir(), 'kvm-review-origin-'));
  writeFileSync(join(origin, 'README'), 'one\n');
  git(origin, ['init', '-q', '-b', 'master']);
  git(origin, ['add', '-A']);
  git(origin, ['commit', '-q', '-m', 'one']);
  first = git(origin, ['rev-parse', 'HEAD']).trim();
  mirror = mkdtempSync(join(tmpdir(), 'kvm-review-mirrors-'));
  mkdirSync(join(mirror, REPO.owner));
  git(mirror, ['clone', '-q', '--bare', origin, mirrorPath(mirror, REPO)]);
  // After the clone: only a fetch brings it.
  git(origin, ['checkout', '-q', '-b', 'queue']);
  second = commitEdit(origin, 'README', (t) => `${t}two\n`, 'two');
});

const settings = (over: Record<string, string> = {}): ReturnType<typeof readSettings> => readSettings({ KVM_REVIEW_CACHE_DIR: mkdtempSync(join(tmpdir(), 'kvm-review-ts-')), ...over });

describe('treeFor', () => {
  it('the checkout when there is one, the mirror when set, else the API', async () => {
    const octokit = testOctokit('http://127.0.0.1:9');
    const fromCheckout = await treeFor(octokit, REPO, { settings: settings({ KVM_REVIEW_MIRROR: mirror }), checkout: origin })(second);
    expect(fromCheckout.kind).toBe('git');
    expect((await fromCheckout.read('README'))?.toString()).toBe('one\ntwo\n');
    fromCheckout.close?.();
    const fromMirror = await treeFor(octokit, REPO, { settings: settings({ KVM_REVIEW_MIRROR: mirror }) })(first);
    expect([fromMirror.kind, fromMirror.label]).toEqual(['git', `${first.slice(0, 12)} in ${mirrorPath(mirror, REPO)}`]);
    fromMirror.close?.();
    expect((await treeFor(octokit, REPO, { settings: settings() })(first)).kind).toBe('api');
  });

  it('a base commit the checkout lacks (a shallow checkout): the error says to fetch the history', async () => {
    const shallow = mkdtempSync(join(tmpdir(), 'kvm-review-shallow-'));
    git(shallow, ['clone', '-q', '--depth', '1', '--branch', 'queue', `file://${origin}`, '.']);
    const open = treeFor(testOctokit('http://127.0.0.1:9'), REPO, { settings: settings(), checkout: shallow });
    await expect(open(first)).rejects.toThrow(/unknown revision .*fetch-depth: 0/);
  });
});

describe('fetchIntoMirror', () => {
  it('fetches the named ref into the same name when the commit is missing', async () => {
    const bare = mirrorPath(mirror, REPO);
    expect(() => git(bare, ['cat-file', '-e', `${second}^{commit}`])).toThrow();
    await fetchIntoMirror(bare, [second], ['refs/heads/queue']);
    expect(git(bare, ['rev-parse', 'refs/heads/queue']).trim()).toBe(second);
  });

  it('refuses what is not a commit id, a branch or pull request ref, or a repository name, before git runs', async () => {
    const bare = mirrorPath(mirror, REPO);
    await expect(fetchIntoMirror(bare, ['--upload-pack=touch /tmp/x'])).rejects.toThrow(TreeError);
    await expect(fetchIntoMirror(bare, [second], ['refs/tags/v1'])).rejects.toThrow(/refs\/tags\/v1: not a commit id or a branch or pull request ref/);
    expect(() => mirrorPath(mirror, { owner: '..', repo: 'linux' })).toThrow(TreeError);
    expect(() => mirrorPath(mirror, { owner: 'kvm', repo: 'a/../../b' })).toThrow(TreeError);
  });

  it('a repository without a clone, or a commit origin lacks: a TreeError naming the path and the commit', async () => {
    await expect(fetchIntoMirror(mirrorPath(mirror, { owner: 'other', repo: 'linux' }), [first])).rejects.toThrow(/other\/linux\.git: no bare clone/);
    const ghost = 'e'.repeat(40);
    await expect(fetchIntoMirror(mirrorPath(mirror, REPO), [ghost], ['refs/pull/7/head'])).rejects.toThrow(new RegExp(`${ghost} not in the mirror`));
  });
});
