import { cn } from "@/lib/cn";

/**
 * The looks of a topology drawing's nodes and edges (the team editor's and the live run's), as Tailwind classes on
 * the theme's tokens, so both themes follow.
 */
export const GRAPH_BOX = "w-full overflow-hidden rounded-md border bg-muted/40";

export function nodeClass({
  virtual,
  lead,
  team,
  state,
}: {
  virtual?: boolean;
  lead?: boolean;
  team?: boolean;
  state?: "waiting" | "running" | "done" | "failed";
}) {
  return cn(
    "h-full w-full rounded-md border-[1.5px] border-border bg-card px-2.5 py-1.5 text-[0.8rem] leading-tight shadow-xs transition-colors",
    lead && "border-primary",
    team && "border-2 border-primary bg-primary/10",
    state === "running" && "border-primary bg-primary/10",
    state === "done" && "border-success bg-success/10",
    state === "failed" && "border-destructive bg-destructive/10",
    virtual && "border-dashed bg-muted text-muted-foreground",
  );
}

export const NODE_LABEL = "truncate font-semibold";
export const NODE_META = "truncate text-[0.72rem] text-muted-foreground";

/** The state dot of a live run's node. */
export function nodeDotClass(state: "waiting" | "running" | "done" | "failed") {
  return cn(
    "size-2 shrink-0 rounded-full bg-muted-foreground/50",
    state === "running" && "animate-pulse bg-primary",
    state === "done" && "bg-success",
    state === "failed" && "bg-destructive",
  );
}

/** An edge coloured by the state of the node it leads to; a pair of opposite edges drawn dashed. */
export function edgeClass({ state, mutual }: { state?: "waiting" | "running" | "done" | "failed"; mutual?: boolean }) {
  return cn(
    state === "running" && "[&_path]:stroke-primary",
    state === "done" && "[&_path]:stroke-success",
    state === "failed" && "[&_path]:stroke-destructive",
    mutual && "[&_path]:[stroke-dasharray:4_3]",
  );
}
