"use client";

import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";

/** The danger-zone card of a versioned resource (agent, team): archive after a confirmation. */
export function ArchiveCard({
  noun,
  name,
  description,
  testId,
  pending,
  error,
  onArchive,
}: {
  noun: string;
  name: string;
  description: string;
  testId: string;
  pending: boolean;
  error: string | null;
  onArchive: () => void;
}) {
  return (
    <Card title="Archive" className="card-danger" description={description}>
      <FormError message={error} />
      <button
        type="button"
        className="btn btn-danger"
        data-testid={testId}
        disabled={pending}
        onClick={() => {
          if (window.confirm(`Archive the ${noun} ${name}?`)) onArchive();
        }}
      >
        Archive {noun}
      </button>
    </Card>
  );
}
