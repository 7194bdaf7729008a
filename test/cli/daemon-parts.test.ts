/**
 * The resident process's parts that need no process: the socket path, which
 * calls go to it, the framing, the environment a request brings, the stamp
 * of the code on disk.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daemonTarget, runRequest } from '../../bot/daemon/client.js';
import { codeStamp } from '../../bot/daemon/code-stamp.js';
import { encodeFrame, FrameReader, type ServerFrame } from '../../bot/daemon/protocol.js';
import { applyEnv } from '../../bot/daemon/server.js';
import { daemonSocketPath } from '../../bot/daemon/socket-default.js';
import { checkSocketPath, configuredSocketPath } from '../../bot/daemon/socket-path.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-daemon-parts-'));

describe('socket path', () => {
  it('KVM_REVIEW_DAEMON_SOCKET, else XDG_RUNTIME_DIR, else the user cache directory', () => {
    expect(daemonSocketPath({ KVM_REVIEW_DAEMON_SOCKET: '/x/s.sock', XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/x/s.sock');
    expect(daemonSocketPath({ XDG_RUNTIME_DIR: '/run/user/1', XDG_CACHE_HOME: '/c' })).toBe('/run/user/1/kvm-review.sock');
    // What the client reads without loading env-paths: the same two cases, and null for the default.
    expect(configuredSocketPath({ KVM_REVIEW_DAEMON_SOCKET: 's.sock', XDG_RUNTIME_DIR: '/run/user/1' })).toBe(join(process.cwd(), 's.sock'));
    expect(configuredSocketPath({ XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/run/user/1/kvm-review.sock');
    expect(configuredSocketPath({ XDG_CACHE_HOME: '/c' })).toBeNull();
    // env-paths reads process.env itself: the base of the index cache (cacheDir()), whatever env is passed.
    const saved = { ...process.env };
    try {
      delete process.env.KVM_REVIEW_DAEMON_SOCKET;
      delete process.env.XDG_RUNTIME_DIR;
      process.env.XDG_CACHE_HOME = '/c';
      expect(daemonSocketPath(process.env)).toBe(process.platform === 'linux' ? '/c/kvm-review/daemon.sock' : expect.stringMatching(/kvm-review.*daemon\.sock$/));
    } finally {
      process.env = saved;
    }
  });

  it('a path longer than a socket address holds is refused, naming it', () => {
    const ok = `/${'a'.repeat(106)}`;
    expect(checkSocketPath(ok)).toBe(ok);
    expect(() => checkSocketPath(`${ok}b`)).toThrow(`${ok}b: a Unix socket path holds at most 107 bytes, this one has 108`);
  });
});

describe('which calls go to the resident process', () => {
  const sock = join(tmp, 'target.sock');
  // A socket of this user's; nothing is sent to it here: connecting is the client's next step.
  const server = createServer();
  beforeAll(() => new Promise<void>((resolve) => server.listen(sock, resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const env = { KVM_REVIEW_DAEMON_SOCKET: sock };
  const argv = (...a: string[]): string[] => ['node', 'kvm-review.js', ...a];

  it('mbox, git, check and doc, when the socket exists', async () => {
    for (const c of ['mbox', 'git', 'check', 'doc']) await expect(daemonTarget(argv(c, 'x'), env)).resolves.toBe(sock);
    await expect(daemonTarget(argv('--debug', 'check'), env)).resolves.toBe(sock);
  });

  it('not stdin, help or version, other commands, KVM_REVIEW_DAEMON=off or no socket', async () => {
    await expect(daemonTarget(argv('mbox', '-'), env)).resolves.toBeNull();
    await expect(daemonTarget(argv('check', '--help'), env)).resolves.toBeNull();
    await expect(daemonTarget(argv('--version'), env)).resolves.toBeNull();
    for (const c of ['splat', 'watch', 'render', 'daemon', 'worker']) await expect(daemonTarget(argv(c, 'x'), env)).resolves.toBeNull();
    await expect(daemonTarget(argv('check'), { ...env, KVM_REVIEW_DAEMON: 'off' })).resolves.toBeNull();
    await expect(daemonTarget(argv('check'), { KVM_REVIEW_DAEMON_SOCKET: join(tmp, 'none.sock') })).resolves.toBeNull();
    // Not a socket (a file someone put there): never written to.
    const file = join(tmp, 'file.sock');
    writeFileSync(file, '');
    await expect(daemonTarget(argv('check'), { KVM_REVIEW_DAEMON_SOCKET: file })).resolves.toBeNull();
  });

  it('a request carries the variables the commands read, and no others', () => {
    const req = runRequest(argv('check'), { HOME: '/h', KVM_REVIEW_CACHE_DIR: '/c', GIT_DIR: '/g', NO_COLOR: '1', SECRET_TOKEN: 'x', NODE_OPTIONS: '--inspect' }, { stdoutIsTTY: true, stderrIsTTY: false });
    expect(req.env).toEqual({ HOME: '/h', KVM_REVIEW_CACHE_DIR: '/c', GIT_DIR: '/g', NO_COLOR: '1' });
    expect(req).toMatchObject({ t: 'run', cwd: process.cwd(), stdoutIsTTY: true, stderrIsTTY: false });
  });
});

describe('framing', () => {
  it('frames split anywhere, a UTF-8 character cut between chunks included, come out whole', () => {
    const frames: ServerFrame[] = [{ t: 'out', d: 'kvm->lock → vcpu->mutex\nline two\n' }, { t: 'err', d: 'naïve\r\n' }, { t: 'exit', code: 1 }];
    const bytes = Buffer.from(frames.map(encodeFrame).join(''));
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const reader = new FrameReader<ServerFrame>();
      const got: ServerFrame[] = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...reader.push(bytes.subarray(i, i + size)));
      expect(got).toEqual(frames);
      expect(reader.partial).toBe(false);
    }
  });
});

describe('a request\'s environment', () => {
  it('is applied for the request and the server\'s own restored after', () => {
    const target: NodeJS.ProcessEnv = { HOME: '/server', KVM_REVIEW_THREADS: '2', NO_COLOR: '1', SHELL: '/bin/sh' };
    const restore = applyEnv({ HOME: '/client', KVM_REVIEW_CACHE_DIR: '/c', SHELL: '/bin/evil' }, target);
    expect(target).toEqual({ HOME: '/client', KVM_REVIEW_CACHE_DIR: '/c', SHELL: '/bin/sh' });
    restore();
    expect(target).toEqual({ HOME: '/server', KVM_REVIEW_THREADS: '2', NO_COLOR: '1', SHELL: '/bin/sh' });
  });
});

describe('code stamp', () => {
  it('changes when a file is rewritten, touched, added or removed', () => {
    const dir = join(tmp, 'dist');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'a.js'), 'a');
    const pkg = join(tmp, 'package.json');
    writeFileSync(pkg, '{}');
    const paths = [dir, pkg];
    const first = codeStamp(paths);
    expect(codeStamp(paths)).toBe(first);
    utimesSync(join(dir, 'sub', 'a.js'), new Date(2000, 0, 1), new Date(2000, 0, 1));
    const touched = codeStamp(paths);
    expect(touched).not.toBe(first);
    writeFileSync(join(dir, 'b.js'), 'b');
    const added = codeStamp(paths);
    expect(added).not.toBe(touched);
    rmSync(join(dir, 'b.js'));
    expect(codeStamp(paths)).toBe(touched);
    rmSync(pkg);
    expect(codeStamp(paths)).not.toBe(touched);
  });
});
