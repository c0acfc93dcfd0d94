import type { InputHTMLAttributes, ReactNode } from "react";

/** A labelled form control with an optional hint underneath; `grow` lets it take the free width of a form row. */
export function Field({ label, htmlFor, hint, grow, children }: { label: ReactNode; htmlFor: string; hint?: ReactNode; grow?: boolean; children: ReactNode }) {
  return (
    <div className={grow ? "field grow" : "field"}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {hint ? <div className="field-hint">{hint}</div> : null}
    </div>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange">;

/** A Field around one text-like input; its id is also its test id. */
export function InputField({
  label,
  id,
  hint,
  grow,
  value,
  onValueChange,
  ...input
}: InputProps & {
  label: ReactNode;
  id: string;
  hint?: ReactNode;
  grow?: boolean;
  value: string;
  onValueChange: (value: string) => void;
}) {
  return (
    <Field label={label} htmlFor={id} hint={hint} grow={grow}>
      <input id={id} data-testid={id} {...input} value={value} onChange={(e) => onValueChange(e.target.value)} />
    </Field>
  );
}
