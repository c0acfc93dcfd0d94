"use client";

/** A checkbox per judge of the workspace; the value names them by slug (an id in the value counts as its judge too). */
export function JudgeChecklist({
  judges,
  value,
  onChange,
  testId,
}: {
  judges: readonly { id: string; slug: string; name: string }[];
  value: readonly string[];
  onChange: (value: string[]) => void;
  testId: string;
}) {
  const named = (j: { id: string; slug: string }) => value.includes(j.slug) || value.includes(j.id);
  return (
    <div className="flex flex-wrap gap-3" data-testid={testId}>
      {judges.map((j) => (
        <label key={j.id} className="flex items-center gap-1 text-sm">
          <input
            type="checkbox"
            checked={named(j)}
            onChange={(e) => onChange(e.target.checked ? [...value, j.slug] : value.filter((s) => s !== j.slug && s !== j.id))}
          />
          {j.name}
        </label>
      ))}
    </div>
  );
}
