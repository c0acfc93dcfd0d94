"use client";

import {
  type Cell,
  type ColumnDef,
  type ColumnHelper,
  columnVisibilityFeature,
  createColumnHelper,
  createSortedRowModel,
  FlexRender,
  type Header,
  type RowData,
  rowSortingFeature,
  type SortingState,
  sortFn_alphanumeric,
  sortFn_basic,
  sortFn_datetime,
  sortFn_text,
  tableFeatures,
  useTable,
} from "@tanstack/react-table";
import { ArrowDownIcon, ArrowUpDownIcon, ArrowUpIcon, Columns3Icon } from "lucide-react";
import { type ReactNode, useState, useSyncExternalStore } from "react";
import { cn } from "@/lib/cn";
import { errorMessage } from "@/lib/trpc/errors";
import { Button } from "./button";
import { DropdownMenu, DropdownMenuCheckboxItem, DropdownMenuContent, DropdownMenuLabel, DropdownMenuSeparator, DropdownMenuTrigger } from "./dropdown-menu";
import { Skeleton } from "./skeleton";

/** The TanStack Table features every DataTable has: sorting (of the rows loaded so far) and column visibility. */
export const dataTableFeatures = tableFeatures({
  rowSortingFeature,
  columnVisibilityFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, basic: sortFn_basic, datetime: sortFn_datetime, text: sortFn_text },
});
type Features = typeof dataTableFeatures;

/** A column of a DataTable of rows T. A string `header` also names it in the columns menu and on phone cards. */
// biome-ignore lint/suspicious/noExplicitAny: columns of different value types share one array (TanStack's own idiom)
export type DataTableColumn<T extends RowData> = ColumnDef<Features, T, any>;

/** `const col = dataTableColumns<Agent>(); const columns = [col.accessor("name", { header: "Name" }), ...]` (keep it module-level). */
export function dataTableColumns<T extends RowData>(): ColumnHelper<Features, T> {
  return createColumnHelper<Features, T>();
}

/** The paging props of a DataTable: the same names as PagedList (components/ui/paged-list.tsx), so `{...list}` fits. */
export interface DataTablePaging {
  hasNextPage?: boolean;
  isFetchingNextPage?: boolean;
  fetchNextPage?: () => void;
}

export interface DataTableProps<T extends RowData> extends DataTablePaging {
  columns: readonly DataTableColumn<T>[];
  /** the rows loaded so far; undefined while the first page loads */
  data: T[] | undefined;
  isPending?: boolean;
  isError?: boolean;
  error?: unknown;
  /** what the table says when it has no rows (an EmptyState) */
  empty?: ReactNode;
  getRowId?: (row: T) => string;
  /** how a row shows under the md breakpoint; by default its visible cells as label/value pairs */
  mobileCard?: (row: T) => ReactNode;
  /** the accessible name of the table */
  caption: string;
  testId?: string;
  rowTestId?: string;
  /** `data-*` attributes of a row's element (the table row or the phone card), e.g. `{ "data-name": row.name }` for e2e locators */
  rowAttributes?: (row: T) => Record<`data-${string}`, string | undefined>;
  initialSorting?: SortingState;
  /** the columns hidden at first (by column id) */
  initialHidden?: string[];
  /** "auto" (the default): the table at the md breakpoint and wider, cards below it */
  layout?: "auto" | "table" | "cards";
  className?: string;
}

const EMPTY: never[] = [];

// Tailwind's md breakpoint. One layout is rendered, not both hidden by CSS: a row's buttons and test ids exist once.
const WIDE = "(min-width: 48rem)";
const subscribeWide = (onChange: () => void) => {
  const query = window.matchMedia(WIDE);
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
};

/** True at the md breakpoint and wider; true on the server (the table), then the browser's answer. */
function useWide(): boolean {
  return useSyncExternalStore(
    subscribeWide,
    () => window.matchMedia(WIDE).matches,
    () => true,
  );
}

function headerLabel(header: unknown, id: string): string {
  return typeof header === "string" ? header : id;
}

function SortButton<T extends RowData>({ header }: { header: Header<Features, T, unknown> }) {
  const sorted = header.column.getIsSorted();
  const Icon = sorted === "asc" ? ArrowUpIcon : sorted === "desc" ? ArrowDownIcon : ArrowUpDownIcon;
  return (
    <button
      type="button"
      data-slot="data-table-sort"
      className="-ml-2 inline-flex h-8 items-center gap-1 rounded-md px-2 font-medium outline-none hover:bg-accent hover:text-accent-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
      onClick={header.column.getToggleSortingHandler()}
    >
      <FlexRender header={header} />
      <Icon className={cn("size-3.5", !sorted && "text-muted-foreground")} aria-hidden="true" />
    </button>
  );
}

/**
 * A table of a list query (TanStack Table): click a header to sort the loaded rows, choose the columns shown,
 * "Load more" for the next cursor page; skeleton rows while loading, the `empty` node when there are no rows, the
 * error when the query failed. Under the md breakpoint every row becomes a card (`mobileCard`, else label/value pairs).
 */
export function DataTable<T extends RowData>({
  columns,
  data,
  isPending = false,
  isError = false,
  error,
  empty,
  getRowId,
  mobileCard,
  caption,
  testId,
  rowTestId,
  rowAttributes,
  initialSorting = EMPTY,
  initialHidden = EMPTY,
  layout = "auto",
  hasNextPage,
  isFetchingNextPage,
  fetchNextPage,
  className,
}: DataTableProps<T>) {
  const [sorting, setSorting] = useState<SortingState>(initialSorting);
  const [columnVisibility, setColumnVisibility] = useState<Record<string, boolean>>(() => Object.fromEntries(initialHidden.map((id) => [id, false])));
  const table = useTable({
    features: dataTableFeatures,
    columns: columns as DataTableColumn<T>[],
    data: data ?? (EMPTY as T[]),
    getRowId: getRowId ? (row: T) => getRowId(row) : undefined,
    state: { sorting, columnVisibility },
    onSortingChange: setSorting,
    onColumnVisibilityChange: setColumnVisibility,
  });

  const hideable = table.getAllLeafColumns().filter((c) => c.getCanHide());
  const visibleCount = table.getVisibleLeafColumns().length;
  const rows = table.getRowModel().rows;
  const loading = isPending && !data;
  const wide = useWide();
  const asCards = layout === "cards" || (layout === "auto" && !wide);

  let body: ReactNode;
  if (isError && !data) {
    body = (
      <div
        role="alert"
        data-slot="data-table-error"
        data-testid={testId ? `${testId}-error` : undefined}
        className="rounded-md border border-destructive/40 bg-destructive/10 px-4 py-3 text-sm text-destructive"
      >
        {errorMessage(error, "This list could not be loaded. Try again.")}
      </div>
    );
  } else if (!loading && rows.length === 0 && empty !== undefined) {
    body = empty;
  } else {
    const cellLabel = (cell: Cell<Features, T, unknown>) => headerLabel(cell.column.columnDef.header, cell.column.id);
    body = (
      <>
        {asCards ? null : (
          <div className="overflow-x-auto rounded-md border">
            <table className="w-full caption-bottom text-sm" data-slot="data-table" data-testid={testId} aria-busy={loading || undefined}>
              <caption className="sr-only">{caption}</caption>
              <thead className="[&_tr]:border-b">
                {table.getHeaderGroups().map((group) => (
                  <tr key={group.id}>
                    {group.headers.map((header) => {
                      const sorted = header.column.getIsSorted();
                      return (
                        <th
                          key={header.id}
                          scope="col"
                          aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : header.column.getCanSort() ? "none" : undefined}
                          className="h-10 px-3 text-left align-middle font-medium whitespace-nowrap text-muted-foreground"
                        >
                          {header.isPlaceholder ? null : header.column.getCanSort() ? <SortButton header={header} /> : <FlexRender header={header} />}
                        </th>
                      );
                    })}
                  </tr>
                ))}
              </thead>
              <tbody className="[&_tr:last-child]:border-0">
                {loading
                  ? Array.from({ length: 3 }, (_, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity
                      <tr key={i} className="border-b" data-slot="data-table-skeleton-row">
                        {Array.from({ length: visibleCount }, (_, j) => (
                          // biome-ignore lint/suspicious/noArrayIndexKey: placeholder cells have no identity
                          <td key={j} className="p-3">
                            <Skeleton className="h-4 w-full max-w-40" />
                          </td>
                        ))}
                      </tr>
                    ))
                  : rows.map((row) => (
                      <tr key={row.id} data-testid={rowTestId} {...rowAttributes?.(row.original)} className="border-b transition-colors hover:bg-muted/50">
                        {row.getVisibleCells().map((cell) => (
                          <td key={cell.id} className="p-3 align-middle">
                            <FlexRender cell={cell} />
                          </td>
                        ))}
                      </tr>
                    ))}
              </tbody>
            </table>
          </div>
        )}
        {asCards ? (
          <ul className="grid gap-3" data-slot="data-table-cards" aria-label={caption} aria-busy={loading || undefined}>
            {loading
              ? Array.from({ length: 3 }, (_, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: placeholder cards have no identity
                  <li key={i} className="rounded-lg border p-4">
                    <Skeleton className="mb-2 h-4 w-1/2" />
                    <Skeleton className="h-4 w-3/4" />
                  </li>
                ))
              : rows.map((row) => (
                  <li
                    key={row.id}
                    data-testid={rowTestId}
                    {...rowAttributes?.(row.original)}
                    className="rounded-lg border bg-card p-4 text-card-foreground"
                    data-slot="data-table-card"
                  >
                    {mobileCard ? (
                      mobileCard(row.original)
                    ) : (
                      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
                        {row.getVisibleCells().map((cell) => (
                          <div key={cell.id} className="contents">
                            <dt className="text-muted-foreground">{cellLabel(cell)}</dt>
                            <dd className="min-w-0 break-words">
                              <FlexRender cell={cell} />
                            </dd>
                          </div>
                        ))}
                      </dl>
                    )}
                  </li>
                ))}
          </ul>
        ) : null}
      </>
    );
  }

  return (
    <div data-slot="data-table-root" className={cn("grid gap-3", className)}>
      {hideable.length > 1 && !asCards ? (
        <div className="flex justify-end">
          <DropdownMenu>
            <DropdownMenuTrigger asChild>
              <Button variant="outline" size="sm" data-testid={testId ? `${testId}-columns` : undefined}>
                <Columns3Icon aria-hidden="true" /> Columns
              </Button>
            </DropdownMenuTrigger>
            <DropdownMenuContent align="end">
              <DropdownMenuLabel>Show columns</DropdownMenuLabel>
              <DropdownMenuSeparator />
              {hideable.map((column) => (
                <DropdownMenuCheckboxItem
                  key={column.id}
                  checked={column.getIsVisible()}
                  // the last visible column stays
                  disabled={column.getIsVisible() && visibleCount === 1}
                  onCheckedChange={(checked) => column.toggleVisibility(checked)}
                  onSelect={(e) => e.preventDefault()}
                >
                  {headerLabel(column.columnDef.header, column.id)}
                </DropdownMenuCheckboxItem>
              ))}
            </DropdownMenuContent>
          </DropdownMenu>
        </div>
      ) : null}
      {body}
      {isError && data ? (
        <p role="alert" className="text-sm text-destructive">
          {errorMessage(error, "The next page could not be loaded. Try again.")}
        </p>
      ) : null}
      {hasNextPage && fetchNextPage ? (
        <div className="flex justify-center">
          <Button variant="outline" disabled={isFetchingNextPage} onClick={() => fetchNextPage()} data-testid={testId ? `${testId}-more` : undefined}>
            {isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </div>
      ) : null}
    </div>
  );
}
