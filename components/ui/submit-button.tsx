import type { ReactNode } from "react";
import { Button } from "./button";

/** A form's primary submit button: disabled and relabelled while the submission is pending. */
export function SubmitButton({
  testId,
  pending,
  pendingLabel,
  disabled,
  block,
  children,
}: {
  testId: string;
  pending: boolean;
  pendingLabel: string;
  disabled?: boolean;
  block?: boolean;
  children: ReactNode;
}) {
  return (
    <Button type="submit" className={block ? "w-full" : undefined} data-testid={testId} disabled={pending || disabled}>
      {pending ? pendingLabel : children}
    </Button>
  );
}
