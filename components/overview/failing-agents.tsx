import Link from "next/link";
import { CheckCircle2Icon } from "lucide-react";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { WorkspaceOverviewOut } from "@/lib/schemas/overview";

/** Agents whose steps failed in the last 7 days, with how often and the latest error. */
export function FailingAgents({ agents }: { agents: NonNullable<WorkspaceOverviewOut["failingAgents"]> }) {
  const { slug } = useWorkspace();
  return (
    <Card data-testid="overview-failing-agents">
      <CardHeader>
        <CardTitle>Failing agents</CardTitle>
        <CardDescription>Failed steps in the last 7 days</CardDescription>
      </CardHeader>
      <CardContent>
        {agents.length === 0 ? (
          <EmptyState icon={CheckCircle2Icon} title="No failures" text="No agent's step failed in the last 7 days." />
        ) : (
          <ul className="grid divide-y">
            {agents.map((a) => (
              <li key={a.agent.id} className="grid gap-0.5 py-2" data-testid="overview-failing-agent">
                <div className="flex items-center justify-between gap-3">
                  <Link className="truncate font-medium underline-offset-4 hover:underline" href={`/w/${slug}/agents/${a.agent.slug}`}>
                    {a.agent.name}
                  </Link>
                  <span className="shrink-0 text-sm tabular-nums text-destructive">
                    {a.failedSteps} of {a.steps} steps failed
                  </span>
                </div>
                <span className="truncate text-xs text-muted-foreground" title={a.lastError ?? undefined}>
                  {formatDateTime(a.lastFailedAt)}
                  {a.lastError ? ` · ${a.lastError}` : null}
                </span>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}
