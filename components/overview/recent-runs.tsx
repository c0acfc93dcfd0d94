import Link from "next/link";
import { ActivityIcon } from "lucide-react";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { CompactRunList } from "@/components/runs/compact-run-list";
import type { RunOut } from "@/lib/schemas/runs";

/** The newest runs, by what they ran. */
export function RecentRuns({ runs }: { runs: RunOut[] }) {
  const { slug, can } = useWorkspace();
  return (
    <Card data-testid="overview-recent-runs">
      <CardHeader>
        <CardTitle>Recent runs</CardTitle>
      </CardHeader>
      <CardContent>
        {runs.length === 0 ? (
          <EmptyState
            icon={ActivityIcon}
            title="No runs yet"
            text="Runs of your agents and teams show up here."
            action={
              can("runs:create") ? (
                <Link className="text-sm underline underline-offset-4" href={`/w/${slug}/runs`}>
                  Start a run
                </Link>
              ) : null
            }
          />
        ) : (
          <CompactRunList runs={runs} slug={slug} />
        )}
      </CardContent>
    </Card>
  );
}
