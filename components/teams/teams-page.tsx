"use client";

import { UsersIcon, LockIcon } from "lucide-react";
import { useMemo, useState } from "react";
import { useSearchParams } from "next/navigation";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import type { TeamOutput } from "@/lib/schemas/teams";
import { CreateDialog } from "@/components/ui/create-dialog";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { formatDateTime } from "@/components/ui/format";
import { ArchivedToggle, NameCell } from "@/components/versions/versioned-list";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { TOPOLOGY_LABELS } from "./spec-draft";
import { TeamEditor } from "./team-editor";
import { TemplateGallery } from "./template-gallery";
import { ImportTeamDialog } from "./import-team-dialog";

const col = dataTableColumns<TeamOutput>();
const teamColumns = (slug: string): DataTableColumn<TeamOutput>[] => [
  col.accessor("name", {
    header: "Team",
    cell: (c) => {
      const t = c.row.original;
      return <NameCell href={`/w/${slug}/teams/${t.slug}`} name={t.name} slug={t.slug} archived={t.archivedAt !== null} />;
    },
  }),
  col.accessor("topology", {
    header: "Topology",
    cell: (c) => {
      const t = c.row.original;
      return (
        <span className="whitespace-nowrap">
          {TOPOLOGY_LABELS[t.topology]}
          {t.spec.topology === "hybrid" ? <span className="text-sm text-muted-foreground"> · {TOPOLOGY_LABELS[t.spec.arrangement.topology]}</span> : null}
        </span>
      );
    },
  }),
  col.display({
    id: "members",
    header: "Agents",
    cell: (c) => (
      <span className="text-sm">
        {c.row.original.agents.join(", ")}
        {c.row.original.teams.length ? <span className="text-muted-foreground"> + teams {c.row.original.teams.join(", ")}</span> : null}
      </span>
    ),
  }),
  col.accessor("currentVersion", { id: "version", header: "Version", cell: (c) => <span className="tabular-nums">v{c.getValue()}</span> }),
  col.accessor("updatedAt", {
    id: "updated",
    header: "Updated",
    sortFn: "datetime",
    cell: (c) => <span className="whitespace-nowrap">{formatDateTime(c.getValue())}</span>,
  }),
];

function TeamsTable() {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const [archived, setArchived] = useState(false);
  const teams = usePagedList(useInfiniteQuery(trpc.teams.list.infiniteQueryOptions({ includeArchived: archived }, { getNextPageParam: nextPageParam })));
  const columns = useMemo(() => teamColumns(slug), [slug]);
  return (
    <section className="grid gap-3" aria-label="Teams">
      <ArchivedToggle checked={archived} onChange={setArchived} testId="teams-show-archived" />
      <DataTable
        {...teams}
        columns={columns}
        caption="Teams"
        testId="teams-table"
        rowTestId="team-row"
        rowAttributes={(t) => ({ "data-slug": t.slug, "data-archived": t.archivedAt ? "true" : undefined })}
        getRowId={(t) => t.id}
        empty={
          <EmptyState
            icon={UsersIcon}
            title="No teams yet"
            text="A team arranges agents in a topology. Start from a template, import a team file, or make one."
            testId="team-empty"
          />
        }
      />
    </section>
  );
}

export function TeamsPage() {
  const { can } = useWorkspace();
  // ?templates=1 opens the template gallery (the command palette's "Create a team from a template")
  const showTemplates = useSearchParams().get("templates") === "1";
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Teams"
        description="Agents arranged in one of 13 topologies, versioned like agents."
        actions={
          <>
            {can("teams:create") && can("agents:create") ? (
              <>
                <TemplateGallery defaultOpen={showTemplates} />
                <ImportTeamDialog />
              </>
            ) : null}
            {can("teams:create") && can("agents:read") ? (
              <CreateDialog label="New team" title="New team" description="Arrange agents in a topology. The spec is checked as you edit." testId="team-new">
                {() => <TeamEditor bare />}
              </CreateDialog>
            ) : null}
          </>
        }
      />
      {can("teams:read") ? (
        <TeamsTable />
      ) : (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the teams of this workspace." />
      )}
    </div>
  );
}
