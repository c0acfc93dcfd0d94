"use client";

import { useMemo } from "react";
import { useRouter } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { CommandDialog, CommandEmpty, CommandGroup, CommandInput, CommandItem, CommandList } from "@/components/ui/command";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { paletteItems, type PaletteItem } from "./palette-items";

const GROUPS: PaletteItem["group"][] = ["Actions", "Pages", "Agents", "Teams", "Recent runs"];

/** Ctrl/Cmd-K: jump to any page, agent, team or recent run, or start a run; loaded the first time it opens. */
export default function CommandPalette({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { slug, can } = useWorkspace();
  const agents = useQuery({ ...trpc.agents.list.queryOptions({ limit: 100 }), enabled: open && can("agents:read") });
  const teams = useQuery({ ...trpc.teams.list.queryOptions({ limit: 100 }), enabled: open && can("teams:read") });
  const runs = useQuery({ ...trpc.runs.list.queryOptions({ limit: 10 }), enabled: open && can("runs:read") });
  const items = useMemo(
    () => paletteItems(can, { agents: agents.data?.items, teams: teams.data?.items, runs: runs.data?.items }),
    [can, agents.data, teams.data, runs.data],
  );
  const go = (item: PaletteItem) => {
    onOpenChange(false);
    router.push(`/w/${slug}${item.path}`);
  };
  return (
    <CommandDialog open={open} onOpenChange={onOpenChange} title="Search" description="Go to a page, an agent, a team or a run, or start one">
      <CommandInput placeholder="Search pages, agents, teams, runs…" data-testid="command-palette-input" />
      <CommandList data-testid="command-palette">
        <CommandEmpty>Nothing matches.</CommandEmpty>
        {GROUPS.map((group) => {
          const inGroup = items.filter((i) => i.group === group);
          if (inGroup.length === 0) return null;
          return (
            <CommandGroup key={group} heading={group}>
              {inGroup.map((item) => (
                <CommandItem
                  key={item.id}
                  value={item.id}
                  keywords={[item.label, ...item.keywords]}
                  onSelect={() => go(item)}
                  data-testid="command-palette-item"
                  data-item={item.id}
                >
                  {item.label}
                </CommandItem>
              ))}
            </CommandGroup>
          );
        })}
      </CommandList>
    </CommandDialog>
  );
}
