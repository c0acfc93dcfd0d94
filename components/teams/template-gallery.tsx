"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { LayoutTemplateIcon } from "lucide-react";
import { toast } from "sonner";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { TOPOLOGY_LABELS } from "./spec-draft";

/** Cadre's team templates; one click creates the team and its agents and opens the team. */
export function TemplateGallery({ defaultOpen = false }: { defaultOpen?: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const [open, setOpen] = useState(defaultOpen);
  const templates = useQuery({ ...trpc.teams.templates.queryOptions(), enabled: open, staleTime: Infinity });
  const create = useMutation(
    trpc.teams.createFromTemplate.mutationOptions({
      onSuccess: async (created) => {
        toast.success(`Created the team "${created.team.name}" with ${created.agents.length} agents`);
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.teams.list.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.agents.list.pathKey() }),
        ]);
        setOpen(false);
        router.push(`/w/${slug}/teams/${created.team.slug}`);
      },
    }),
  );
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline" data-testid="team-templates-open">
          <LayoutTemplateIcon aria-hidden />
          From a template
        </Button>
      </DialogTrigger>
      <DialogContent className="max-h-[90svh] overflow-y-auto sm:max-w-3xl" data-testid="team-templates">
        <DialogHeader>
          <DialogTitle>Start from a template</DialogTitle>
          <DialogDescription>Each creates a team and its agents, ready to run and to edit. Using one twice makes a second copy.</DialogDescription>
        </DialogHeader>
        {create.isError ? (
          <p role="alert" className="text-sm text-destructive">
            {errorMessage(create.error)}
          </p>
        ) : null}
        {templates.isPending ? (
          <div className="grid gap-3 sm:grid-cols-2">
            <Skeleton className="h-40" />
            <Skeleton className="h-40" />
          </div>
        ) : templates.isError ? (
          <p role="alert" className="text-sm text-destructive">
            The templates could not be loaded: {errorMessage(templates.error)}
          </p>
        ) : (
          <ul className="grid gap-3 sm:grid-cols-2">
            {templates.data.map((t) => (
              <li key={t.id} className="flex flex-col gap-2 rounded-lg border p-4" data-testid="team-template" data-template={t.id}>
                <div className="flex items-start justify-between gap-2">
                  <h3 className="font-semibold">{t.name}</h3>
                  <Badge tone="info">{TOPOLOGY_LABELS[t.topology as keyof typeof TOPOLOGY_LABELS] ?? t.topology}</Badge>
                </div>
                <p className="text-sm">{t.summary}</p>
                <p className="text-sm text-muted-foreground">{t.howItWorks}</p>
                <p className="text-xs text-muted-foreground">Agents: {t.agents.map((a) => a.name).join(", ")}</p>
                <Button
                  className="mt-auto self-start"
                  size="sm"
                  disabled={create.isPending}
                  onClick={() => create.mutate({ templateId: t.id })}
                  data-testid="team-template-use"
                >
                  {create.isPending && create.variables?.templateId === t.id ? "Creating…" : "Use this template"}
                </Button>
              </li>
            ))}
          </ul>
        )}
      </DialogContent>
    </Dialog>
  );
}
