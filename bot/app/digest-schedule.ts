/**
 * The weekly digest, run by the App inside its own process: each
 * repository whose `.github/kvm-review.yml` enables it (off by default)
 * gets the digest of its history posted as this ISO week's issue
 * (digest-post.ts) on the configured day, time and timezone.
 *
 * The history is read from a local clone the deployment keeps up to date
 * (`KVM_REVIEW_DIGEST_REPO`): the digest walks git objects with simple-git,
 * which the GitHub API cannot serve at that scale. Without it the schedule
 * does not start, and says so once.
 *
 * A tick (every minute) runs what is due; `nextRun` and `previousRun` are
 * pure and tested alone.
 *
 * - A due time missed while the process was down runs at the next tick,
 *   once: on first sight of a repository (the process started, or its
 *   configuration was just read) the last due time is worked out, and
 *   unless `posted` says the digest was posted since then, it runs at
 *   once. A run that was made already is safe to make again: postDigest
 *   updates the week's issue instead of opening another.
 * - A run that fails is logged with its reason and tried again at later
 *   ticks, backing off (1, 2, 4... minutes, at most an hour apart), until
 *   the next due time takes over.
 */
import { z } from 'zod';

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** `digest:` in `.github/kvm-review.yml`. */
export const digestConfigSchema = z
  .object({
    /** Post the weekly digest (default false). */
    enabled: z.boolean().default(false),
    /** Day of the week, lower case English. */
    day: z.enum(WEEKDAYS).default('monday'),
    /** 24-hour `HH:MM`, in `timezone`. */
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour)').default('08:00'),
    /** An IANA time zone (`Europe/Rome`); default UTC. */
    timezone: z.string().refine(validZone, 'not an IANA time zone').default('UTC'),
    /** Trend weeks. */
    weeks: z.number().int().min(1).max(52).default(8),
  })
  .strict();

export type DigestScheduleConfig = z.infer<typeof digestConfigSchema>;

const DAY = 24 * 3600 * 1000;

/** Wall-clock fields of instant `t` in `tz`. */
function wall(t: number, tz: string): { y: number; m: number; d: number; hh: number; mm: number; weekday: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'long' }).formatToParts(new Date(t));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '0';
  return { y: Number(get('year')), m: Number(get('month')), d: Number(get('day')), hh: Number(get('hour')), mm: Number(get('minute')), weekday: WEEKDAYS.indexOf(get('weekday').toLowerCase() as Weekday) };
}

/** The instant whose wall clock in `tz` reads y-m-d hh:mm (the later one across a DST gap's edge). */
function instant(y: number, m: number, d: number, hh: number, mm: number, tz: string): number {
  const asUtc = Date.UTC(y, m - 1, d, hh, mm);
  let t = asUtc;
  for (let i = 0; i < 2; i++) {
    const w = wall(t, tz);
    t += asUtc - Date.UTC(w.y, w.m - 1, w.d, w.hh, w.mm);
  }
  return t;
}

/** The first instant after `after` when the digest is due. */
export function nextRun(after: Date, cfg: Pick<DigestScheduleConfig, 'day' | 'time' | 'timezone'>): Date {
  const [hh, mm] = cfg.time.split(':').map(Number) as [number, number];
  const now = after.getTime();
  const today = wall(now, cfg.timezone);
  for (let k = 0; k <= 8; k++) {
    const base = new Date(Date.UTC(today.y, today.m - 1, today.d) + k * DAY);
    const t = instant(base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate(), hh, mm, cfg.timezone);
    if (t > now && wall(t, cfg.timezone).weekday === WEEKDAYS.indexOf(cfg.day)) return new Date(t);
  }
  throw new Error(`no ${cfg.day} ${cfg.time} ${cfg.timezone} in the next 8 days`);
}

/** The last instant at or before `at` when the digest was due. */
export function previousRun(at: Date, cfg: Pick<DigestScheduleConfig, 'day' | 'time' | 'timezone'>): Date {
  const [hh, mm] = cfg.time.split(':').map(Number) as [number, number];
  const now = at.getTime();
  const today = wall(now, cfg.timezone);
  for (let k = 0; k <= 8; k++) {
    const base = new Date(Date.UTC(today.y, today.m - 1, today.d) - k * DAY);
    const t = instant(base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate(), hh, mm, cfg.timezone);
    if (t <= now && wall(t, cfg.timezone).weekday === WEEKDAYS.indexOf(cfg.day)) return new Date(t);
  }
  throw new Error(`no ${cfg.day} ${cfg.time} ${cfg.timezone} in the last 8 days`);
}

/** A repository the digest may be posted to, with its configuration. */
export interface DigestTarget {
  /** `owner/name`. */
  slug: string;
  config: DigestScheduleConfig;
}

export interface ScheduleDeps {
  /** The repositories whose configuration enables the digest (called at most every `refreshMs`). */
  targets: () => Promise<DigestTarget[]>;
  /** Build and post one repository's digest. */
  run: (target: DigestTarget) => Promise<void>;
  /**
   * Whether the repository's digest was posted at or after `since` (asked
   * once, on first sight, about the last due time). Absent, or failing:
   * the last due time is run again, which is safe.
   */
  posted?: (target: DigestTarget, since: Date) => Promise<boolean>;
  now?: () => Date;
  /** Failures, with their reason in the message. */
  log?: (message: string, error?: unknown) => void;
  /** What the schedule decided on its own (a missed digest run late). */
  info?: (message: string) => void;
  /** How often the target list is read again (default one hour). */
  refreshMs?: number;
  /** The wait before the first retry of a failed run, doubled at each failure (default a minute)... */
  retryMs?: number;
  /** ...up to this (default an hour). */
  maxRetryMs?: number;
}

/** One repository's next run. */
interface Slot {
  /** The due time the run is for. */
  due: number;
  /** When to try it (later than `due` after a failure). */
  at: number;
  /** Failed attempts at this due time. */
  failures: number;
}

const iso = (t: number): string => new Date(t).toISOString();
const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class DigestSchedule {
  private readonly slots = new Map<string, Slot>();
  private targets: DigestTarget[] = [];
  private refreshed = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly deps: ScheduleDeps) {}

  private now(): number {
    return (this.deps.now?.() ?? new Date()).getTime();
  }

  private static key(t: DigestTarget): string {
    return `${t.slug}\u0000${t.config.day} ${t.config.time} ${t.config.timezone}`;
  }

  /** Runs every target that is due (one at a time); returns the slugs run. */
  async tick(): Promise<string[]> {
    const now = this.now();
    if (now - this.refreshed >= (this.deps.refreshMs ?? 3600_000)) {
      this.targets = (await this.deps.targets()).filter((t) => t.config.enabled);
      this.refreshed = now;
      // A repository no longer enabled (or moved to another time) is forgotten; seen again, it is a first sight.
      const keys = new Set(this.targets.map(DigestSchedule.key));
      for (const k of this.slots.keys()) if (!keys.has(k)) this.slots.delete(k);
    }
    const ran: string[] = [];
    for (const t of this.targets) {
      const key = DigestSchedule.key(t);
      let slot = this.slots.get(key);
      if (!slot) {
        slot = await this.firstSight(t, now);
        this.slots.set(key, slot);
      }
      if (now < slot.at) continue;
      // A later due time came while a failed run waited (or the process slept): the run is for that one now.
      const latest = previousRun(new Date(now), t.config).getTime();
      if (latest > slot.due) slot = { due: latest, at: now, failures: 0 };
      const next = nextRun(new Date(now), t.config).getTime();
      try {
        await this.deps.run(t);
        this.slots.set(key, { due: next, at: next, failures: 0 });
        ran.push(t.slug);
      } catch (e) {
        const failures = slot.failures + 1;
        const retry = now + Math.min((this.deps.retryMs ?? 60_000) * 2 ** (failures - 1), this.deps.maxRetryMs ?? 3600_000);
        const what = `digest for ${t.slug} (due ${iso(slot.due)}) failed (attempt ${failures}): ${reason(e)}`;
        if (retry < next) {
          this.slots.set(key, { due: slot.due, at: retry, failures });
          this.deps.log?.(`${what}; tried again at ${iso(retry)}`, e);
        } else {
          this.slots.set(key, { due: next, at: next, failures: 0 });
          this.deps.log?.(`${what}; not tried again before the next due time, ${iso(next)}`, e);
        }
      }
    }
    return ran;
  }

  /** A repository seen for the first time: its last due time now unless the digest was posted since, else its next one. */
  private async firstSight(t: DigestTarget, now: number): Promise<Slot> {
    const next = nextRun(new Date(now), t.config).getTime();
    const prev = previousRun(new Date(now), t.config).getTime();
    let posted = false;
    if (this.deps.posted) {
      try {
        posted = await this.deps.posted(t, new Date(prev));
      } catch (e) {
        this.deps.log?.(`digest for ${t.slug}: could not tell whether the digest due ${iso(prev)} was posted: ${reason(e)}; running it (a second run updates the week's issue)`, e);
      }
    }
    if (posted) return { due: next, at: next, failures: 0 };
    this.deps.info?.(`digest for ${t.slug} due ${iso(prev)} was not posted${this.deps.posted ? '' : ' (or is not known to be)'}; running it now`);
    return { due: prev, at: now, failures: 0 };
  }

  /** Ticks every `everyMs` (default a minute); the timer never holds the process open. */
  start(everyMs = 60_000): void {
    if (this.timer) return;
    const fire = (): void => {
      this.running ??= this.tick()
        .catch((e: unknown) => this.deps.log?.('digest schedule failed', e))
        .then(() => {
          this.running = null;
        });
    };
    this.timer = setInterval(fire, everyMs);
    this.timer.unref();
    fire();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
