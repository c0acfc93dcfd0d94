import { Loader2Icon, LockIcon } from "lucide-react";
import type { ReactNode } from "react";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="flex items-center gap-2 py-4 text-sm text-muted-foreground" aria-busy="true" data-slot="loading">
      <Loader2Icon className="size-4 animate-spin" aria-hidden="true" />
      {label}
    </div>
  );
}

/** A page section the role may not see. */
export function NoAccess({ children }: { children: ReactNode }) {
  return (
    <div className="flex items-start gap-2 rounded-lg border bg-muted/40 px-4 py-3 text-sm text-muted-foreground" data-testid="no-access">
      <LockIcon className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
      <div>{children}</div>
    </div>
  );
}
