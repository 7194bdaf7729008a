/**
 * The App's digest schedule: the configuration keys (off by default, day,
 * time, timezone), when the next run is due across time zones and DST,
 * and the tick that runs each enabled repository once per due time.
 */
import { describe, expect, it } from '@jest/globals';
import { ConfigError, parseConfigText } from '../../bot/app/config.js';
import { Octokit } from '@octokit/rest';
import { startDigestSchedule, type DigestApp } from '../../bot/app/digest-app.js';
import { DigestSchedule, nextRun, type DigestScheduleConfig, type DigestTarget } from '../../bot/app/digest-schedule.js';
import { DIGEST_CACHE, digestHistory } from '../helpers/digest-history.js';
import { fakeIssues } from './fake-issues.js';

const cfg = (over: Partial<DigestScheduleConfig> = {}): DigestScheduleConfig => ({ enabled: true, day: 'monday', time: '08:00', timezone: 'UTC', weeks: 8, ...over });

describe('digest configuration', () => {
  it('is off when the file does not mention it; the keys read with their defaults', () => {
    expect(parseConfigText('drafts: true\n').digest).toBeUndefined();
    expect(parseConfigText('digest:\n  enabled: true\n').digest).toEqual(cfg());
    expect(parseConfigText('digest:\n  enabled: true\n  day: friday\n  time: "17:30"\n  timezone: Europe/Rome\n  weeks: 4\n').digest).toEqual(cfg({ day: 'friday', time: '17:30', timezone: 'Europe/Rome', weeks: 4 }));
  });

  it('a bad key names itself and its line', () => {
    const bad = (text: string): ConfigError => {
      try {
        parseConfigText(text);
      } catch (e) {
        if (e instanceof ConfigError) return e;
      }
      throw new Error('accepted');
    };
    expect([bad('digest:\n  enabled: true\n  timezone: Mars/Olympus\n').key, bad('digest:\n  enabled: true\n  timezone: Mars/Olympus\n').line]).toEqual(['digest.timezone', 3]);
    expect(bad('digest:\n  time: "8am"\n').message).toMatch(/digest\.time: expected HH:MM/);
    expect(bad('digest:\n  hour: 8\n').key).toBe('digest.hour');
  });
});

describe('nextRun', () => {
  it('the next configured weekday and time, in UTC', () => {
    // 2026-12-02 is a Wednesday.
    expect(nextRun(new Date('2026-12-02T12:00:00Z'), cfg()).toISOString()).toBe('2026-12-07T08:00:00.000Z');
    expect(nextRun(new Date('2026-12-07T07:59:00Z'), cfg()).toISOString()).toBe('2026-12-07T08:00:00.000Z');
    expect(nextRun(new Date('2026-12-07T08:00:00Z'), cfg()).toISOString()).toBe('2026-12-14T08:00:00.000Z');
  });

  it('in a time zone, winter and summer time', () => {
    expect(nextRun(new Date('2026-12-02T12:00:00Z'), cfg({ timezone: 'Europe/Rome' })).toISOString()).toBe('2026-12-07T07:00:00.000Z');
    expect(nextRun(new Date('2026-07-01T12:00:00Z'), cfg({ timezone: 'Europe/Rome' })).toISOString()).toBe('2026-07-06T06:00:00.000Z');
    // Sunday 23:30 in New York is Monday in UTC: the weekday is the zone's.
    expect(nextRun(new Date('2026-12-02T12:00:00Z'), cfg({ day: 'sunday', time: '23:30', timezone: 'America/New_York' })).toISOString()).toBe('2026-12-07T04:30:00.000Z');
  });
});

describe('DigestSchedule', () => {
  it('runs each enabled repository once when due, again a week later; a failure is logged with its reason, not thrown', async () => {
    let now = new Date('2026-12-02T12:00:00Z');
    const ran: string[] = [];
    const logged: string[] = [];
    const targets: DigestTarget[] = [
      { slug: 'kvm/linux', config: cfg() },
      { slug: 'kvm/off', config: cfg({ enabled: false }) },
      { slug: 'kvm/broken', config: cfg() },
    ];
    const schedule = new DigestSchedule({
      targets: async () => targets,
      run: async (t) => {
        if (t.slug === 'kvm/broken') throw new Error('no history');
        ran.push(`${t.slug} ${now.toISOString()}`);
      },
      // The digest due before the first tick was posted (digest-missed.test.ts has the one that was not).
      posted: async () => true,
      now: () => now,
      log: (m) => logged.push(m),
    });
    expect(await schedule.tick()).toEqual([]);
    now = new Date('2026-12-07T07:59:00Z');
    expect(await schedule.tick()).toEqual([]);
    now = new Date('2026-12-07T08:00:30Z');
    expect(await schedule.tick()).toEqual(['kvm/linux']);
    expect(await schedule.tick()).toEqual([]);
    // The process was down on the 14th: the missed run happens once at the next tick.
    now = new Date('2026-12-15T09:00:00Z');
    expect(await schedule.tick()).toEqual(['kvm/linux']);
    expect(await schedule.tick()).toEqual([]);
    expect(ran).toEqual(['kvm/linux 2026-12-07T08:00:30.000Z', 'kvm/linux 2026-12-15T09:00:00.000Z']);
    expect(logged).toEqual([
      'digest for kvm/broken (due 2026-12-07T08:00:00.000Z) failed (attempt 1): no history; tried again at 2026-12-07T08:01:30.000Z',
      'digest for kvm/broken (due 2026-12-14T08:00:00.000Z) failed (attempt 1): no history; tried again at 2026-12-15T09:01:00.000Z',
    ]);
  });
});

describe('the App posts the digest on its schedule', () => {
  it('reads the installed repository\'s configuration, and on the due minute posts this week\'s issue from the local clone', async () => {
    const h = await digestHistory();
    const api = await fakeIssues('kvm', 'linux', 'test-token', { '.github/kvm-review.yml': 'digest:\n  enabled: true\n  day: monday\n  time: "08:00"\n  weeks: 2\n' });
    try {
      const octokit = (): Octokit => new Octokit({ auth: 'test-token', baseUrl: api.url });
      const logged: string[] = [];
      const app = {
        auth: async () => octokit(),
        log: { info: (...a: unknown[]) => logged.push(String(a.at(-1))), warn: (...a: unknown[]) => logged.push(String(a.at(-1))), error: (...a: unknown[]) => logged.push(String(a.at(-1))) },
      } as unknown as DigestApp;
      let now = new Date('2026-12-02T12:00:00Z');
      const off = startDigestSchedule(app, { cacheDir: DIGEST_CACHE }, { env: {}, start: false });
      expect(off).toBeNull();
      const schedule = startDigestSchedule(app, { cacheDir: DIGEST_CACHE }, { env: { KVM_REVIEW_DIGEST_REPO: h.repo }, now: () => now, start: false });
      // Nothing was posted since the last due time (Monday 2026-11-30): that digest is run at once, once.
      expect(await schedule?.tick()).toEqual(['kvm/linux']);
      expect(await schedule?.tick()).toEqual([]);
      now = new Date('2026-12-07T08:00:10Z');
      expect(await schedule?.tick()).toEqual(['kvm/linux']);
      // The digest of the clone's last 7 days up to HEAD, filed under HEAD's week.
      expect(api.issues).toHaveLength(1);
      expect(api.issues[0]?.labels.map((l) => l.name)).toEqual(['locking-drift']);
      expect(api.issues[0]?.title).toMatch(/^Locking-doc drift, week \d{4}-W\d{2}$/);
      expect(api.issues[0]?.body).toMatch(/^<!-- kvm-review-digest \d{4}-W\d{2} -->/);
      expect(logged).toContain('kvm-review: weekly digest posted');
    } finally {
      await api.close();
    }
  }, 300_000);
});
