"use client";

import Link from "next/link";
import { useDocumentTitle } from "@/components/shell/use-document-title";
import { PolicyLabel } from "./policy-label";
import { TargetRecentRuns } from "@/components/runs/target-recent-runs";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { AGENT_VERSION_FIELDS, type AgentOutput } from "@/lib/schemas/agents";
import { PromotionCard } from "@/components/versions/promotion-card";
import { Badge } from "@/components/ui/badge";
import { ResourceHeader, ResourcePage } from "@/components/ui/resource-page";
import { InstalledFromNote } from "@/components/marketplace/installed-from-note";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { HistoryCard, useComparePair } from "@/components/versions/history-card";
import { ArchiveCard } from "@/components/versions/archive-card";
import { StartRunForm } from "@/components/runs/start-run-form";
import { McpExposureCard } from "@/components/mcp/mcp-exposure-card";
import { AgentForm } from "./agent-form";
import { policyLabel } from "./policy-label";

const FIELD_LABELS: Record<string, string> = {
  name: "Name",
  roleDescription: "Role",
  instructions: "Instructions",
  modelPolicy: "Model policy",
  maxOutputTokens: "Max output tokens",
  temperature: "Temperature",
  outageWaitSeconds: "Outage wait (s)",
  callTimeoutSeconds: "Call timeout (s)",
  allowedTools: "Allowed tools",
  memoryPolicy: "Memory policy",
};

function AgentHistory({ agent }: { agent: AgentOutput }) {
  const trpc = useTRPC();
  const versions = usePagedList(useInfiniteQuery(trpc.agents.versions.infiniteQueryOptions({ agent: agent.id }, { getNextPageParam: nextPageParam })));
  const pair = useComparePair(agent.currentVersion);
  const diff = useQuery({ ...trpc.agents.diff.queryOptions({ agent: agent.id, from: pair.from, to: pair.to }), enabled: agent.currentVersion > 1 });
  const { can } = useWorkspace();
  const queryClient = useQueryClient();
  const restore = useMutation(trpc.agents.restore.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.agents.pathKey() }) }));
  return (
    <HistoryCard
      versions={versions}
      summary={(v) => `${policyLabel(v.modelPolicy)} · ${v.maxOutputTokens} tokens · t ${v.temperature}`}
      diff={diff}
      current={agent.currentVersion}
      restore={
        can("agents:update") && !agent.archivedAt
          ? {
              onRestore: (version) => restore.mutate({ agent: agent.id, version, baseVersion: agent.latestVersion }),
              pending: restore.isPending,
              error: restore.error,
              restored: restore.data?.currentVersion ?? null,
            }
          : undefined
      }
      pair={pair}
      rowTestId="agent-version-row"
      diffTestId="agent-diff"
      labels={FIELD_LABELS}
    />
  );
}

/** The edit form shows what an edit builds on: the latest version (a candidate's fields when one awaits its evaluation). */
function CandidateAwareForm({ agent }: { agent: AgentOutput }) {
  const trpc = useTRPC();
  const candidate = agent.latestVersion !== agent.currentVersion;
  const latest = useQuery({ ...trpc.agents.versions.queryOptions({ agent: agent.id, limit: 1 }), enabled: candidate });
  const version = latest.data?.items[0];
  if (candidate && !version) return null;
  const fields = candidate && version ? Object.fromEntries(AGENT_VERSION_FIELDS.map((f) => [f, version[f]])) : {};
  return <AgentForm key={agent.id} agent={{ ...agent, ...fields }} />;
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
  const { can, slug, workspace } = useWorkspace();
  const agent = useQuery({ ...trpc.agents.get.queryOptions({ agent: ref }), enabled: can("agents:read") });
  useDocumentTitle([agent.data?.name, "Agents", workspace.name]);
  return (
    <ResourcePage
      readable={can("agents:read")}
      noAccess="Your role cannot see the agents of this workspace."
      query={agent}
      notFound={`No agent "${ref}" in this workspace.`}
      backHref={`/w/${slug}/agents`}
      backLabel="← All agents"
    >
      {(a) => (
        <div className="flex flex-col gap-6" data-testid="agent-page" data-slug={a.slug}>
          <ResourceHeader crumbs={[{ label: "Agents", href: `/w/${slug}/agents` }]} title={a.name}>
            <code>{a.slug}</code> · version {a.currentVersion} · <PolicyLabel policy={a.modelPolicy} /> ·{" "}
            <span data-testid="agent-tools-summary">
              {a.allowedTools.length > 0 ? (
                <>
                  tools:{" "}
                  {a.allowedTools.map((name, i) => (
                    <span key={name}>
                      {i > 0 ? ", " : null}
                      <Link href={`/w/${slug}/tools/${encodeURIComponent(name)}`} className="font-mono underline-offset-4 hover:underline">
                        {name}
                      </Link>
                    </span>
                  ))}
                </>
              ) : (
                "no tools"
              )}
            </span>{" "}
            {a.archivedAt ? (
              <Badge tone="neutral" testId="agent-archived">
                archived
              </Badge>
            ) : null}
          </ResourceHeader>
          <InstalledFromNote kind="agent" id={a.id} />
          {/* Run slot: the start-run form is RUNUI's component (components/runs/start-run-form.tsx). */}
          {a.archivedAt ? null : <StartRunForm target={{ agent: a.slug }} />}
          <CandidateAwareForm agent={a} />
          <TargetRecentRuns target={{ agent: a.slug }} />
          {a.archivedAt ? null : (
            <McpExposureCard target={{ kind: "agent", id: a.id, slug: a.slug, mcpExposed: a.mcpExposed, mcpSharePrompt: a.mcpSharePrompt }} />
          )}
          <PromotionCard
            target={{
              kind: "agent",
              id: a.id,
              currentVersion: a.currentVersion,
              latestVersion: a.latestVersion,
              archived: a.archivedAt !== null,
              rule: a.promotionRule,
            }}
          />
          <AgentHistory agent={a} />
          {can("agents:delete") && !a.archivedAt ? <ArchiveAgent agent={a} /> : null}
        </div>
      )}
    </ResourcePage>
  );
}
