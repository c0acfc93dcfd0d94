import type { ReactNode } from "react";
import { Button } from "./button";
import { Loading } from "./loading";

/**
 * The table of a list query: a spinner while it loads, `empty` once it has no rows (when given), else the
 * table in its scrolling wrapper (also when the query failed: the card shows the error above it).
 */
export function QueryTable({ query, empty, children }: { query: { isPending: boolean; data?: readonly unknown[] }; empty?: ReactNode; children: ReactNode }) {
  if (query.isPending) return <Loading />;
  if (empty !== undefined && query.data && query.data.length === 0) return empty;
  return <div className="overflow-x-auto">{children}</div>;
}

/** The header of a table's last column, the row buttons; its name is for screen readers only. */
export function ActionsHeader() {
  return (
    <th className="w-px text-right whitespace-nowrap">
      <span className="sr-only">Actions</span>
    </th>
  );
}

/** A small button that deletes, revokes or removes the row it stands in. */
export function RowDangerButton({
  testId,
  disabled,
  title,
  onClick,
  children,
}: {
  testId: string;
  disabled?: boolean;
  title?: string;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <Button
      variant="ghost"
      size="sm"
      className="text-destructive hover:bg-destructive/10 hover:text-destructive"
      data-testid={testId}
      disabled={disabled}
      title={title}
      onClick={onClick}
    >
      {children}
    </Button>
  );
}
