import type { ReactNode } from "react";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="loading" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

/** A page section the role may not see. */
export function NoAccess({ children }: { children: ReactNode }) {
  return (
    <div className="notice" data-testid="no-access">
      {children}
    </div>
  );
}
