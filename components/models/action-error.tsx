/** A row action's failure (toggle, delete, test), above the table. */
export function ActionError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div role="alert" data-testid="form-error" className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
      {message}
    </div>
  );
}
