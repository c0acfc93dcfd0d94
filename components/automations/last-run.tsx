import Link from "next/link";
import { formatDateTime } from "@/components/ui/format";

/**
 * A trigger's or a schedule's last run (a link to it, at the time it started it) and every run it started (the Runs
 * page filtered on it, with its name for the filter's label); a dash before its first run.
 */
export function LastRun(props: {
  slug: string;
  channel: "webhook" | "schedule";
  row: { id: string; name: string; lastRunId: string | null };
  at: Date | null;
}) {
  const { slug, channel, row } = props;
  if (!row.lastRunId) return "—";
  const query = new URLSearchParams({ channel, channelRef: row.id, by: row.name });
  return (
    <>
      <Link href={`/w/${slug}/runs/${row.lastRunId}`} className="underline-offset-4 hover:underline">
        {formatDateTime(props.at)}
      </Link>
      <Link
        href={`/w/${slug}/runs?${query.toString()}`}
        className="block text-xs text-muted-foreground underline-offset-4 hover:underline"
        data-testid={channel === "webhook" ? "trigger-runs" : "schedule-runs"}
      >
        All its runs
      </Link>
    </>
  );
}
