import Link from "next/link";
import { formatDateTime } from "@/components/ui/format";
import { formatDuration } from "@/lib/duration";
import type { RunOut } from "@/lib/schemas/runs";
import { formatUsd } from "@/lib/usd";
import { RunStatusBadge } from "./labels";

/** Runs as a short list: what ran (or, under a team or agent, the input), when, how long, what it cost, and its status. */
export function CompactRunList({ runs, slug, label = "target" }: { runs: RunOut[]; slug: string; label?: "target" | "input" }) {
  return (
    <ul className="grid divide-y">
      {runs.map((run) => {
        const target = run.targetType === "team" ? run.team : run.agent;
        const title = label === "input" ? run.input.replace(/\s+/g, " ").trim() : (target?.name ?? run.targetType);
        return (
          <li key={run.id} className="flex items-center justify-between gap-3 py-2" data-testid="compact-run" data-run-id={run.id}>
            <div className="grid min-w-0 gap-0.5">
              <Link className="truncate font-medium underline-offset-4 hover:underline" href={`/w/${slug}/runs/${run.id}`}>
                {title}
              </Link>
              <span className="text-xs text-muted-foreground">
                {label === "input" ? `v${target?.version ?? "?"}` : run.targetType} · {formatDateTime(run.createdAt)} · {formatDuration(run.durationMs)} ·{" "}
                {formatUsd(run.costUsd)}
              </span>
            </div>
            <RunStatusBadge status={run.status} />
          </li>
        );
      })}
    </ul>
  );
}
