/**
 * The times of a schedule (issue 15): a cron expression (five fields, minute to weekday, or a nickname such as @daily)
 * read in an IANA time zone, with croner. Isomorphic: the form shows the next times with the same code. Daylight saving:
 * a local time that does not exist that day (spring forward) fires at the first time after the gap, a repeated one
 * (fall back) once.
 */
import { Cron } from "croner";

const NICKNAMES = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

/** Why a time zone is refused, or null. */
export function timezoneProblem(timezone: string): string | null {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return timezone.trim() === timezone && timezone.length > 0 ? null : `"${timezone}" is not a time zone`;
  } catch {
    return `"${timezone}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`;
  }
}

/** Why a cron expression is refused, or null (five fields: a schedule fires at most once a minute). */
export function cronProblem(cron: string): string | null {
  const expr = cron.trim();
  if (!NICKNAMES.includes(expr.toLowerCase()) && expr.split(/\s+/).length !== 5)
    return "Use five fields (minute hour day-of-month month day-of-week), e.g. 0 9 * * 1-5, or @hourly / @daily / @weekly / @monthly";
  try {
    new Cron(expr, { paused: true });
    return null;
  } catch (error) {
    return `Not a valid cron expression: ${(error as Error).message.replace(/^CronPattern:\s*/, "")}`;
  }
}

/** The first time of `cron` in `timezone` strictly after `after`, or null when there is none. */
export function nextScheduleTime(cron: string, timezone: string, after: Date): Date | null {
  return new Cron(cron.trim(), { timezone, paused: true }).nextRun(after);
}

/** The next `n` times after `after` (the form's preview). */
export function nextScheduleTimes(cron: string, timezone: string, after: Date, n: number): Date[] {
  return new Cron(cron.trim(), { timezone, paused: true }).nextRuns(n, after);
}
