"use client";

import { BotIcon, LockIcon } from "lucide-react";
import { useMemo, useState } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import type { AgentOutput } from "@/lib/schemas/agents";
import { CreateDialog } from "@/components/ui/create-dialog";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { formatDateTime } from "@/components/ui/format";
import { ArchivedToggle, NameCell } from "@/components/versions/versioned-list";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { AgentForm } from "./agent-form";
import { PolicyLabel } from "./policy-label";

const col = dataTableColumns<AgentOutput>();
const agentColumns = (slug: string): DataTableColumn<AgentOutput>[] => [
  col.accessor("name", {
    header: "Agent",
    cell: (c) => {
      const a = c.row.original;
      return <NameCell href={`/w/${slug}/agents/${a.slug}`} name={a.name} slug={a.slug} archived={a.archivedAt !== null} />;
    },
  }),
  col.accessor("roleDescription", {
    header: "Role",
    enableSorting: false,
    cell: (c) => <span className="line-clamp-2 max-w-sm text-sm">{c.getValue() || <span className="text-muted-foreground">—</span>}</span>,
  }),
  col.display({ id: "policy", header: "Model policy", cell: (c) => <PolicyLabel policy={c.row.original.modelPolicy} /> }),
  col.accessor("currentVersion", { id: "version", header: "Version", cell: (c) => <span className="tabular-nums">v{c.getValue()}</span> }),
  col.accessor("updatedAt", {
    id: "updated",
    header: "Updated",
    sortFn: "datetime",
    cell: (c) => <span className="whitespace-nowrap">{formatDateTime(c.getValue())}</span>,
  }),
];

function AgentsTable() {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const [archived, setArchived] = useState(false);
  const agents = usePagedList(useInfiniteQuery(trpc.agents.list.infiniteQueryOptions({ includeArchived: archived }, { getNextPageParam: nextPageParam })));
  const columns = useMemo(() => agentColumns(slug), [slug]);
  return (
    <section className="grid gap-3" aria-label="Agents">
      <ArchivedToggle checked={archived} onChange={setArchived} testId="agents-show-archived" />
      <DataTable
        {...agents}
        columns={columns}
        caption="Agents"
        testId="agents-table"
        rowTestId="agent-row"
        rowAttributes={(a) => ({ "data-slug": a.slug, "data-archived": a.archivedAt ? "true" : undefined })}
        getRowId={(a) => a.id}
        empty={
          <EmptyState
            icon={BotIcon}
            title="No agents yet"
            text="An agent is instructions and a model policy. Create one to use it alone or in a team."
            testId="agent-empty"
          />
        }
      />
    </section>
  );
}

export function AgentsPage() {
  const { can } = useWorkspace();
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Agents"
        description="Each agent is versioned: runs keep the version they started with."
        actions={
          can("agents:create") ? (
            <CreateDialog
              label="New agent"
              title="New agent"
              description="Instructions, a model policy and generation settings. Every save is a new version."
              testId="agent-new"
            >
              {(close) => <AgentForm bare onCreated={close} />}
            </CreateDialog>
          ) : null
        }
      />
      {can("agents:read") ? (
        <AgentsTable />
      ) : (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the agents of this workspace." />
      )}
    </div>
  );
}
