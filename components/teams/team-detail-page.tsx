"use client";

import { useDocumentTitle } from "@/components/shell/use-document-title";
import { ExportTeamButton } from "./export-team-button";
import { TargetRecentRuns } from "@/components/runs/target-recent-runs";
import { McpExposureCard } from "@/components/mcp/mcp-exposure-card";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Badge } from "@/components/ui/badge";
import { ResourceHeader, ResourcePage } from "@/components/ui/resource-page";
import { InstalledFromNote } from "@/components/marketplace/installed-from-note";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { HistoryCard, useComparePair } from "@/components/versions/history-card";
import { ArchiveCard } from "@/components/versions/archive-card";
import { StartRunForm } from "@/components/runs/start-run-form";
import type { TeamOutput } from "@/lib/schemas/teams";
import { TOPOLOGY_LABELS } from "./spec-draft";
import { TeamEditor } from "./team-editor";
import { PromotionCard } from "@/components/versions/promotion-card";
import { TeamEstimateCard } from "./run-estimate";

function TeamHistory({ team }: { team: TeamOutput }) {
  const trpc = useTRPC();
  const versions = usePagedList(useInfiniteQuery(trpc.teams.versions.infiniteQueryOptions({ team: team.id }, { getNextPageParam: nextPageParam })));
  const pair = useComparePair(team.currentVersion);
  const diff = useQuery({ ...trpc.teams.diff.queryOptions({ team: team.id, from: pair.from, to: pair.to }), enabled: team.currentVersion > 1 });
  const { can } = useWorkspace();
  const queryClient = useQueryClient();
  const restore = useMutation(trpc.teams.restore.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.teams.pathKey() }) }));
  return (
    <HistoryCard
      versions={versions}
      summary={(v) => TOPOLOGY_LABELS[v.spec.topology]}
      diff={diff}
      current={team.currentVersion}
      restore={
        can("teams:update") && !team.archivedAt
          ? {
              onRestore: (version) => restore.mutate({ team: team.id, version, baseVersion: team.latestVersion }),
              pending: restore.isPending,
              error: restore.error,
              restored: restore.data?.currentVersion ?? null,
            }
          : undefined
      }
      pair={pair}
      rowTestId="team-version-row"
      diffTestId="team-diff"
    />
  );
}

/** The editor shows what an edit builds on: the latest version (a candidate's when one awaits its evaluation). */
function CandidateAwareEditor({ team }: { team: TeamOutput }) {
  const trpc = useTRPC();
  const candidate = team.latestVersion !== team.currentVersion;
  const latest = useQuery({ ...trpc.teams.versions.queryOptions({ team: team.id, limit: 1 }), enabled: candidate });
  const version = latest.data?.items[0];
  if (candidate && !version) return null;
  const fields =
    candidate && version
      ? {
          name: version.name,
          description: version.description,
          spec: version.spec,
          topology: version.spec.topology,
          qualityGate: version.qualityGate,
          agentGates: version.agentGates,
        }
      : {};
  return <TeamEditor key={team.id} team={{ ...team, ...fields }} />;
}

function ArchiveTeam({ team }: { team: TeamOutput }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const archive = useMutation(trpc.teams.archive.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.teams.pathKey() }) }));
  return (
    <ArchiveCard
      noun="team"
      name={team.name}
      description="An archived team cannot be changed or started; its versions and past runs stay readable. Its slug stays taken."
      testId="team-archive"
      pending={archive.isPending}
      error={archive.error ? errorMessage(archive.error) : null}
      onArchive={() => archive.mutate({ team: team.id })}
    />
  );
}

export function TeamDetailPage({ team: ref }: { team: string }) {
  const trpc = useTRPC();
  const { can, slug, workspace } = useWorkspace();
  const team = useQuery({ ...trpc.teams.get.queryOptions({ team: ref }), enabled: can("teams:read") });
  useDocumentTitle([team.data?.name, "Teams", workspace.name]);
  return (
    <ResourcePage
      readable={can("teams:read")}
      noAccess="Your role cannot see the teams of this workspace."
      query={team}
      notFound={`No team "${ref}" in this workspace.`}
      backHref={`/w/${slug}/teams`}
      backLabel="← All teams"
    >
      {(t) => (
        <div className="grid gap-6" data-testid="team-page" data-slug={t.slug}>
          <ResourceHeader
            crumbs={[{ label: "Teams", href: `/w/${slug}/teams` }]}
            title={t.name}
            actions={can("agents:read") ? <ExportTeamButton team={t.slug} /> : null}
          >
            <code>{t.slug}</code> · {TOPOLOGY_LABELS[t.topology]} · version {t.currentVersion}{" "}
            {t.archivedAt ? (
              <Badge tone="neutral" testId="team-archived">
                archived
              </Badge>
            ) : null}
          </ResourceHeader>
          <InstalledFromNote kind="team" id={t.id} />
          {t.description ? <p className="whitespace-pre-wrap text-muted-foreground">{t.description}</p> : null}
          {/* Run slot: the start-run form is RUNUI's component (components/runs/start-run-form.tsx). */}
          {t.archivedAt ? null : <StartRunForm target={{ team: t.slug }} />}
          <TeamEstimateCard team={t.id} />
          <CandidateAwareEditor team={t} />
          <TargetRecentRuns target={{ team: t.slug }} />
          {t.archivedAt ? null : <McpExposureCard target={{ kind: "team", id: t.id, slug: t.slug, mcpExposed: t.mcpExposed }} />}
          <PromotionCard
            target={{
              kind: "team",
              id: t.id,
              currentVersion: t.currentVersion,
              latestVersion: t.latestVersion,
              archived: t.archivedAt !== null,
              rule: t.promotionRule,
            }}
          />
          <TeamHistory team={t} />
          {can("teams:delete") && !t.archivedAt ? <ArchiveTeam team={t} /> : null}
        </div>
      )}
    </ResourcePage>
  );
}
