"use client";

import { Card } from "@/components/ui/card";
import { useConfirm } from "@/components/ui/confirm";
import { FormError } from "@/components/ui/form-error";
import { Button } from "@/components/ui/button";

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
      <Button
        variant="destructive"
        data-testid={testId}
        disabled={pending}
        onClick={async () => {
          if (await confirm({ title: `Archive the ${noun} ${name}?`, description, confirmLabel: `Archive ${noun}`, destructive: true })) onArchive();
        }}
      >
        Archive {noun}
      </Button>
    </Card>
  );
}
