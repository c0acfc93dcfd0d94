"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { Card, CardAction, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { CompactRunList } from "./compact-run-list";

const LIMIT = 10;

/** A team's or an agent's latest runs, on its page. */
export function TargetRecentRuns({ target }: { target: { team: string } | { agent: string } }) {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const runs = useQuery({ ...trpc.runs.list.queryOptions({ ...target, limit: LIMIT }), enabled: can("runs:read") });
  if (!can("runs:read")) return null;
  const filter = "team" in target ? `team=${encodeURIComponent(target.team)}` : `agent=${encodeURIComponent(target.agent)}`;
  return (
    <Card data-testid="target-recent-runs">
      <CardHeader>
        <CardTitle>Recent runs</CardTitle>
        <CardAction>
          <Link className="text-sm underline underline-offset-4" href={`/w/${slug}/runs?${filter}`}>
            All its runs
          </Link>
        </CardAction>
      </CardHeader>
      <CardContent>
        {runs.isPending ? (
          <Skeleton className="h-24" />
        ) : runs.isError ? (
          <p role="alert" className="text-sm text-destructive">
            The runs could not be loaded: {errorMessage(runs.error)}
          </p>
        ) : runs.data.items.length === 0 ? (
          <p className="text-sm text-muted-foreground">No runs yet.</p>
        ) : (
          <CompactRunList runs={runs.data.items} slug={slug} label="input" />
        )}
      </CardContent>
    </Card>
  );
}
