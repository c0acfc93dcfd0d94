"use client";

import { XIcon } from "lucide-react";
import Link from "next/link";
import { useMemo, useState } from "react";
import { useSearchParams } from "next/navigation";
import { useInfiniteQuery } from "@tanstack/react-query";
import { nextPageParam, useAllPages } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { RUN_STATUSES, type RunOut, type RunStatus } from "@/lib/schemas/runs";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading, NoAccess } from "@/components/ui/loading";
import { formatTimestamp } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { excerpt, formatTokenCount, RunStatusBadge, RunTargetLabel } from "./labels";
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
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { team: "", agent: "", status: "", from: "", to: "" };

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
  }));
  const { teams, agents } = useTeamsAndAgents();

  const input = useMemo(
    () => ({
      limit: PAGE_SIZE,
      team: filters.team || undefined,
      agent: filters.agent || undefined,
      status: filters.status || undefined,
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
  const items: RunOut[] = runs.data?.pages.flatMap((p) => p.items) ?? [];
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setFilters((prev) => ({ ...prev, [key]: value }));
  const filtered = Object.values(filters).some(Boolean);

  return (
    <Card title="Runs" description="Newest first. Open a run to watch it live, or to see its output and every step.">
      <search className="runs-filters">
        <div className="field">
          <label htmlFor="runs-filter-team">Team</label>
          <select id="runs-filter-team" data-testid="runs-filter-team" value={filters.team} onChange={(e) => set("team", e.target.value)}>
            <option value="">All teams</option>
            {teams.data?.map((t) => (
              <option key={t.id} value={t.slug}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="runs-filter-agent">Agent</label>
          <select id="runs-filter-agent" data-testid="runs-filter-agent" value={filters.agent} onChange={(e) => set("agent", e.target.value)}>
            <option value="">All agents</option>
            {agents.data?.map((a) => (
              <option key={a.id} value={a.slug}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="runs-filter-status">Status</label>
          <select
            id="runs-filter-status"
            data-testid="runs-filter-status"
            value={filters.status}
            onChange={(e) => set("status", e.target.value as Filters["status"])}
          >
            <option value="">Any status</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="runs-filter-from">From</label>
          <input id="runs-filter-from" data-testid="runs-filter-from" type="date" value={filters.from} onChange={(e) => set("from", e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="runs-filter-to">To</label>
          <input id="runs-filter-to" data-testid="runs-filter-to" type="date" value={filters.to} onChange={(e) => set("to", e.target.value)} />
        </div>
        {filtered ? (
          <button type="button" className="btn btn-ghost btn-sm" data-testid="runs-filter-clear" onClick={() => setFilters(NO_FILTERS)}>
            Clear
          </button>
        ) : null}
      </search>
      <FilterChips
        chips={[
          filters.team ? { key: "team", label: `Team: ${teams.data?.find((t) => t.slug === filters.team)?.name ?? filters.team}` } : null,
          filters.agent ? { key: "agent", label: `Agent: ${agents.data?.find((a) => a.slug === filters.agent)?.name ?? filters.agent}` } : null,
          filters.status ? { key: "status", label: `Status: ${filters.status}` } : null,
          filters.from ? { key: "from", label: `From ${filters.from}` } : null,
          filters.to ? { key: "to", label: `To ${filters.to}` } : null,
        ]}
        onRemove={(key) => set(key as keyof Filters, "")}
      />
      <FormError message={runs.isError ? errorMessage(runs.error) : null} />
      {runs.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted" data-testid="runs-empty">
          {filtered ? "No runs match these filters." : "No runs yet. Start one from a team or an agent."}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table table-compact table-runs">
            <thead>
              <tr>
                <th>Status</th>
                <th>Target</th>
                <th>Input</th>
                <th>Started</th>
                <th className="num">Duration</th>
                <th className="num">Cost</th>
                <th className="num">Tokens</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id} data-testid="run-row" data-run-id={r.id} data-status={r.status}>
                  <td>
                    <Link href={`/w/${slug}/runs/${r.id}`} data-testid="run-row-link" aria-label={`Open run ${r.id}`}>
                      <RunStatusBadge status={r.status} />
                    </Link>
                    {r.outcome && !r.outcome.met ? (
                      <>
                        {" "}
                        <OutcomeBadge outcome={r.outcome} testId="run-row-outcome" />
                      </>
                    ) : null}
                  </td>
                  <td className="nowrap">
                    <RunTargetLabel run={r} slug={slug} link={false} />
                  </td>
                  <td>
                    <Link href={`/w/${slug}/runs/${r.id}`} className="run-input-excerpt" title={excerpt(r.input, 600)}>
                      {excerpt(r.input) || <span className="muted">(empty)</span>}
                    </Link>
                  </td>
                  <td className="nowrap" title={(r.startedAt ?? r.queuedAt).toISOString()}>
                    {formatTimestamp(r.startedAt ?? r.queuedAt)}
                  </td>
                  <td className="num nowrap">{formatDuration(r.durationMs)}</td>
                  <td className="num nowrap">{formatCost(r.costUsd)}</td>
                  <td className="num nowrap" title={`${r.inputTokens} in, ${r.outputTokens} out`}>
                    {formatTokenCount(r.inputTokens + r.outputTokens)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {runs.hasNextPage ? (
        <div className="load-more">
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="runs-load-more"
            disabled={runs.isFetchingNextPage}
            onClick={() => void runs.fetchNextPage()}
          >
            {runs.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        </div>
      ) : null}
    </Card>
  );
}

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
    <div className="field">
      <label htmlFor="run-target">Team or agent</label>
      <select id="run-target" className="run-target-select" data-testid="run-target" value={selected} onChange={(e) => setChoice(e.target.value)}>
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
    <div className="page">
      <div className="page-header">
        <h1>Runs</h1>
      </div>
      {can("runs:create") ? <NewRun /> : null}
      {can("runs:read") ? <RunsTable /> : <NoAccess>Your role cannot see the runs of this workspace.</NoAccess>}
    </div>
  );
}
