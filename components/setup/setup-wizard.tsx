"use client";

import { useState } from "react";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { CheckCircle2Icon } from "lucide-react";
import { useTRPC } from "@/lib/trpc/react";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { cn } from "@/lib/cn";
import { type Connected, ConnectStep } from "./connect-step";
import { type MadeTeam, TeamStep } from "./team-step";
import { RunStep } from "./run-step";

function Step({ n, title, done, active, children }: { n: number; title: string; done: boolean; active: boolean; children: React.ReactNode }) {
  return (
    <Card className={cn(!active && !done && "opacity-70")} data-testid={`setup-step-${n}`} data-done={done} aria-current={active ? "step" : undefined}>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          {done ? (
            <CheckCircle2Icon className="size-5 text-success" aria-label="Done" />
          ) : (
            <span className="flex size-5 items-center justify-center rounded-full border text-xs">{n}</span>
          )}
          {title}
        </CardTitle>
      </CardHeader>
      {active || done ? <CardContent>{children}</CardContent> : null}
    </Card>
  );
}

/** The first run: a real model connected, a team made from a template, and its first run started, on one page. */
export function SetupWizard() {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const overview = useQuery(trpc.overview.get.queryOptions());
  const [connected, setConnected] = useState<Connected | null>(null);
  const [team, setTeam] = useState<MadeTeam | null>(null);
  const alreadyConnected = overview.data?.checklist.find((c) => c.item === "connect_model")?.done ?? false;
  const modelReady = connected !== null || alreadyConnected;
  const canConnect = can("models:manage") && can("secrets:create");
  const canMakeTeam = can("teams:create") && can("agents:create");

  return (
    <div className="mx-auto grid w-full max-w-3xl gap-6">
      <PageHeader
        title="Set up"
        description="From a provider's API key to a team's first real answer in three steps. Everything made here can be edited later."
      />
      {overview.isPending ? (
        <Skeleton className="h-40" />
      ) : (
        <>
          <Step n={1} title="Connect a model provider" done={modelReady} active={!modelReady}>
            {connected ? (
              <p className="text-sm" data-testid="setup-connected">
                Connected <strong>{connected.provider}</strong>:{" "}
                {connected.models.length > 0
                  ? `${connected.models.length} models added to the catalog (${connected.models.slice(0, 5).join(", ")}${connected.models.length > 5 ? ", …" : ""}).`
                  : "no model Cadre knows was listed; add models on the Models page."}{" "}
                Routing now uses them instead of the simulator.
              </p>
            ) : alreadyConnected ? (
              <p className="text-sm">
                A real provider is connected already.{" "}
                <Link className="underline underline-offset-4" href={`/w/${slug}/providers`}>
                  Providers
                </Link>
              </p>
            ) : canConnect ? (
              <ConnectStep onConnected={setConnected} />
            ) : (
              <p className="text-sm text-muted-foreground">Your role cannot connect providers; ask an admin. Runs use the offline simulator meanwhile.</p>
            )}
          </Step>
          <Step n={2} title="Make a team" done={team !== null} active={modelReady && team === null}>
            {team ? (
              <p className="text-sm" data-testid="setup-team-made">
                Made the team{" "}
                <Link className="underline underline-offset-4" href={`/w/${slug}/teams/${team.slug}`}>
                  {team.name}
                </Link>{" "}
                with its agents.
              </p>
            ) : canMakeTeam ? (
              <TeamStep onMade={setTeam} />
            ) : (
              <p className="text-sm text-muted-foreground">Your role cannot create teams.</p>
            )}
          </Step>
          <Step n={3} title="Run it" done={false} active={team !== null}>
            {team && can("runs:create") ? <RunStep slug={slug} team={team} /> : <p className="text-sm text-muted-foreground">Your role cannot start runs.</p>}
          </Step>
        </>
      )}
    </div>
  );
}
