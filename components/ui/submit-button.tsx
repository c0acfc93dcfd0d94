import type { ReactNode } from "react";

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
    <button type="submit" className={block ? "btn btn-primary btn-block" : "btn btn-primary"} data-testid={testId} disabled={pending || disabled}>
      {pending ? pendingLabel : children}
    </button>
  );
}
