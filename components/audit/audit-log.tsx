"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { DownloadIcon, LockIcon, ScrollTextIcon } from "lucide-react";
import { type ComponentProps, type FormEvent, useEffect, useMemo, useState } from "react";
import { Button } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { useTRPC } from "@/lib/trpc/react";
import { AuditCard, auditColumns } from "./audit-columns";

const PAGE_SIZE = 50;
const TITLE = "Audit log";
const DESCRIPTION = "Who did what in this workspace, newest first.";

/** A date input's value (yyyy-mm-dd, local) as the start of that day; `end` gives the start of the next day. */
function dayBound(value: string, end = false): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const [y, m, d] = value.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, end ? d + 1 : d);
}

interface Filter {
  action?: string;
  actor?: string;
  from?: Date;
  to?: Date;
}

function exportHref(workspace: string, filter: Filter, format: "jsonl" | "csv"): string {
  const params = new URLSearchParams({ workspace, format });
  if (filter.action) params.set("action", filter.action);
  if (filter.actor) params.set("actor", filter.actor);
  if (filter.from) params.set("from", filter.from.toISOString());
  if (filter.to) params.set("to", filter.to.toISOString());
  return `/api/audit/export?${params}`;
}

function FilterInput({ id, label, ...props }: { id: string; label: string } & ComponentProps<typeof Input>) {
  return (
    <div className="grid gap-1">
      <Label htmlFor={id} className="sr-only">
        {label}
      </Label>
      <Input id={id} data-testid={id} {...props} />
    </div>
  );
}

function AuditLog() {
  const trpc = useTRPC();
  const { workspace, slug } = useWorkspace();
  const [draft, setDraft] = useState("");
  const [action, setAction] = useState("");
  const [actorDraft, setActorDraft] = useState("");
  const [actor, setActor] = useState("");
  const [fromDay, setFromDay] = useState("");
  const [toDay, setToDay] = useState("");

  // filter as you type, a moment after the last keystroke
  useEffect(() => {
    const timer = setTimeout(() => {
      setAction(draft.trim());
      setActor(actorDraft.trim());
    }, 350);
    return () => clearTimeout(timer);
  }, [draft, actorDraft]);

  const filter: Filter = { action: action || undefined, actor: actor || undefined, from: dayBound(fromDay), to: dayBound(toDay, true) };
  const log = usePagedList(useInfiniteQuery(trpc.audit.list.infiniteQueryOptions({ limit: PAGE_SIZE, ...filter }, { getNextPageParam: nextPageParam })));
  const filtered = Boolean(filter.action || filter.actor || filter.from || filter.to);
  const columns = useMemo(() => auditColumns(slug), [slug]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setAction(draft.trim());
    setActor(actorDraft.trim());
  }
  function clear() {
    setDraft("");
    setAction("");
    setActorDraft("");
    setActor("");
    setFromDay("");
    setToDay("");
  }

  return (
    <>
      <PageHeader
        className="pb-2"
        title={TITLE}
        description={DESCRIPTION}
        actions={
          <>
            <Button variant="outline" asChild>
              <a data-testid="audit-export-csv" href={exportHref(workspace.slug, filter, "csv")} download>
                <DownloadIcon aria-hidden="true" /> Export CSV
              </a>
            </Button>
            <Button variant="outline" asChild>
              <a data-testid="audit-export-jsonl" href={exportHref(workspace.slug, filter, "jsonl")} download>
                <DownloadIcon aria-hidden="true" /> Export JSONL
              </a>
            </Button>
          </>
        }
      />
      {/* biome-ignore lint/a11y/useSemanticElements: the search landmark is the form itself (a <search> wrapper would change the layout) */}
      <form className="flex flex-wrap items-end gap-2" onSubmit={onSubmit} role="search" aria-label="Filter the audit log">
        <FilterInput
          id="audit-filter"
          label="Filter by action prefix"
          className="w-56"
          placeholder="Action prefix, e.g. member."
          maxLength={64}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <FilterInput
          id="audit-actor"
          label="Filter by actor"
          className="w-64"
          placeholder="Actor (email, key name or id)"
          maxLength={200}
          value={actorDraft}
          onChange={(e) => setActorDraft(e.target.value)}
        />
        <FilterInput
          id="audit-from"
          label="From (date)"
          className="w-40"
          type="date"
          title="From"
          value={fromDay}
          onChange={(e) => setFromDay(e.target.value)}
        />
        <FilterInput
          id="audit-to"
          label="To (date, inclusive)"
          className="w-40"
          type="date"
          title="To (inclusive)"
          value={toDay}
          onChange={(e) => setToDay(e.target.value)}
        />
        <Button type="submit" variant="secondary" data-testid="audit-filter-submit">
          Filter
        </Button>
        {draft || actorDraft || fromDay || toDay ? (
          <Button variant="ghost" data-testid="audit-filter-clear" onClick={clear}>
            Clear
          </Button>
        ) : null}
      </form>
      <DataTable
        {...log}
        columns={columns}
        caption="Audit log entries"
        testId="audit-table"
        rowTestId="audit-row"
        rowAttributes={(e) => ({ "data-action": e.action })}
        getRowId={(e) => e.id}
        mobileCard={(e) => <AuditCard e={e} slug={slug} />}
        empty={
          <EmptyState
            icon={ScrollTextIcon}
            testId="audit-empty"
            title={filtered ? "No entries match these filters." : "Nothing recorded yet."}
            text={filtered ? "Change or clear the filters to see more." : "Changes to this workspace (members, keys, agents, teams, runs) are recorded here."}
            action={
              filtered ? (
                <Button variant="outline" onClick={clear}>
                  Clear filters
                </Button>
              ) : undefined
            }
          />
        }
      />
    </>
  );
}

export function AuditPage() {
  const { can } = useWorkspace();
  return (
    <div className="flex flex-col gap-4">
      {can("audit:read") ? (
        <AuditLog />
      ) : (
        <>
          <PageHeader className="pb-2" title={TITLE} description={DESCRIPTION} />
          <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the audit log." />
        </>
      )}
    </div>
  );
}
