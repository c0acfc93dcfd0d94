"use client";

import { DatabaseIcon, LockIcon } from "lucide-react";
import Link from "next/link";
import { useMemo, useState } from "react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { createDatasetInputSchema, type DatasetOutput } from "@/lib/schemas/datasets";
import { CreateDialog } from "@/components/ui/create-dialog";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { formatDateTime } from "@/components/ui/format";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { textareaClasses } from "@/components/ui/textarea";
import { Button } from "@/components/ui/button";
import { ArchivedToggle } from "@/components/versions/versioned-list";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { slugify } from "@/components/workspace/slugify";

const col = dataTableColumns<DatasetOutput>();
const datasetColumns = (slug: string): DataTableColumn<DatasetOutput>[] => [
  col.accessor("name", {
    header: "Dataset",
    cell: (c) => {
      const d = c.row.original;
      return (
        <Link href={`/w/${slug}/datasets/${d.slug}`} className="font-medium">
          {d.name} <span className="text-muted-foreground">({d.slug})</span>
          {d.archivedAt ? <span className="ml-1 text-xs text-muted-foreground">archived</span> : null}
        </Link>
      );
    },
  }),
  col.accessor("itemCount", { id: "items", header: "Items", cell: (c) => <span className="tabular-nums">{c.getValue()}</span> }),
  col.accessor("description", { header: "Description", cell: (c) => <span className="text-sm">{c.getValue()}</span> }),
  col.accessor("createdAt", { id: "created", header: "Created", sortFn: "datetime", cell: (c) => formatDateTime(c.getValue()) }),
];

/** A new dataset: slug (from the name), name, description. */
function DatasetForm({ onCreated }: { onCreated: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(createDatasetInputSchema, { defaultValues: { slug: "", name: "", description: "" } });
  const create = useMutation(
    trpc.datasets.create.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.datasets.pathKey() });
        onCreated();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  return (
    <Form {...form}>
      <form onSubmit={form.handleSubmit((values) => create.mutate(values))} className="grid gap-4" data-testid="dataset-form" noValidate>
        <FormField
          control={form.control}
          name="name"
          render={({ field }) => (
            <FormItem>
              <FormLabel htmlFor="dataset-name">Name</FormLabel>
              <FormControl>
                <Input
                  {...field}
                  id="dataset-name"
                  data-testid="dataset-name"
                  maxLength={120}
                  onChange={(e) => {
                    field.onChange(e);
                    form.setValue("slug", slugify(e.target.value));
                  }}
                />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="slug"
          render={({ field }) => (
            <FormItem>
              <FormLabel htmlFor="dataset-slug">Slug</FormLabel>
              <FormControl>
                <Input {...field} id="dataset-slug" data-testid="dataset-slug" maxLength={63} />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="description"
          render={({ field }) => (
            <FormItem>
              <FormLabel htmlFor="dataset-description">Description</FormLabel>
              <FormControl>
                <textarea {...field} id="dataset-description" rows={3} maxLength={2000} className={textareaClasses} />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <div>
          <Button type="submit" disabled={create.isPending} data-testid="dataset-create">
            Create dataset
          </Button>
        </div>
      </form>
    </Form>
  );
}

function DatasetsTable() {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const [archived, setArchived] = useState(false);
  const datasets = usePagedList(useInfiniteQuery(trpc.datasets.list.infiniteQueryOptions({ includeArchived: archived }, { getNextPageParam: nextPageParam })));
  const columns = useMemo(() => datasetColumns(slug), [slug]);
  return (
    <section className="grid gap-3" aria-label="Datasets">
      <ArchivedToggle checked={archived} onChange={setArchived} testId="datasets-show-archived" />
      <DataTable
        {...datasets}
        columns={columns}
        caption="Datasets"
        testId="datasets-table"
        rowTestId="dataset-row"
        getRowId={(d) => d.id}
        empty={
          <EmptyState
            icon={DatabaseIcon}
            title="No datasets yet"
            text="A dataset holds test inputs (with optional reference outputs) to evaluate agents and teams on."
            testId="dataset-empty"
          />
        }
      />
    </section>
  );
}

export function DatasetsPage() {
  const { can } = useWorkspace();
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Datasets"
        description="Test inputs to evaluate agent and team versions on: add items one by one, or import JSONL or CSV."
        actions={
          can("evals:write") ? (
            <CreateDialog label="New dataset" title="New dataset" description="Name it; add or import items on its page." testId="dataset-new">
              {(close) => <DatasetForm onCreated={close} />}
            </CreateDialog>
          ) : null
        }
      />
      {can("evals:read") ? (
        <DatasetsTable />
      ) : (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the datasets of this workspace." />
      )}
    </div>
  );
}

/** The evaluations page's dataset name, for links. */
export function useDataset(ref: string) {
  const trpc = useTRPC();
  return useQuery(trpc.datasets.get.queryOptions({ dataset: ref }));
}
