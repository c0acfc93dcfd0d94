"use client";

import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorCode, errorMessage } from "@/lib/trpc/errors";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading, NoAccess } from "@/components/ui/loading";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { DiffView, VersionHistory } from "@/components/versions/version-history";
import { ArchiveCard } from "@/components/versions/archive-card";
import { StartRunForm } from "@/components/runs/start-run-form";
import type { TeamOutput } from "@/lib/schemas/teams";
import { TOPOLOGY_LABELS } from "./spec-draft";
import { TeamEditor } from "./team-editor";

function TeamHistory({ team }: { team: TeamOutput }) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.teams.versions.queryOptions({ team: team.id }));
  const [pair, setPair] = useState<[number, number] | null>(null);
  const [from, to] = pair ?? (team.currentVersion > 1 ? [team.currentVersion - 1, team.currentVersion] : [1, 1]);
  const diff = useQuery({ ...trpc.teams.diff.queryOptions({ team: team.id, from, to }), enabled: team.currentVersion > 1 });
  return (
    <Card title="History" description="Every save is a version; runs pin the version they started with.">
      <FormError message={versions.isError ? errorMessage(versions.error) : diff.isError ? errorMessage(diff.error) : null} />
      {versions.isPending ? (
        <Loading />
      ) : (
        <VersionHistory
          versions={(versions.data ?? []).map((v) => ({ version: v.version, name: v.name, createdAt: v.createdAt, summary: TOPOLOGY_LABELS[v.spec.topology] }))}
          current={team.currentVersion}
          rowTestId="team-version-row"
          from={from}
          to={to}
          onCompare={(f, t) => setPair([f, t])}
        />
      )}
      {diff.data ? <DiffView from={diff.data.from} to={diff.data.to} changes={diff.data.changes} testId="team-diff" /> : null}
    </Card>
  );
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
  const { can, slug } = useWorkspace();
  const team = useQuery({ ...trpc.teams.get.queryOptions({ team: ref }), enabled: can("teams:read") });
  if (!can("teams:read")) return <div className="page"><NoAccess>Your role cannot see the teams of this workspace.</NoAccess></div>;
  if (team.isPending) return <div className="page"><Loading /></div>;
  if (team.isError || !team.data) {
    return (
      <div className="page">
        <FormError message={errorCode(team.error) === "NOT_FOUND" ? `No team "${ref}" in this workspace.` : errorMessage(team.error)} />
        <Link href={`/w/${slug}/teams`}>← All teams</Link>
      </div>
    );
  }
  const t = team.data;
  return (
    <div className="page" data-testid="team-page" data-slug={t.slug}>
      <div className="page-header">
        <div>
          <Link href={`/w/${slug}/teams`} className="muted small">← Teams</Link>
          <h1>{t.name}</h1>
          <p className="muted small">
            <code>{t.slug}</code> · {TOPOLOGY_LABELS[t.topology]} · version {t.currentVersion}{" "}
            {t.archivedAt ? <Badge tone="neutral" testId="team-archived">archived</Badge> : null}
          </p>
        </div>
      </div>
      {t.description ? <p className="team-description">{t.description}</p> : null}
      {/* Run slot: the start-run form is RUNUI's component (components/runs/start-run-form.tsx). */}
      {t.archivedAt ? null : <StartRunForm target={{ team: t.slug }} />}
      <TeamEditor key={t.id} team={t} />
      <TeamHistory team={t} />
      {can("teams:delete") && !t.archivedAt ? <ArchiveTeam team={t} /> : null}
    </div>
  );
}
