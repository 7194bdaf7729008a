/**
 * A public-inbox v2 epoch (`git clone https://lore.kernel.org/<list>/0`): a
 * bare git repository where every commit adds one message as the blob `m`.
 * Reading the commits after a known one is how a bot follows a list.
 * git does the reading: `rev-list` for the commits, one `cat-file --batch`
 * for all the blobs (one process, not one per message).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage } from './decode.js';
import { messageOf, SourceError } from './errors.js';
import type { SourceOptions } from './input.js';
import { splitMbox } from './mbox-split.js';
import type { PatchSource, SourceMessages } from './model.js';

/** True when `dir` looks like a bare git repository (public-inbox epochs are bare). */
export function isBareRepository(dir: string): boolean {
  return existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects')) && existsSync(join(dir, 'refs'));
}

/** Reads the messages of a public-inbox epoch, oldest first; `options.since` skips that commit and its ancestors. */
export class PublicInboxSource implements PatchSource {
  constructor(
    readonly path: string,
    private readonly options: SourceOptions = {},
  ) {}

  async read(): Promise<SourceMessages> {
    const range = this.options.since ? `${this.options.since}..HEAD` : 'HEAD';
    const commits = (await this.git(['rev-list', '--reverse', range])).toString('utf8').split('\n').filter((c) => c !== '');
    const blobs = await this.git(['cat-file', '--batch'], commits.map((c) => `${c}:m\n`).join(''));
    const out: SourceMessages = { kind: 'public-inbox', path: this.path, messages: [], warnings: [] };
    let at = 0;
    for (const [i, commit] of commits.entries()) {
      const eol = blobs.indexOf(0x0a, at);
      const header = blobs.subarray(at, eol).toString('utf8');
      const size = /^\S+ blob (\d+)$/.exec(header)?.[1];
      if (size === undefined) {
        // `<commit>:m missing`: a commit that deletes a message (public-inbox purge) has no blob.
        out.warnings.push({ file: this.path, message: `commit ${commit} has no message blob 'm' (${header}); skipped` });
        at = eol + 1;
        continue;
      }
      const content = blobs.subarray(eol + 1, eol + 1 + Number(size));
      at = eol + 1 + Number(size) + 1;
      const split = splitMbox(Buffer.from(content), { file: this.path, layout: 'message' });
      for (const raw of split.messages) {
        const message = await decodeMessage({ ...raw, index: i + 1 }, this.path);
        message.position = { ...message.position, commit };
        out.messages.push(message);
      }
    }
    return out;
  }

  /** Runs git on the repository; rejects with SourceError 'git' and git's own words. */
  private git(args: string[], input?: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', [`--git-dir=${this.path}`, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (b: Buffer) => out.push(b));
      child.stderr?.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => reject(new SourceError('git', this.path, `cannot run git: ${messageOf(e)}`)));
      child.on('close', (code) => {
        if (code === 0) resolve(Buffer.concat(out));
        else reject(new SourceError('git', this.path, `git ${args[0] ?? ''} failed: ${Buffer.concat(err).toString('utf8').trim()}`));
      });
      if (child.stdin) {
        // git may exit before reading all of stdin (a bad object): EPIPE then, and 'close' reports git's own error.
        child.stdin.on('error', () => undefined);
        child.stdin.end(input);
      }
    });
  }
}
