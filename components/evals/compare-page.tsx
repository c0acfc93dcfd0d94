"use client";

import { GitCompareIcon } from "lucide-react";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { useTRPC } from "@/lib/trpc/react";
import type { ComparisonOutput, EvaluationOutput } from "@/lib/schemas/evaluations";
import { formatUsd } from "@/lib/usd";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { percent, score, signed } from "./figures";

const label = (e: EvaluationOutput) =>
  `${e.target.type} ${e.target.slug} v${e.target.version} · ${e.createdAt.toISOString().slice(0, 16).replace("T", " ")} · ${e.status}`;

type ComparedItem = ComparisonOutput["items"][number];
const col = dataTableColumns<ComparedItem>();
const compareColumns: DataTableColumn<ComparedItem>[] = [
  col.accessor("input", { header: "Input", cell: (c) => <span className="text-sm">{c.getValue().slice(0, 100)}</span> }),
  col.accessor("scoreA", { header: "Score A", cell: (c) => <span className="tabular-nums">{score(c.getValue())}</span> }),
  col.accessor("scoreB", { header: "Score B", cell: (c) => <span className="tabular-nums">{score(c.getValue())}</span> }),
  col.accessor("delta", { header: "Δ", cell: (c) => <span className="tabular-nums">{signed(c.getValue())}</span> }),
  col.accessor("change", {
    header: "Verdict",
    cell: (c) => {
      const i = c.row.original;
      return (
        <span>
          {i.verdictA ?? "—"} → {i.verdictB ?? "—"}
          {i.change !== "same" ? <span className={i.change === "regression" ? " text-destructive" : " text-green-700"}> ({i.change})</span> : null}
        </span>
      );
    },
  }),
  col.display({
    id: "cost",
    header: "Cost A / B",
    cell: (c) => <span className="tabular-nums">{`${formatUsd(c.row.original.costA)} / ${formatUsd(c.row.original.costB)}`}</span>,
  }),
  col.display({
    id: "latency",
    header: "Latency A / B",
    cell: (c) => <span className="tabular-nums">{`${c.row.original.latencyA ?? "—"} / ${c.row.original.latencyB ?? "—"} ms`}</span>,
  }),
];

/** Score per item, A against B (recharts renders SVG on the client). */
function ScoreChart({ items }: { items: ComparisonOutput["items"] }) {
  const data = items.map((i, n) => ({ item: `#${n + 1}`, A: i.scoreA, B: i.scoreB }));
  return (
    <LineChart responsive data={data} style={{ width: "100%", height: 260 }} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} accessibilityLayer>
      <CartesianGrid stroke="#e2e5ea" />
      <XAxis dataKey="item" fontSize={12} tickLine={false} />
      <YAxis domain={[0, 1]} fontSize={12} width={40} tickLine={false} />
      <Tooltip />
      <Legend />
      <Line dataKey="A" stroke="#4f46e5" dot isAnimationActive={false} connectNulls={false} />
      <Line dataKey="B" stroke="#c2262e" dot isAnimationActive={false} connectNulls={false} />
    </LineChart>
  );
}

function Comparison({ a, b }: { a: string; b: string }) {
  const trpc = useTRPC();
  const compared = useQuery({ ...trpc.evaluations.compare.queryOptions({ a, b }), retry: false });
  if (compared.isError)
    return (
      <p className="text-sm text-destructive" data-testid="compare-error">
        {errorMessage(compared.error)}
      </p>
    );
  const c = compared.data;
  if (!c) return null;
  return (
    <div className="grid gap-6">
      <Card title="Summary" testId="compare-summary">
        <dl className="flex flex-wrap gap-8 text-sm">
          <div>
            <dt className="text-muted-foreground">Mean score (A → B)</dt>
            <dd className="tabular-nums">
              {score(c.a.meanScore)} → {score(c.b.meanScore)} ({signed(c.summary.meanScoreDelta)})
            </dd>
          </div>
          <div>
            <dt className="text-muted-foreground">Pass rate (A → B)</dt>
            <dd className="tabular-nums">
              {percent(c.summary.passRateA)} → {percent(c.summary.passRateB)}
            </dd>
          </div>
          <div>
            <dt className="text-muted-foreground">Regressions</dt>
            <dd className="tabular-nums" data-testid="compare-regressions">
              {c.summary.regressions}
            </dd>
          </div>
          <div>
            <dt className="text-muted-foreground">Improvements</dt>
            <dd className="tabular-nums" data-testid="compare-improvements">
              {c.summary.improvements}
            </dd>
          </div>
          <div>
            <dt className="text-muted-foreground">Cost (A / B)</dt>
            <dd className="tabular-nums">
              {formatUsd(c.a.costUsd)} / {formatUsd(c.b.costUsd)}
            </dd>
          </div>
        </dl>
      </Card>
      <Card title="Score per item">
        <ScoreChart items={c.items} />
      </Card>
      <DataTable
        columns={compareColumns}
        data={c.items}
        caption="Items, B against A"
        testId="compare-items"
        rowTestId="compare-item-row"
        rowAttributes={(i) => ({ "data-change": i.change })}
        getRowId={(i) => i.datasetItemId}
      />
    </div>
  );
}

/** Pick a dataset, then two of its evaluations: the summary, a chart of score per item, and the per-item deltas. */
export function ComparePage({ dataset: initialDataset }: { dataset?: string }) {
  const trpc = useTRPC();
  const [dataset, setDataset] = useState(initialDataset ?? "");
  const [a, setA] = useState("");
  const [b, setB] = useState("");
  const datasets = useQuery(trpc.datasets.list.queryOptions({ limit: 200, includeArchived: true }));
  const evaluations = useQuery({ ...trpc.evaluations.list.queryOptions({ dataset, limit: 200 }), enabled: dataset !== "" });
  const options = evaluations.data?.items ?? [];
  return (
    <div className="grid gap-6">
      <PageHeader title="Compare evaluations" description="Two evaluations of the same dataset, item by item: B against A." />
      <div className="flex flex-wrap gap-3">
        <label className="grid gap-1 text-sm">
          Dataset
          <select
            className={SELECT_CLASS}
            value={dataset}
            onChange={(e) => {
              setDataset(e.target.value);
              setA("");
              setB("");
            }}
            data-testid="compare-dataset"
          >
            <option value="">Choose…</option>
            {(datasets.data?.items ?? []).map((d) => (
              <option key={d.id} value={d.slug}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        {(["A", "B"] as const).map((side) => (
          <label key={side} className="grid gap-1 text-sm">
            Evaluation {side}
            <select
              className={SELECT_CLASS}
              value={side === "A" ? a : b}
              onChange={(e) => (side === "A" ? setA : setB)(e.target.value)}
              data-testid={`compare-${side.toLowerCase()}`}
              disabled={!dataset}
            >
              <option value="">Choose…</option>
              {options.map((e) => (
                <option key={e.id} value={e.id}>
                  {label(e)}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      {a && b ? (
        <Comparison a={a} b={b} />
      ) : (
        <EmptyState icon={GitCompareIcon} title="Pick two evaluations" text="Choose a dataset, then evaluation A and evaluation B." testId="compare-empty" />
      )}
    </div>
  );
}
