/**
 * GitHub's issues API on loopback, as much of it as posting the digest
 * uses: list (with label and state filters, paginated), create, update.
 * Every request is recorded, and a request without the token is refused
 * with 401 as GitHub does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: { name: string }[];
  state: 'open' | 'closed';
}

export interface FakeIssues {
  url: string;
  issues: FakeIssue[];
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/**
 * `files`: paths of the repository served by the contents API (raw), for
 * the App reading `.github/kvm-review.yml`; the App's installation list is
 * one installation (id 7) holding this one repository.
 */
export async function fakeIssues(owner: string, repo: string, token: string, files: Record<string, string> = {}): Promise<FakeIssues> {
  const issues: FakeIssue[] = [];
  const requests: { method: string; path: string }[] = [];
  const base = `/repos/${owner}/${repo}/issues`;
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({ method: req.method ?? '', path: url.pathname + url.search });
      if (req.headers.authorization !== `token ${token}`) return send(res, 401, { message: 'Bad credentials' });
      if (req.method === 'GET' && url.pathname === '/app/installations') return send(res, 200, [{ id: 7, account: { login: owner } }]);
      if (req.method === 'GET' && url.pathname === '/installation/repositories') {
        return send(res, 200, { total_count: 1, repositories: [{ name: repo, full_name: `${owner}/${repo}`, owner: { login: owner } }] });
      }
      const content = url.pathname.startsWith(`/repos/${owner}/${repo}/contents/`) ? files[decodeURIComponent(url.pathname.slice(`/repos/${owner}/${repo}/contents/`.length))] : undefined;
      if (req.method === 'GET' && url.pathname.startsWith(`/repos/${owner}/${repo}/contents/`)) {
        if (content === undefined) return send(res, 404, { message: 'Not Found' });
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return res.end(content);
      }
      if (req.method === 'GET' && url.pathname === base) {
        const label = url.searchParams.get('labels');
        const state = url.searchParams.get('state') ?? 'open';
        const page = Number(url.searchParams.get('page') ?? '1');
        const per = Number(url.searchParams.get('per_page') ?? '30');
        const all = issues.filter((i) => (!label || i.labels.some((l) => l.name === label)) && (state === 'all' || i.state === state));
        return send(res, 200, all.slice((page - 1) * per, page * per));
      }
      if (req.method === 'POST' && url.pathname === base) {
        const b = await readBody(req);
        const issue: FakeIssue = { number: issues.length + 1, title: String(b.title), body: String(b.body ?? ''), labels: ((b.labels as string[]) ?? []).map((name) => ({ name })), state: 'open' };
        issues.push(issue);
        return send(res, 201, issue);
      }
      const m = new RegExp(`^${base}/(\\d+)$`).exec(url.pathname);
      if (req.method === 'PATCH' && m) {
        const issue = issues.find((i) => i.number === Number(m[1]));
        if (!issue) return send(res, 404, { message: 'Not Found' });
        const b = await readBody(req);
        if (typeof b.title === 'string') issue.title = b.title;
        if (typeof b.body === 'string') issue.body = b.body;
        return send(res, 200, issue);
      }
      return send(res, 404, { message: 'Not Found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    issues,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
