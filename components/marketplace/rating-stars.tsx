import { StarIcon } from "lucide-react";
import { cn } from "@/lib/cn";

/** A rating out of 5 as stars (half rounded up to a whole), with the average and the count for screen readers. */
export function RatingStars({ average, count, className }: { average: number | null; count?: number; className?: string }) {
  const label = average === null ? "Not rated yet" : `Rated ${average.toFixed(1)} out of 5${count === undefined ? "" : ` (${count})`}`;
  const filled = average === null ? 0 : Math.round(average);
  return (
    <span className={cn("inline-flex items-center gap-1 text-xs text-muted-foreground", className)} title={label} data-testid="rating">
      <span className="sr-only">{label}</span>
      <span className="inline-flex" aria-hidden>
        {[1, 2, 3, 4, 5].map((n) => (
          <StarIcon key={n} className={cn("size-3.5", n <= filled ? "fill-amber-400 text-amber-400" : "text-muted-foreground/40")} />
        ))}
      </span>
      {average === null ? null : (
        <span aria-hidden>
          {average.toFixed(1)}
          {count === undefined ? "" : ` (${count})`}
        </span>
      )}
    </span>
  );
}
