/**
 * Hands a file to the browser as a download: a Blob, an object URL and a click on an <a download>. In serve mode the
 * browser saves it where the user keeps downloads; in the desktop app Electron asks where to save it. The bytes came
 * through the API client, so no URL that could leak carries the serve-mode token.
 */
export function downloadFile(fileName: string, mimeType: string, content: string, encoding: 'utf8' | 'base64'): void {
  const body = encoding === 'base64' ? base64Bytes(content) : content;
  saveBlob(fileName, new Blob([body], { type: mimeType }));
}

/** Clicks a hidden <a download> on the blob's object URL. */
export function saveBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The click has started the download; the URL is released once the browser has read it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function base64Bytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** An SVG as an <img> source: drawn as an image, so nothing in it can run or reach the page. */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
