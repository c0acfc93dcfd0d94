"use client";

import { Card } from "@/components/ui/card";
import { useConfirm } from "@/components/ui/confirm";
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
  const confirm = useConfirm();
  return (
    <Card title="Archive" tone="danger" description={description}>
      <FormError message={error} />
      <button
        type="button"
        className="btn btn-danger"
        data-testid={testId}
        disabled={pending}
        onClick={async () => {
          if (await confirm({ title: `Archive the ${noun} ${name}?`, description, confirmLabel: `Archive ${noun}`, destructive: true })) onArchive();
        }}
      >
        Archive {noun}
      </button>
    </Card>
  );
}
