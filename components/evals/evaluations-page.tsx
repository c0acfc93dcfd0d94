"use client";

import { FlaskConicalIcon, LockIcon } from "lucide-react";
import Link from "next/link";
import { useMemo } from "react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import type { EvaluationItemOutput, EvaluationOutput } from "@/lib/schemas/evaluations";
import { formatUsd } from "@/lib/usd";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { StatusBadge } from "@/components/ui/badge";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { percent, score } from "./figures";

const UNFINISHED = ["queued", "running"];

const col = dataTableColumns<EvaluationOutput>();
const evaluationColumns = (slug: string): DataTableColumn<EvaluationOutput>[] => [
  col.accessor("id", {
    header: "Evaluation",
    cell: (c) => {
      const e = c.row.original;
      return (
        <Link href={`/w/${slug}/evaluations/${e.id}`} className="font-medium">
          {e.target.type} {e.target.slug} v{e.target.version}
        </Link>
      );
    },
  }),
  col.accessor("status", { header: "Status", cell: (c) => <StatusBadge status={c.getValue()} /> }),
  col.display({
    id: "progress",
    header: "Progress",
    cell: (c) => <span className="tabular-nums">{`${c.row.original.progress.itemsDone}/${c.row.original.progress.itemsTotal}`}</span>,
  }),
  col.accessor("meanScore", { header: "Mean score", cell: (c) => <span className="tabular-nums">{score(c.getValue())}</span> }),
  col.accessor("actualPassRate", { header: "Pass rate", cell: (c) => <span className="tabular-nums">{percent(c.getValue())}</span> }),
  col.accessor("costUsd", { header: "Cost", cell: (c) => <span className="tabular-nums">{formatUsd(c.getValue())}</span> }),
  col.accessor("createdAt", { id: "created", header: "Started", sortFn: "datetime", cell: (c) => formatDateTime(c.getValue()) }),
];

export function EvaluationsPage({ dataset }: { dataset?: string }) {
  const trpc = useTRPC();
  const { can, slug } = useWorkspace();
  const list = usePagedList(
    useInfiniteQuery(trpc.evaluations.list.infiniteQueryOptions(dataset ? { dataset } : {}, { getNextPageParam: nextPageParam, refetchInterval: 3_000 })),
  );
  const columns = useMemo(() => evaluationColumns(slug), [slug]);
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Evaluations"
        description="Agent and team versions run over a dataset, each output scored by judges. Start one from a dataset's page."
        actions={
          <div className="flex gap-2">
            <Button variant="outline" asChild>
              <Link href={`/w/${slug}/datasets`}>Datasets</Link>
            </Button>
            <Button variant="outline" asChild>
              <Link href={`/w/${slug}/evaluations/compare${dataset ? `?dataset=${dataset}` : ""}`} data-testid="evaluations-compare">
                Compare
              </Link>
            </Button>
          </div>
        }
      />
      {can("evals:read") ? (
        <DataTable
          {...list}
          columns={columns}
          caption="Evaluations"
          testId="evaluations-table"
          rowTestId="evaluation-row"
          getRowId={(e) => e.id}
          empty={<EmptyState icon={FlaskConicalIcon} title="No evaluations yet" text="Open a dataset and start an evaluation." testId="evaluation-empty" />}
        />
      ) : (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the evaluations of this workspace." />
      )}
    </div>
  );
}

const itemCol = dataTableColumns<EvaluationItemOutput>();
const itemColumns = (slug: string): DataTableColumn<EvaluationItemOutput>[] => [
  itemCol.accessor("position", { header: "#", cell: (c) => <span className="tabular-nums">{c.getValue() + 1}</span> }),
  itemCol.accessor("input", { header: "Input", cell: (c) => <span className="text-sm">{c.getValue().slice(0, 120)}</span> }),
  itemCol.accessor("status", { header: "Status", cell: (c) => <StatusBadge status={c.getValue()} /> }),
  itemCol.accessor("score", { header: "Score", cell: (c) => <span className="tabular-nums">{score(c.getValue())}</span> }),
  itemCol.accessor("verdict", { header: "Verdict", cell: (c) => c.getValue() ?? "—" }),
  itemCol.accessor("latencyMs", { header: "Latency", cell: (c) => <span className="tabular-nums">{c.getValue() === null ? "—" : `${c.getValue()} ms`}</span> }),
  itemCol.accessor("costUsd", { header: "Cost", cell: (c) => <span className="tabular-nums">{formatUsd(c.getValue())}</span> }),
  itemCol.accessor("runId", {
    header: "Run",
    cell: (c) => {
      const runId = c.getValue();
      const error = c.row.original.error;
      return runId ? (
        <Link href={`/w/${slug}/runs/${runId}`} title={error ?? undefined}>
          {runId.slice(0, 12)}…
        </Link>
      ) : (
        <span className="text-sm text-muted-foreground">{error ?? "—"}</span>
      );
    },
  }),
];

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="grid gap-0.5">
      <span className="text-xs text-muted-foreground">{label}</span>
      <span className="text-lg font-semibold tabular-nums" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

/** One evaluation: live progress (polled while it runs), summary figures, its items with their runs. */
export function EvaluationDetailPage({ evaluation: id }: { evaluation: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can, slug } = useWorkspace();
  const live = (q: { state: { data?: EvaluationOutput } }) => (q.state.data && !UNFINISHED.includes(q.state.data.status) ? false : 1_500);
  const evaluation = useQuery(trpc.evaluations.get.queryOptions({ evaluationId: id }, { refetchInterval: live }));
  const running = evaluation.data ? UNFINISHED.includes(evaluation.data.status) : true;
  const items = usePagedList(
    useInfiniteQuery(
      trpc.evaluations.items.infiniteQueryOptions(
        { evaluationId: id, limit: 200 },
        { getNextPageParam: nextPageParam, refetchInterval: running ? 1_500 : false },
      ),
    ),
  );
  const cancel = useMutation(
    trpc.evaluations.cancel.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.evaluations.pathKey() }) }),
  );
  const columns = useMemo(() => itemColumns(slug), [slug]);
  const e = evaluation.data;
  return (
    <div className="grid gap-6">
      <PageHeader
        title={e ? `${e.target.type} ${e.target.slug} v${e.target.version}` : id}
        description={e ? `Judges: ${e.judges.map((j) => `${j.slug} v${j.version}`).join(", ")}` : evaluation.isError ? "Evaluation not found" : "Loading…"}
        actions={
          e && running && can("evals:write") ? (
            <Button variant="outline" onClick={() => cancel.mutate({ evaluationId: id })} disabled={cancel.isPending} data-testid="evaluation-cancel">
              Cancel
            </Button>
          ) : null
        }
      />
      {e ? (
        <Card title="Summary" testId="evaluation-summary">
          <div className="flex flex-wrap gap-8">
            <div className="grid gap-0.5">
              <span className="text-xs text-muted-foreground">Status</span>
              <StatusBadge status={e.status} testId="evaluation-status" />
            </div>
            <Figure label="Progress" value={`${e.progress.itemsDone}/${e.progress.itemsTotal}`} testId="evaluation-progress" />
            <Figure
              label="Passed / failed / errored / skipped"
              value={`${e.progress.passed} / ${e.progress.failed} / ${e.progress.errored} / ${e.progress.skipped}`}
              testId="evaluation-counts"
            />
            <Figure label="Mean score" value={score(e.meanScore)} testId="evaluation-mean" />
            <Figure label={`Pass rate (needs ${percent(e.passRate)})`} value={percent(e.actualPassRate)} testId="evaluation-pass-rate" />
            <Figure label="p50 latency" value={e.p50LatencyMs === null ? "—" : `${Math.round(e.p50LatencyMs)} ms`} testId="evaluation-latency" />
            <Figure label={e.budgetUsd === null ? "Cost" : `Cost (budget ${formatUsd(e.budgetUsd)})`} value={formatUsd(e.costUsd)} testId="evaluation-cost" />
            <Figure label="Verdict" value={e.passed === null ? "—" : e.passed ? "passed" : "not passed"} testId="evaluation-passed" />
          </div>
          {e.error ? <p className="mt-3 text-sm text-destructive">{e.error}</p> : null}
        </Card>
      ) : null}
      <DataTable {...items} columns={columns} caption="Items" testId="evaluation-items" rowTestId="evaluation-item-row" getRowId={(i) => i.id} />
    </div>
  );
}
