"use client";

import { useQuery } from "@tanstack/react-query";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { useTRPC } from "@/lib/trpc/react";

/** What a trigger or a schedule runs: one of the workspace's agents or teams (value "agent:<slug>" / "team:<slug>"). */
export function TargetSelect({
  id,
  value,
  onChange,
  onBlur,
  testId,
}: {
  id?: string;
  value: { agent?: string | undefined; team?: string | undefined };
  onChange: (next: { agent?: string; team?: string }) => void;
  onBlur?: () => void;
  testId?: string;
}) {
  const trpc = useTRPC();
  const agents = useQuery(trpc.agents.list.queryOptions({ limit: 200 }));
  const teams = useQuery(trpc.teams.list.queryOptions({ limit: 200 }));
  const current = value.agent ? `agent:${value.agent}` : value.team ? `team:${value.team}` : "";
  return (
    <select
      id={id}
      className={SELECT_CLASS}
      value={current}
      onBlur={onBlur}
      data-testid={testId}
      onChange={(e) => {
        const [kind, slug] = e.target.value.split(/:(.*)/s) as [string, string];
        onChange(kind === "agent" ? { agent: slug } : kind === "team" ? { team: slug } : {});
      }}
    >
      <option value="">Choose an agent or a team…</option>
      <optgroup label="Agents">
        {(agents.data?.items ?? []).map((a) => (
          <option key={a.id} value={`agent:${a.slug}`}>
            {a.name} ({a.slug})
          </option>
        ))}
      </optgroup>
      <optgroup label="Teams">
        {(teams.data?.items ?? []).map((t) => (
          <option key={t.id} value={`team:${t.slug}`}>
            {t.name} ({t.slug})
          </option>
        ))}
      </optgroup>
    </select>
  );
}

/** "Agent writer" / "Team crew" for a row's target. */
export function targetLabel(row: { agent: { slug: string; name: string } | null; team: { slug: string; name: string } | null }): string {
  return row.agent ? `Agent ${row.agent.name}` : row.team ? `Team ${row.team.name}` : "—";
}
