"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";

export interface MadeTeam {
  slug: string;
  name: string;
  template: string;
}

/** Step 2: a team from a template (its agents with it), editable afterwards. */
export function TeamStep({ onMade }: { onMade: (t: MadeTeam) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const templates = useQuery({ ...trpc.teams.templates.queryOptions(), staleTime: Infinity });
  const create = useMutation(
    trpc.teams.createFromTemplate.mutationOptions({
      onSuccess: async (out, variables) => {
        await queryClient.invalidateQueries({ queryKey: trpc.overview.get.queryKey() });
        onMade({ slug: out.team.slug, name: out.team.name, template: variables.templateId });
      },
    }),
  );
  if (templates.isPending) return <Skeleton className="h-32" />;
  if (templates.isError)
    return (
      <p role="alert" className="text-sm text-destructive">
        The templates could not be loaded: {errorMessage(templates.error)}
      </p>
    );
  return (
    <div className="grid gap-3">
      {create.isError ? (
        <p role="alert" className="text-sm text-destructive">
          {errorMessage(create.error)}
        </p>
      ) : null}
      <ul className="grid gap-3 sm:grid-cols-2">
        {templates.data.map((t) => (
          <li key={t.id} className="flex flex-col gap-2 rounded-lg border p-4" data-testid="setup-template" data-template={t.id}>
            <h3 className="font-semibold">{t.name}</h3>
            <p className="text-sm text-muted-foreground">{t.summary}</p>
            <Button
              size="sm"
              variant="outline"
              className="mt-auto self-start"
              disabled={create.isPending}
              onClick={() => create.mutate({ templateId: t.id })}
              data-testid="setup-template-use"
            >
              {create.isPending && create.variables?.templateId === t.id ? "Creating…" : "Use this team"}
            </Button>
          </li>
        ))}
      </ul>
    </div>
  );
}
