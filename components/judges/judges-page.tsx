"use client";

import { LockIcon, ScaleIcon } from "lucide-react";
import { useMemo, useState } from "react";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import type { JudgeOutput } from "@/lib/schemas/judges";
import { CreateDialog } from "@/components/ui/create-dialog";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { formatDateTime } from "@/components/ui/format";
import { ArchivedToggle, NameCell } from "@/components/versions/versioned-list";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { AgreementPanel } from "@/components/labels/agreement-panel";
import { JudgeForm } from "./judge-form";

const col = dataTableColumns<JudgeOutput>();
const judgeColumns = (slug: string): DataTableColumn<JudgeOutput>[] => [
  col.accessor("name", {
    header: "Judge",
    cell: (c) => {
      const j = c.row.original;
      return <NameCell href={`/w/${slug}/judges/${j.slug}`} name={j.name} slug={j.slug} archived={j.archivedAt !== null} />;
    },
  }),
  col.display({
    id: "criteria",
    header: "Rubric",
    cell: (c) => <span className="text-sm">{c.row.original.rubric.criteria.map((k) => `${k.key} ×${k.weight}`).join(", ")}</span>,
  }),
  col.accessor("currentVersion", { id: "version", header: "Version", cell: (c) => <span className="tabular-nums">v{c.getValue()}</span> }),
  col.accessor("updatedAt", {
    id: "updated",
    header: "Updated",
    sortFn: "datetime",
    cell: (c) => <span className="whitespace-nowrap">{formatDateTime(c.getValue())}</span>,
  }),
];

function JudgesTable() {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const [archived, setArchived] = useState(false);
  const judges = usePagedList(useInfiniteQuery(trpc.judges.list.infiniteQueryOptions({ includeArchived: archived }, { getNextPageParam: nextPageParam })));
  const columns = useMemo(() => judgeColumns(slug), [slug]);
  return (
    <section className="grid gap-3" aria-label="Judges">
      <ArchivedToggle checked={archived} onChange={setArchived} testId="judges-show-archived" />
      <DataTable
        {...judges}
        columns={columns}
        caption="Judges"
        testId="judges-table"
        rowTestId="judge-row"
        rowAttributes={(j) => ({ "data-slug": j.slug })}
        getRowId={(j) => j.id}
        empty={
          <EmptyState
            icon={ScaleIcon}
            title="No judges yet"
            text="A judge scores an agent's output against a rubric. Attach judges to an agent in its Quality gate section."
            testId="judge-empty"
          />
        }
      />
    </section>
  );
}

export function JudgesPage() {
  const { can } = useWorkspace();
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Judges"
        description="Each judge is versioned: a verdict names the version that gave it."
        actions={
          can("judges:create") ? (
            <CreateDialog label="New judge" title="New judge" description="Instructions, a rubric and a model policy." testId="judge-new">
              {(close) => <JudgeForm bare onCreated={close} />}
            </CreateDialog>
          ) : null
        }
      />
      {can("judges:read") ? (
        <JudgesTable />
      ) : (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the judges of this workspace." />
      )}
    </div>
  );
}

/** One judge: its edit form (a save is a new version). */
export function JudgeDetailPage({ judge: ref }: { judge: string }) {
  const trpc = useTRPC();
  const judge = useQuery(trpc.judges.get.queryOptions({ judge: ref }));
  const found = judge.data;
  return (
    <div className="grid gap-6">
      <PageHeader
        title={found?.name ?? ref}
        description={found ? `${found.slug} · version ${found.currentVersion}` : judge.isError ? "Judge not found" : "Loading…"}
      />
      {found ? <AgreementPanel judge={found.id} /> : null}
      {found ? <JudgeForm key={`${found.id}:${found.currentVersion}`} judge={found} /> : null}
    </div>
  );
}
