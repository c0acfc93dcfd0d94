"use client";

import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorCode, errorMessage } from "@/lib/trpc/errors";
import type { AgentOutput } from "@/lib/schemas/agents";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading, NoAccess } from "@/components/ui/loading";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { DiffView, VersionHistory } from "@/components/versions/version-history";
import { ArchiveCard } from "@/components/versions/archive-card";
import { StartRunForm } from "@/components/runs/start-run-form";
import { AgentForm } from "./agent-form";
import { policyLabel } from "./agents-page";

const FIELD_LABELS: Record<string, string> = {
  name: "Name",
  roleDescription: "Role",
  instructions: "Instructions",
  modelPolicy: "Model policy",
  maxOutputTokens: "Max output tokens",
  temperature: "Temperature",
  allowedTools: "Allowed tools",
  memoryScope: "Memory scope",
};

function AgentHistory({ agent }: { agent: AgentOutput }) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.agents.versions.queryOptions({ agent: agent.id }));
  const [pair, setPair] = useState<[number, number] | null>(null);
  const [from, to] = pair ?? (agent.currentVersion > 1 ? [agent.currentVersion - 1, agent.currentVersion] : [1, 1]);
  const diff = useQuery({ ...trpc.agents.diff.queryOptions({ agent: agent.id, from, to }), enabled: agent.currentVersion > 1 });
  return (
    <Card title="History" description="Every save is a version; runs pin the version they started with.">
      <FormError message={versions.isError ? errorMessage(versions.error) : diff.isError ? errorMessage(diff.error) : null} />
      {versions.isPending ? (
        <Loading />
      ) : (
        <VersionHistory
          versions={(versions.data ?? []).map((v) => ({ version: v.version, name: v.name, createdAt: v.createdAt, summary: `${policyLabel(v.modelPolicy)} · ${v.maxOutputTokens} tokens · t ${v.temperature}` }))}
          current={agent.currentVersion}
          rowTestId="agent-version-row"
          from={from}
          to={to}
          onCompare={(f, t) => setPair([f, t])}
        />
      )}
      {diff.data ? <DiffView from={diff.data.from} to={diff.data.to} changes={diff.data.changes} testId="agent-diff" labels={FIELD_LABELS} /> : null}
    </Card>
  );
}

function ArchiveAgent({ agent }: { agent: AgentOutput }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const archive = useMutation(trpc.agents.archive.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.agents.pathKey() }) }));
  return (
    <ArchiveCard
      noun="agent"
      name={agent.name}
      description="An archived agent cannot be changed, used in new team versions or started; past runs keep working. Its slug stays taken."
      testId="agent-archive"
      pending={archive.isPending}
      error={archive.error ? errorMessage(archive.error) : null}
      onArchive={() => archive.mutate({ agent: agent.id })}
    />
  );
}

export function AgentDetailPage({ agent: ref }: { agent: string }) {
  const trpc = useTRPC();
  const { can, slug } = useWorkspace();
  const agent = useQuery({ ...trpc.agents.get.queryOptions({ agent: ref }), enabled: can("agents:read") });
  if (!can("agents:read")) return <div className="page"><NoAccess>Your role cannot see the agents of this workspace.</NoAccess></div>;
  if (agent.isPending) return <div className="page"><Loading /></div>;
  if (agent.isError || !agent.data) {
    return (
      <div className="page">
        <FormError message={errorCode(agent.error) === "NOT_FOUND" ? `No agent "${ref}" in this workspace.` : errorMessage(agent.error)} />
        <Link href={`/w/${slug}/agents`}>← All agents</Link>
      </div>
    );
  }
  const a = agent.data;
  return (
    <div className="page" data-testid="agent-page" data-slug={a.slug}>
      <div className="page-header">
        <div>
          <Link href={`/w/${slug}/agents`} className="muted small">← Agents</Link>
          <h1>{a.name}</h1>
          <p className="muted small">
            <code>{a.slug}</code> · version {a.currentVersion} · {policyLabel(a.modelPolicy)}{" "}
            {a.archivedAt ? <Badge tone="neutral" testId="agent-archived">archived</Badge> : null}
          </p>
        </div>
      </div>
      {/* Run slot: the start-run form is RUNUI's component (components/runs/start-run-form.tsx). */}
      {a.archivedAt ? null : <StartRunForm target={{ agent: a.slug }} />}
      <AgentForm key={a.id} agent={a} />
      <AgentHistory agent={a} />
      {can("agents:delete") && !a.archivedAt ? <ArchiveAgent agent={a} /> : null}
    </div>
  );
}
