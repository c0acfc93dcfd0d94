/** current_time: the current instant in ISO 8601, in UTC or in an IANA time zone (with its offset). */
import type { ToolExecutor } from "../types";

/** The wall-clock time of `at` in `timeZone` as ISO 8601 with the zone's offset, e.g. 2026-03-01T14:05:09+01:00. */
export function isoInZone(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "longOffset",
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const offset = parts.timeZoneName === "GMT" ? "+00:00" : String(parts.timeZoneName).replace("GMT", "");
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

export const currentTime: ToolExecutor = async (input) => {
  const requested = (input as { timeZone?: string } | null)?.timeZone?.trim();
  const now = new Date();
  if (!requested || requested.toUpperCase() === "UTC") return { output: { timeZone: "UTC", iso: now.toISOString() } };
  let timeZone: string;
  try {
    timeZone = new Intl.DateTimeFormat("en-US", { timeZone: requested }).resolvedOptions().timeZone;
  } catch {
    return { isError: true, output: `"${requested}" is not an IANA time zone (e.g. Europe/Paris, America/New_York, UTC)` };
  }
  return { output: { timeZone, iso: isoInZone(now, timeZone), utc: now.toISOString() } };
};
