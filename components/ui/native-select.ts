/**
 * The look of a native <select> beside the ui inputs (the same height, border, focus ring), for the plain selects
 * of filters and small forms where the Radix Select would be more than is needed.
 */
export const SELECT_CLASS =
  "h-9 w-full rounded-md border border-input bg-transparent px-3 text-sm shadow-xs focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50 focus-visible:outline-none disabled:cursor-not-allowed disabled:opacity-50 dark:bg-input/30";
