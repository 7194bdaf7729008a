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
 * A tick (every minute) runs what is due; `nextRun` is pure and tested
 * alone. Missed ticks (the process was down) run at the next tick, once.
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
  now?: () => Date;
  log?: (message: string, error?: unknown) => void;
  /** How often the target list is read again (default one hour). */
  refreshMs?: number;
}

export class DigestSchedule {
  private readonly next = new Map<string, number>();
  private targets: DigestTarget[] = [];
  private refreshed = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly deps: ScheduleDeps) {}

  private now(): number {
    return (this.deps.now?.() ?? new Date()).getTime();
  }

  /** Runs every target that is due (one at a time); returns the slugs run. */
  async tick(): Promise<string[]> {
    const now = this.now();
    if (now - this.refreshed >= (this.deps.refreshMs ?? 3600_000)) {
      this.targets = (await this.deps.targets()).filter((t) => t.config.enabled);
      this.refreshed = now;
    }
    const ran: string[] = [];
    for (const t of this.targets) {
      const key = `${t.slug}\u0000${t.config.day} ${t.config.time} ${t.config.timezone}`;
      const due = this.next.get(key);
      if (due === undefined) {
        this.next.set(key, nextRun(new Date(now), t.config).getTime());
        continue;
      }
      if (now < due) continue;
      this.next.set(key, nextRun(new Date(now), t.config).getTime());
      try {
        await this.deps.run(t);
        ran.push(t.slug);
      } catch (e) {
        this.deps.log?.(`digest for ${t.slug} failed`, e);
      }
    }
    return ran;
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
