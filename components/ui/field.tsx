import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";

interface FieldFrame {
  label: ReactNode;
  /** a tooltip on the label */
  labelTitle?: string;
  hint?: ReactNode;
  grow?: boolean;
}

/** A labelled form control with an optional hint underneath; `grow` lets it take the free width of a form row. */
export function Field({ label, labelTitle, htmlFor, hint, grow, children }: FieldFrame & { htmlFor: string; children: ReactNode }) {
  return (
    <div className={grow ? "field grow" : "field"}>
      <label htmlFor={htmlFor} title={labelTitle}>
        {label}
      </label>
      {children}
      {hint ? <div className="field-hint">{hint}</div> : null}
    </div>
  );
}

/** The props of a control inside a Field: its id is also its test id; controlled by `value` and `onValueChange`. */
interface ControlProps extends FieldFrame {
  id: string;
  value: string;
  onValueChange: (value: string) => void;
}

function splitFrame<T extends FieldFrame>({ label, labelTitle, hint, grow, ...control }: T) {
  return [{ label, labelTitle, hint, grow }, control] as const;
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange">;

/** A Field around one text-like input. `after` follows the input (e.g. its datalist). */
export function InputField({ id, value, onValueChange, after, ...props }: InputProps & ControlProps & { after?: ReactNode }) {
  const [frame, input] = splitFrame(props);
  return (
    <Field {...frame} htmlFor={id}>
      <input id={id} data-testid={id} {...input} value={value} onChange={(e) => onValueChange(e.target.value)} />
      {after}
    </Field>
  );
}

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, "id" | "value" | "onChange">;

/** A Field around one select (its options are the children). */
export function SelectField({ id, value, onValueChange, children, ...props }: SelectProps & ControlProps & { children: ReactNode }) {
  const [frame, select] = splitFrame(props);
  return (
    <Field {...frame} htmlFor={id}>
      <select id={id} data-testid={id} {...select} value={value} onChange={(e) => onValueChange(e.target.value)}>
        {children}
      </select>
    </Field>
  );
}
