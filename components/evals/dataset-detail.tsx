"use client";

import { ListIcon } from "lucide-react";
import { useMemo, useState } from "react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { createDatasetItemInputSchema, type DatasetItemOutput, type IMPORT_FORMATS, MAX_IMPORT_BYTES } from "@/lib/schemas/datasets";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { textareaClasses } from "@/components/ui/textarea";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { downloadFile } from "@/components/ui/download";
import { errorMessage, isTrpcError } from "@/lib/trpc/errors";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { NewEvaluationForm } from "./new-evaluation-form";

const col = dataTableColumns<DatasetItemOutput>();
const clip = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n)}…` : s);

function itemColumns(onDelete: ((id: string) => void) | null): DataTableColumn<DatasetItemOutput>[] {
  return [
    col.accessor("input", { header: "Input", cell: (c) => <span className="text-sm whitespace-pre-wrap">{clip(c.getValue())}</span> }),
    col.accessor("reference", { header: "Reference", cell: (c) => <span className="text-sm whitespace-pre-wrap">{clip(c.getValue() ?? "—")}</span> }),
    col.accessor("tags", { header: "Tags", cell: (c) => <span className="text-sm">{c.getValue().join(", ")}</span> }),
    col.display({
      id: "actions",
      header: "",
      cell: (c) =>
        onDelete ? (
          <Button variant="ghost" size="sm" data-testid="dataset-item-delete" onClick={() => onDelete(c.row.original.id)}>
            Delete
          </Button>
        ) : null,
    }),
  ];
}

/** One item added by hand: input, reference, tags (comma-separated in the field). */
function AddItemForm({ dataset, onDone }: { dataset: string; onDone: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const form = useZodForm(createDatasetItemInputSchema, { defaultValues: { input: "", reference: null, tags: [] } });
  const add = useMutation(
    trpc.datasets.addItem.mutationOptions({
      onSuccess: async () => {
        form.reset({ input: "", reference: null, tags: [] });
        await onDone();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  return (
    <Form {...form}>
      <form onSubmit={form.handleSubmit((v) => add.mutate({ dataset, ...v }))} className="grid gap-3" data-testid="dataset-item-form" noValidate>
        <FormField
          control={form.control}
          name="input"
          render={({ field }) => (
            <FormItem>
              <FormLabel htmlFor="item-input">Input</FormLabel>
              <FormControl>
                <textarea {...field} id="item-input" data-testid="item-input" rows={3} className={textareaClasses} />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="reference"
          render={({ field }) => (
            <FormItem>
              <FormLabel htmlFor="item-reference">Reference output (optional)</FormLabel>
              <FormControl>
                <textarea
                  {...field}
                  value={field.value ?? ""}
                  onChange={(e) => field.onChange(e.target.value === "" ? null : e.target.value)}
                  id="item-reference"
                  rows={2}
                  className={textareaClasses}
                />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="tags"
          render={({ field }) => (
            <FormItem>
              <FormLabel htmlFor="item-tags">Tags (comma-separated)</FormLabel>
              <FormControl>
                <Input
                  id="item-tags"
                  value={(field.value ?? []).join(", ")}
                  onChange={(e) =>
                    field.onChange(
                      e.target.value
                        .split(",")
                        .map((t) => t.trim())
                        .filter(Boolean),
                    )
                  }
                />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <div>
          <Button type="submit" disabled={add.isPending} data-testid="item-add">
            Add item
          </Button>
        </div>
      </form>
    </Form>
  );
}

/** Import: a file picker or a paste box; a refused import lists each bad line (nothing was imported). */
function ImportPanel({ dataset, onDone }: { dataset: string; onDone: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const [format, setFormat] = useState<(typeof IMPORT_FORMATS)[number]>("jsonl");
  const [content, setContent] = useState("");
  const [result, setResult] = useState<{ ok: boolean; lines: string[] } | null>(null);
  const importMutation = useMutation(
    trpc.datasets.import.mutationOptions({
      onSuccess: async (r) => {
        setResult({ ok: true, lines: [`Imported ${r.imported} items (${r.itemCount} in the dataset).`] });
        setContent("");
        await onDone();
      },
      onError: (error) => {
        const issues = isTrpcError(error) ? (error.data?.issues ?? []) : [];
        const lines = issues.map((i) => `${i.path}: ${i.message}`);
        setResult({ ok: false, lines: lines.length ? ["Nothing was imported: fix these lines and import again.", ...lines] : [errorMessage(error)] });
      },
    }),
  );
  const pick = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > MAX_IMPORT_BYTES) {
      setResult({ ok: false, lines: ["The file is larger than 5 MB."] });
      return;
    }
    if (file.name.toLowerCase().endsWith(".csv")) setFormat("csv");
    else if (/\.jsonl?$/i.test(file.name) || file.name.toLowerCase().endsWith(".ndjson")) setFormat("jsonl");
    setContent(await file.text());
  };
  return (
    <div className="grid gap-3" data-testid="dataset-import">
      <div className="flex flex-wrap items-end gap-3">
        <label className="grid gap-1 text-sm">
          Format
          <select className={SELECT_CLASS} value={format} onChange={(e) => setFormat(e.target.value as typeof format)} data-testid="import-format">
            <option value="jsonl">JSON Lines (input, reference, tags)</option>
            <option value="csv">CSV (header: input, reference, tags with | or ;)</option>
          </select>
        </label>
        <label className="grid gap-1 text-sm">
          File
          <input type="file" accept=".jsonl,.json,.ndjson,.csv,text/csv" onChange={(e) => void pick(e.target.files?.[0])} data-testid="import-file" />
        </label>
      </div>
      <label className="grid gap-1 text-sm">
        Or paste
        <textarea value={content} onChange={(e) => setContent(e.target.value)} rows={6} className={textareaClasses} data-testid="import-content" />
      </label>
      {result ? (
        <ul className={result.ok ? "text-sm" : "text-sm text-destructive"} data-testid={result.ok ? "import-result" : "import-errors"} role="status">
          {result.lines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      ) : null}
      <div>
        <Button disabled={!content || importMutation.isPending} onClick={() => importMutation.mutate({ dataset, format, content })} data-testid="import-submit">
          Import
        </Button>
      </div>
    </div>
  );
}

/** A dataset: its items (add, delete, import, export) and a new evaluation over it. */
export function DatasetDetailPage({ dataset: ref }: { dataset: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can, slug } = useWorkspace();
  const dataset = useQuery(trpc.datasets.get.queryOptions({ dataset: ref }));
  const items = usePagedList(useInfiniteQuery(trpc.datasets.items.infiniteQueryOptions({ dataset: ref }, { getNextPageParam: nextPageParam })));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.datasets.pathKey() });
  const remove = useMutation(trpc.datasets.deleteItem.mutationOptions({ onSuccess: refresh }));
  const writable = can("evals:write") && dataset.data?.archivedAt === null;
  const columns = useMemo(() => itemColumns(writable ? (itemId) => remove.mutate({ dataset: ref, itemId }) : null), [writable, ref, remove.mutate]);
  const exportJsonl = async () => {
    const out = await queryClient.fetchQuery(trpc.datasets.export.queryOptions({ dataset: ref }));
    downloadFile(`dataset-${out.slug}.jsonl`, "application/x-ndjson", out.body);
  };
  const d = dataset.data;
  return (
    <div className="grid gap-6">
      <PageHeader
        title={d?.name ?? ref}
        description={
          d
            ? `${d.slug} · ${d.itemCount} items${d.archivedAt ? " · archived" : ""}${d.description ? ` · ${d.description}` : ""}`
            : dataset.isError
              ? "Dataset not found"
              : "Loading…"
        }
        actions={
          d ? (
            <div className="flex gap-2">
              <Button variant="outline" onClick={() => void exportJsonl()} data-testid="dataset-export">
                Export JSONL
              </Button>
              <Button variant="outline" asChild>
                <a href={`/w/${slug}/evaluations?dataset=${d.slug}`}>Evaluations</a>
              </Button>
            </div>
          ) : null
        }
      />
      <DataTable
        {...items}
        columns={columns}
        caption="Items"
        testId="dataset-items"
        rowTestId="dataset-item-row"
        getRowId={(i) => i.id}
        empty={<EmptyState icon={ListIcon} title="No items yet" text="Add items below, or import a JSONL or CSV file." testId="dataset-items-empty" />}
      />
      {writable ? (
        <div className="grid gap-6 lg:grid-cols-2">
          <Card title="Add an item">
            <AddItemForm dataset={ref} onDone={refresh} />
          </Card>
          <Card title="Import" description="All or nothing: a bad line refuses the import and is listed here.">
            <ImportPanel dataset={ref} onDone={refresh} />
          </Card>
        </div>
      ) : null}
      {d && can("evals:write") && d.archivedAt === null && d.itemCount > 0 ? (
        <Card title="Evaluate" description="Run an agent or team version over every item and score the outputs with judges.">
          <NewEvaluationForm dataset={d.id} />
        </Card>
      ) : null}
    </div>
  );
}
