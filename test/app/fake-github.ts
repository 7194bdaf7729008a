/**
 * A GitHub REST API on loopback, answered from a real git repository: the
 * App cannot tell it from api.github.com for the calls it makes. Every
 * request is recorded; what the App posts is kept as state the tests read.
 * Probot reaches it through GHE_HOST/GHE_PROTOCOL (paths under /api/v3).
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { git } from './kernel-repo.js';

export interface FakePr {
  number: number;
  base: string;
  head: string;
  draft?: boolean;
  /** Absent: open. */
  state?: 'open' | 'closed';
  merged?: boolean;
}

export interface Recorded {
  method: string;
  path: string;
  body: unknown;
  /** The Authorization header ('' for none). */
  auth?: string;
}

interface User {
  login: string;
  type: 'Bot' | 'User';
}

export interface ReviewComment {
  id: number;
  pull_number: number;
  path: string;
  line: number;
  side: string;
  body: string;
  commit_id: string;
  user: User;
  in_reply_to_id?: number;
}

export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string; annotations?: unknown[] };
  annotations: unknown[];
  external_id?: string;
}

export interface CommitComment {
  id: number;
  commit_id: string;
  path: string;
  position: number;
  body: string;
  user: User;
}

const BOT: User = { login: 'kvm-review[bot]', type: 'Bot' };

/** Called after a request changed the state and before it is answered (the test may kill the App here). */
export type AfterRequest = (r: Recorded) => Promise<void> | void;
type Json = Record<string, unknown>;
type Forced = { status: number; headers?: Record<string, string>; message?: string; done?: boolean };

export class FakeGitHub {
  readonly requests: Recorded[] = [];
  readonly prs = new Map<number, FakePr>();
  readonly reviewComments: ReviewComment[] = [];
  readonly reviews: { id: number; pull_number: number; body: string; event: string; state: string; commit_id: string; user: User }[] = [];
  readonly checkRuns: CheckRun[] = [];
  readonly commitComments: CommitComment[] = [];
  /** `.github/kvm-review.yml`, or null for none. */
  config: string | null = null;
  /** Who the App's posts are by: the App's bot, or github-actions[bot] for the Action. */
  bot: User = BOT;
  /** Answer 422, as GitHub does, to a review whose comment is on a line the diff does not show (tests whose findings are made up leave it off). */
  rejectOffDiff = false;
  /** A hook between handling a request and answering it. */
  after: AfterRequest | null = null;
  /**
   * Answers to force, by "METHOD /path" prefix: status codes used once each, in order. With `done`,
   * the request is carried out first and only its answer is the failure (GitHub created the review,
   * then its gateway answered 502).
   */
  readonly failures = new Map<string, Forced[]>();
  private nextId = 1000;
  private server: Server | null = null;

  constructor(
    /** The repository served as every owner/repo. */
    readonly repoDir: string,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Requests other than the token exchange and reads: what the App wrote. */
  writes(): Recorded[] {
    return this.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/access_tokens'));
  }

  private loaded: Promise<Map<string, Buffer>> | null = null;

  /** Every blob of the repository, read once with one git process (spawning git per blob is slow on a loaded machine). */
  private objects(): Promise<Map<string, Buffer>> {
    this.loaded ??= gitBytes(this.repoDir, ['cat-file', '--batch-all-objects', '--batch']).then((out) => {
      const map = new Map<string, Buffer>();
      let at = 0;
      while (at < out.length) {
        const nl = out.indexOf(10, at);
        const [sha, type, size] = out.subarray(at, nl).toString().split(' ') as [string, string, string];
        const start = nl + 1;
        if (type === 'blob') map.set(sha, out.subarray(start, start + Number(size)));
        at = start + Number(size) + 1;
      }
      return map;
    });
    return this.loaded;
  }

  private id(): number {
    return (this.nextId += 1);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Json) : {};
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/api\/v3/, '');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path, body, auth: String(req.headers.authorization ?? '') });
    const forced = [...this.failures.entries()].find(([k, v]) => v.length && `${method} ${path}`.startsWith(k));
    const f = forced?.[1].shift();
    if (f?.done) {
      try {
        this.route(method, path, body, String(req.headers.accept ?? ''));
      } catch {
        // The forced answer is what the App sees either way.
      }
    }
    if (f) {
      res.writeHead(f.status, { 'content-type': 'application/json; charset=utf-8', ...f.headers }).end(JSON.stringify({ message: f.message ?? 'forced by the test' }));
      return;
    }
    try {
      const blob = /\/git\/blobs\/([0-9a-f]{40})$/.exec(path);
      if (method === 'GET' && blob) {
        const bytes = (await this.objects()).get(blob[1] as string) ?? (await gitBytes(this.repoDir, ['cat-file', 'blob', blob[1] as string]));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ sha: blob[1], size: bytes.length, encoding: 'base64', content: bytes.toString('base64') }));
        return;
      }
      const routed = this.route(method, path, body, String(req.headers.accept ?? ''));
      await this.after?.({ method, path, body });
      if (res.destroyed) return;
      const out: Answer | null = method === 'GET' && routed ? paged(routed, url, `http://${req.headers.host ?? 'localhost'}`) : routed;
      if (out === null) {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ message: 'Not Found' }));
      } else if (typeof out.data === 'string') {
        res.writeHead(out.status, { 'content-type': 'text/plain; charset=utf-8' }).end(out.data);
      } else {
        res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', ...out.headers }).end(JSON.stringify(out.data));
      }
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ message: String(e) }));
    }
  }

  private route(method: string, path: string, body: Json, accept: string): { status: number; data: unknown } | null {
    const ok = (data: unknown, status = 200): { status: number; data: unknown } => ({ status, data });
    const patch = accept.includes('patch');
    let m: RegExpExecArray | null;
    if (method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) return ok({ token: 'ghs_fake', expires_at: new Date(Date.now() + 3600e3).toISOString(), permissions: {}, repository_selection: 'all' }, 201);
    if (method === 'GET' && path === '/app') return ok({ id: 1, slug: 'kvm-review', name: 'kvm-review' });
    if (!(m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path))) return null;
    const rest = m[3] as string;
    const g = (args: string[]): string => git(this.repoDir, args);
    if (method === 'GET' && (m = /^\/contents\/(.+)$/.exec(rest))) {
      return decodeURIComponent(m[1] as string) === '.github/kvm-review.yml' && this.config !== null && path.split('/')[3] !== '.github' ? ok(this.config) : null;
    }
    if (method === 'GET' && (m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest))) return ok({ sha: m[1], tree: { sha: g(['rev-parse', `${m[1]}^{tree}`]).trim() } });
    if (method === 'GET' && (m = /^\/git\/trees\/([0-9a-f]{40})$/.exec(rest))) {
      const tree = g(['ls-tree', '-l', m[1] as string])
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [meta, name] = line.split('\t') as [string, string];
          const [mode, type, sha, size] = meta.split(/\s+/) as [string, string, string, string];
          return { path: name, mode, type, sha, ...(type === 'blob' ? { size: Number(size) } : {}) };
        });
      return ok({ sha: m[1], tree, truncated: false });
    }
    if (method === 'GET' && rest === '/pulls') {
      return ok([...this.prs.values()].filter((pr) => (pr.state ?? 'open') === 'open').map((pr) => ({ number: pr.number, state: 'open', draft: Boolean(pr.draft), head: { sha: pr.head, ref: `pr-${pr.number}` }, base: { sha: pr.base, ref: 'master' } })));
    }
    if ((m = /^\/pulls\/(\d+)(\/.*)?$/.exec(rest))) {
      const n = Number(m[1]);
      const pr = this.prs.get(n);
      const sub = m[2] ?? '';
      if (!pr) return null;
      if (method === 'GET' && sub === '') {
        if (patch) return ok(g(['format-patch', '--stdout', `${pr.base}..${pr.head}`]));
        const stat = g(['diff', '--shortstat', pr.base, pr.head]);
        const num = (re: RegExp): number => Number(re.exec(stat)?.[1] ?? 0);
        return ok({
          number: n,
          draft: Boolean(pr.draft),
          state: pr.state ?? 'open',
          merged: Boolean(pr.merged),
          head: { sha: pr.head, ref: `pr-${n}` },
          base: { sha: pr.base, ref: 'master' },
          changed_files: num(/(\d+) files? changed/),
          additions: num(/(\d+) insertion/),
          deletions: num(/(\d+) deletion/),
          commits: g(['rev-list', `${pr.base}..${pr.head}`]).split('\n').filter(Boolean).length,
        });
      }
      if (method === 'GET' && sub === '/files') {
        // GitHub lists at most 3000 files of a pull request (then paged as any list, paged() below).
        return ok(
          g(['diff', '--no-renames', '--name-status', pr.base, pr.head])
            .split('\n')
            .filter(Boolean)
            .slice(0, MAX_LISTED_FILES)
            .map((l) => {
              const [st, file] = l.split('\t') as [string, string];
              const diff = g(['diff', pr.base, pr.head, '--', file]);
              return { filename: file, status: st === 'A' ? 'added' : st === 'D' ? 'removed' : 'modified', patch: diff.slice(diff.indexOf('@@')) };
            }),
        );
      }
      if (method === 'GET' && sub === '/commits') return ok(listed(this.repoDir, pr.base, pr.head));
      if (method === 'GET' && sub === '/comments') return ok(this.reviewComments.filter((c) => c.pull_number === n));
      if (method === 'GET' && sub === '/reviews') return ok(this.reviews.filter((r) => r.pull_number === n));
      if (method === 'POST' && sub === '/reviews') {
        // GitHub refuses a body past 65536 characters, the review's or a comment's, with the whole review.
        if ([body.body, ...((body.comments as Json[] | undefined) ?? []).map((c) => c.body)].some((b) => String(b ?? '').length > 65536)) {
          return { status: 422, data: { message: 'Validation Failed', errors: ['Body is too long (maximum is 65536 characters)'] } };
        }
        // GitHub answers 422 to a review comment on a line the pull request's diff does not show.
        for (const c of this.rejectOffDiff ? ((body.comments as Json[] | undefined) ?? []) : []) {
          if (!rightLines(g(['diff', '--no-renames', pr.base, pr.head, '--', String(c.path)])).has(Number(c.line))) {
            return { status: 422, data: { message: 'Unprocessable Entity', errors: ['Line could not be resolved'] } };
          }
        }
        const state = ({ REQUEST_CHANGES: 'CHANGES_REQUESTED', APPROVE: 'APPROVED', COMMENT: 'COMMENTED' } as Record<string, string>)[String(body.event)] ?? 'PENDING';
        const review = { id: this.id(), pull_number: n, body: String(body.body ?? ''), event: String(body.event), state, commit_id: String(body.commit_id), user: this.bot };
        this.reviews.push(review);
        for (const c of (body.comments as Json[] | undefined) ?? []) {
          this.reviewComments.push({ id: this.id(), pull_number: n, path: String(c.path), line: Number(c.line), side: String(c.side), body: String(c.body), commit_id: review.commit_id, user: this.bot });
        }
        return ok(review);
      }
      if (method === 'PUT' && (m = /^\/reviews\/(\d+)\/dismissals$/.exec(sub))) {
        const review = this.reviews.find((r) => r.id === Number(m?.[1]) && r.pull_number === n);
        if (!review) return null;
        // GitHub: only a review that requests changes (or approves) can be dismissed.
        if (review.state !== 'CHANGES_REQUESTED' && review.state !== 'APPROVED') return { status: 422, data: { message: `Can not dismiss a ${review.state.toLowerCase()} pull request review` } };
        review.state = 'DISMISSED';
        return ok({ ...review, dismissal: String(body.message ?? '') });
      }
      if (method === 'POST' && (m = /^\/comments\/(\d+)\/replies$/.exec(sub))) {
        const parent = this.reviewComments.find((c) => c.id === Number(m?.[1]));
        if (!parent) return null;
        const reply = { ...parent, id: this.id(), body: String(body.body), in_reply_to_id: parent.id };
        this.reviewComments.push(reply);
        return ok(reply, 201);
      }
      return null;
    }
    if (method === 'PATCH' && (m = /^\/pulls\/comments\/(\d+)$/.exec(rest))) {
      const c = this.reviewComments.find((x) => x.id === Number(m?.[1]));
      if (!c) return null;
      c.body = String(body.body);
      return ok(c);
    }
    if (method === 'POST' && rest === '/check-runs') {
      const run: CheckRun = {
        id: this.id(),
        name: String(body.name),
        head_sha: String(body.head_sha),
        status: String(body.status ?? 'queued'),
        conclusion: (body.conclusion as string | undefined) ?? null,
        output: (body.output as CheckRun['output'] | undefined) ?? {},
        annotations: [...(((body.output as Json | undefined)?.annotations as unknown[] | undefined) ?? [])],
        ...(body.external_id === undefined ? {} : { external_id: String(body.external_id) }),
      };
      this.checkRuns.push(run);
      return ok(run, 201);
    }
    if (method === 'GET' && (m = /^\/commits\/([0-9a-f]{40})\/check-runs$/.exec(rest))) {
      const runs = this.checkRuns.filter((r) => r.head_sha === m?.[1]).reverse();
      return ok({ total_count: runs.length, check_runs: runs });
    }
    if (method === 'PATCH' && (m = /^\/check-runs\/(\d+)$/.exec(rest))) {
      const run = this.checkRuns.find((r) => r.id === Number(m?.[1]));
      if (!run) return null;
      if (body.status) run.status = String(body.status);
      if (body.conclusion) run.conclusion = String(body.conclusion);
      if (body.output) {
        run.output = body.output as CheckRun['output'];
        run.annotations.push(...((run.output.annotations as unknown[] | undefined) ?? []));
      }
      return ok(run);
    }
    if (method === 'GET' && (m = /^\/compare\/([^/]+)\.\.\.([0-9a-f]{40})$/.exec(rest))) {
      const [base, head] = [g(['rev-parse', decodeURIComponent(m[1] as string)]).trim(), m[2] as string];
      const mergeBase = g(['merge-base', base, head]).trim();
      if (patch) return ok(g(['format-patch', '--stdout', `${mergeBase}..${head}`]));
      const commits = listed(this.repoDir, mergeBase, head);
      return ok({ merge_base_commit: { sha: mergeBase }, total_commits: commits.length, commits });
    }
    if (method === 'POST' && (m = /^\/commits\/([0-9a-f]{40})\/comments$/.exec(rest))) {
      const c = { id: this.id(), commit_id: m[1] as string, path: String(body.path), position: Number(body.position), body: String(body.body), user: this.bot };
      this.commitComments.push(c);
      return ok(c, 201);
    }
    if (method === 'GET' && rest === '/comments') return ok(this.commitComments);
    if (method === 'GET' && (m = /^\/commits\/([0-9a-f]{40})\/comments$/.exec(rest))) return ok(this.commitComments.filter((c) => c.commit_id === m?.[1]));
    if (method === 'GET' && (m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest))) return ok({ permission: m[1] === 'maintainer' ? 'write' : 'read' });
    return null;
  }
}

/** GitHub: "Responses include a maximum of 3000 files" (pulls.listFiles). */
export const MAX_LISTED_FILES = 3000;

/** A list answer (an array, or a check-runs object's check_runs) cut to its page as GitHub does: per_page 30 by default, 100 at most, with a Link header to the next and last pages. */
/** An answer of the fake: status, JSON (or text) and any headers beside the content type. */
type Answer = { status: number; data: unknown; headers?: Record<string, string> };

function paged(out: Answer, url: URL, origin: string): Answer {
  const data = out.data as { check_runs?: unknown[] } | unknown[] | string;
  const list = Array.isArray(data) ? data : typeof data === 'object' && data !== null && Array.isArray(data.check_runs) ? data.check_runs : null;
  if (out.status !== 200 || list === null) return out;
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(list.length / perPage));
  const slice = list.slice((page - 1) * perPage, page * perPage);
  const link = (n: number, rel: string): string => {
    const u = new URL(url.pathname + url.search, origin);
    u.searchParams.set('page', String(n));
    u.searchParams.set('per_page', String(perPage));
    return `<${u.href}>; rel="${rel}"`;
  };
  const links = [...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []), ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : [])];
  return { status: out.status, data: Array.isArray(data) ? slice : { ...(data as object), check_runs: slice }, ...(links.length ? { headers: { link: links.join(', ') } } : {}) };
}

/** The commits of base..head, oldest first, as GitHub lists them (pulls.listCommits, a compare's commits): sha, parents, message. */
function listed(dir: string, base: string, head: string): { sha: string; parents: { sha: string }[]; commit: { message: string } }[] {
  return git(dir, ['rev-list', '--reverse', '--parents', `${base}..${head}`])
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha, ...parents] = line.split(' ') as [string, ...string[]];
      return { sha, parents: parents.map((p) => ({ sha: p })), commit: { message: git(dir, ['log', '-1', '--format=%B', sha]).trimEnd() } };
    });
}

/** The RIGHT-side lines (added and context) of a unified diff. */
function rightLines(diff: string): Set<number> {
  const out = new Set<number>();
  let n = 0;
  for (const l of diff.split('\n')) {
    const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(l);
    if (h) n = Number(h[1]);
    else if (n && (l.startsWith('+') || l.startsWith(' '))) out.add(n++);
  }
  return out;
}

/** Blobs are bytes (git() decodes as UTF-8), read without blocking the other requests. */
function gitBytes(dir: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: dir, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}
