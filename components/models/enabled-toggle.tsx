/** The Enabled checkbox of a provider or a catalog model row. */
export function EnabledToggle({
  name,
  testId,
  checked,
  disabled,
  onToggle,
}: {
  name: string;
  testId: string;
  checked: boolean;
  disabled: boolean;
  onToggle: (enabled: boolean) => void;
}) {
  return (
    <input
      type="checkbox"
      className="size-4 accent-primary disabled:cursor-not-allowed disabled:opacity-50"
      aria-label={`${name} enabled`}
      data-testid={testId}
      checked={checked}
      disabled={disabled}
      onChange={(e) => onToggle(e.target.checked)}
    />
  );
}
