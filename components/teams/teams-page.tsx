"use client";

import Link from "next/link";
import { useState } from "react";
import { useSearchParams } from "next/navigation";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { NoAccess } from "@/components/ui/loading";
import { QueryTable } from "@/components/ui/table";
import { LoadMore, nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { TOPOLOGY_LABELS } from "./spec-draft";
import { TeamEditor } from "./team-editor";
import { TemplateGallery } from "./template-gallery";
import { ImportTeamDialog } from "./import-team-dialog";

function TeamsTable() {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const [archived, setArchived] = useState(false);
  const teams = usePagedList(useInfiniteQuery(trpc.teams.list.infiniteQueryOptions({ includeArchived: archived }, { getNextPageParam: nextPageParam })));
  return (
    <Card
      title="Teams"
      actions={
        <label className="checkbox small">
          <input type="checkbox" data-testid="teams-show-archived" checked={archived} onChange={(e) => setArchived(e.target.checked)} />
          show archived
        </label>
      }
    >
      <FormError message={teams.isError ? errorMessage(teams.error) : null} />
      <QueryTable
        query={teams}
        empty={
          <p className="muted" data-testid="team-empty">
            No teams yet.
          </p>
        }
      >
        <table className="table">
          <thead>
            <tr>
              <th>Team</th>
              <th>Topology</th>
              <th>Agents</th>
              <th className="num">Version</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {teams.data?.map((t) => (
              <tr key={t.id} data-testid="team-row" data-slug={t.slug} className={t.archivedAt ? "row-muted" : undefined}>
                <td>
                  <Link href={`/w/${slug}/teams/${t.slug}`} className="cell-title">
                    {t.name}
                  </Link>
                  <div>
                    <code className="model-id">{t.slug}</code> {t.archivedAt ? <Badge tone="neutral">archived</Badge> : null}
                  </div>
                </td>
                <td>
                  {TOPOLOGY_LABELS[t.topology]}
                  {t.spec.topology === "hybrid" ? <span className="muted small"> · {TOPOLOGY_LABELS[t.spec.arrangement.topology]}</span> : null}
                </td>
                <td className="small">
                  {t.agents.join(", ")}
                  {t.teams.length ? <span className="muted"> + teams {t.teams.join(", ")}</span> : null}
                </td>
                <td className="num">v{t.currentVersion}</td>
                <td className="nowrap">{formatDateTime(t.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </QueryTable>
      <LoadMore list={teams} testId="teams-load-more" />
    </Card>
  );
}

export function TeamsPage() {
  const { can } = useWorkspace();
  // ?templates=1 opens the template gallery (the command palette's "Create a team from a template")
  const showTemplates = useSearchParams().get("templates") === "1";
  return (
    <div className="page">
      <div className="page-header">
        <h1>Teams</h1>
        {can("teams:create") && can("agents:create") ? (
          <div className="flex flex-wrap items-center gap-2">
            <TemplateGallery defaultOpen={showTemplates} />
            <ImportTeamDialog />
          </div>
        ) : null}
      </div>
      {can("teams:read") ? <TeamsTable /> : <NoAccess>Your role cannot see the teams of this workspace.</NoAccess>}
      {can("teams:create") && can("agents:read") ? <TeamEditor /> : null}
    </div>
  );
}
