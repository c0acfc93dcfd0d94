/**
 * US dollars as people read them: cents when the amount is whole cents ("$9.95"), otherwise as many
 * decimals as it takes, up to 7 ("$0.0834", "$0.1000001"), so that a refused call's message never
 * rounds its numbers into looking allowed.
 */
export function formatUsd(amount: number): string {
  if (!Number.isFinite(amount)) return "—";
  const sign = amount < 0 ? "-" : "";
  const abs = Math.abs(amount);
  let text = abs.toFixed(7).replace(/0+$/, "");
  const [whole = "0", decimals = ""] = text.split(".");
  text = `${whole}.${decimals.padEnd(2, "0")}`;
  // below what we show: never print a non-zero amount as zero
  if (text === "0.00" && abs > 0) return `${sign ? ">-" : "<"}$0.0000001`;
  const [w, d] = text.split(".");
  return `${sign}$${Number(w).toLocaleString("en-US")}.${d}`;
}
