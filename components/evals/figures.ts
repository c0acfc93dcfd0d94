/** How the evaluation pages show scores (0..1, two decimals) and rates (percent); "—" when there is none. */
export const score = (value: number | null | undefined): string => (value === null || value === undefined ? "—" : value.toFixed(2));
export const percent = (value: number | null | undefined): string => (value === null || value === undefined ? "—" : `${Math.round(value * 1000) / 10}%`);
export const signed = (value: number | null | undefined): string =>
  value === null || value === undefined ? "—" : `${value > 0 ? "+" : ""}${value.toFixed(2)}`;
