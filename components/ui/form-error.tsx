import type { ReactNode } from "react";

/** The inline error of a form. Renders nothing without a message, so a page shows at most the ones that failed. */
export function FormError({ message, children }: { message?: string | null; children?: ReactNode }) {
  if (!message && !children) return null;
  return (
    <div
      className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive"
      data-slot="form-error"
      data-testid="form-error"
      role="alert"
    >
      {message}
      {children}
    </div>
  );
}
