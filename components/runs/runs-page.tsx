"use client";

import { ListChecksIcon, LockIcon, XIcon } from "lucide-react";
import Link from "next/link";
import { type ReactNode, useMemo, useState } from "react";
import { useSearchParams } from "next/navigation";
import { useInfiniteQuery } from "@tanstack/react-query";
import { nextPageParam, useAllPages } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import { RUN_CHANNEL_LABELS, RUN_CHANNELS, RUN_STATUSES, type RunChannel, type RunOut, type RunStatus } from "@/lib/schemas/runs";
import { Button } from "@/components/ui/button";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { formatTimestamp } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { excerpt, formatTokenCount, RunChannelLabel, RunStatusBadge, RunTargetLabel } from "./labels";
import { OutcomeBadge } from "./outcome-badge";
import { formatCost, formatDuration, isTerminal } from "./run-state";
import { StartRunForm, type RunTarget } from "./start-run-form";

const PAGE_SIZE = 25;

/** A date input's value (yyyy-mm-dd) as local midnight; `endOfDay` gives the next midnight (an inclusive "to"). */
export function dateInputToDate(value: string, endOfDay = false): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (endOfDay ? 1 : 0));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

interface Filters {
  team: string;
  agent: string;
  status: "" | RunStatus;
  /** a task tag (from a run page's tag link: ?tag=) */
  tag: string;
  /** where the runs were started (?channel=) */
  channel: "" | RunChannel;
  /** what started them: a webhook trigger's, a schedule's or an evaluation's id (?channelRef=, e.g. from Automations) */
  channelRef: string;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { team: "", agent: "", status: "", tag: "", channel: "", channelRef: "", from: "", to: "" };

/** The filters in force, each a chip that removes it. */
function FilterChips({ chips, onRemove }: { chips: ({ key: string; label: string } | null)[]; onRemove: (key: string) => void }) {
  const shown = chips.filter((c): c is { key: string; label: string } => c !== null);
  if (shown.length === 0) return null;
  return (
    <ul className="mb-3 flex flex-wrap gap-2" aria-label="Filters in force" data-testid="runs-filter-chips">
      {shown.map((chip) => (
        <li key={chip.key}>
          <button
            type="button"
            className="inline-flex items-center gap-1 rounded-full border bg-secondary px-2.5 py-0.5 text-xs text-secondary-foreground hover:bg-accent"
            onClick={() => onRemove(chip.key)}
            aria-label={`Remove the filter ${chip.label}`}
            data-testid="runs-filter-chip"
            data-filter={chip.key}
          >
            {chip.label}
            <XIcon className="size-3" aria-hidden="true" />
          </button>
        </li>
      ))}
    </ul>
  );
}

function RunsTable() {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const params = useSearchParams();
  // a link can open the list filtered (?team=, ?agent=, ?status=), e.g. a team's "All its runs"
  const [filters, setFilters] = useState<Filters>(() => ({
    ...NO_FILTERS,
    team: params.get("team") ?? "",
    agent: params.get("agent") ?? "",
    status: RUN_STATUSES.find((s) => s === params.get("status")) ?? "",
    tag: params.get("tag") ?? "",
    channel: RUN_CHANNELS.find((c) => c === params.get("channel")) ?? "",
    channelRef: params.get("channelRef") ?? "",
  }));
  // the name of what started the runs, as the linking page knew it (?by=): only the chip's label
  const startedBy = params.get("by") || filters.channelRef;
  const { teams, agents } = useTeamsAndAgents();

  const input = useMemo(
    () => ({
      limit: PAGE_SIZE,
      team: filters.team || undefined,
      agent: filters.agent || undefined,
      status: filters.status || undefined,
      tag: filters.tag || undefined,
      channel: filters.channel || undefined,
      channelRef: filters.channelRef || undefined,
      from: dateInputToDate(filters.from),
      to: dateInputToDate(filters.to, true),
    }),
    [filters],
  );
  const runs = useInfiniteQuery({
    ...trpc.runs.list.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
    // while something is queued or running, the list follows it
    refetchInterval: (query) => {
      const pages = query.state.data?.pages ?? [];
      return pages.some((p) => p.items.some((r) => !isTerminal(r.status))) ? 2000 : false;
    },
  });
  const items: RunOut[] = useMemo(() => runs.data?.pages.flatMap((p) => p.items) ?? [], [runs.data]);
  const columns = useMemo(() => runColumns(slug), [slug]);
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setFilters((prev) => ({ ...prev, [key]: value }));
  const filtered = Object.values(filters).some(Boolean);

  return (
    <section className="grid gap-4" aria-labelledby="runs-list-title">
      <div className="grid gap-1">
        <h2 id="runs-list-title" className="text-base font-semibold">
          All runs
        </h2>
        <p className="text-sm text-muted-foreground">Newest first. Open a run to watch it live, or to see its output and every step.</p>
      </div>
      <search className="grid gap-3 sm:grid-cols-[repeat(6,minmax(0,1fr))_auto] sm:items-end">
        <SelectFilter
          name="team"
          label="Team"
          any="All teams"
          value={filters.team}
          onChange={(v) => set("team", v)}
          options={teams.data?.map((t) => ({ value: t.slug, label: t.name })) ?? []}
        />
        <SelectFilter
          name="agent"
          label="Agent"
          any="All agents"
          value={filters.agent}
          onChange={(v) => set("agent", v)}
          options={agents.data?.map((a) => ({ value: a.slug, label: a.name })) ?? []}
        />
        <SelectFilter
          name="status"
          label="Status"
          any="Any status"
          value={filters.status}
          onChange={(v) => set("status", v as Filters["status"])}
          options={RUN_STATUSES.map((s) => ({ value: s, label: s }))}
        />
        <SelectFilter
          name="channel"
          label="Source"
          any="Any source"
          value={filters.channel}
          onChange={(v) => set("channel", v as Filters["channel"])}
          options={RUN_CHANNELS.map((c) => ({ value: c, label: RUN_CHANNEL_LABELS[c] }))}
        />
        <FilterField id="runs-filter-from" label="From">
          <Input id="runs-filter-from" data-testid="runs-filter-from" type="date" value={filters.from} onChange={(e) => set("from", e.target.value)} />
        </FilterField>
        <FilterField id="runs-filter-to" label="To">
          <Input id="runs-filter-to" data-testid="runs-filter-to" type="date" value={filters.to} onChange={(e) => set("to", e.target.value)} />
        </FilterField>
        {filtered ? (
          <Button type="button" variant="ghost" size="sm" data-testid="runs-filter-clear" onClick={() => setFilters(NO_FILTERS)}>
            Clear
          </Button>
        ) : null}
      </search>
      <FilterChips
        chips={[
          filters.team ? { key: "team", label: `Team: ${teams.data?.find((t) => t.slug === filters.team)?.name ?? filters.team}` } : null,
          filters.agent ? { key: "agent", label: `Agent: ${agents.data?.find((a) => a.slug === filters.agent)?.name ?? filters.agent}` } : null,
          filters.status ? { key: "status", label: `Status: ${filters.status}` } : null,
          filters.tag ? { key: "tag", label: `Tag: ${filters.tag}` } : null,
          filters.channel ? { key: "channel", label: `Source: ${RUN_CHANNEL_LABELS[filters.channel]}` } : null,
          filters.channelRef ? { key: "channelRef", label: `Started by: ${startedBy}` } : null,
          filters.from ? { key: "from", label: `From ${filters.from}` } : null,
          filters.to ? { key: "to", label: `To ${filters.to}` } : null,
        ]}
        onRemove={(key) => set(key as keyof Filters, "")}
      />
      <DataTable
        columns={columns}
        data={runs.data ? items : undefined}
        isPending={runs.isPending}
        isError={runs.isError}
        error={runs.error}
        caption="Runs"
        testId="runs-table"
        rowTestId="run-row"
        rowAttributes={(r) => ({ "data-run-id": r.id, "data-status": r.status })}
        getRowId={(r) => r.id}
        initialHidden={["tokens"]}
        empty={
          <EmptyState
            icon={ListChecksIcon}
            title={filtered ? "No runs match these filters" : "No runs yet"}
            text={
              filtered
                ? "Remove a filter to see more."
                : (teams.data?.length ?? 0) + (agents.data?.length ?? 0) === 0
                  ? "Create an agent first: then run it here, from its page, or in the playground."
                  : "Start one here, from a team's or an agent's page, or in the playground."
            }
            testId="runs-empty"
          />
        }
        mobileCard={(r) => <RunCard run={r} slug={slug} />}
        hasNextPage={runs.hasNextPage}
        isFetchingNextPage={runs.isFetchingNextPage}
        fetchNextPage={() => void runs.fetchNextPage()}
      />
    </section>
  );
}

const SELECT = SELECT_CLASS;

/** One of the list's filters as a select: `any` (the empty value) first, then the options. */
function SelectFilter(props: {
  name: string;
  label: string;
  any: string;
  value: string;
  onChange: (value: string) => void;
  options: { value: string; label: string }[];
}) {
  const id = `runs-filter-${props.name}`;
  return (
    <FilterField id={id} label={props.label}>
      <select id={id} className={SELECT} data-testid={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">{props.any}</option>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FilterField>
  );
}

function FilterField({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children}
    </div>
  );
}

/** A run's status, linked to its page, with the unmet outcome that failed or flagged it. */
function StatusCell({ run, slug }: { run: RunOut; slug: string }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <Link href={`/w/${slug}/runs/${run.id}`} data-testid="run-row-link" aria-label={`Open run ${run.id}`}>
        <RunStatusBadge status={run.status} />
      </Link>
      {run.outcome && !run.outcome.met ? <OutcomeBadge outcome={run.outcome} testId="run-row-outcome" /> : null}
    </span>
  );
}

function InputCell({ run, slug }: { run: RunOut; slug: string }) {
  return (
    <Link href={`/w/${slug}/runs/${run.id}`} className="line-clamp-2 max-w-md hover:underline" title={excerpt(run.input, 600)}>
      {excerpt(run.input) || <span className="text-muted-foreground">(empty)</span>}
    </Link>
  );
}

/** A run on a phone: status and target on top, the input, then when, how long and how much. */
function RunCard({ run, slug }: { run: RunOut; slug: string }) {
  return (
    <div className="grid gap-2 text-sm">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <StatusCell run={run} slug={slug} />
        <RunTargetLabel run={run} slug={slug} link={false} />
      </div>
      <InputCell run={run} slug={slug} />
      <p className="text-xs text-muted-foreground">
        {formatTimestamp(run.startedAt ?? run.queuedAt)} · {formatDuration(run.durationMs)} · {formatCost(run.costUsd)}
      </p>
    </div>
  );
}

const col = dataTableColumns<RunOut>();
const runColumns = (slug: string): DataTableColumn<RunOut>[] => [
  col.accessor("status", { header: "Status", cell: (c) => <StatusCell run={c.row.original} slug={slug} /> }),
  col.display({ id: "target", header: "Target", cell: (c) => <RunTargetLabel run={c.row.original} slug={slug} link={false} /> }),
  col.accessor("input", { header: "Input", enableSorting: false, cell: (c) => <InputCell run={c.row.original} slug={slug} /> }),
  col.accessor((r) => (r.channel ? RUN_CHANNEL_LABELS[r.channel] : ""), {
    id: "source",
    header: "Source",
    cell: (c) => <RunChannelLabel run={c.row.original} slug={slug} testId="run-row-channel" />,
  }),
  col.accessor((r) => r.startedAt ?? r.queuedAt, {
    id: "started",
    header: "Started",
    sortFn: "datetime",
    cell: (c) => (
      <span className="whitespace-nowrap" title={c.getValue().toISOString()}>
        {formatTimestamp(c.getValue())}
      </span>
    ),
  }),
  col.accessor("durationMs", {
    id: "duration",
    header: "Duration",
    sortUndefined: "last",
    cell: (c) => <span className="whitespace-nowrap tabular-nums">{formatDuration(c.getValue())}</span>,
  }),
  col.accessor("costUsd", { id: "cost", header: "Cost", cell: (c) => <span className="whitespace-nowrap tabular-nums">{formatCost(c.getValue())}</span> }),
  col.accessor((r) => r.inputTokens + r.outputTokens, {
    id: "tokens",
    header: "Tokens",
    cell: (c) => (
      <span className="whitespace-nowrap tabular-nums" title={`${c.row.original.inputTokens} in, ${c.row.original.outputTokens} out`}>
        {formatTokenCount(c.getValue())}
      </span>
    ),
  }),
];

/** Every team and agent (the lists page newest first), by slug: for the filters and the start picker. */
function useTeamsAndAgents() {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const teamPages = useAllPages(
    useInfiniteQuery({ ...trpc.teams.list.infiniteQueryOptions({ limit: 200 }, { getNextPageParam: nextPageParam }), enabled: can("teams:read") }),
  );
  const agentPages = useAllPages(
    useInfiniteQuery({ ...trpc.agents.list.infiniteQueryOptions({ limit: 200 }, { getNextPageParam: nextPageParam }), enabled: can("agents:read") }),
  );
  const teams = useMemo(() => ({ data: teamPages.data ? [...teamPages.data].sort((a, b) => a.slug.localeCompare(b.slug)) : undefined }), [teamPages.data]);
  const agents = useMemo(() => ({ data: agentPages.data ? [...agentPages.data].sort((a, b) => a.slug.localeCompare(b.slug)) : undefined }), [agentPages.data]);
  return { teams, agents };
}

/** Pick a team or an agent, then the start-run form for it. */
function NewRun() {
  const { teams, agents } = useTeamsAndAgents();
  // ?target=team:<slug> or agent:<slug> (e.g. from the command palette) preselects it, if it can be run
  const wanted = useSearchParams().get("target") ?? "";
  const [choice, setChoice] = useState("");
  const options = [
    ...(teams.data ?? []).filter((t) => !t.archivedAt).map((t) => ({ value: `team:${t.slug}`, label: `Team: ${t.name}` })),
    ...(agents.data ?? []).filter((a) => !a.archivedAt).map((a) => ({ value: `agent:${a.slug}`, label: `Agent: ${a.name}` })),
  ];
  const selected = choice || options.find((o) => o.value === wanted)?.value || options[0]?.value || "";
  const [kind, ...rest] = selected.split(":");
  const target: RunTarget | null = selected ? (kind === "team" ? { team: rest.join(":") } : { agent: rest.join(":") }) : null;

  if (!target) return null;
  const picker = (
    <div className="grid gap-1.5">
      <Label htmlFor="run-target">Team or agent</Label>
      <select id="run-target" className={SELECT_CLASS} data-testid="run-target" value={selected} onChange={(e) => setChoice(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
  return <StartRunForm target={target} title="Start a run" compact picker={picker} />;
}

export function RunsPage() {
  const { can } = useWorkspace();
  return (
    <div className="grid gap-6">
      <PageHeader className="pb-0" title="Runs" description="Every run of the workspace's teams and agents, live while they run." />
      {can("runs:create") ? <NewRun /> : null}
      {can("runs:read") ? (
        <RunsTable />
      ) : (
        <EmptyState icon={LockIcon} title="No access" text="Your role cannot see the runs of this workspace." testId="runs-no-access" />
      )}
    </div>
  );
}
