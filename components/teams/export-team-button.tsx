"use client";

import { useQueryClient } from "@tanstack/react-query";
import { DownloadIcon } from "lucide-react";
import { toast } from "sonner";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Button } from "@/components/ui/button";
import { downloadFile as download } from "@/components/ui/download";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";

/** Downloads the team and the agents it names as a team file (YAML or JSON) to keep in Git or import elsewhere. */
export function ExportTeamButton({ team }: { team: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const save = async (format: "yaml" | "json") => {
    try {
      const out = await queryClient.fetchQuery({ ...trpc.teams.export.queryOptions({ team }), staleTime: 0 });
      if (format === "yaml") download(`${out.filename}.yaml`, "application/yaml", out.yaml);
      else download(`${out.filename}.json`, "application/json", `${JSON.stringify(out.bundle, null, 2)}\n`);
    } catch (error) {
      toast.error(`The team could not be exported: ${errorMessage(error)}`);
    }
  };
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="outline" size="sm" data-testid="team-export">
          <DownloadIcon aria-hidden />
          Export
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem onSelect={() => void save("yaml")} data-testid="team-export-yaml">
          As YAML
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => void save("json")} data-testid="team-export-json">
          As JSON
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
