"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { UploadIcon } from "lucide-react";
import { toast } from "sonner";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { MAX_BUNDLE_TEXT } from "@/lib/schemas/team-bundle";

interface Issue {
  path: string;
  message: string;
}

function issuesOf(error: unknown): Issue[] {
  const issues = (error as { data?: { issues?: unknown } } | null)?.data?.issues;
  return Array.isArray(issues) ? (issues as Issue[]) : [];
}

/** Imports a team file (YAML or JSON, as exported): its agents and team are created together, or nothing is. */
export function ImportTeamDialog() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const importTeam = useMutation(
    trpc.teams.import.mutationOptions({
      onSuccess: async (created) => {
        toast.success(`Imported the team "${created.team.name}" with ${created.agents.length} agents`);
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.teams.list.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.agents.list.pathKey() }),
        ]);
        setOpen(false);
        setText("");
        router.push(`/w/${slug}/teams/${created.team.slug}`);
      },
    }),
  );
  const readFile = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > MAX_BUNDLE_TEXT) {
      toast.error(`The file is larger than ${Math.round(MAX_BUNDLE_TEXT / 1000)} kB`);
      return;
    }
    setText(await file.text());
  };
  const issues = issuesOf(importTeam.error);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline" data-testid="team-import-open">
          <UploadIcon aria-hidden />
          Import
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>Import a team</DialogTitle>
          <DialogDescription>
            A team file as Cadre exports it (YAML or JSON): the team and the agents it names, by slug. Nested teams must already exist here.
          </DialogDescription>
        </DialogHeader>
        <form
          className="grid gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            importTeam.mutate({ text });
          }}
        >
          <div className="grid gap-2">
            <Label htmlFor="team-import-file">File</Label>
            <input
              id="team-import-file"
              type="file"
              accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml"
              className="text-sm file:mr-3 file:rounded-md file:border file:bg-secondary file:px-3 file:py-1.5 file:text-secondary-foreground"
              onChange={(e) => void readFile(e.target.files?.[0])}
              data-testid="team-import-file"
            />
          </div>
          <div className="grid gap-2">
            <Label htmlFor="team-import-text">Or paste it</Label>
            <Textarea
              id="team-import-text"
              rows={10}
              className="font-mono text-xs"
              value={text}
              onChange={(e) => setText(e.target.value)}
              maxLength={MAX_BUNDLE_TEXT}
              data-testid="team-import-text"
            />
          </div>
          {importTeam.isError ? (
            <div role="alert" className="grid gap-1 text-sm text-destructive" data-testid="team-import-error">
              <p>{issues.length > 0 ? "The file was not imported: nothing was created." : errorMessage(importTeam.error)}</p>
              {issues.length > 0 ? (
                <ul className="list-disc pl-5">
                  {issues.map((i) => (
                    <li key={`${i.path}:${i.message}`}>
                      {i.path ? <code>{i.path}</code> : null} {i.message}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}
          <DialogFooter>
            <Button type="submit" disabled={importTeam.isPending || text.trim() === ""} data-testid="team-import-submit">
              {importTeam.isPending ? "Importing…" : "Import"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
