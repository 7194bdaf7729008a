/**
 * The weekly digest that fell due while the App was down, and the one whose
 * run failed. On first sight of a repository (the process started) the
 * schedule works out the last due time and, unless the digest was posted
 * since, runs it at once, once; a failed run is tried again at later ticks
 * (backing off, each failure logged with its reason) until the next due
 * time. The schedule runs on its injectable clock, as the other digest
 * tests do; the App's side posts with the real postDigest to the issues
 * API on loopback, so a second run of a week is seen to update its issue.
 */
import { describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { startDigestSchedule, type DigestApp } from '../../bot/app/digest-app.js';
import { DIGEST_LABEL, digestPostedSince, postedMarker } from '../../bot/app/digest-post.js';
import { DigestSchedule, nextRun, previousRun, type DigestScheduleConfig, type DigestTarget } from '../../bot/app/digest-schedule.js';
import { fakeIssues } from '../digest/fake-issues.js';
import { DIGEST_CACHE, digestHistory } from '../helpers/digest-history.js';

const MINUTE = 60_000;
const cfg = (over: Partial<DigestScheduleConfig> = {}): DigestScheduleConfig => ({ enabled: true, day: 'monday', time: '08:00', timezone: 'UTC', weeks: 8, ...over });
const at = (iso: string): number => Date.parse(iso);
const iso = (t: number): string => new Date(t).toISOString();

/** A schedule on a clock the test moves; what ran, when, and what was logged. */
function clocked(start: string, over: { run?: (t: DigestTarget, now: number) => Promise<void>; posted?: (t: DigestTarget, since: Date) => Promise<boolean>; config?: DigestScheduleConfig } = {}) {
  const state = { now: at(start), ran: [] as string[], logged: [] as string[], info: [] as string[] };
  const schedule = new DigestSchedule({
    targets: async () => [{ slug: 'kvm/linux', config: over.config ?? cfg() }],
    run: async (t) => {
      await over.run?.(t, state.now);
      state.ran.push(iso(state.now));
    },
    ...(over.posted ? { posted: over.posted } : {}),
    now: () => new Date(state.now),
    log: (m) => state.logged.push(m),
    info: (m) => state.info.push(m),
  });
  /** Ticks every `step` from now until before `end`. */
  const until = async (end: string, step = MINUTE): Promise<void> => {
    for (; state.now < at(end); state.now += step) await schedule.tick();
  };
  return { state, schedule, until };
}

describe('previousRun', () => {
  it('the last due time at or before an instant: in UTC, at the due minute itself, in a zone across DST', () => {
    expect(previousRun(new Date('2026-01-05T08:01:00Z'), cfg()).toISOString()).toBe('2026-01-05T08:00:00.000Z');
    expect(previousRun(new Date('2026-01-05T08:00:00Z'), cfg()).toISOString()).toBe('2026-01-05T08:00:00.000Z');
    expect(previousRun(new Date('2026-01-05T07:59:00Z'), cfg()).toISOString()).toBe('2025-12-29T08:00:00.000Z');
    expect(previousRun(new Date('2026-12-02T12:00:00Z'), cfg()).toISOString()).toBe('2026-11-30T08:00:00.000Z');
    // Rome: 08:00 is 07:00Z in winter, 06:00Z in summer (DST began on Sunday 2026-03-29).
    expect(previousRun(new Date('2026-03-31T12:00:00Z'), cfg({ timezone: 'Europe/Rome' })).toISOString()).toBe('2026-03-30T06:00:00.000Z');
    expect(previousRun(new Date('2026-03-28T12:00:00Z'), cfg({ timezone: 'Europe/Rome' })).toISOString()).toBe('2026-03-23T07:00:00.000Z');
    // Sunday 23:30 in New York is Monday 04:30Z.
    expect(previousRun(new Date('2026-12-09T00:00:00Z'), cfg({ day: 'sunday', time: '23:30', timezone: 'America/New_York' })).toISOString()).toBe('2026-12-07T04:30:00.000Z');
  });

  it('is the due time before nextRun, a week before it', () => {
    for (const t of ['2026-01-05T08:01:00Z', '2026-03-29T01:30:00Z', '2026-10-25T02:30:00Z', '2026-07-01T00:00:00Z']) {
      for (const c of [cfg(), cfg({ timezone: 'Europe/Rome', day: 'sunday', time: '02:30' }), cfg({ timezone: 'Asia/Kolkata', day: 'friday', time: '23:59' })]) {
        const prev = previousRun(new Date(t), c);
        expect(prev.getTime()).toBeLessThanOrEqual(at(t));
        expect(nextRun(prev, c).getTime()).toBe(nextRun(new Date(t), c).getTime());
      }
    }
  });
});

describe('a digest due while the process was down', () => {
  it('runs at the first tick after a restart across the due minute, once that week (the reviewer\'s case)', async () => {
    // Down from 07:59 to 08:01 on Monday 2026-01-05; up again, a tick a minute for the week.
    const { state, until } = clocked('2026-01-05T08:01:00Z');
    await until('2026-01-12T07:59:00Z');
    expect(state.ran).toEqual(['2026-01-05T08:01:00.000Z']);
    await until('2026-01-12T08:02:00Z');
    expect(state.ran).toEqual(['2026-01-05T08:01:00.000Z', '2026-01-12T08:00:00.000Z']);
    expect(state.info).toEqual(['digest for kvm/linux due 2026-01-05T08:00:00.000Z was not posted (or is not known to be); running it now']);
    expect(state.logged).toEqual([]);
  });

  it('asks whether it was posted since the last due time: posted, nothing runs before the next due time; not posted, it runs once', async () => {
    const asked: string[] = [];
    const posted = clocked('2026-01-07T12:00:00Z', { posted: async (_t, since) => (asked.push(since.toISOString()), true) });
    await posted.until('2026-01-12T08:01:00Z', 10 * MINUTE);
    expect(posted.state.ran).toEqual(['2026-01-12T08:00:00.000Z']);
    const missed = clocked('2026-01-07T12:00:00Z', { posted: async (_t, since) => (asked.push(since.toISOString()), false) });
    await missed.until('2026-01-12T07:59:00Z');
    expect(missed.state.ran).toEqual(['2026-01-07T12:00:00.000Z']);
    // Once each, on first sight: the hourly re-read of the targets does not ask again.
    expect(asked).toEqual(['2026-01-05T08:00:00.000Z', '2026-01-05T08:00:00.000Z']);
  });

  it('a failing "was it posted?" is logged with its reason, and the digest runs (a second run updates the week\'s issue)', async () => {
    const { state, until } = clocked('2026-01-05T09:00:00Z', {
      posted: async () => {
        throw new Error('HTTP 502 from the issues API');
      },
    });
    await until('2026-01-05T12:00:00Z');
    expect(state.ran).toEqual(['2026-01-05T09:00:00.000Z']);
    expect(state.logged).toEqual([
      'digest for kvm/linux: could not tell whether the digest due 2026-01-05T08:00:00.000Z was posted: HTTP 502 from the issues API; running it (a second run updates the week\'s issue)',
    ]);
  });
});

describe('a failed digest run', () => {
  it('is tried again at later ticks, 1, 2, 4 minutes on, each failure logged with its reason, until it succeeds', async () => {
    let failing = 3;
    const { state, until } = clocked('2026-01-04T12:00:00Z', {
      run: async () => {
        if (failing-- > 0) throw new Error('git: index.lock exists');
      },
    });
    // The digest due on 2025-12-29 is run at the first tick (nothing says it was posted); let it pass.
    failing = 0;
    await until('2026-01-04T12:01:00Z');
    state.ran.length = 0;
    failing = 3;
    await until('2026-01-12T07:59:00Z');
    expect(state.ran).toEqual(['2026-01-05T08:07:00.000Z']);
    expect(state.logged).toEqual([
      'digest for kvm/linux (due 2026-01-05T08:00:00.000Z) failed (attempt 1): git: index.lock exists; tried again at 2026-01-05T08:01:00.000Z',
      'digest for kvm/linux (due 2026-01-05T08:00:00.000Z) failed (attempt 2): git: index.lock exists; tried again at 2026-01-05T08:03:00.000Z',
      'digest for kvm/linux (due 2026-01-05T08:00:00.000Z) failed (attempt 3): git: index.lock exists; tried again at 2026-01-05T08:07:00.000Z',
    ]);
  });

  it('a run that keeps failing is tried at most an hour apart, and not past the next due time, where the next week starts afresh', async () => {
    const tried: number[] = [];
    const { state, until } = clocked('2026-01-05T08:00:00Z', {
      run: async (_t, now) => {
        tried.push(now);
        throw new Error('no history');
      },
    });
    await until('2026-01-12T08:01:00Z');
    const week = tried.filter((t) => t < at('2026-01-12T08:00:00Z'));
    const gaps = week.slice(1).map((t, i) => (t - (week[i] as number)) / MINUTE);
    expect(gaps.slice(0, 8)).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    expect(new Set(gaps.slice(6))).toEqual(new Set([60]));
    expect(week.at(-1)).toBeGreaterThan(at('2026-01-12T07:00:00Z'));
    // The next week's run is its own first attempt, at its due minute.
    expect(tried.filter((t) => t >= at('2026-01-12T08:00:00Z')).map(iso)).toEqual(['2026-01-12T08:00:00.000Z']);
    expect(state.ran).toEqual([]);
    expect(state.logged).toHaveLength(tried.length);
    for (const m of state.logged) expect(m).toMatch(/failed \(attempt \d+\): no history; /);
    expect(state.logged[week.length - 1]).toMatch(/\(due 2026-01-05T08:00:00.000Z\) failed \(attempt \d+\): no history; not tried again before the next due time, 2026-01-12T08:00:00.000Z$/);
    expect(state.logged.at(-1)).toMatch(/\(due 2026-01-12T08:00:00.000Z\) failed \(attempt 1\): no history; tried again at 2026-01-12T08:01:00.000Z$/);
  });
});

describe('the App: restarts around the due time, with the real postDigest', () => {
  it('a digest missed while down is posted once; a restart after it was posted posts nothing; a second run of a week updates its issue', async () => {
    const h = await digestHistory();
    const api = await fakeIssues('kvm', 'linux', 'test-token', { '.github/kvm-review.yml': 'digest:\n  enabled: true\n  day: monday\n  time: "08:00"\n  weeks: 2\n' });
    try {
      const logged: string[] = [];
      const app = {
        auth: async () => new Octokit({ auth: 'test-token', baseUrl: api.url }),
        log: { info: (...a: unknown[]) => logged.push(String(a.at(-1))), warn: (...a: unknown[]) => logged.push(String(a.at(-1))), error: (...a: unknown[]) => logged.push(String(a.at(-1))) },
      } as unknown as DigestApp;
      let now = at('2026-12-07T08:03:00Z');
      /** A process of the App: started now, ticking every `step` until `end`; returns the minutes it posted at. */
      const process = async (end: string, step = MINUTE): Promise<string[]> => {
        const schedule = startDigestSchedule(app, { cacheDir: DIGEST_CACHE }, { env: { KVM_REVIEW_DIGEST_REPO: h.repo }, now: () => new Date(now), start: false });
        const ran: string[] = [];
        for (; now < at(end); now += step) if ((await schedule?.tick())?.length) ran.push(iso(now));
        return ran;
      };
      const writes = (): string[] => api.requests.filter((r) => r.method !== 'GET').map((r) => r.method);

      // Down across Monday 08:00; up at 08:03 with nothing posted: posted at once, then nothing for the day.
      expect(await process('2026-12-07T20:00:00Z')).toEqual(['2026-12-07T08:03:00.000Z']);
      expect(writes()).toEqual(['POST']);
      expect(api.issues).toHaveLength(1);
      expect(api.issues[0]?.labels.map((l) => l.name)).toEqual([DIGEST_LABEL]);
      expect(api.issues[0]?.body).toContain(postedMarker(new Date('2026-12-07T08:03:00Z')));
      expect(api.issues[0]?.body).toMatch(/^<!-- kvm-review-digest \d{4}-W\d{2} -->\n/);

      // Restarted on Wednesday: this week's digest is there; nothing until the next Monday, then that one.
      now = at('2026-12-09T12:00:00Z');
      expect(await process('2026-12-14T09:00:00Z', 10 * MINUTE)).toEqual(['2026-12-14T08:00:00.000Z']);
      // The clone did not move, so the week is the same: its issue is updated, not opened again.
      expect(writes()).toEqual(['POST', 'PATCH']);
      expect(api.issues).toHaveLength(1);

      // Restarted on Tuesday: posted since Monday's due time; nothing.
      now = at('2026-12-15T10:00:00Z');
      expect(await process('2026-12-15T18:00:00Z')).toEqual([]);

      // Down over the next Monday too: last week's post does not count for this one.
      now = at('2026-12-21T09:30:00Z');
      expect(await process('2026-12-21T12:00:00Z')).toEqual(['2026-12-21T09:30:00.000Z']);
      expect(writes()).toEqual(['POST', 'PATCH', 'PATCH']);
      expect(api.issues).toHaveLength(1);
      expect(logged.filter((m) => m === 'kvm-review: weekly digest posted')).toHaveLength(3);
      expect(logged.filter((m) => /was not posted/.test(m))).toEqual([
        'digest for kvm/linux due 2026-12-07T08:00:00.000Z was not posted; running it now',
        'digest for kvm/linux due 2026-12-21T08:00:00.000Z was not posted; running it now',
      ]);
    } finally {
      await api.close();
    }
  }, 300_000);

  it('digestPostedSince reads the posted marker, not the issue\'s dates or someone\'s text', async () => {
    const api = await fakeIssues('kvm', 'linux', 'test-token');
    try {
      const target = { owner: 'kvm', repo: 'linux', octokit: new Octokit({ auth: 'test-token', baseUrl: api.url }) };
      const since = new Date('2026-12-07T08:00:00Z');
      expect(await digestPostedSince({ ...target, since })).toBe(false);
      api.issues.push({ number: 1, title: 'Locking-doc drift, week 2026-W49', body: `<!-- kvm-review-digest 2026-W49 -->\n${postedMarker(new Date('2026-11-30T08:00:05Z'))}\n`, labels: [{ name: DIGEST_LABEL }], state: 'closed' });
      api.issues.push({ number: 2, title: 'unrelated', body: postedMarker(new Date('2026-12-07T09:00:00Z')), labels: [{ name: 'bug' }], state: 'open' });
      expect(await digestPostedSince({ ...target, since })).toBe(false);
      api.issues.push({ number: 3, title: 'Locking-doc drift, week 2026-W50', body: `<!-- kvm-review-digest 2026-W50 -->\n${postedMarker(new Date('2026-12-07T08:00:05Z'))}\n`, labels: [{ name: DIGEST_LABEL }], state: 'closed' });
      expect(await digestPostedSince({ ...target, since })).toBe(true);
      // Only issues GitHub says were updated since (an hour earlier, for clock skew) are listed.
      expect(api.requests.at(-1)?.path).toContain(`since=${encodeURIComponent('2026-12-07T07:00:00.000Z')}`);
    } finally {
      await api.close();
    }
  });
});
