import Link from "next/link";
import { Badge } from "@/components/ui/badge";

/** The first cell of a versioned resource's row (an agent, a team): its name linking to its page, its slug, archived or not. */
export function NameCell({ href, name, slug, archived }: { href: string; name: string; slug: string; archived: boolean }) {
  return (
    <div className="grid gap-0.5">
      <Link href={href} className="font-medium hover:underline">
        {name}
      </Link>
      <span className="flex items-center gap-2">
        <code className="font-mono text-xs text-muted-foreground">{slug}</code>
        {archived ? <Badge tone="neutral">archived</Badge> : null}
      </span>
    </div>
  );
}

/** The "show archived" switch above a list of versioned resources. */
export function ArchivedToggle({ checked, onChange, testId }: { checked: boolean; onChange: (checked: boolean) => void; testId: string }) {
  return (
    <label className="inline-flex items-center gap-2 justify-self-end text-sm">
      <input type="checkbox" className="size-4 accent-primary" data-testid={testId} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      show archived
    </label>
  );
}
