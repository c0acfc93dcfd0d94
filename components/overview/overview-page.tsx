"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { RoleBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { formatDate } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { checklistComplete } from "@/lib/overview";
import { GettingStarted } from "./getting-started";
import { RunsCard } from "./runs-card";
import { SpendCard } from "./spend-card";
import { RecentRuns } from "./recent-runs";
import { FailingAgents } from "./failing-agents";
import { NeedsAttention } from "./needs-attention";

const REFRESH_MS = 30_000;

/** The workspace's home: what ran, what it cost, what fails, and what to do next. */
export function OverviewPage() {
  const trpc = useTRPC();
  const { workspace, role } = useWorkspace();
  const overview = useQuery(trpc.overview.get.queryOptions(undefined, { refetchInterval: REFRESH_MS }));
  const data = overview.data;

  return (
    <div className="mx-auto grid w-full max-w-6xl gap-6">
      <PageHeader
        title={<span data-testid="workspace-name">{workspace.name}</span>}
        description={
          <>
            <code>/w/{workspace.slug}</code> · created {formatDate(workspace.createdAt)} · your role <RoleBadge role={role} />
          </>
        }
      />
      {overview.isError ? (
        <div
          role="alert"
          className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-destructive/40 p-4 text-sm"
          data-testid="overview-error"
        >
          <span>The overview could not be loaded: {overview.error.message}</span>
          <Button variant="outline" size="sm" onClick={() => void overview.refetch()}>
            Try again
          </Button>
        </div>
      ) : null}
      {!data ? (
        overview.isError ? null : (
          <div className="grid gap-6 md:grid-cols-2" role="status" aria-busy="true">
            <span className="sr-only">Loading the overview…</span>
            <Skeleton className="h-64" />
            <Skeleton className="h-64" />
            <Skeleton className="h-48 md:col-span-2" />
          </div>
        )
      ) : (
        <>
          {checklistComplete(data.checklist) ? null : <GettingStarted checklist={data.checklist} />}
          <NeedsAttention attention={data.attention} />
          <div className="grid gap-6 md:grid-cols-2">
            {data.runs ? <RunsCard runs={data.runs} /> : null}
            {data.spend ? <SpendCard spend={data.spend} /> : null}
          </div>
          <div className="grid gap-6 md:grid-cols-2">
            {data.runs ? <RecentRuns runs={data.runs.recent} /> : null}
            {data.failingAgents ? <FailingAgents agents={data.failingAgents} /> : null}
          </div>
          <p className="text-sm text-muted-foreground">
            The REST API is described by{" "}
            <a className="underline underline-offset-4" href="/api/v1/openapi.json" data-testid="openapi-link">
              /api/v1/openapi.json
            </a>{" "}
            (OpenAPI 3.1); authenticate with <code>Authorization: Bearer &lt;key&gt;</code>.
          </p>
        </>
      )}
    </div>
  );
}
