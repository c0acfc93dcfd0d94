/** Saves `body` as a file named `name` in the browser (a temporary object URL clicked as a download link). */
export function downloadFile(name: string, type: string, body: string): void {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}
